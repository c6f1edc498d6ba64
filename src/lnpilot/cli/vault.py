"""``lnpilot vault``: keep LND macaroons encrypted at rest; never print their contents."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from lnpilot.backends.vault import MacaroonVault, generate_key
from lnpilot.cli.common import console, print_json, settings_from_env
from lnpilot.errors import ConfigError, InvalidInputError
from lnpilot.logs import register_secret
from lnpilot.settings import Settings

app = typer.Typer(help="Macaroons encrypted at rest (key: MACAROON_ENCRYPTION_KEY).", no_args_is_help=True)


def _key(settings: Settings) -> str | None:
    return settings.macaroon_encryption_key.get_secret_value() if settings.macaroon_encryption_key else None


def _open(create: bool = False, allow_weak: bool = False) -> MacaroonVault:
    settings = settings_from_env()
    path = MacaroonVault.path_in(settings.data_dir)
    return MacaroonVault.open(path, _key(settings), create=create, allow_weak=allow_weak)


@app.command("keygen")
def keygen() -> None:
    """Print a new random vault key (32 bytes, base64) for MACAROON_ENCRYPTION_KEY.

    The key is printed once and stored nowhere: keep it where you keep other secrets.
    """
    print(generate_key())


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Name to refer to it by (LND_MACAROON_PATH=vault:NAME)."),
    file: Path = typer.Option(..., "--file", help="The macaroon file, e.g. admin.macaroon."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite an existing entry of that name."),
) -> None:
    """Encrypt a macaroon file into the vault (creating the vault if needed)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {file}: {exc.strerror}") from None
    register_secret(data)
    entry = _open(create=True).add(name, data, source_name=file.name, replace=replace)
    console.print(f"added {entry.name} ({entry.kind}, {entry.size_bytes} bytes)", markup=False)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Names, kinds and dates of the stored macaroons (never their contents)."""
    entries = _open().entries()
    if as_json:
        print_json([{"name": e.name, "kind": e.kind, "added_at": e.added_at} for e in entries])
        return
    table = Table("name", "kind", "added at", title="macaroon vault")
    for entry in entries:
        table.add_row(entry.name, entry.kind, entry.added_at)
    console.print(table)


@app.command("remove")
def remove(name: str = typer.Argument(...)) -> None:
    """Delete one macaroon from the vault."""
    _open().remove(name)
    console.print(f"removed {name}", markup=False)


@app.command("rotate-key")
def rotate_key(
    new_key_env: str = typer.Option(
        ..., "--new-key-env", help="Name of the environment variable holding the new key."
    ),
) -> None:
    """Re-encrypt every macaroon under a new key, in one atomic write.

    Afterwards set MACAROON_ENCRYPTION_KEY to the new key.
    """
    new_key = os.environ.get(new_key_env, "")
    if not new_key:
        raise ConfigError(f"{new_key_env} is not set or empty: it must hold the new vault key")
    register_secret(new_key)
    count = _open(allow_weak=True).rotate_key(new_key)
    console.print(
        f"re-encrypted {count} macaroon(s); now set MACAROON_ENCRYPTION_KEY to the value of {new_key_env}",
        markup=False,
    )
