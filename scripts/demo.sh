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

# The chain of the shipped model geotwin:districttwin (resources/models/districttwin.model3), run step by step so
# that the LoRaWAN uplinks reach the sensors GeoPackage before the build: the build links them like every sensor
# and the 3D Tiles export carries their series (series.json), one sensor per device.
D="$OUT/district"
step "1. Sample district ($N buildings) -> $D"
run geotwin:sampledistrict -- BUILDINGS="$N" OUTPUT="$D"
step "2. City model (CityGML) -> $OUT/citymodel.gpkg"
run geotwin:importcitymodel -- INPUT="$D/district.gml" OUTPUT="$OUT/citymodel.gpkg"
step "3. The school's IFC -> $OUT/school.gpkg"
run geotwin:importifc -- INPUT="$D/school.ifc" GEOREFERENCING=0 TARGET_CRS=EPSG:25832 OUTPUT="$OUT/school.gpkg"
step "4. Learning islands, linked to buildings and rooms -> $OUT/islands.gpkg"
run geotwin:importlearningislands -- INPUT="$D/learning_islands.geojson" \
    BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" ROOMS="$OUT/school.gpkg|layername=bim_spaces" \
    OUTPUT="$OUT/islands.gpkg"
# the week's history (2 June 00:00 to 8 June 13:45 UTC) from the SensorThings export; the rest of the week
# (8 June 14:00-23:45, the recording's last 40 x 13 = 520 uplinks) arrives over MQTT in step 6
step "5. Sensors' history until 8 June 13:45 UTC (SensorThings), linked to buildings, façades and squares
     -> $OUT/sensors.gpkg"
run geotwin:importsensors -- FILES="$D/sensors.sta.json" BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" \
    AREAS="$D/areas.geojson" TARGET_CRS=EPSG:25832 END="2025-06-08T13:45:00Z" OUTPUT="$OUT/sensors.gpkg"
step "6. LoRaWAN live: a local Mosquitto broker receives the district's recorded ChirpStack uplinks of 8 June
     14:00-23:45 UTC (the last 520 of sensors.uplinks.jsonl) while geotwin:listensensors appends them to the same
     sensors in $OUT/sensors.gpkg (one sensor per DevEUI, found by the devEUI its SensorThings Thing names)"
if command -v mosquitto >/dev/null 2>&1; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  CONF="$OUT/mosquitto.conf"
  # log_type subscribe: the demo publishes once the listener's subscription is in the broker's log
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\nlog_type subscribe\n' "$PORT" > "$CONF"
  [ "$(id -u)" = 0 ] && echo "user root" >> "$CONF"
  mosquitto -c "$CONF" >"$OUT/mosquitto.log" 2>&1 &
  BROKER_PID=$!
  trap 'kill $BROKER_PID 2>/dev/null || true' EXIT
  # BUILDINGS and AREAS as in step 5: a device without an imported sensor is linked as the import links
  run geotwin:listensensors -- BROKER="127.0.0.1:$PORT" TOPICS=0 DEVICES="$OUT/district/sensors.devices.json" \
      BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" AREAS="$D/areas.geojson" \
      DURATION=30 OUTPUT="$OUT/sensors.gpkg" &
  LISTENER=$!
  # qgis_process takes from seconds to a minute to start on a loaded machine: publishing after a fixed sleep lost
  # every uplink (the listener's session did not exist yet); wait for its subscription (its DURATION starts then)
  for _ in $(seq 600); do
    grep -qE ' geotwin-[0-9a-f]+ [0-2] application/\+/device/\+/event/up$' "$OUT/mosquitto.log" && break
    kill -0 "$LISTENER" 2>/dev/null || break
    sleep 0.5
  done
  grep -qE ' geotwin-[0-9a-f]+ [0-2] application/\+/device/\+/event/up$' "$OUT/mosquitto.log" \
    || { echo "geotwin:listensensors did not subscribe within 5 minutes (see $OUT/mosquitto.log)"; exit 1; }
  "$ROOT/.venv/bin/python" -m geotwin.twin.sensors.replay --broker "127.0.0.1:$PORT" --skip 8216 --limit 520 \
      "$OUT/district/sensors.uplinks.jsonl"
  wait "$LISTENER" || { echo "geotwin:listensensors failed (see above)"; exit 1; }
  kill "$BROKER_PID" 2>/dev/null || true
