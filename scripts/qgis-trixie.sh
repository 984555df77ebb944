#!/usr/bin/env bash
# A Debian 13 (trixie) chroot with QGIS 3.40 and the Python packages the tested plugin paths need, built into the
# git-ignored .tools/trixie (or $GEOTWIN_TRIXIE_DIR). Needs root, debootstrap and network to deb.debian.org.
#
#   scripts/qgis-trixie.sh          build it unless it is complete already (the marker lists the packages)
#   scripts/qgis-trixie.sh --force  rebuild from scratch
#
# Idempotent: a complete chroot (marker .tools/trixie/.geotwin-complete with the same package list) is left as
# it is. An incomplete one (an interrupted build) is removed first, but only when nothing is mounted inside it.
# Prints the time the build took and the chroot's size. Every mount made here is undone by the EXIT trap.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)
DIR=${GEOTWIN_TRIXIE_DIR:-$ROOT_DIR/.tools/trixie}
DIR=$(realpath -m "$DIR")   # /proc/mounts names real paths (.tools may be a symlink)
MIRROR=${GEOTWIN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
MARKER=$DIR/.geotwin-complete
# python3-qgis brings QGIS's core, gui and 3D libraries with their Python bindings; qgis-providers the data
# providers (gdal for the DGM raster, cesiumtiles lives in core). pytest runs the tests; numpy, shapely, pyproj
# and lxml are what the core imports.
PACKAGES=(python3-qgis qgis-providers python3-pytest python3-numpy python3-shapely python3-pyproj python3-lxml)
WANT="suite=$SUITE packages=${PACKAGES[*]}"

die() { echo "qgis-trixie: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
if ! command -v debootstrap >/dev/null; then
    echo "qgis-trixie: installing debootstrap"
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap; } \
        || die "debootstrap is not installed and apt-get could not install it"
fi
mkdir -p "$(dirname "$DIR")"
exec 8>"$DIR.build.lock"   # one build at a time
flock 8

mounts_inside() { awk -v d="$DIR" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts; }

if [ "${1:-}" != "--force" ] && [ -f "$MARKER" ] && [ "$(head -1 "$MARKER")" = "$WANT" ]; then
    echo "qgis-trixie: $DIR is complete ($(sed -n 2p "$MARKER")), nothing to do"
    exit 0
fi
if [ -e "$DIR" ]; then
    [ -z "$(mounts_inside)" ] || die "something is mounted inside $DIR, not removing it: $(mounts_inside | tr '\n' ' ')"
    echo "qgis-trixie: removing the incomplete or outdated $DIR"
    rm -rf --one-file-system "$DIR"
fi

MOUNTED=()
cleanup() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || echo "qgis-trixie: could not unmount ${MOUNTED[i]}" >&2
    done
    if [ -d "$DIR" ] && [ -n "$(mounts_inside)" ]; then
        echo "qgis-trixie: mounts left inside $DIR: $(mounts_inside | tr '\n' ' ')" >&2
        exit 1
    fi
}
trap cleanup EXIT

start=$(date +%s)
echo "qgis-trixie: debootstrap --variant=minbase $SUITE $DIR $MIRROR"
debootstrap --variant=minbase "$SUITE" "$DIR" "$MIRROR" > "$DIR.debootstrap.log" 2>&1 \
    || { tail -30 "$DIR.debootstrap.log" >&2; die "debootstrap failed (log: $DIR.debootstrap.log)"; }
boot=$(date +%s)
echo "qgis-trixie: base system in $((boot - start)) s"

cp /etc/resolv.conf "$DIR/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$DIR/usr/sbin/policy-rc.d"   # no services start in the chroot
chmod +x "$DIR/usr/sbin/policy-rc.d"
mount -t proc proc "$DIR/proc" && MOUNTED+=("$DIR/proc")

in_chroot() { chroot "$DIR" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 "$@"; }
in_chroot apt-get update -q > "$DIR.apt.log" 2>&1 || { tail -30 "$DIR.apt.log" >&2; die "apt-get update failed"; }
in_chroot apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >> "$DIR.apt.log" 2>&1 \
    || { tail -30 "$DIR.apt.log" >&2; die "apt-get install failed (log: $DIR.apt.log)"; }
in_chroot apt-get clean
rm -rf "$DIR"/var/lib/apt/lists/*
version=$(in_chroot python3 -c "from qgis.core import Qgis; print(Qgis.QGIS_VERSION)" 2>/dev/null) \
    || die "QGIS's Python bindings do not import in the chroot"
end=$(date +%s)

size=$(du -sh --one-file-system "$DIR" | cut -f1)
printf '%s\nQGIS %s, built %s in %d s, %s\n' "$WANT" "$version" "$(date -u +%Y-%m-%dT%H:%MZ)" $((end - start)) \
    "$size" > "$MARKER"
echo "qgis-trixie: QGIS $version; debootstrap $((boot - start)) s, packages $((end - boot)) s, total $((end - start)) s; size $size"
