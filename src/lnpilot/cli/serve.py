"""``lnpilot serve``: the scoring service under uvicorn."""

from __future__ import annotations

import typer

from lnpilot.cli.common import settings_from_env


def serve(
    host: str | None = typer.Option(None, "--host", help="Bind address (default: api.host)."),
    port: int | None = typer.Option(None, "--port", min=1, max=65535, help="Port (default: api.port)."),
) -> None:
    """Serve the Lightning Scoring Service (OpenAPI docs at /docs)."""
    import uvicorn

    from lnpilot.api.app import create_app, server_options

    settings = settings_from_env()
    app = create_app(settings)
    uvicorn.run(
        app, host=host or settings.api.host, port=port or settings.api.port, **server_options(settings)
    )
