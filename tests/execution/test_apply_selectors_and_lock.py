"""Issue 17 items 5 and 6 through ``lnpilot apply`` against simnet: every channel selector is
parsed and must be one of ours (one line, non-zero exit), an empty list is an error, and a real
apply is refused while another lnpilot process holds the node's lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.errors import InvalidInputError
from lnpilot.execution.pipeline import history_window_s, select_views
from lnpilot.settings import Limits

testing = pytest.importorskip("lnpilot.simnet.testing")


def test_apply_rejects_bad_selectors_and_respects_the_node_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lnpilot.store import Store
    from lnpilot.store.node_lock import DbNodeLock

    db = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=4, seed=5) as handle:
        monkeypatch.setenv("LND_REST_URL", handle.url)
        monkeypatch.setenv("LND_TLS_CERT_PATH", str(handle.tls_cert_path))
        monkeypatch.setenv("LND_MACAROON_PATH", str(handle.admin_macaroon_path))
        monkeypatch.setenv("LNPILOT_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("DATABASE_URL", db)
        monkeypatch.setenv("LNPILOT_LOG_LEVEL", "ERROR")
        ours = handle.sim.channels[0]
        for bad in ("abc", "123", "841488x4", str(2**64), "ab" * 32 + ":0"):
            assert main(["apply", "--channel", bad]) != 0, bad
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and "Traceback" not in err, (bad, err)
        assert main(["apply", "--channel", str(ours.chan_id), "--json"]) == 0
        capsys.readouterr()

        async def hold() -> DbNodeLock:
            store = await Store.open_url(db)
            try:
                return await DbNodeLock(store, handle.sim.node.pub_key, "daemon elsewhere").acquire()
            finally:
                await store.close()

        asyncio.run(hold())  # a lease another process holds (60 s)
        before = handle.sim.policy_updates
        assert main(["apply", "--execute", "--mode", "live"]) != 0
        err = capsys.readouterr().err
        assert "holds the lock" in err and "daemon elsewhere" in err
        assert handle.sim.policy_updates == before
        assert main(["apply", "--json"]) == 0  # shadow changes nothing: no lock needed


def test_an_empty_selector_list_is_an_error_and_none_means_all() -> None:
    assert select_views([], None) == []
    with pytest.raises(InvalidInputError, match="empty"):
        select_views([], [])


def test_history_reaches_back_as_far_as_the_longest_limit() -> None:
    """Item 2: a 48 h cooldown was ignored because only 24 h of history was read."""
    assert history_window_s(Limits(cooldown_minutes=48 * 60)) == 48 * 3600
    assert history_window_s(Limits()) == 86_400
