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

step "1. Sample district around Friedrichsplatz ($N buildings) -> $OUT/district"
run geotwin:sampledistrict -- BUILDINGS="$N" OUTPUT="$OUT/district"

if "$QP" help geotwin:importcitymodel >/dev/null 2>&1; then
  step "2. Import the city model (CityGML 2.0) -> $OUT/citymodel.gpkg"
  run geotwin:importcitymodel -- INPUT="$OUT/district/district.gml" OUTPUT="$OUT/citymodel.gpkg"
fi
if "$QP" help geotwin:importifc >/dev/null 2>&1; then
  step "3. Import the school's IFC (IfcMapConversion) -> $OUT/school.gpkg"
  run geotwin:importifc -- INPUT="$OUT/district/school.ifc" OUTPUT="$OUT/school.gpkg"
fi
if "$QP" help geotwin:importlearningislands >/dev/null 2>&1; then
  step "4. Import the learning islands, linked to buildings and rooms -> $OUT/islands.gpkg"
  run geotwin:importlearningislands -- INPUT="$OUT/district/learning_islands.geojson" \
    BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" ROOMS="$OUT/school.gpkg|layername=bim_spaces" \
    OUTPUT="$OUT/islands.gpkg"
fi
if "$QP" help geotwin:importsensors >/dev/null 2>&1; then
  step "5. Import the LoRaWAN sensors (SensorThings document) -> $OUT/sensors.gpkg"
  run geotwin:importsensors -- FILES="$OUT/district/sensors.sta.json" \
    BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" OUTPUT="$OUT/sensors.gpkg"
fi
if "$QP" help geotwin:findlearningisland >/dev/null 2>&1; then
  step "5a. Find a free learning island for 8 people near Friedrichsplatz, Tuesday 15:30 -> $OUT/island_search.gpkg"
  run geotwin:findlearningisland -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    LOCATION="456268.0,5428517.0 [EPSG:25832]" TIME="2025-06-03T15:30:00" SEATS=8 OUTPUT="$OUT/island_search.gpkg"
fi
if "$QP" help geotwin:wlancoverage >/dev/null 2>&1; then
  step "5b. WLAN coverage of buildings and rooms, uncovered buildings ranked -> $OUT/wlan.gpkg"
  run geotwin:wlancoverage -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" ROOMS="$OUT/school.gpkg|layername=bim_spaces" \
    OUTPUT="$OUT/wlan.gpkg"
fi
if "$QP" help geotwin:export3dtiles >/dev/null 2>&1; then
  step "6. Export 3D Tiles with the CesiumJS viewer -> $OUT/tiles"
  run geotwin:export3dtiles -- INPUT="$OUT/citymodel.gpkg" OUTPUT="$OUT/tiles"
fi

echo
echo "GeoTwin demo finished. Written:"
find "$OUT" -maxdepth 2 \( -name '*.gpkg' -o -name '*.gml' -o -name '*.json' -o -name '*.jsonl' -o -name '*.ifc' -o -name '*.geojson' -o -name '*.csv' -o -name 'index.html' \) -printf '  %p  (%s bytes)\n' | sort
if [ -f "$OUT/tiles/viewer/index.html" ]; then
  echo "Look at the twin: (cd '$OUT/tiles' && python3 -m http.server 8000) and open http://localhost:8000/viewer/index.html"
fi
