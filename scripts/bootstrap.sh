#!/usr/bin/env bash
# Idempotent set-up for `make demo`, `make test` and `make bench` on Debian 12 (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

APT_PACKAGES="qgis python3-qgis qgis-providers debootstrap python3-venv python3-pip proj-data openssl mosquitto qttools5-dev-tools pyqt5-dev-tools libgdal-dev g++ python3-dev libxml2-dev libxslt1-dev zip unzip chromium xvfb xauth libgl1-mesa-dri ${EXTRA_APT:-}"
# Node.js/npm (test tools only): keep whatever provides them already.
command -v npm >/dev/null 2>&1 || APT_PACKAGES="$APT_PACKAGES nodejs npm"
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bootstrap: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv from /usr/bin/python3 (--system-site-packages)"
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
STAMP=.venv/.geotwin-requirements
WANT=$(cat requirements.txt requirements-dev.txt constraints-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "bootstrap: installing Python requirements into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints-dev.txt
  echo "$WANT" > "$STAMP"
fi

# The optional compiled planner of the CityGML reader (issue 16); without it the pure-Python reader runs.
ACCEL_SO=$(ls twin/citymodel/_gmlplan*.so 2>/dev/null | head -n 1 || true)
if [ -z "$ACCEL_SO" ] || [ twin/citymodel/_gmlplan.pyx -nt "$ACCEL_SO" ] || [ scripts/build_accel.py -nt "$ACCEL_SO" ]; then
  echo "bootstrap: building the compiled CityGML planner (scripts/build_accel.py)"
  .venv/bin/python -W ignore scripts/build_accel.py --quiet || echo "bootstrap: going on without it (pure-Python CityGML reader)"
fi

LOCK_STAMP=node_modules/.geotwin-package
WANT_NPM=$( (cat package.json; cat package-lock.json 2>/dev/null || true) | sha256sum | cut -d' ' -f1)
if [ ! -f "$LOCK_STAMP" ] || [ "$(cat "$LOCK_STAMP")" != "$WANT_NPM" ]; then
  echo "bootstrap: installing test tools from npm (package.json)"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  (cat package.json; cat package-lock.json 2>/dev/null || true) | sha256sum | cut -d' ' -f1 > "$LOCK_STAMP"
fi

# The plugin folder QGIS loads: .build/plugins/geotwin -> the repository root.
mkdir -p .build/plugins
ln -sfn "$ROOT" .build/plugins/geotwin
