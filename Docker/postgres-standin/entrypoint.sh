#!/bin/sh
# First start: initdb with the user and password given, a database for it, password logins from the network.
set -eu
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-$user}"
mkdir -p "$PGDATA" /run/postgresql && chown postgres "$PGDATA" /run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    cp "${POSTGRES_PASSWORD_FILE:?}" /tmp/password && chown postgres /tmp/password
    su postgres -c "$bin/initdb -D $PGDATA -U $user --pwfile=/tmp/password --auth-local=trust --auth-host=scram-sha-256" >/dev/null
    rm /tmp/password
    echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
    su postgres -c "$bin/pg_ctl -D $PGDATA -o '-c listen_addresses=' -w start" >/dev/null
    su postgres -c "$bin/psql -U $user -d postgres -qc 'CREATE DATABASE \"$database\"'"
    su postgres -c "$bin/pg_ctl -D $PGDATA -m fast -w stop" >/dev/null
fi
exec su postgres -c "exec $bin/postgres -D $PGDATA -c listen_addresses='*'"
