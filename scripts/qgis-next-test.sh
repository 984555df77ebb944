#!/usr/bin/env bash
# The plugin's QGIS >= 3.26 / 3.34 paths in a real QGIS 3.40 (Debian 13 chroot, scripts/qgis-trixie.sh):
#   1. builds the chroot unless it is complete;
#   2. on the host (which has py3dtiles etc.): the sample district and its 3D Tiles for both targets, plus what the
#      tests compare with (tests/qgis_next/prepare.py) in a temporary folder;
#   3. in the chroot: pytest tests/qgis_next (the repository bind-mounted read-only as the package geotwin, the
#      prepared folder read-only, /proc mounted, QT_QPA_PLATFORM=offscreen).
# Every mount is undone by the EXIT trap (also on failure or Ctrl-C); the script fails when one is left behind.
# Usage: scripts/qgis-next-test.sh [PYTEST_ARGS...]   (needs root; make test-qgis-next)
# GEOTWIN_NEXT_KEEP=DIR keeps pytest's temporary files (the renders); GEOTWIN_NEXT_BUILDINGS the district's size.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)
DIR=${GEOTWIN_TRIXIE_DIR:-$ROOT_DIR/.tools/trixie}
DIR=$(realpath -m "$DIR")   # /proc/mounts names real paths (.tools may be a symlink)
BUILDINGS=${GEOTWIN_NEXT_BUILDINGS:-40}

[ "$(id -u)" = 0 ] || { echo "qgis-next-test: needs root (mount and chroot)" >&2; exit 1; }
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.run.lock"   # one run at a time: they share the chroot's /proc mount
flock 9
start=$(date +%s)
scripts/qgis-trixie.sh
built=$(date +%s)

WORK=$(mktemp -d /tmp/geotwin-next.XXXXXX)
RUN_ID=$(basename "$WORK")
MNT=$DIR/mnt/$RUN_ID            # per run, so two runs never share a mount point
MOUNTED=()
mounts_inside() { awk -v d="$DIR" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts; }
cleanup() {
    local status=$? i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" \
            || echo "qgis-next-test: could not unmount ${MOUNTED[i]}" >&2
    done
    if [ -n "${GEOTWIN_NEXT_KEEP:-}" ] && [ -d "$DIR/tmp/$RUN_ID/pytest" ]; then   # the renders etc., for a look
        mkdir -p "$GEOTWIN_NEXT_KEEP" && cp -r "$DIR/tmp/$RUN_ID/pytest/." "$GEOTWIN_NEXT_KEEP/"
    fi
    rmdir "$MNT/src/geotwin" "$MNT/src" "$MNT/data" "$MNT" 2>/dev/null || true
    rm -rf --one-file-system "$DIR/tmp/$RUN_ID"
    rm -rf "$WORK"
    if [ -d "$DIR" ] && [ -n "$(mounts_inside)" ]; then
        echo "qgis-next-test: mounts left inside $DIR: $(mounts_inside | tr '\n' ' ')" >&2
        status=1
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/env.sh .venv/bin/python tests/qgis_next/prepare.py "$WORK" "$BUILDINGS"
prepared=$(date +%s)

mkdir -p "$MNT/src/geotwin" "$MNT/data"
bind_ro() {
    mount --bind "$1" "$2" && MOUNTED+=("$2")
    mount -o remount,bind,ro "$2"
}
bind_ro "$ROOT_DIR" "$MNT/src/geotwin"
bind_ro "$WORK" "$MNT/data"
mount -t proc proc "$DIR/proc" && MOUNTED+=("$DIR/proc")
mkdir -p "$DIR/tmp/$RUN_ID"

set +e
chroot "$DIR" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="/tmp/$RUN_ID" \
    QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="/tmp/$RUN_ID" TMPDIR="/tmp/$RUN_ID" PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH="/mnt/$RUN_ID/src" GEOTWIN_NEXT_DATA="/mnt/$RUN_ID/data" \
    python3 -m pytest -c "/mnt/$RUN_ID/src/geotwin/tests/qgis_next/pytest.ini" \
    --rootdir "/mnt/$RUN_ID/src/geotwin/tests/qgis_next" --confcutdir "/mnt/$RUN_ID/src/geotwin/tests/qgis_next" \
    --basetemp "/tmp/$RUN_ID/pytest" "/mnt/$RUN_ID/src/geotwin/tests/qgis_next" "$@"
status=$?
set -e
end=$(date +%s)
echo "qgis-next-test: chroot $((built - start)) s, host export $((prepared - built)) s, tests $((end - prepared)) s," \
     "total $((end - start)) s; pytest exit $status"
exit $status
