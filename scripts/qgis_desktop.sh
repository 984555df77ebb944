#!/usr/bin/env bash
# Run QGIS desktop headless on Xvfb with Mesa's llvmpipe (software OpenGL, so the 3D view renders), with a
# throwaway profile (the GeoTwin plugin enabled, UI language LANG) and a Python script run at start-up:
#   scripts/qgis_desktop.sh LANG SCRIPT.py
# The script ends QGIS itself (scripts/screenshot_analyst.py writes its report, then os._exit).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LANG_UI=$1
SCRIPT=$(realpath "$2")
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing (Debian: apt-get install xvfb xauth)" >&2; exit 3; }
PROFILES=$(mktemp -d "${TMPDIR:-/tmp}/geotwin-qgis-desktop.XXXXXX")
trap 'rm -rf "$PROFILES"' EXIT
mkdir -p "$PROFILES/profiles/default/QGIS"
printf '[PythonPlugins]\ngeotwin=true\n\n[locale]\nuserLocale=%s\noverrideFlag=true\n\n[qgis]\ncheckVersion=false\n' \
  "$LANG_UI" > "$PROFILES/profiles/default/QGIS/QGIS3.ini"
SIZE=${GEOTWIN_SIZE:-1600x1000}
export QT_QPA_PLATFORM=xcb LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe QGIS_CUSTOM_CONFIG_PATH="$PROFILES"
xvfb-run -a -s "-screen 0 ${SIZE}x24" "$ROOT/scripts/env.sh" \
  qgis --nologo --noversioncheck --profiles-path "$PROFILES" --code "$SCRIPT"
