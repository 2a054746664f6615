"""Try the hospital IT documentation as a new user would: run every ```sh block of docs/it.

    .venv/bin/python scripts/try_docs.py                    # every doc, in the index's order
    .venv/bin/python scripts/try_docs.py --doc workstations # one (a name in docs/it, or a path)

The docs are run in the order docs/it/README.md links them (docs it does not link come
after, by name). Each doc runs in one bash process, as one terminal session of an IT person
(what a block exports, the next block sees), with `set -Eeuo pipefail`, in a fresh
`EMR_IT_WORKDIR` and a fresh `HOME`; the first failing command stops it, and the runner
names the doc, the line and the block. ```console blocks (Windows, systemd, root) are
shown to the reader, never run.

The environment is a clean one: `PATH` (with this Python's scripts directory first, where
`emr-admin` and `emr-sync-server` are), a UTF-8 locale, the fresh `HOME` and
`EMR_IT_WORKDIR`, `EMR_IT_PORT` (a free port for the doc's own server), and
`PYTHON_KEYRING_BACKEND` — the file keyring a test box uses instead
of the OS keyring (kept if already set). Nothing else is passed on: no `EMR_*` variable of
the caller's shell leaks into the docs.

The docs start what they need themselves (the sync server, in the background), as the IT
person would. The runner starts nothing; it checks PostgreSQL listens on 127.0.0.1:5432
before a doc that uses it, and when a doc ends, passing or failing, it stops whatever the
doc left running (the doc's process group, which the runner made).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS_DIR = ROOT / "docs" / "it"
INDEX = "README.md"
#: The keyring of a test box (docs/it/workstations.md says how a real PC differs).
TEST_KEYRING = "keyrings.alt.file.PlaintextKeyring"
DEFAULT_TIMEOUT = 1200.0
POSTGRES = ("127.0.0.1", 5432)

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
_LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")


@dataclass(frozen=True)
class Block:
    """One ```sh block: where it starts in its doc (the line after the fence) and its text."""

    line: int
    text: str


@dataclass(frozen=True)
class Outcome:
    """How one doc went: every block ran (`failed_line` None), or where it stopped."""

    doc: Path
    blocks: int
    ran: int
    seconds: float
    failed_line: int | None = None
    exit_status: int = 0
    reason: str = ""

    #: Where the failing block starts (a command over several lines is named by its last).
    block_line: int | None = None

    @property
    def ok(self) -> bool:
        return self.failed_line is None and not self.reason


def sh_blocks(text: str) -> list[Block]:
    """The ```sh blocks of a Markdown text, in order; other fences are skipped."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, language = opening.group(2), opening.group(3)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j])
            j += 1
        if j == len(lines):
            raise ValueError(f"line {i + 1}: the code block is never closed")
        if language == "sh":
            blocks.append(Block(line=i + 2, text="\n".join(body)))
        i = j + 1
    return blocks


def doc_order(docs_dir: Path) -> list[Path]:
    """The docs to run: as the index links them, then those it does not link, by name."""
    index = docs_dir / INDEX
    ordered: list[Path] = [index] if index.exists() else []
    if index.exists():
        for target in _LINK.findall(index.read_text("utf-8")):
            path = (docs_dir / target).resolve()
            if path.parent == docs_dir.resolve() and path.exists() and path not in ordered:
                ordered.append(path)
    rest = sorted(p.resolve() for p in docs_dir.glob("*.md") if p.resolve() not in ordered)
    return [p.resolve() for p in ordered] + rest


def find_doc(name: str, docs_dir: Path) -> Path:
    """A doc by its name in `docs_dir` (with or without .md), or by path."""
    for candidate in (Path(name), docs_dir / name, docs_dir / f"{name}.md"):
        if candidate.is_file():
            return candidate.resolve()
    raise SystemExit(f"try_docs: no doc {name!r} (looked in {docs_dir})")


