"""Issue 17 item 5: the host half of the node's lock (``store.host_lock``) and the guard that takes
both halves (``store.node_guard``): separate stores (two data dirs, two SQLite files) still meet in
the lock directory; the guard is re-entrant for its holder and refuses everyone else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lnpilot.store import Store
from lnpilot.store.host_lock import HostNodeLock
from lnpilot.store.node_guard import NodeGuard, NodeKey
from lnpilot.store.node_lock import NodeLocked

NODE = "02" + "ab" * 32


async def _key() -> NodeKey:
    return NodeKey(NODE, NODE)


async def test_two_stores_meet_in_the_lock_dir(tmp_path: Path) -> None:
    first_store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    second_store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    locks = tmp_path / "locks"
    try:
        daemon = await NodeGuard(first_store, _key, lock_dir=locks).acquire("daemon")
        other = NodeGuard(second_store, _key, lock_dir=locks)
        with pytest.raises(NodeLocked, match=r"daemon \(pid \d+ on "):
            await other.acquire("apply (live)")
        assert not other.held
        async with daemon.hold("rollback of tx 1"):  # re-entrant for the holder
            assert daemon.held
        assert daemon.held  # still the daemon's after the inner hold
        await daemon.release()
        assert not daemon.held
        async with other.hold("apply (live)"):
            assert other.held
        lock_files = list(locks.glob("node-*.lock"))
        assert len(lock_files) == 1 and lock_files[0].stat().st_mode & 0o777 == 0o600
    finally:
        await first_store.close()
        await second_store.close()


def test_the_kernel_frees_the_lock_of_a_killed_holder(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from lnpilot.store.host_lock import HostNodeLock\n"
        f"HostNodeLock(Path({str(tmp_path)!r}), {NODE!r}, 'daemon').acquire()\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(NodeLocked, match=f"pid {holder.pid}"):
            HostNodeLock(tmp_path, NODE, "apply").acquire()
    finally:
        holder.kill()  # kill -9: no clean-up runs
        holder.wait()
    mine = HostNodeLock(tmp_path, NODE, "apply").acquire()
    assert mine.held
    mine.release()
