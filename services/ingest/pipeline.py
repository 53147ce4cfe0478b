"""One article through ingest: normalise, de-duplicate, publish or say why not.

Used alike by the inbox handler and by the feed poller. Outcomes:
- `published`: a first copy, on the articles stream;
- `linked`: a copy of an earlier article (the same text, or nearly the same wording with the
  same figures) from ANOTHER outlet: on the articles stream with `duplicate_of` set to the
  first copy's id, its own id, URL, outlet and text kept. Extract does not extract it again;
  it tells the alert worker that one more outlet reports the first copy's figures;
- `duplicate`: the same id, the same URL, or a copy from the SAME outlet (or an unknown one):
  not published; a receipt says of what;
- `refused`: nothing to publish (empty or oversized text, an unreadable page): a receipt says why;
- `redelivered`: this very submission was already published; nothing more to do.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Literal

import structlog
from redis.asyncio import Redis

from schemas.article import Article, ArticleIn
from schemas.receipt import Receipt
from services.common.outputs import send_receipt
from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.dedup import DedupStore
from services.ingest.fingerprints import Fingerprint, fingerprint
from services.ingest.normalize import RefusedError, article_id_for, canonical_url, normalise

log = structlog.get_logger(__name__)

Verdict = Literal["published", "linked", "duplicate", "refused", "redelivered"]


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    article_id: str
    url: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None

    def line(self) -> str:
        """One line for a terminal: verdict, id, URL, and why."""
        parts = [f"{self.verdict:<11}", self.article_id, self.url or "-"]
        if self.duplicate_of and self.duplicate_of != self.article_id:
            parts.append(f"of={self.duplicate_of}")
        if self.reason:
            parts.append(f"({self.reason})")
        return " ".join(parts)


class Ingestor:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self._redis = redis
        self._settings = settings
        self._streams = Streams(settings.stream_prefix)
        self._store = DedupStore(redis, self._streams, settings.ingest.dedup_ttl_s)

    @property
    def redis(self) -> Redis:
        return self._redis

    @property
    def store(self) -> DedupStore:
        return self._store

    async def ingest(self, item: ArticleIn, *, token: str | None = None) -> Outcome:
        """Take one article in; `token` names the submission (a fresh one when None)."""
        cfg = self._settings.ingest
        try:
            article = normalise(item, ingested_at=time.time(), max_text_chars=cfg.max_text_chars)
        except RefusedError as exc:
            return await self.refuse(article_id_for(item), canonical_url(item.url), str(exc))
        print_ = fingerprint(article.text)
        threshold = cfg.near_duplicate_similarity
        admitted = await self._store.admit(
            article_id=article.id,
            token=token or uuid.uuid4().hex,
            url=article.url if canonical_url(article.url) else None,
            outlet=article.outlet.casefold() if article.outlet else None,
            print_=print_,
            threshold=threshold,
            stream=self._streams.articles,
            body=article.model_dump_json(),
            maxlen=self._settings.worker.stream_maxlen,
        )
        if admitted.entry is not None:
            return self._published(article, admitted.entry)
        claim, candidates = admitted.claim, admitted.candidates
        if claim.state == "duplicate":
            what = "id" if claim.why == "id" else f"{claim.why} as {claim.other}"
            return await self._duplicate(article, claim.other, f"same {what}")
        if claim.state == "done":
            return self._redelivered(article)
        first = claim.other if claim.state == "linked" else None
        remember: tuple[str | None, Fingerprint] | None = None
        if first is None:
            near = await self._store.nearest(print_, candidates, threshold)
            if near is not None and _same_outlet(near.outlet, article.outlet):
                reason = f"near-duplicate of {near.article_id} from the same outlet"
                return await self._duplicate(article, near.article_id, reason)
            if near is not None:
                first = near.article_id
            elif threshold > 0:
                remember = (article.outlet, print_)
        return await self._publish(article.model_copy(update={"duplicate_of": first}), remember)

    async def refuse(self, article_id: str, url: str | None, reason: str) -> Outcome:
        log.info("article_refused", article_id=article_id, url=url, reason=reason)
        await self._receipt(article_id, "refused", reason)
        return Outcome("refused", article_id, url, reason)

    async def _duplicate(self, article: Article, other: str | None, reason: str) -> Outcome:
        log.info(
            "article_duplicate",
            article_id=article.id,
            url=article.url,
            duplicate_of=other,
            reason=reason,
        )
        await self._receipt(article.id, "duplicate", reason)
        return Outcome("duplicate", article.id, article.url, reason, other)

    def _redelivered(self, article: Article) -> Outcome:
        log.info("article_redelivered", article_id=article.id)
        return Outcome("redelivered", article.id, article.url, "already published")

    async def _publish(
        self, article: Article, remember: tuple[str | None, Fingerprint] | None = None
    ) -> Outcome:
        """Publish; `remember=(outlet, fingerprint)` of a first copy is remembered in the same
        round trip, before the publication."""
        entry = await self._store.publish(
            article_id=article.id,
            stream=self._streams.articles,
            body=article.model_dump_json(),
            maxlen=self._settings.worker.stream_maxlen,
            remember=remember,
        )
        if entry is None:
            return self._redelivered(article)
        return self._published(article, entry)

    def _published(self, article: Article, entry: str) -> Outcome:
        verdict: Verdict = "linked" if article.duplicate_of else "published"
        log.info(
            "article_published",
            article_id=article.id,
            url=article.url,
            outlet=article.outlet,
            duplicate_of=article.duplicate_of,
            entry=entry,
        )
        return Outcome(verdict, article.id, article.url, None, article.duplicate_of)

    async def _receipt(
        self, article_id: str, outcome: Literal["duplicate", "refused"], reason: str
    ) -> None:
        receipt = Receipt(
            article_id=article_id, stage="ingest", outcome=outcome, reason=reason, at=time.time()
        )
        await send_receipt(self._redis, self._streams, self._settings, receipt)


def _same_outlet(a: str | None, b: str | None) -> bool:
    """Unknown outlets count as the same: a copy is only worth a link when it adds an outlet."""
    return a is None or b is None or a.casefold() == b.casefold()
