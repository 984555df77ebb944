#!/usr/bin/env bash
# Build the official 3D Tiles validator (CesiumGS/3d-tiles-validator, Apache-2.0) for scripts/validator.sh.
#   scripts/build-validator.sh [SOURCE] [TARGET]
# SOURCE: a git clone of https://github.com/CesiumGS/3d-tiles-validator (or a bare mirror of it, e.g. the
#   one the agents' `fetch` tool leaves in /work/.mirror/CesiumGS+3d-tiles-validator/repo, used when no SOURCE
#   is given and it exists). TARGET: default <repo>/.tools/3d-tiles-validator (git-ignored).
# The validator is not on this machine's npm mirror; its dependencies are: 3d-tiles-tools 0.5.3 (0.5.0 is not
# published any more) and sharp 0.33 (0.32 downloads libvips from GitHub at install time; 0.33 ships it as
# npm packages). Nothing of it is committed, and CI does not need it (tests that use it skip without it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIRROR=/work/.mirror/CesiumGS+3d-tiles-validator/repo
SRC=${1:-}
TARGET=$(realpath -m "${2:-$ROOT/.tools/3d-tiles-validator}")
if [ -z "$SRC" ]; then
  if [ -d "$MIRROR" ]; then SRC=$MIRROR; else
    echo "usage: $0 SOURCE [TARGET]: SOURCE is a clone of github.com/CesiumGS/3d-tiles-validator" >&2
    exit 2
  fi
fi
command -v node >/dev/null || { echo "node (>= 18) is required" >&2; exit 2; }
if [ ! -f "$TARGET/package.json" ]; then
  mkdir -p "$(dirname "$TARGET")"
  git clone -q "$SRC" "$TARGET"
fi
cd "$TARGET"
# dependencies installable here; only the TypeScript compiler and typings of the dev tools
node -e '
const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json"));
p.dependencies["3d-tiles-tools"] = "0.5.3"; p.dependencies["sharp"] = "^0.33.5";
p.overrides = {"sharp": "$sharp"};
const dev = p.devDependencies || {};
p.devDependencies = {"typescript": dev.typescript || "^4.8.3", "@types/node": "^18.0.0",
                     "@types/jasmine": dev["@types/jasmine"] || "^4.0.3", "@types/minimatch": dev["@types/minimatch"] || "^5.1.2"};
fs.writeFileSync("package.json", JSON.stringify(p, null, 2));'
npm install --no-audit --no-fund
npx tsc
cp bin/main build/main
node build/main.js --version
echo "built: $TARGET (scripts/validator.sh uses it by default, or set GEOTWIN_VALIDATOR_DIR=$TARGET)"
