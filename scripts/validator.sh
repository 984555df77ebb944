#!/usr/bin/env bash
# The official 3D Tiles validator (CesiumGS/3d-tiles-validator) on one tileset:
#   scripts/validator.sh TILESET_JSON REPORT_JSON
# writes the validator's JSON report (numErrors, numWarnings, numInfos, issues) to REPORT_JSON and exits 0.
# The validator is not on npm here and is never committed: build it once with scripts/build-validator.sh
# into <repo>/.tools/3d-tiles-validator (git-ignored) or point GEOTWIN_VALIDATOR_DIR at a built checkout.
# Exit codes: 0 report written; 2 usage; 3 validator not built; 4 the validator failed without a report.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${GEOTWIN_VALIDATOR_DIR:-$ROOT/.tools/3d-tiles-validator}

if [ $# -ne 2 ]; then
  echo "usage: $0 TILESET_JSON REPORT_JSON" >&2
  exit 2
fi
TILESET=$1
REPORT=$2
if [ ! -f "$DIR/build/main.js" ] || [ ! -d "$DIR/node_modules" ]; then
  echo "3D Tiles validator not built: $DIR/build/main.js missing (run scripts/build-validator.sh" \
       "or set GEOTWIN_VALIDATOR_DIR to a built CesiumGS/3d-tiles-validator checkout)" >&2
  exit 3
fi
if [ ! -f "$TILESET" ]; then
  echo "no such tileset: $TILESET" >&2
  exit 2
fi
TILESET=$(realpath "$TILESET")
REPORT=$(realpath -m "$REPORT")
mkdir -p "$(dirname "$REPORT")"
rm -f "$REPORT"
# the validator prints its report summary; its exit code is not the verdict (the report is)
(cd "$DIR" && node build/main.js --tilesetFile "$TILESET" --reportFile "$REPORT") >/dev/null 2>"$REPORT.stderr"
status=$?
if [ ! -s "$REPORT" ]; then
  echo "the 3D Tiles validator wrote no report (exit $status):" >&2
  cat "$REPORT.stderr" >&2
  rm -f "$REPORT.stderr"
  exit 4
fi
rm -f "$REPORT.stderr"
exit 0