else
  echo "(mosquitto not installed: step skipped)"
fi

step "7. Build the twin from the four imports (the sensors with their LoRaWAN uplinks) -> $OUT/twin.gpkg"
run geotwin:buildtwin -- CITYMODEL="$OUT/citymodel.gpkg" IFC="$OUT/school.gpkg" ISLANDS="$OUT/islands.gpkg" \
    SENSORS="$OUT/sensors.gpkg" OUTPUT="$OUT/twin.gpkg"
step "8. 3D Tiles with the viewer on the DGM, with each sensor's series (series.json) -> $OUT/tiles"
run geotwin:export3dtiles -- INPUT="$OUT/twin.gpkg" TERRAIN="$D/dgm.tif" VIEWER=true OUTPUT="$OUT/tiles"

step "9. Find a learning island free for an hour for 8 people near Friedrichsplatz, Tuesday 14:30 (opening hours,
     BW holidays and the classrooms' booking calendars; next_free for the others) -> $OUT/island_search.gpkg"
run geotwin:findlearningisland -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    LOCATION="456268.0,5428517.0 [EPSG:25832]" TIME="2026-11-24T14:30:00" DURATION=60 SEATS=8 \
    OUTPUT="$OUT/island_search.gpkg"
step "9b. Availability of the islands for that week from their calendars -> $OUT/island_availability.gpkg"
run geotwin:refreshislandavailability -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    START="2026-11-23T00:00:00" END="2026-11-28T00:00:00" OUTPUT="$OUT/island_availability.gpkg"
step "9c. Book the library's reading room (LI-006) Tuesday 16:00 for an hour: its booking link"
run geotwin:booklearningisland -- INPUT="$OUT/islands.gpkg|layername=learning_islands" ISLAND=LI-006 \
    TIME="2026-11-24T16:00:00" DURATION=60 SEATS=4 NAME="Lerngruppe Mathe"
step "9d. Book a classroom in its CalDAV calendar: a local Radicale server holds LI-001's calendar; Tuesday 15:30
     for 30 minutes is booked (a VEVENT written after the conflict check), 16:00 for an hour is refused (it
     overlaps the class booked 16:00-17:30), and the day's availability is read back from the server"
RAD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RAD="$OUT/radicale"
rm -rf "$RAD" && mkdir -p "$RAD"
# the server has an account, as an office's has: htpasswd (hashed) with a random password that only
# $RAD/password holds; the booking gets it through QGIS's authentication manager (AUTHCFG), never on a command line
"$ROOT/.venv/bin/python" "$ROOT/scripts/demo_caldav.py" accounts "$RAD" lerninseln
"$ROOT/.venv/bin/python" "$ROOT/scripts/demo_caldav.py" serve "$RAD" "$RAD_PORT" >"$RAD/radicale.log" 2>&1 &
RAD_PID=$!
trap 'kill $RAD_PID 2>/dev/null || true' EXIT
"$ROOT/scripts/env.sh" "$ROOT/.venv/bin/python" "$ROOT/scripts/demo_caldav.py" fill "$RAD" "$RAD_PORT" "$OUT"
# the demo's own authentication database, unlocked by a random master password in a file (QGIS_AUTH_PASSWORD_FILE)
export QGIS_AUTH_DB_DIR_PATH="$RAD/qgis-auth" QGIS_AUTH_PASSWORD_FILE="$RAD/qgis-auth/master"
mkdir -p "$QGIS_AUTH_DB_DIR_PATH"
AUTHCFG=$("$ROOT/scripts/env.sh" "$ROOT/.venv/bin/python" "$ROOT/scripts/demo_caldav.py" authcfg "$RAD" \
  "http://127.0.0.1:$RAD_PORT/" 2>"$RAD/authcfg.log" | tail -n 1)
