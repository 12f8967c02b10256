#!/bin/bash
# The harness's external PostgreSQL. First start: initdb, then the two roles the chart expects
# (the migration role owns the database, the application role may only connect), with the
# passwords from the mounted Secrets. Every start: the TLS key pair is copied in (PostgreSQL
# wants it owned by itself, mode 0600) and only TLS connections with a password are accepted.
set -euo pipefail
: "${DATABASE:?}" "${APP_ROLE:?}" "${MIGRATOR_ROLE:?}"
secret() { cat "/secrets/$1/password"; }

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  initdb -D "$PGDATA" -U postgres --auth-local=peer --auth-host=reject --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  cat >"$PGDATA/pg_hba.conf" <<HBA
local all postgres peer
hostssl all all all scram-sha-256
HBA
  cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
unix_socket_directories = '/tmp'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.3'
password_encryption = 'scram-sha-256'
max_connections = 100
CONF
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c ssl=off" -w start >/dev/null
  psql -h /tmp -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -v db="$DATABASE" -v app="$APP_ROLE" -v migrator="$MIGRATOR_ROLE" \
    -v app_password="$(secret app)" -v migrator_password="$(secret migrator)" <<'SQL'
CREATE ROLE :"migrator" LOGIN PASSWORD :'migrator_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password' CONNECTION LIMIT 50;
CREATE DATABASE :"db" OWNER :"migrator";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
SQL
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi

install -m 0600 /tls/tls.crt "$PGDATA/server.crt"
install -m 0600 /tls/tls.key "$PGDATA/server.key"
exec postgres -D "$PGDATA"
