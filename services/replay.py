"""`tocsin replay`: feed articles to the running pipeline and collect the alerts they raise.

Every article leaves the pipeline with a receipt (ingest: duplicate or refused; extract:
refused or dead letter; alert: alerted, with the ids of its alerts). Replay submits the
articles to the inbox, follows the receipts stream until each article has its receipt, then
reads its alerts from the alerts stream.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from redis.asyncio import Redis

from schemas.alerts import Alert
from schemas.article import ArticleIn
from schemas.receipt import Receipt
from services.common.entries import last_id, read_after, read_range
from services.common.outputs import write_json
from services.common.settings import Settings
from services.common.streams import Streams


class ReplayTimeoutError(Exception):
    """The pipeline did not answer for some articles in time."""

    def __init__(self, missing: Sequence[str], timeout: float) -> None:
        self.missing = list(missing)
        super().__init__(
            f"no answer from the pipeline for {len(self.missing)} article(s) within {timeout:g} s "
            f"(first: {', '.join(self.missing[:3])}); are the workers running on this REDIS_URL "
            "and TOCSIN_STREAM_PREFIX? Start them with `tocsin run`."
        )


@dataclass
class ReplayResult:
    receipts: dict[str, Receipt] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)


def ensure_id(item: ArticleIn) -> ArticleIn:
    """Articles without an id get the one ingest will give them."""
    from services.ingest.submit import with_id

    return with_id(item)


async def _await_receipts(
    redis: Redis,
    *,
    streams: Streams,
    wanted: set[str],
    after_id: str,
    deadline: float,
    receipts: dict[str, Receipt],
) -> str:
    cursor = after_id
    while wanted - receipts.keys():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        block_ms = max(1, min(int(remaining * 1000), 1000))
        for entry_id, data in await read_after(
            redis, streams.receipts, cursor, count=500, block_ms=block_ms
        ):
            cursor = entry_id
            receipt = Receipt.model_validate_json(data)
            if receipt.article_id in wanted:
                receipts[receipt.article_id] = receipt
    return cursor


async def _collect_alerts(
    redis: Redis, streams: Streams, after_id: str, ids: set[str]
) -> dict[str, Alert]:
    found: dict[str, Alert] = {}
    start = f"({after_id}" if after_id != "0-0" else "-"
    while ids - found.keys():
        entries = await read_range(redis, streams.alerts, start=start, count=1000)
        if not entries:
            break
        for entry_id, data in entries:
            start = f"({entry_id}"
            alert_id = orjson.loads(data).get("id")
            if alert_id in ids:
                found[alert_id] = Alert.model_validate_json(data)
    return found


async def replay(
    redis: Redis,
    settings: Settings,
    items: Sequence[ArticleIn],
    *,
    timeout: float,
    sequential: bool = True,
) -> ReplayResult:
    """Submit `items` and wait for all of them; raise ReplayTimeoutError past `timeout`."""
    streams = Streams(settings.stream_prefix)
    articles = [ensure_id(item) for item in items]
    receipts_from = await last_id(redis, streams.receipts)
    alerts_from = await last_id(redis, streams.alerts)
    deadline = time.monotonic() + timeout
    result = ReplayResult()
    cursor = receipts_from
    groups = [[a] for a in articles] if sequential else [articles]
    for group in groups:
        for article in group:
            await write_json(redis, streams.inbox, article)
        wanted = {a.id for a in group if a.id}
        cursor = await _await_receipts(
            redis, streams=streams, wanted=wanted, after_id=cursor, deadline=deadline,
            receipts=result.receipts,
        )
        missing = [i for i in wanted if i not in result.receipts]
        if missing:
            raise ReplayTimeoutError(missing, timeout)
    wanted_alerts = {aid for r in result.receipts.values() for aid in r.alert_ids}
    found = await _collect_alerts(redis, streams, alerts_from, wanted_alerts)
    for article in articles:
        receipt = result.receipts.get(article.id or "")
        if receipt is None:
            continue
        result.alerts.extend(found[a] for a in receipt.alert_ids if a in found)
    return result
