"""lnpilot db backup -> delete -> restore gives the identical store (SQLite and PostgreSQL), a backup
is taken before a migration on existing data, and db check says whether the store is usable."""

from __future__ import annotations

import asyncio
import json
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from lnpilot.cli.main import main
from lnpilot.settings import load_settings
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store, migrate
from lnpilot.store.backup import BackupError, backup, restore
from lnpilot.store.engine import make_engine
from lnpilot.store.tables import metadata


async def _dump(url: str) -> dict[str, list[str]]:
    """Every row of every table (and the schema revision), order-independent."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            out = {
                table.name: sorted(repr(tuple(row)) for row in (await conn.execute(select(table))).all())
                for table in metadata.sorted_tables
            }
            out["alembic_version"] = [
                str((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one())
            ]
    finally:
        await engine.dispose()
    return out


def _fill_from_simnet(simnet: SimnetHandle, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LNPILOT_BACKEND", "simnet")
    monkeypatch.setenv("LND_REST_URL", simnet.url)
    monkeypatch.setenv("LND_TLS_CERT_PATH", str(simnet.tls_cert_path))
    monkeypatch.setenv("LND_MACAROON_PATH", str(simnet.admin_macaroon_path))
    # Half a day of simulated routing, so forwards and fees are in the store, not only channels.
    headers = {"Grpc-Metadata-macaroon": simnet.macaroon_hex("admin")}
    context = ssl.create_default_context(cafile=str(simnet.tls_cert_path))
    with httpx.Client(verify=context, headers=headers, timeout=60) as client:
        client.post(f"{simnet.url}/simnet/clock/advance", json={"seconds": 12 * 3600}).raise_for_status()
    assert main(["sync", "--json"]) == 0
    assert main(["apikey", "create", "--name", "ops", "--json"]) == 0


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    name = f"lnpilot_backup_{uuid.uuid4().hex[:12]}"
    admin = make_url(postgres_url).set(drivername="postgresql")

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _delete_sqlite(url: str) -> None:
    db = Path(make_url(url).database or "")
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)
    assert not db.exists()


def _delete_postgres(url: str) -> None:
    parsed = make_url(url)

    async def recreate() -> None:
        admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE "{parsed.database}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
        finally:
            await conn.close()

    asyncio.run(recreate())


def _round_trip(
    simnet: SimnetHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    tmp_path: Path,
) -> None:
    _fill_from_simnet(simnet, monkeypatch, url)
    before = asyncio.run(_dump(url))
    assert len(before["channels"]) == len(simnet.sim.channels) > 0 and before["api_keys"]
    capsys.readouterr()
    target = tmp_path / "bk" / "store.backup"
    assert main(["db", "backup", str(target), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert written["path"] == str(target) and written["size_bytes"] == target.stat().st_size > 0
    assert target.stat().st_mode & 0o077 == 0  # owner-only
    (_delete_sqlite if url.startswith("sqlite") else _delete_postgres)(url)
    assert main(["db", "restore", str(target)]) == 1  # without --yes nothing happens
    assert "pass --yes" in capsys.readouterr().err
    assert main(["db", "restore", str(target), "--yes", "--json"]) == 0
    restored = json.loads(capsys.readouterr().out)
    assert restored["at_head"] is True
    assert asyncio.run(_dump(url)) == before
    assert main(["db", "check", "--json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["problems"] == [] and checked["rows"]["channels"] == len(before["channels"])


def test_sqlite_backup_delete_restore_is_identical(
    simnet: SimnetHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _round_trip(
        simnet, monkeypatch, capsys, f"sqlite+aiosqlite:///{tmp_path / 'live' / 'lnpilot.db'}", tmp_path
    )


@pytest.mark.service
def test_postgres_backup_delete_restore_is_identical(
    simnet: SimnetHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    pg_database: str,
) -> None:
    _round_trip(simnet, monkeypatch, capsys, pg_database, tmp_path)


async def test_backup_taken_before_a_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    store = await Store.open(settings)
    await store.close()
    backups = settings.data_dir / "backups"
    assert not backups.exists()  # a fresh or current store needs no copy
    url = settings.database_url_effective
    before = await _dump(url)
    # This lnpilot pretends to know a newer schema: opening the store must copy it first.
    monkeypatch.setattr(migrate, "head_revision", lambda: "9999_future")
    store = await Store.open(settings)
    await store.close()
    (copy,) = backups.iterdir()
    assert copy.name.startswith("lnpilot-sqlite-") and copy.name.endswith("-pre-9999_future.sqlite")
    assert await _dump(f"sqlite+aiosqlite:///{copy}") == before


async def test_failed_backup_stops_the_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    await (await Store.open(settings)).close()
    (settings.data_dir / "backups").write_text("a file where the backup directory should be")
    monkeypatch.setattr(migrate, "head_revision", lambda: "9999_future")
    called: list[Any] = []
    monkeypatch.setattr(migrate, "upgrade", lambda *a: called.append(a))
    with pytest.raises(BackupError, match="no migration to 9999_future without a backup: cannot create"):
        await Store.open(settings)
    assert called == []


def test_db_check_and_bad_backups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'lnpilot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "check"]) == 1  # no schema yet
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not at head" in err
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "check"]) == 0
    assert "database OK" in capsys.readouterr().out
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    assert main(["db", "restore", str(junk), "--yes"]) == 1
    assert "not a SQLite backup" in capsys.readouterr().err
    assert main(["db", "restore", str(tmp_path / "missing"), "--yes"]) == 1
    assert "no such backup file" in capsys.readouterr().err
    target = tmp_path / "one.sqlite"
    backup(url, target)
    with pytest.raises(BackupError, match="never overwrites"):
        backup(url, target)
    with pytest.raises(BackupError, match="in-memory"):
        restore("sqlite+aiosqlite:///:memory:", target)


@pytest.mark.service
def test_pg_errors_name_no_password(tmp_path: Path, postgres_url: str) -> None:
    bad = make_url(postgres_url).set(password="hunter2-secret", database="no_such_db_lnpilot")
    with pytest.raises(BackupError) as info:
        backup(bad.render_as_string(hide_password=False), tmp_path / "x.pgdump")
    assert "pg_dump failed" in str(info.value) and "hunter2" not in str(info.value)
