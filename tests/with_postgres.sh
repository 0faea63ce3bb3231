#!/usr/bin/env bash
# Runs a command (the test suite) against PostgreSQL.
#  - DATABASE_URL set: use it as it is.
#  - else, if PostgreSQL's binaries are installed: start a throwaway cluster in a temporary
#    folder on a spare port, run the command, then stop the cluster and remove the folder.
#  - else: run on SQLite, and say so.
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "with_postgres: no PostgreSQL found; running on SQLite instead." >&2
  exec "$@"
fi

as_pg=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  as_pg=(runuser -u postgres --)
fi

dir=$(mktemp -d /tmp/wkp-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = "0" ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
  start >/dev/null
echo "with_postgres: throwaway PostgreSQL cluster on port $port" >&2

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/wkp"
set +e
"$@"
status=$?
set -e
exit $status
