"""Point-in-time recovery with the files of `sync/deploy/`, for real: a private PostgreSQL
cluster (initdb in a temporary directory, run as the `postgres` user) with
`postgresql/emr-sync.conf` and `wal-archive.sh`, base backups by `basebackup.sh`, writes
after them, then `pitr-restore.sh` to the end of the archive and to a moment between two
writes."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.sync.deploy.conftest import DEPLOY, free_port

PG_ROOT = Path("/usr/lib/postgresql")


def _bindir() -> Path:
    found = sorted(PG_ROOT.glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found or not (found[-1] / "initdb").exists():
        pytest.skip("no PostgreSQL server programs under /usr/lib/postgresql")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    """Root runs the cluster as `postgres` (initdb refuses root); anyone else as itself."""
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no postgres user to run the cluster")
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class Cluster:
    """A private PostgreSQL cluster under `work`, reached by its Unix socket."""

    work: Path
    bindir: Path
    port: int

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PGHOST": str(self.work / "sock"),
            "PGPORT": str(self.port),
            "PGUSER": "postgres",
            "PGDATABASE": "postgres",
            "PG_BINDIR": str(self.bindir),
        }

    def run(self, *command: str) -> str:
        result = subprocess.run(
            _as_postgres(list(command)),
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            cwd=self.work,
        )
        assert result.returncode == 0, f"{command[0]}: {result.stderr}"
        return result.stdout

    def sql(self, statement: str) -> str:
        return self.run(
            str(self.bindir / "psql"), "-XtAq", "-v", "ON_ERROR_STOP=1", "-c", statement
        )

    def start(self, data: Path) -> None:
        log = self.work / f"{data.name}.log"
        self.run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "start")

    def stop(self, data: Path) -> None:
        self.run(str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    def wait_writable(self) -> None:
        """Until recovery has finished and the server was promoted."""
        deadline = time.monotonic() + 30
        while self.sql("SELECT pg_is_in_recovery()").strip() != "f":
            assert time.monotonic() < deadline, "recovery did not finish"
            time.sleep(0.1)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bindir = _bindir()
    # Not under pytest's tmp_path: the postgres user must reach it.
    work = Path(tempfile.mkdtemp(prefix="emr-pitr-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(work, user.pw_uid, user.pw_gid)
    work.chmod(0o700)
    found = Cluster(work, bindir, free_port())
    running: list[Path] = []
    try:
        for sub in ("sock", "wal-archive", "base"):
            found.run("mkdir", "-p", str(work / sub))
        yield found
    finally:
        for data in work.glob("*/postmaster.pid"):
            running.append(data.parent)
        for data in running:
            subprocess.run(
                _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(work, ignore_errors=True)


def _init(cluster: Cluster, data: Path) -> None:
    """initdb, then the shipped settings with this test's paths and a small footprint."""
    cluster.run(
        str(cluster.bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        *("-E", "UTF8"),
        "--no-sync",  # a throwaway cluster: no fsync of initdb's files
    )
    shipped = (DEPLOY / "postgresql" / "emr-sync.conf").read_text()
    command = "/opt/emr-sync/sync/deploy/wal-archive.sh %p %f /var/lib/postgresql/wal-archive"
    assert shipped.count(command) == 1
    ours = shipped.replace(
        command, f"{DEPLOY / 'wal-archive.sh'} %p %f {cluster.work / 'wal-archive'}"
    )
    conf = cluster.work / "emr-sync.conf"
    conf.write_text(ours)
    conf.chmod(0o644)
    local = (
        f"include '{conf}'\n"
        f"port = {cluster.port}\n"
        "listen_addresses = ''\n"
        f"unix_socket_directories = '{cluster.work / 'sock'}'\n"
        "shared_buffers = 32MB\n"
        "effective_cache_size = 128MB\n"
        "max_connections = 20\n"
    )
    cluster.run("sh", "-c", f"cat >> {data / 'postgresql.conf'} <<'EOF'\n{local}EOF\n")


def _rows(cluster: Cluster) -> list[str]:
    return cluster.sql("SELECT note FROM visit ORDER BY id").split()


def _insert(cluster: Cluster, note: str, count: int) -> None:
    cluster.sql(
        f"INSERT INTO visit (note) SELECT '{note}' FROM generate_series(1, {count})"  # noqa: S608
    )


def _archived_everything(cluster: Cluster) -> None:
    """Close the current WAL segment and wait for the archiver to copy it."""
    segment = cluster.sql("SELECT pg_walfile_name(pg_switch_wal())").strip()
    deadline = time.monotonic() + 30
    while not (cluster.work / "wal-archive" / segment).exists():
        assert time.monotonic() < deadline, f"{segment} was not archived"
        time.sleep(0.1)


def _basebackup(cluster: Cluster, keep: int) -> Path:
    out = cluster.run(
        "bash",
        str(DEPLOY / "basebackup.sh"),
        *(
            "-d",
            str(cluster.work / "base"),
            "-k",
            str(keep),
            "-a",
            str(cluster.work / "wal-archive"),
        ),
    )
    return Path(out.strip().splitlines()[-1])


def test_base_backup_plus_archive_restores_to_the_end_and_to_a_moment(cluster: Cluster) -> None:
    data = cluster.work / "data"
    _init(cluster, data)
    cluster.start(data)
    assert cluster.sql("SHOW archive_mode").strip() == "on"
    cluster.sql("CREATE TABLE visit (id serial PRIMARY KEY, note text NOT NULL)")
    _insert(cluster, "a", 3)
    first = _basebackup(cluster, keep=2)
    assert (first / "backup_manifest").exists()
    _insert(cluster, "b", 3)
    moment = cluster.sql("SELECT now()").strip()
    time.sleep(1.1)
    _insert(cluster, "c", 3)
    second = _basebackup(cluster, keep=2)
    _insert(cluster, "d", 3)
    _archived_everything(cluster)
    expected_end = ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] * 3
    assert _rows(cluster) == expected_end
    # The disk is lost: the cluster stops and its data directory is gone.
    cluster.stop(data)
    cluster.run("mv", str(data), str(cluster.work / "data.lost"))

    # To the end of the archive, from the newer base backup: every committed row.
    restored = cluster.work / "restored-end"
    restore = str(DEPLOY / "pitr-restore.sh")
    cluster.run("bash", restore, str(second), str(cluster.work / "wal-archive"), str(restored))
    cluster.start(restored)
    cluster.wait_writable()
    assert _rows(cluster) == expected_end
    _insert(cluster, "e", 1)  # writable again
    cluster.stop(restored)

    # To a moment between "b" and "c", from the older base backup.
    at_moment = cluster.work / "restored-moment"
    cluster.run(
        "bash", restore, str(first), str(cluster.work / "wal-archive"), str(at_moment), moment
    )
    cluster.start(at_moment)
    cluster.wait_writable()
    assert _rows(cluster) == ["a"] * 3 + ["b"] * 3
    cluster.stop(at_moment)

    # pitr-restore.sh never writes over an existing data directory.
    refused = subprocess.run(
        _as_postgres(
            ["bash", restore, str(second), str(cluster.work / "wal-archive"), str(restored)]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1
    assert "exists" in refused.stderr


def test_rotation_keeps_the_newest_base_backups_and_the_wal_they_need(cluster: Cluster) -> None:
    data = cluster.work / "data"
    _init(cluster, data)
    cluster.start(data)
    cluster.sql("CREATE TABLE visit (id serial PRIMARY KEY, note text NOT NULL)")
    made = []
    for note in ("a", "b", "c"):
        _insert(cluster, note, 2)
        made.append(_basebackup(cluster, keep=2))
        _archived_everything(cluster)
    kept = sorted(p for p in (cluster.work / "base").iterdir())
    assert kept == made[1:]
    label = (made[1] / "backup_label").read_text()
    first_needed = label.split("(file ")[1].split(")")[0]
    segments = sorted(p.name for p in (cluster.work / "wal-archive").iterdir() if len(p.name) == 24)
    assert segments[0] == first_needed  # older segments were removed, none it needs
    cluster.stop(data)
