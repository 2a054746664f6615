"""The facility's letterhead travels between PCs, and a PC set up later does not wipe it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import make_pc
from tests.syncclient.test_live_server import _enrolled

from emr_desktop.services import documents
from emr_desktop.store.store import Store
from emr_desktop.syncclient.engine import sync_once

LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100


def _conflicts(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT kind, field FROM conflict"))]


def test_a_letterhead_reaches_every_pc_even_one_set_up_later(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a = make_pc(tmp_path, "a", 1)
    link_a = _enrolled(a, live_server)
    documents.update_letterhead(
        a.store,
        a.admin,
        parent_name="Sở Y tế tỉnh Ninh Bình",
        address="Thị trấn Quế",
        phone="0226 3820 115",
        logo=LOGO,
    )
    sync_once(a.store, link_a)
    # Set up after the letterhead was saved: its own facility record must not empty it.
    c = make_pc(tmp_path, "c", 3)
    link_c = _enrolled(c, live_server)
    sync_once(c.store, link_c)
    sync_once(a.store, link_a)
    for pc in (a, c):
        letterhead = documents.letterhead(pc.store, pc.doctor)
        assert letterhead.parent_name == "Sở Y tế tỉnh Ninh Bình"
        assert letterhead.phone == "0226 3820 115" and letterhead.logo == LOGO
        assert _conflicts(pc.store) == []
    # Cleared on the later PC, cleared everywhere.
    documents.update_letterhead(
        c.store, c.admin, parent_name=None, address="Thị trấn Quế", phone=None, logo=None
    )
    sync_once(c.store, link_c)
    sync_once(a.store, link_a)
    cleared = documents.letterhead(a.store, a.doctor)
    assert cleared.parent_name is None and cleared.logo is None
    assert cleared.address == "Thị trấn Quế"
