"""Backups of the store: SQLite through its online backup API, PostgreSQL through pg_dump/pg_restore.

SQLite's backup API copies a consistent snapshot while the daemon keeps writing (WAL mode); a
restore copies the backup's pages back over the live file the same way, so no reader ever sees a
half-written database. PostgreSQL uses pg_dump's custom format and a single-transaction
pg_restore, so a failed restore leaves the database as it was. Credentials go to the client
tools through libpq's environment variables, never on a command line (other users can read
those in the process list).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from lnpilot.errors import LnpilotError
from lnpilot.fsperms import ensure_private_dir, ensure_private_file
from lnpilot.logs import redact_text
from lnpilot.store.engine import normalise_url

_PG_TIMEOUT_S = 3600.0


class BackupError(LnpilotError):
    """A backup or restore could not be made; the message names no credential."""

    code = "backup-failed"


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    kind: str
    size_bytes: int


def _parsed(url: str) -> URL:
    return make_url(normalise_url(url))


def _sqlite_path(parsed: URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def default_backup_path(backup_dir: Path, url: str, label: str = "") -> Path:
    """``DIR/lnpilot-<kind>-<UTC time>[-label].<ext>``: sortable, one per call."""
    kind = _parsed(url).get_backend_name()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    suffix = f"-{label}" if label else ""
    ext = "sqlite" if kind == "sqlite" else "pgdump"
    path = backup_dir / f"lnpilot-{kind}-{stamp}{suffix}.{ext}"
    n = 1
    while path.exists():  # two backups in one second keep both
        n += 1
        path = backup_dir / f"lnpilot-{kind}-{stamp}{suffix}-{n}.{ext}"
    return path


def backup(url: str, dest: Path) -> BackupResult:
    """Write a consistent copy of the database at ``url`` to ``dest`` (created, never overwritten)."""
    parsed = _parsed(url)
    if dest.exists():
        raise BackupError(f"{dest} exists; a backup never overwrites a file")
    try:
        ensure_private_dir(dest.parent)
    except OSError as exc:
        raise BackupError(f"cannot create the backup directory {dest.parent}: {exc.strerror}") from None
    tmp = dest.with_name(dest.name + ".partial")
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(parsed), tmp)
        else:
            _pg_run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}"], parsed)
        os.chmod(tmp, 0o600)  # a backup holds API key hashes and node data: owner only
        tmp.replace(dest)  # a backup file exists only once it is complete
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(dest, parsed.get_backend_name(), dest.stat().st_size)


def restore(url: str, source: Path) -> BackupResult:
    """Replace the database at ``url`` with the backup at ``source``."""
    parsed = _parsed(url)
    if not source.is_file():
        raise BackupError(f"no such backup file: {source}")
    if parsed.get_backend_name() == "sqlite":
        _sqlite_restore(source, _sqlite_path(parsed))
    else:
        _pg_run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(source),
            ],
            parsed,
            database_flag=True,
        )
    return BackupResult(source, parsed.get_backend_name(), source.stat().st_size)


def _sqlite_backup(db: Path, dest: Path) -> None:
    if not db.is_file():
        raise BackupError(f"no SQLite database at {db}")
    src = sqlite3.connect(db)
    out = sqlite3.connect(dest)
    try:
        src.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {db} failed: {exc}") from None
    finally:
        out.close()
        src.close()


def _check_sqlite_backup(source: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            verdict = con.execute("PRAGMA integrity_check").fetchone()[0]
            has_version = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{source} is not a SQLite backup: {exc}") from None
    if verdict != "ok":
        raise BackupError(f"{source} fails SQLite's integrity check: {verdict}")
    if not has_version:
        raise BackupError(f"{source} is not an lnpilot backup (no alembic_version table)")


def _sqlite_restore(source: Path, db: Path) -> None:
    _check_sqlite_backup(source)
    ensure_private_dir(db.parent)
    ensure_private_file(db)  # a restored store is as private as one lnpilot created
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(db, timeout=30)
    try:
        src.backup(dst)
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite restore into {db} failed: {exc}") from None
    finally:
        dst.close()
        src.close()


def _pg_env(parsed: URL) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", str(parsed.port) if parsed.port else None),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
    ):
        if value is not None:
            env[key] = str(value)
    ssl = parsed.query.get("ssl") or parsed.query.get("sslmode")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = ssl
    return env


def _pg_run(tool: str, args: list[str], parsed: URL, *, database_flag: bool = False) -> None:
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(f"{tool} not found: install PostgreSQL's client tools (Debian: postgresql-client)")
    argv = [exe, *args]
    if database_flag:
        argv.insert(1, f"--dbname={parsed.database}")
    try:
        result = subprocess.run(
            argv, env=_pg_env(parsed), capture_output=True, text=True, timeout=_PG_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{tool} did not finish within {_PG_TIMEOUT_S:.0f} s") from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()] or [f"exit {result.returncode}"]
        detail = lines[0]
        if parsed.password:
            detail = detail.replace(str(parsed.password), "***")
        raise BackupError(f"{tool} failed: {redact_text(detail)}")


async def backup_before_upgrade(engine: AsyncEngine, url: str, backup_dir: Path) -> BackupResult | None:
    """Back the store up when a migration is about to run on existing data; None when none will.

    A failed backup raises: no migration runs on data that has no copy.
    """
    from lnpilot.store import migrate

    current = await migrate.current_revision(engine)
    head = migrate.head_revision()
    if current is None or current == head:
        return None
    dest = default_backup_path(backup_dir, url, label=f"pre-{head}")
    try:
        return await asyncio.to_thread(backup, url, dest)
    except BackupError as exc:
        raise BackupError(f"no migration to {head} without a backup: {exc}") from None
