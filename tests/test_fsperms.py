"""The data dir is 0700 and the SQLite store with its WAL 0600, whatever the umask (issue 17 #11)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lnpilot.fsperms import ensure_private_dir, ensure_private_file
from lnpilot.settings import load_settings
from lnpilot.store import Store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_store_in_data_dir_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        data_dir = tmp_path / "data"
        store = await Store.open(load_settings(data_dir=data_dir))
        try:
            async with store.unit_of_work() as uow:
                await uow.sync_state.all()
        finally:
            await store.close()
    finally:
        os.umask(old)
    assert _mode(data_dir) == 0o700
    files = [p for p in data_dir.iterdir() if p.name.startswith("lnpilot.db")]
    assert data_dir / "lnpilot.db" in files
    for path in files:  # the WAL and shared-memory files too, when SQLite left them
        assert _mode(path) == 0o600, path


def test_existing_loose_dir_and_file_are_tightened(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    ensure_private_dir(loose)
    assert _mode(loose) == 0o700
    db = loose / "x.db"
    db.write_bytes(b"")
    db.chmod(0o644)
    wal = loose / "x.db-wal"
    wal.write_bytes(b"")
    wal.chmod(0o644)
    ensure_private_file(db)
    assert _mode(db) == 0o600 and _mode(wal) == 0o600
