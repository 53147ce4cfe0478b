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

    async def handle(item: ArticleIn, redis: Redis) -> None:
        await Ingestor(redis, settings).ingest(item, token=current_message_id.get())

    return handle


def make_on_dead(settings: Settings) -> Callable[[str | None, str, Redis], Awaitable[None]]:
    """A dead-lettered inbox entry (invalid, or failing again and again) gets a refused receipt."""

    async def on_dead(article_id: str | None, reason: str, redis: Redis) -> None:
        if article_id is not None:
            await Ingestor(redis, settings).refuse(article_id, None, reason)

    return on_dead
