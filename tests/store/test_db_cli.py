"""``lnpilot db`` and ``lnpilot status`` without a node: the database side of the CLI."""

from __future__ import annotations

import json

import pytest

from lnpilot.cli.main import main

pytestmark = pytest.mark.usefixtures("cli_logging")


def test_db_upgrade_current_prune(capsys: pytest.CaptureFixture[str]) -> None:
    from lnpilot.store.migrate import head_revision

    head = head_revision()
    assert main(["db", "current"]) == 0
    assert "revision none" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"upgraded from empty to revision {head}" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"already at revision {head}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "database": "sqlite",
        "from_revision": head,
        "revision": head,
        "backup": None,  # nothing to migrate, so no backup was needed
    }
    assert main(["db", "current", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["head"] == head
    assert main(["db", "prune"]) == 0
    assert "0 channel snapshots removed" in capsys.readouterr().out
    assert main(["db", "prune", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "channel_snapshots": 0,
        "graph_snapshots": 0,
        "score_history": 0,
    }


def test_bad_database_url_is_one_line_without_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://admin:s3cretpass@db.example/lnpilot")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: DATABASE_URL") and "s3cretpass" not in err and err.count("\n") == 1


def test_status_without_a_node(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["backend"]["kind"] == "simnet" and data["backend"]["problem"] == "not_configured"
    assert data["counts"] == {
        "channels": 0,
        "forwarding_events": 0,
        "scores": 0,
        "decisions": 0,
        "transactions": 0,
    }
    assert (data["last_sync"], data["database"], data["cache"]) == ({}, "sqlite", "memory")
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "not configured" in out and "never" in out


@pytest.mark.service
def test_status_reports_postgres_and_redis(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pg_database_url: str, redis_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["database"], data["cache"]) == ("postgresql", "redis")
