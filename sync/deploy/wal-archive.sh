#!/bin/sh
# PostgreSQL archive_command: copy one WAL segment into the archive directory.
#   archive_command = '/opt/emr-sync/sync/deploy/wal-archive.sh %p %f /var/lib/postgresql/wal-archive'
# Runs as the postgres user. Never overwrites a different file of the same name (that would
# be two clusters writing to one archive); the same file again is success, as PostgreSQL
# may archive a segment twice after a crash. The copy is written under a temporary name,
# flushed, then renamed: the archive never holds half a segment.
set -eu
if [ "$#" -ne 3 ]; then
    echo "usage: wal-archive.sh WAL_PATH WAL_NAME ARCHIVE_DIR" >&2
    exit 2
fi
src=$1
name=$2
dir=$3
if [ -f "$dir/$name" ]; then
    if cmp -s "$src" "$dir/$name"; then
        exit 0
    fi
    echo "wal-archive: $dir/$name exists with other content; refusing to overwrite" >&2
    exit 1
fi
tmp="$dir/.$name.tmp"
cp "$src" "$tmp"
sync "$tmp"
mv "$tmp" "$dir/$name"
sync "$dir"
