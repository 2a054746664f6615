"""What runs first when `emr-desktop` starts: `--version` and `--self-test` without Qt's GUI.

The gui-script (and the bundle's `emr-desktop` executable) points at `launcher.main`, which
answers `--version` and `--self-test` itself and otherwise hands the command line over to
`emr_desktop.ui.app.main`. It sits above `ui` and `cli` in the layers contract: it may use
every package of the PC, and nothing imports it.
"""
