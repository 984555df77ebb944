#!/usr/bin/env bash
# Run a command with the headless QGIS environment GeoTwin's tools use.
# The user's real QGIS profile is never touched: the config dir is a throwaway folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
# Debian's pyproj looks for proj.db under sys.prefix, which is the venv here.
export PROJ_DATA=${PROJ_DATA:-/usr/share/proj}
export QGIS_PREFIX_PATH=${QGIS_PREFIX_PATH:-/usr}
export QGIS_PLUGINPATH="$ROOT/.build/plugins"
export QGIS_CUSTOM_CONFIG_PATH="$ROOT/.build/qgis-config"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$ROOT/.build/xdg-runtime}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
INI="$QGIS_CUSTOM_CONFIG_PATH/profiles/default/QGIS/QGIS3.ini"
if [ ! -f "$INI" ]; then
  mkdir -p "$(dirname "$INI")"
  printf '[PythonPlugins]\ngeotwin=true\n' > "$INI"
fi
SITE=$("$ROOT/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
export PYTHONPATH="$ROOT/.build/plugins:$SITE:/usr/share/qgis/python/plugins${PYTHONPATH:+:$PYTHONPATH}"
# Never put the checkout itself on sys.path: its processing/ would shadow QGIS's `processing`.
export PYTHONSAFEPATH=1
export PATH="$ROOT/.venv/bin:$ROOT/node_modules/.bin:$PATH"
exec "$@"
