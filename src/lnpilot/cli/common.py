"""What every command shares: settings loading, consoles, JSON output."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

import lnpilot.cli
from lnpilot.logs import configure_logging, secrets_of
from lnpilot.settings import Settings, load_settings, select_node

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def settings_from_env(**overrides: Any) -> Settings:
    """Load settings and set logging up from them; raises ConfigError with one clear line."""
    settings = load_settings(**overrides)
    settings = select_node(settings, lnpilot.cli.selected_node or settings.node)
    secrets_of(
        [
            settings.lnd_macaroon_hex,
            settings.lnbits_api_key,
            settings.lnbits_password,
            settings.macaroon_encryption_key,
            settings.notify.telegram_bot_token,
            settings.notify.webhook_secret,
            settings.notify.smtp_password,
            *(
                secret
                for node in settings.nodes.values()
                for secret in (
                    node.lnd_macaroon_hex,
                    node.lnd_connect_uri,
                    node.lnbits_api_key,
                    node.lnbits_password,
                )
            ),
        ]
    )
    configure_logging(settings.log_format, settings.log_level)
    return settings


def print_json(data: Any) -> None:
    """Plain JSON on stdout (no Rich markup), so the output pipes into jq."""
    print(json.dumps(data, indent=2, sort_keys=True, default=str))
