"""Render screenshots of the workstation's main screens into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out DIR] [--patients N]

Builds a throw-away demo store (invented patients) in a temporary directory, runs
`emr-desktop --demo --tour` off screen on it and keeps the pictures. README shows them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--patients", type=int, default=3000)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="emr-screenshots-"))
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    env["XDG_DATA_HOME"] = str(work / "keyring")
    env["XDG_CONFIG_HOME"] = str(work / "config")
    try:
        shots = work / "shots"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "emr_desktop.ui.app",
                "--demo",
                "--data-dir",
                str(work / "data"),
                "--demo-patients",
                str(args.patients),
                "--lang",
                "vi",
                "--tour",
                str(shots),
            ],
            env=env,
            check=False,
        )
        if result.returncode != 0:
            return result.returncode
        args.out.mkdir(parents=True, exist_ok=True)
        for picture in sorted(shots.glob("*.png")):
            shutil.copy2(picture, args.out / picture.name)
            print(args.out / picture.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
