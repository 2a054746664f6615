#!/bin/bash
# Restore a dump made by backup.sh into an EMPTY database (made by postgres-setup.sql).
#
#   restore.sh DUMP_FILE [DATABASE]
#
# DATABASE: a libpq URI or conninfo; default EMR_BACKUP_DATABASE or the server's own
# EMR_SYNC_DATABASE_URL. Stop the sync server first (README.md, "Restore"). Refuses a
# database that already holds the server's tables; everything is restored in one
# transaction, so a failure leaves the database as empty as it was.
# Khôi phục bản sao lưu vào một CSDL trống; dừng máy chủ đồng bộ trước.
set -euo pipefail

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
    echo "usage: restore.sh DUMP_FILE [DATABASE]" >&2
    exit 2
fi
dump=$1
database=${2:-${EMR_BACKUP_DATABASE:-}}
if [ -z "$database" ]; then
    url=${EMR_SYNC_DATABASE_URL:-}
    case $url in
        postgresql*://*) database="postgresql://${url#*://}" ;;
        *) echo "restore.sh: name the database, or set EMR_SYNC_DATABASE_URL" >&2; exit 2 ;;
    esac
fi
if [ ! -r "$dump" ]; then
    echo "restore.sh: cannot read $dump" >&2
    exit 1
fi
pg_restore --list "$dump" > /dev/null

tables=$(psql --dbname="$database" --no-psqlrc --tuples-only --no-align --command \
    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('op_log', 'alembic_version')")
if [ "$tables" != "0" ]; then
    echo "restore.sh: the target database already holds the sync server's tables;" \
         "restore into a new, empty database" >&2
    exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$database" "$dump"
echo "restored $dump"
