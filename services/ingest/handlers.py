"""The inbox handler: one submitted article through the ingest pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from schemas.article import ArticleIn
from services.common.consume import current_message_id
from services.common.settings import Settings
from services.ingest.pipeline import Ingestor


def make_handler(settings: Settings) -> Callable[[ArticleIn, Redis], Awaitable[None]]:
    """The handler for `subscribe_guarded`; the inbox entry id is the submission's token."""
    built: list[Ingestor] = []

    async def handle(item: ArticleIn, redis: Redis) -> None:
        await ingestor_on(built, redis, settings).ingest(item, token=current_message_id.get())

    return handle


def ingestor_on(built: list[Ingestor], redis: Redis, settings: Settings) -> Ingestor:
    """The ingestor on this client, built once (not per message: it registers its scripts)."""
    if not built or built[0].redis is not redis:
        built[:] = [Ingestor(redis, settings)]
    return built[0]


def make_on_dead(settings: Settings) -> Callable[[str | None, str, Redis], Awaitable[None]]:
    """A dead-lettered inbox entry (invalid, or failing again and again) gets a refused receipt."""

    built: list[Ingestor] = []

    async def on_dead(article_id: str | None, reason: str, redis: Redis) -> None:
        if article_id is not None:
            await ingestor_on(built, redis, settings).refuse(article_id, None, reason)

    return on_dead
