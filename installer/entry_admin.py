"""The bundle's `emr-admin` executable: the administration command line."""

import sys

from emr_desktop.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
