"""Handing articles to ingest: each goes on the inbox stream with its id filled in."""

from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis

from schemas.article import ArticleIn
from services.common.broker import DATA_FIELD
from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.normalize import article_id_for


def with_id(item: ArticleIn) -> ArticleIn:
    """The article with the id ingest will give it (kept when given, else derived)."""
    article_id = article_id_for(item)
    return item if item.id == article_id else item.model_copy(update={"id": article_id})


async def submit(redis: Redis, settings: Settings, items: Iterable[ArticleIn]) -> list[str]:
    """XADD the articles to the inbox in one round trip; their inbox entry ids, in order."""
    inbox = Streams(settings.stream_prefix).inbox
    pipe = redis.pipeline(transaction=False)
    count = 0
    for item in items:
        body = with_id(item).model_dump_json(exclude_none=True)
        pipe.xadd(inbox, {DATA_FIELD: body}, maxlen=settings.worker.stream_maxlen, approximate=True)
        count += 1
    if count == 0:
        return []
    entries = await pipe.execute()
    return [entry.decode() if isinstance(entry, bytes) else str(entry) for entry in entries]