echo "the bookings use the authentication configuration $AUTHCFG (Basic, user lerninseln, bound to 127.0.0.1:$RAD_PORT)"
run geotwin:booklearningisland -- INPUT="$OUT/islands.gpkg|layername=learning_islands" ISLAND=LI-001 \
    TIME="2026-11-24T15:30:00" DURATION=30 SEATS=6 NAME="Nachhilfe Physik" AUTHCFG="$AUTHCFG"
run geotwin:booklearningisland -- INPUT="$OUT/islands.gpkg|layername=learning_islands" ISLAND=LI-001 \
    TIME="2026-11-24T16:00:00" DURATION=60 SEATS=6 NAME="Nachhilfe Chemie" AUTHCFG="$AUTHCFG" \
  && { echo "the overlapping booking was not refused"; exit 1; } || echo "(refused, as it must be)"
run geotwin:refreshislandavailability -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    START="2026-11-24T14:00:00" END="2026-11-24T18:00:00" AUTHCFG="$AUTHCFG" \
    OUTPUT="$OUT/island_availability_caldav.gpkg"
"$ROOT/.venv/bin/python" - "$OUT" <<'PY'
import sqlite3, sys
with sqlite3.connect(f"{sys.argv[1]}/island_availability_caldav.gpkg") as db:
    rows = db.execute("SELECT start, end, status, summary FROM island_availability WHERE island_id = 'LI-001' "
                      "ORDER BY start").fetchall()
print("LI-001 on Tuesday, from the CalDAV server:")
for start, end, status, summary in rows:
    print(f"  {start[11:16]}-{end[11:16]} {status:4} {summary or ''}")
PY
kill "$RAD_PID" 2>/dev/null || true
unset QGIS_AUTH_DB_DIR_PATH QGIS_AUTH_PASSWORD_FILE

step "10. WLAN coverage of buildings and rooms, uncovered buildings ranked -> $OUT/wlan.gpkg"
run geotwin:wlancoverage -- INPUT="$OUT/islands.gpkg|layername=learning_islands" \
    BUILDINGS="$OUT/citymodel.gpkg|layername=footprints" ROOMS="$OUT/school.gpkg|layername=bim_spaces" \
    OUTPUT="$OUT/wlan.gpkg"

step "11. Charts: the sensors' series of their last 7 days beside the tiles ($OUT/tiles/series.json), drawn in the
     web map's info box of each sensor; in QGIS: Plugins > GeoTwin > Sensor time series… on $OUT/twin.gpkg"
"$ROOT/.venv/bin/python" - "$OUT/tiles/series.json" <<'PY'
import json, sys
series = json.load(open(sys.argv[1], encoding="utf-8"))
by_property = {}
for s in series.values():
    by_property.setdefault((s["property"], s["unit"]), []).append(s)
for (prop, unit), group in sorted(by_property.items()):
    values = [v for s in group for v in s["v"] if v is not None]
    first, last = min(s["t"][0] for s in group), max(s["t"][-1] for s in group)
    print(f"  {prop} [{unit}]: {len(group)} sensors, {len(values)} points {first[:16]} to {last[:16]}, "
          f"{min(values):g} to {max(values):g}")
PY

echo
echo "GeoTwin demo finished. Written:"
find "$OUT" -maxdepth 3 -not -path "*/tiles/tiles/*" \( -name '*.gpkg' -o -name '*.gml' -o -name '*.json' -o -name '*.jsonl' -o -name '*.ifc' -o -name '*.geojson' -o -name '*.csv' -o -name 'index.html' \) -printf '  %p  (%s bytes)\n' | sort
if [ -f "$OUT/tiles/viewer/index.html" ]; then
  echo "Look at the twin: (cd '$OUT/tiles' && python3 -m http.server 8000) and open http://localhost:8000/viewer/index.html"
fi
echo "In QGIS: Plugins > GeoTwin > Open twin… (or the toolbar button) and choose $OUT/twin.gpkg"
