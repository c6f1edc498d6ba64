"""``lnpilot web hash-password``: the scrypt hash to put in ``web.password_hash``."""

from __future__ import annotations

import typer

from lnpilot.cli.common import console

app = typer.Typer(help="The web dashboard (/ui on lnpilot serve).", no_args_is_help=True)


@app.command("hash-password")
def hash_password(
    password: str = typer.Option(
        ..., prompt=True, confirmation_prompt=True, hide_input=True, help="Prompted when omitted."
    ),
) -> None:
    """Print the scrypt hash of a dashboard password (set it as web.password_hash)."""
    from lnpilot.errors import InvalidInputError
    from lnpilot.web.session import hash_password as scrypt_hash

    if len(password) < 12:
        raise InvalidInputError("the dashboard password needs at least 12 characters")
    console.print(scrypt_hash(password), markup=False, soft_wrap=True)
