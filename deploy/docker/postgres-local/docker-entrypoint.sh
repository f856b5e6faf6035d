#!/bin/sh
# Entry point of codehub/postgres:local, the stand-in for the official postgres image where no
# registry is reachable. It honours the same contract the compose file relies on: POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB create the role and the database on first start (an empty
# PGDATA), clients authenticate with scram-sha-256 over TCP, and `postgres [-c name=value]...` runs
# the server in the foreground. Only what codehub needs: no /docker-entrypoint-initdb.d.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
sockets=/var/run/postgresql

log() { echo "[postgres-local] $*" >&2; }

if [ "${1:-postgres}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    log "POSTGRES_PASSWORD is not set: set it to the password of role $POSTGRES_USER"
    exit 1
  fi
  log "initialising $PGDATA (role $POSTGRES_USER, database $POSTGRES_DB)"
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  # initdb's host lines cover loopback only; the server is reached over the container network.
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  {
    echo "listen_addresses = '*'"
    echo "unix_socket_directories = '$sockets'"
    echo "jit = off"
  } >>"$PGDATA/postgresql.conf"
  # A server on the socket only, so that nobody connects before the database exists.
  pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait --silent start
  if [ "$POSTGRES_DB" != postgres ]; then
    psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --host "$sockets" --username "$POSTGRES_USER" --dbname postgres \
      --command "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  pg_ctl --pgdata="$PGDATA" --mode=fast --wait --silent stop
  log "initialised"
fi

if [ "${1:-postgres}" = postgres ]; then
  [ $# -gt 0 ] && shift
  exec postgres -D "$PGDATA" "$@"
fi
exec "$@"
