#!/bin/bash
# Point-in-time recovery: a new data directory from a base backup (basebackup.sh) plus the
# WAL archive, replayed to the end of the archive or to a given moment. Run as the postgres
# user with the cluster stopped; DATA_DIR must not exist yet (move the broken one away).
#
#   pitr-restore.sh BASE_BACKUP_DIR ARCHIVE_DIR DATA_DIR ["2026-11-22 09:30:00+07"]
#
# Then start PostgreSQL on DATA_DIR: it replays the archive and, at the end or at the
# target time, becomes a normal writable server (recovery_target_action = promote).
# Khôi phục tới một thời điểm: base backup + kho WAL; chạy với quyền postgres.
set -euo pipefail
umask 077

if [ "$#" -lt 3 ] || [ "$#" -gt 4 ]; then
    echo "usage: pitr-restore.sh BASE_BACKUP_DIR ARCHIVE_DIR DATA_DIR [TARGET_TIME]" >&2
    exit 2
fi
base=$1
archive=$(cd "$2" && pwd)
data=$3
target=${4:-}
if [ ! -f "$base/backup_label" ]; then
    echo "pitr-restore.sh: $base is not a base backup (no backup_label)" >&2
    exit 1
fi
if [ -e "$data" ]; then
    echo "pitr-restore.sh: $data exists; move it away first" >&2
    exit 1
fi

cp -a "$base" "$data"
chmod 700 "$data"
# The WAL to replay comes from the archive; the copy's own pg_wal is only its start.
{
    echo "# Added by pitr-restore.sh: remove these lines once the recovery is finished."
    echo "restore_command = 'cp $archive/%f %p'"
    if [ -n "$target" ]; then
        echo "recovery_target_time = '$target'"
    fi
    echo "recovery_target_action = 'promote'"
} >> "$data/postgresql.auto.conf"
touch "$data/recovery.signal"
echo "$data ready: start PostgreSQL on it to replay the archive"