def _bin_dir() -> Path:
    """Where this Python's console scripts are (`emr-admin`, `emr-sync-server`)."""
    return Path(sys.executable).parent


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on now (for the doc's own server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(
    home: Path, workdir: Path, first_on_path: Path | None = None
) -> dict[str, str]:
    """What a fresh login on the test box would have, and nothing of the caller's.

    `first_on_path` (the installed bundle's folder) comes before this Python's scripts: its
    `emr-admin` is then the one the doc runs, as on a ward PC; `emr-sync-server`, which the
    bundle does not carry, still comes from this Python."""
    dirs = [first_on_path] if first_on_path is not None else []
    path = os.pathsep.join([*map(str, dirs), str(_bin_dir()), os.environ.get("PATH", os.defpath)])
    env = {
        "PATH": path,
        "HOME": str(home),
        "EMR_IT_WORKDIR": str(workdir),
        # The port a doc's server listens on: free, so that docs tried at the same time
        # on one box (or a server already running there) do not collide.
        "EMR_IT_PORT": str(free_port()),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHON_KEYRING_BACKEND": os.environ.get("PYTHON_KEYRING_BACKEND", TEST_KEYRING),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("USER", "LOGNAME", "TERM", "TZ"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def build_script(doc: Path, blocks: list[Block], status_file: Path) -> tuple[str, dict[int, int]]:
    """The bash script of a doc, and for each of its lines that came from the doc, the doc's
    line. Each block first writes its number to `status_file`; a failing command writes its
    script line and status there (the ERR trap) before `set -e` ends the script."""
    head = [
        "set -Eeuo pipefail",
        # A failing command inside $(...) fails the command that uses it, as it reads.
        "shopt -s inherit_errexit",
        f"exec 3>>{_quote(str(status_file))}",
        'trap \'status=$?; printf "ERR %s %s\\n" "$LINENO" "$status" >&3\' ERR',
        'cd "$EMR_IT_WORKDIR"',
    ]
    lines = list(head)
    where: dict[int, int] = {}
    for number, block in enumerate(blocks, 1):
        lines.append(f"printf 'BLOCK {number}\\n' >&3")
        lines.append(f"printf '\\n--- %s:%d\\n' {_quote(doc.name)} {block.line} >&2")
        for offset, text in enumerate(block.text.splitlines()):
            lines.append(text)
            where[len(lines)] = block.line + offset
    lines.append("printf 'DONE\\n' >&3")
    return "\n".join(lines) + "\n", where


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _postgres_needed(blocks: list[Block]) -> bool:
    return any("postgresql" in b.text or ":5432" in b.text for b in blocks)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _stop_group(pgid: int) -> None:
    """Stop what the doc left running: its process group, made for it by the runner."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def run_doc(
    doc: Path,
    root: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    first_on_path: Path | None = None,
) -> Outcome:
    """Run the ```sh blocks of `doc` in a fresh workdir and HOME under `root`."""
    blocks = sh_blocks(doc.read_text("utf-8"))
    if not blocks:
        return Outcome(doc, 0, 0, 0.0)
    if _postgres_needed(blocks) and not _listening(*POSTGRES):
        return Outcome(
            doc, len(blocks), 0, 0.0, reason="PostgreSQL does not listen on 127.0.0.1:5432"
        )
    base = Path(tempfile.mkdtemp(prefix=f"{doc.stem}-", dir=root))
    home, workdir = base / "home", base / "work"
    home.mkdir()
    workdir.mkdir()
    status_file = base / "status"
    script, where = build_script(doc, blocks, status_file)
    script_file = base / "doc.sh"
    script_file.write_text(script, "utf-8")
    started = time.monotonic()
    process = subprocess.Popen(
        ["bash", str(script_file)],
        cwd=workdir,
        env=clean_environment(home, workdir, first_on_path),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    reason = ""
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        reason = f"timed out after {timeout:.0f} s"
        status = -1
    finally:
        _stop_group(process.pid)
        process.wait()
    seconds = time.monotonic() - started
    return _outcome(doc, blocks, status_file, where, status, seconds, reason)


def _outcome(
    doc: Path,
    blocks: list[Block],
    status_file: Path,
    where: dict[int, int],
    status: int,
    seconds: float,
    reason: str,
) -> Outcome:
    marks = status_file.read_text("utf-8").split("\n") if status_file.exists() else []
    ran = max((int(m.split()[1]) for m in marks if m.startswith("BLOCK ")), default=0)
    if "DONE" in marks and status == 0 and not reason:
        return Outcome(doc, len(blocks), ran, seconds)
    errors = [m.split() for m in marks if m.startswith("ERR ")]
    # The first ERR is the failing command (later ones come from the trap in functions).
    line = where.get(int(errors[0][1])) if errors else None
    if line is None:
        # Not a failing command (an unset variable, a syntax error): the block is known.
        line = blocks[max(ran, 1) - 1].line
    if errors and status == 0:
        status = int(errors[0][2])
    start = blocks[max(ran, 1) - 1].line
    return Outcome(doc, len(blocks), ran, seconds, line, status or 1, reason, start)


def report(outcome: Outcome) -> str:
    """One line per doc, naming the doc and line that failed."""
    name = outcome.doc.name
    if outcome.ok:
        return f"OK      {name}: {outcome.blocks} blocks in {outcome.seconds:.0f} s"
    where = f"{name}:{outcome.failed_line}" if outcome.failed_line else name
    block = (
        f" (block {outcome.ran} of {outcome.blocks}, from line {outcome.block_line})"
        if outcome.ran
        else ""
    )
    why = f": {outcome.reason}" if outcome.reason else f", exit status {outcome.exit_status}"
    return f"FAILED  {where}{block}{why}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", action="append", help="run only this doc (repeatable)")
    parser.add_argument("--docs-dir", type=Path, default=DOCS_DIR)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per doc")
    parser.add_argument("--keep", action="store_true", help="keep the workdirs for inspection")
    parser.add_argument(
        "--bundle",
        type=Path,
        help="the installed program's folder (dist/emr-desktop): its emr-admin runs the docs",
    )
    parser.add_argument(
        "--keep-going", action="store_true", help="after a failing doc, try the next ones"
    )
    args = parser.parse_args(argv)
    docs_dir = args.docs_dir.resolve()
    docs = [find_doc(n, docs_dir) for n in args.doc] if args.doc else doc_order(docs_dir)
    root = Path(tempfile.mkdtemp(prefix="try-docs-"))
    outcomes: list[Outcome] = []
    try:
        for doc in docs:
            print(f"=== {doc.name}", file=sys.stderr, flush=True)
            outcome = run_doc(
                doc,
                root,
                timeout=args.timeout,
                first_on_path=args.bundle.resolve() if args.bundle else None,
            )
            outcomes.append(outcome)
            print(report(outcome), file=sys.stderr, flush=True)
            if not outcome.ok and not args.keep_going:
                break
    finally:
        if args.keep:
            print(f"try_docs: workdirs kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print("\n".join(report(o) for o in outcomes))
    return 0 if outcomes and all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
