"""`tocsin web`: serve the story dashboard."""

from __future__ import annotations

from typing import Annotated

import typer

from services.common.settings import Settings


def web(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8082,
) -> None:
    """Serve the dashboard: open stories, each story's charts and its live alert feed."""
    import uvicorn

    from services.web.app import create_web_app

    uvicorn.run(
        create_web_app(Settings()), host=host, port=port, log_config=None,
        # the live pages hold their event streams open: do not wait for them on shutdown
        timeout_graceful_shutdown=2,
    )


def register(app: typer.Typer) -> None:
    app.command("web")(web)
