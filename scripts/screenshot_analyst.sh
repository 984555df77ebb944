#!/usr/bin/env bash
# The analyst's 3D view in real QGIS desktop under Xvfb with Mesa's llvmpipe (OpenGL on the CPU), German UI.
#   scripts/screenshot_analyst.sh [TWIN.gpkg] [OUT_DIR]
# Without TWIN the sample district (60 buildings, with its DGM) is generated and built into a twin first.
# Writes OUT_DIR (default docs/screenshots) /analyst-3d-de.png and, into a work folder, the report and project.
# Needs: xvfb-run (Debian: xvfb, xauth), QGIS desktop with 3D, Mesa (libgl1-mesa-dri).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TWIN=${1:-}
OUT=$(realpath -m "${2:-$ROOT/docs/screenshots}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/geotwin-shot.XXXXXX")
QP="$ROOT/scripts/qgis_process"
if [ -z "$TWIN" ]; then
  D="$WORK/district"
  run() { "$QP" run "$@" >/dev/null; }
  run geotwin:sampledistrict -- BUILDINGS=60 OUTPUT="$D"
  run geotwin:importcitymodel -- INPUT="$D/district.gml" OUTPUT="$WORK/citymodel.gpkg"
  run geotwin:importifc -- INPUT="$D/school.ifc" OUTPUT="$WORK/school.gpkg"
  run geotwin:importlearningislands -- INPUT="$D/learning_islands.geojson" \
      BUILDINGS="$WORK/citymodel.gpkg|layername=footprints" ROOMS="$WORK/school.gpkg|layername=bim_spaces" \
      OUTPUT="$WORK/islands.gpkg"
  run geotwin:importsensors -- FILES="$D/sensors.sta.json" BUILDINGS="$WORK/citymodel.gpkg|layername=footprints" \
      OUTPUT="$WORK/sensors.gpkg"
  run geotwin:buildtwin -- CITYMODEL="$WORK/citymodel.gpkg" IFC="$WORK/school.gpkg" ISLANDS="$WORK/islands.gpkg" \
      SENSORS="$WORK/sensors.gpkg" OUTPUT="$WORK/twin.gpkg"
  TWIN="$WORK/twin.gpkg"
fi
mkdir -p "$OUT"
exec env GEOTWIN_TWIN="$(realpath "$TWIN")" GEOTWIN_SHOT="$OUT/analyst-3d-de.png" \
  GEOTWIN_REPORT="$WORK/report.json" GEOTWIN_PROJECT="$WORK/project.qgs" \
  "$ROOT/scripts/qgis_desktop.sh" de "$ROOT/scripts/screenshot_analyst.py"
