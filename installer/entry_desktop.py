"""The bundle's `emr-desktop` executable: the launcher (--version, --self-test, the GUI)."""

import sys

from emr_desktop.launcher.main import main

if __name__ == "__main__":
    sys.exit(main())
