"""``lnpilot config``: show and check the effective settings."""

from __future__ import annotations

import typer
from rich.table import Table

from lnpilot.cli.common import console, print_json, settings_from_env
from lnpilot.errors import ConfigError
from lnpilot.settings import redacted_dump, select_node, semantic_problems

app = typer.Typer(help="Show and check the effective settings.", no_args_is_help=True)


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print the effective settings, secrets redacted."""
    data = redacted_dump(settings_from_env())
    if as_json:
        print_json(data)
        return
    table = Table("setting", "value", title="lnpilot settings")
    for key, value in sorted(_flatten(data).items()):
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@app.command("check")
def check() -> None:
    """Validate the settings; exit non-zero with one line naming the bad setting."""
    settings = settings_from_env()
    problems = semantic_problems(settings)
    for name in settings.nodes:  # every fleet node as its own settings would be used
        own = [p for p in semantic_problems(select_node(settings, name)) if p not in problems]
        problems += [f"nodes.{name}: {p}" for p in own]
    if problems:
        raise ConfigError("; ".join(problems))
    console.print(f"settings OK (backend={settings.backend}, database={_db_kind(settings)})")


def _db_kind(settings_obj: object) -> str:
    url = getattr(settings_obj, "database_url_effective", "")
    return str(url).split(":", 1)[0].split("+", 1)[0]


def _flatten(data: dict[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out
