"""Start-up warm-up."""

from __future__ import annotations

import gc

from emr_desktop.services.bootstrap import warm_up


def test_warm_up_freezes_the_start_up_heap() -> None:
    try:
        warm_up()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
