#!/bin/bash
# A logical backup of the sync server's PostgreSQL database: one pg_dump file (custom
# format, compressed) per run, checked, then the oldest beyond the newest KEEP deleted.
#
#   backup.sh [-d DIR] [-k KEEP]
#
# The database: EMR_BACKUP_DATABASE (a libpq URI or conninfo) or else the server's own
# EMR_SYNC_DATABASE_URL (/etc/emr-sync/env; "postgresql+psycopg://" is read as
# "postgresql://"). DIR: -d, EMR_BACKUP_DIR or /var/backups/emr-sync. KEEP: -k,
# EMR_BACKUP_KEEP or 14. Prints the path of the new dump. Runs while the server serves:
# pg_dump reads one consistent snapshot.
# Sao lưu CSDL máy chủ đồng bộ (pg_dump), giữ KEEP bản mới nhất.
set -euo pipefail
umask 077

dir=${EMR_BACKUP_DIR:-/var/backups/emr-sync}
keep=${EMR_BACKUP_KEEP:-14}
while getopts "d:k:" opt; do
    case $opt in
        d) dir=$OPTARG ;;
        k) keep=$OPTARG ;;
        *) echo "usage: backup.sh [-d DIR] [-k KEEP]" >&2; exit 2 ;;
    esac
done
case $keep in
    ''|*[!0-9]*|0) echo "backup.sh: KEEP must be a whole number of at least 1: '$keep'" >&2; exit 2 ;;
esac

database=${EMR_BACKUP_DATABASE:-}
if [ -z "$database" ]; then
    url=${EMR_SYNC_DATABASE_URL:-}
    case $url in
        postgresql*://*) database="postgresql://${url#*://}" ;;
        '') echo "backup.sh: set EMR_SYNC_DATABASE_URL or EMR_BACKUP_DATABASE" >&2; exit 2 ;;
        *) echo "backup.sh: only PostgreSQL databases; for SQLite see README.md" >&2; exit 2 ;;
    esac
fi

mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%S.%3NZ)
target="$dir/emr-sync-$stamp.dump"
partial="$target.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --format=custom --compress=6 --no-owner --no-privileges \
    --file="$partial" --dbname="$database"
# A dump that pg_restore cannot list is no backup.
pg_restore --list "$partial" > /dev/null
mv "$partial" "$target"
trap - EXIT

# Keep the newest $keep dumps (names sort by time).
mapfile -t dumps < <(find "$dir" -maxdepth 1 -name 'emr-sync-*.dump' -printf '%f\n' | sort)
excess=$(( ${#dumps[@]} - keep ))
for (( i = 0; i < excess; i++ )); do
    rm -f -- "$dir/${dumps[$i]}"
done
echo "$target"
