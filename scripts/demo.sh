#!/usr/bin/env bash
# make demo: generate the sample district and run GeoTwin's chain on it with qgis_process.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-demo-output}")
N=${2:-400}
QP="$ROOT/scripts/qgis_process"
mkdir -p "$OUT"

step() { echo; echo "== $1"; }
run() { "$QP" run "$@" 2>&1 | grep -vE '^(<string>|  warnings.warn|QStandardPaths)' ; return "${PIPESTATUS[0]}"; }

step "1-7. The shipped model geotwin:districttwin (resources/models/districttwin.model3): sample district ($N buildings)
     -> city model, school IFC, learning islands, sensors -> twin -> 3D Tiles with the viewer, into $OUT"
run geotwin:districttwin -- BUILDINGS="$N" sampledistrict:DISTRICT="$OUT/district" \
  importcitymodel:CITYMODEL="$OUT/citymodel.gpkg" importifc:BIM="$OUT/school.gpkg" \
  importlearningislands:ISLANDS="$OUT/islands.gpkg" importsensors:SENSORS="$OUT/sensors.gpkg" \
  buildtwin:TWIN="$OUT/twin.gpkg" export3dtiles:TILES="$OUT/tiles"

step "8. Find a free learning island for 8 people near Friedrichsplatz, Tuesday 15:30 -> $OUT/island_search.gpkg"
run geotwin:findlearningisland -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    LOCATION="456268.0,5428517.0 [EPSG:25832]" TIME="2025-06-03T15:30:00" SEATS=8 OUTPUT="$OUT/island_search.gpkg"
step "9. WLAN coverage of buildings and rooms, uncovered buildings ranked -> $OUT/wlan.gpkg"
run geotwin:wlancoverage -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" ROOMS="$OUT/school.gpkg|layername=bim_spaces" \
    OUTPUT="$OUT/wlan.gpkg"

echo
echo "GeoTwin demo finished. Written:"
find "$OUT" -maxdepth 3 -not -path "*/tiles/tiles/*" \( -name '*.gpkg' -o -name '*.gml' -o -name '*.json' -o -name '*.jsonl' -o -name '*.ifc' -o -name '*.geojson' -o -name '*.csv' -o -name 'index.html' \) -printf '  %p  (%s bytes)\n' | sort
if [ -f "$OUT/tiles/viewer/index.html" ]; then
  echo "Look at the twin: (cd '$OUT/tiles' && python3 -m http.server 8000) and open http://localhost:8000/viewer/index.html"
fi
echo "In QGIS: Plugins > GeoTwin > Open twin… (or the toolbar button) and choose $OUT/twin.gpkg"
