#!/bin/bash
# A base backup of the whole PostgreSQL cluster (pg_basebackup), the starting point of a
# point-in-time recovery together with the WAL archive (wal-archive.sh). Run as the
# postgres user, e.g. weekly:
#
#   runuser -u postgres -- /opt/emr-sync/sync/deploy/basebackup.sh [-d DIR] [-k KEEP] [-a ARCHIVE]
#
# DIR (default /var/backups/emr-sync-base) receives base-<UTC time>/, checked with
# pg_verifybackup. The newest KEEP (default 2) are kept; WAL segments in ARCHIVE (default
# /var/lib/postgresql/wal-archive) older than the oldest kept base backup are then deleted
# (pg_archivecleanup): they are needed by no backup any more. Connection: the usual libpq
# variables (PGHOST, PGPORT, …); by default the local socket as the postgres user.
# Sao lưu toàn bộ cụm PostgreSQL (base backup) cho khôi phục tới một thời điểm.
set -euo pipefail
umask 077

dir=/var/backups/emr-sync-base
keep=2
archive=/var/lib/postgresql/wal-archive
while getopts "d:k:a:" opt; do
    case $opt in
        d) dir=$OPTARG ;;
        k) keep=$OPTARG ;;
        a) archive=$OPTARG ;;
        *) echo "usage: basebackup.sh [-d DIR] [-k KEEP] [-a ARCHIVE]" >&2; exit 2 ;;
    esac
done
case $keep in
    ''|*[!0-9]*|0) echo "basebackup.sh: KEEP must be a whole number of at least 1: '$keep'" >&2; exit 2 ;;
esac

# pg_verifybackup is not on Debian's PATH: the newest installed server's tools (or PG_BINDIR).
pg_bindir=${PG_BINDIR:-$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)}
if [ -n "$pg_bindir" ]; then
    PATH="$pg_bindir:$PATH"
fi

mkdir -p "$dir"
name="base-$(date -u +%Y%m%dT%H%M%S.%3NZ)"
partial="$dir/.$name.partial"
trap 'rm -rf "$partial"' EXIT
# Plain format, WAL of the backup's own span streamed in: the copy can start on its own;
# the archive then carries it to any later moment.
pg_basebackup --pgdata="$partial" --format=plain --wal-method=stream \
    --checkpoint=fast --label="$name" --no-password
pg_verifybackup --quiet "$partial"
mv "$partial" "$dir/$name"
trap - EXIT

mapfile -t backups < <(find "$dir" -maxdepth 1 -type d -name 'base-*' -printf '%f\n' | sort)
excess=$(( ${#backups[@]} - keep ))
for (( i = 0; i < excess; i++ )); do
    rm -rf -- "${dir:?}/${backups[$i]}"
done
# The first WAL segment the oldest kept backup needs: "START WAL LOCATION: 0/… (file X)".
oldest="$dir/${backups[$(( excess > 0 ? excess : 0 ))]}"
first_wal=$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]\{24\}\))$/\1/p' "$oldest/backup_label")
if [ -d "$archive" ] && [ -n "$first_wal" ]; then
    pg_archivecleanup "$archive" "$first_wal"
fi
echo "$dir/$name"
