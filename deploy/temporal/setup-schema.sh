#!/bin/sh
# One-shot job `temporal-schema` (image temporalio/admin-tools, see docker-compose.yml): creates the Temporal
# databases on PostgreSQL and brings both schemas to the newest version shipped in the image.
#
# Idempotent, so it runs on every `docker compose up`: `create` ignores an existing database, `setup-schema -v 0.0`
# leaves an already versioned database alone, and `update-schema` applies only the missing versions (which is also
# how a newer admin-tools/server image migrates the schema). Mirrors temporalio/samples-server
# compose/scripts/setup-postgres.sh. POSIX sh: the admin-tools image is not guaranteed to have bash.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (the PostgreSQL host) is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PWD:?POSTGRES_PWD is required}"
DB_PORT="${DB_PORT:-5432}"
MAX_ATTEMPTS="${SETUP_MAX_ATTEMPTS:-30}"
SLEEP_SECONDS="${SETUP_SLEEP_SECONDS:-2}"

# temporal-sql-tool reads the password from SQL_PASSWORD, which keeps it out of the process list.
SQL_PASSWORD="$POSTGRES_PWD"
export SQL_PASSWORD

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" "$@"
}

# retry <command...>: the database can still refuse connections for a moment after its healthcheck passed.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "temporal-schema: giving up after $attempt attempts: $*" >&2
      return 1
    fi
    echo "temporal-schema: not ready yet, retrying in ${SLEEP_SECONDS}s (attempt $attempt/$MAX_ATTEMPTS)"
    attempt=$((attempt + 1))
    sleep "$SLEEP_SECONDS"
  done
}

echo "temporal-schema: PostgreSQL at $POSTGRES_SEEDS:$DB_PORT"

# Persistence database.
retry sql_tool --db temporal create
sql_tool --db temporal setup-schema -v 0.0
sql_tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned

# Visibility database (SQL advanced visibility: list filters on invsync's search attributes).
retry sql_tool --db temporal_visibility create
sql_tool --db temporal_visibility setup-schema -v 0.0
sql_tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned

echo "temporal-schema: done"
