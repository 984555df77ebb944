#!/usr/bin/env bash
# Idempotent throwaway PostgreSQL 15 + PostGIS 3 for the tests (Debian 12, run as root).
# Installs the Debian packages if missing, creates a cluster under /var/tmp/geotwin-pg-<hash of the checkout path> owned by the
# postgres user, listening only on a Unix socket there (and 127.0.0.1:$GEOTWIN_PG_PORT),
# creates the database geotwin_test with the postgis extension and prints its DSN.
# `scripts/postgis.sh stop` stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PGBIN=/usr/lib/postgresql/15/bin
# Outside the checkout (the postgres user may not be able to enter it) and keyed by the
# checkout's path, so two clones never share a cluster or a port.
KEY=$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)
PGHOME=${GEOTWIN_PG_HOME:-/var/tmp/geotwin-pg-$KEY}
DATA="$PGHOME/data"
SOCK="$PGHOME/run"
PORT=${GEOTWIN_PG_PORT:-$((54000 + 16#${KEY:0:4} % 900))}
DB=geotwin_test
as_pg() { PGOPTIONS="-c client_min_messages=warning" runuser -u postgres -- "$@"; }

if [ "${1:-}" = "stop" ]; then
  [ -f "$DATA/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
  exit 0
fi

if ! dpkg-query -W -f='${Status}' postgresql-15-postgis-3 2>/dev/null | grep -q "install ok installed"; then
  echo "postgis.sh: installing postgresql-15-postgis-3" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql-15 postgresql-15-postgis-3 >&2
fi

mkdir -p "$PGHOME" "$SOCK"
chown postgres:postgres "$PGHOME" "$SOCK"
if [ ! -f "$DATA/PG_VERSION" ]; then
  echo "postgis.sh: creating a throwaway cluster in $DATA" >&2
  as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$PGHOME/server.log" -w -t 60 \
    -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40" start >&2
fi
PSQL=("$PGBIN/psql" -h "$SOCK" -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1)
if [ "$(as_pg "${PSQL[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  as_pg "${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
fi
as_pg "${PSQL[@]}" -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
echo "host=$SOCK port=$PORT dbname=$DB user=postgres"
