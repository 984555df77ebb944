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

step "8. Find a learning island free for an hour for 8 people near Friedrichsplatz, Tuesday 14:30 (opening hours,
     BW holidays and the classrooms' booking calendars; next_free for the others) -> $OUT/island_search.gpkg"
run geotwin:findlearningisland -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    LOCATION="456268.0,5428517.0 [EPSG:25832]" TIME="2026-11-24T14:30:00" DURATION=60 SEATS=8 \
    OUTPUT="$OUT/island_search.gpkg"
step "8b. Availability of the islands for that week from their calendars -> $OUT/island_availability.gpkg"
run geotwin:refreshislandavailability -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    START="2026-11-23T00:00:00" END="2026-11-28T00:00:00" OUTPUT="$OUT/island_availability.gpkg"
step "8c. Book the library's reading room (LI-006) Tuesday 16:00 for an hour: its booking link"
run geotwin:booklearningisland -- INPUT="$OUT/islands.gpkg|layername=learning_islands" ISLAND=LI-006 \
    TIME="2026-11-24T16:00:00" DURATION=60 SEATS=4 NAME="Lerngruppe Mathe"
step "9. WLAN coverage of buildings and rooms, uncovered buildings ranked -> $OUT/wlan.gpkg"
run geotwin:wlancoverage -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" ROOMS="$OUT/school.gpkg|layername=bim_spaces" \
    OUTPUT="$OUT/wlan.gpkg"

step "10. LoRaWAN live: a local Mosquitto broker receives the district's recorded ChirpStack uplinks
     (sensors.uplinks.jsonl) while geotwin:listensensors stores them -> $OUT/lorawan.gpkg"
if command -v mosquitto >/dev/null 2>&1; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  CONF="$OUT/mosquitto.conf"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" > "$CONF"
  [ "$(id -u)" = 0 ] && echo "user root" >> "$CONF"
  mosquitto -c "$CONF" >"$OUT/mosquitto.log" 2>&1 &
  BROKER_PID=$!
  trap 'kill $BROKER_PID 2>/dev/null || true' EXIT
  run geotwin:listensensors -- BROKER="127.0.0.1:$PORT" TOPICS=0 DEVICES="$OUT/district/sensors.devices.json" \
      DURATION=30 OUTPUT="$OUT/lorawan.gpkg" &
  LISTENER=$!
  sleep 12
  "$ROOT/.venv/bin/python" -m geotwin.twin.sensors.replay --broker "127.0.0.1:$PORT" --limit 500 \
      "$OUT/district/sensors.uplinks.jsonl"
  wait "$LISTENER" || echo "listensensors failed (see above)"
  kill "$BROKER_PID" 2>/dev/null || true
else
  echo "(mosquitto not installed: step skipped)"
fi

echo
echo "GeoTwin demo finished. Written:"
find "$OUT" -maxdepth 3 -not -path "*/tiles/tiles/*" \( -name '*.gpkg' -o -name '*.gml' -o -name '*.json' -o -name '*.jsonl' -o -name '*.ifc' -o -name '*.geojson' -o -name '*.csv' -o -name 'index.html' \) -printf '  %p  (%s bytes)\n' | sort
if [ -f "$OUT/tiles/viewer/index.html" ]; then
  echo "Look at the twin: (cd '$OUT/tiles' && python3 -m http.server 8000) and open http://localhost:8000/viewer/index.html"
fi
echo "In QGIS: Plugins > GeoTwin > Open twin… (or the toolbar button) and choose $OUT/twin.gpkg"
