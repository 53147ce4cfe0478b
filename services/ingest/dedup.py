"""The de-duplication memory in Redis, shared by every ingest replica and bounded by a TTL.

Keys (under `{<prefix>:articles}:ingest:`), each expiring after `ingest.dedup_ttl_s`:
- `id:<article id>`: hash {token, published}: which submission claimed the id, and whether it
  reached the articles stream. The token is the inbox entry id (or a fresh one per poll), so a
  redelivery of one entry is told apart from a second submission of the same article.
- `url:<sha256 of the canonical URL>`: the article id that claimed the URL (or, for a copy
  refused as a duplicate of another article's text, that article's id: so a feed item is
  fetched once).
- `text:<digest>`: hash {id, outlet} of the first article with this text.
- `sig:<article id>`: JSON `[MinHash signature, figures, outlet]` of a first copy;
- `lsh:<band>:<hash>`: sorted set, scored by time, of the ids of the newest first copies
  (`BAND_MEMBERS` at most) whose signature has that band.

The claim is one Lua script (scripts.py), so two replicas cannot both claim one id, URL or
text; the publish is another, which adds the article to the stream and marks its id published
in one step, so a crash between the two cannot publish an article twice.

Hash slot: a script runs on Redis Cluster only if its keys share one slot, and the claim
takes an id, a URL and a text key at once, the band lookup 32 band keys, the publish an id key
and the articles stream. So every key here carries the hash tag `{<prefix>:articles}`, whose
slot is the articles stream's own (the stream's name has no braces: its slot is that of its
whole name). The publish stays one script, and an article is still published exactly once;
splitting it (mark, then XADD, or the reverse) would lose an article or publish it twice when
a worker dies in between. The price: the whole de-duplication memory and the articles stream
live on one node of a cluster; the other streams, the alert worker's stories and the feeds'
state spread over the others.

Speed: an article costs one round trip in the common case, a text never seen that nearly
repeats no earlier first copy: one script (`admit`) claims it, looks its bands up, remembers
and publishes it. Otherwise the claim and the band lookup answer, the candidates are compared
here, and the article is published (and remembered) in a second round trip. The band lookup
and the remembering are scripts (one command each instead of 32 and 97).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import orjson
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from services.common.broker import DATA_FIELD
from services.common.redis_client import queue_script
from services.common.streams import Streams
from services.ingest import scripts
from services.ingest.fingerprints import (
    BAND_MEMBERS,
    MIN_SHARED_BANDS,
    Fingerprint,
    bands,
    is_near,
)

ClaimState = Literal["claimed", "linked", "duplicate", "done"]
_STATES = frozenset(get_args(ClaimState))

Call = tuple[AsyncScript, list[str], list[str | bytes | float]]


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    other: str | None = None
    """the article this one duplicates or is linked to"""
    why: str | None = None
    """what they share: id, url, text or wording"""


@dataclass(frozen=True, slots=True)
class Admission:
    """What `admit` did: published the article (`entry`), or only claimed it (`claim`, and
    the first copies sharing its bands, earliest first, for the caller to compare)."""

    claim: Claim
    candidates: list[str]
    entry: str | None = None


@dataclass(frozen=True, slots=True)
class FirstCopy:
    article_id: str
    outlet: str | None


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def dedup_tag(streams: Streams) -> str:
    """The hash tag of every de-duplication key: the articles stream's slot (see above)."""
    return f"{{{streams.articles}}}"


class DedupStore:
    def __init__(self, redis: Redis, streams: Streams, ttl_s: int) -> None:
        self._redis = redis
        self._streams = streams
        self._ttl = ttl_s
        self._claim = redis.register_script(scripts.CLAIM)
        self._publish = redis.register_script(scripts.PUBLISH)
        self._remember = redis.register_script(scripts.REMEMBER)
        self._admit = redis.register_script(scripts.ADMIT)

    def _key(self, *parts: str) -> str:
        return ":".join((dedup_tag(self._streams), "ingest", *parts))

    async def _run(self, calls: Sequence[Call]) -> list[Any]:
        """Run scripts in one pipelined round trip, in order (EVALSHA, without redis-py's
        SCRIPT EXISTS before every pipeline); a script Redis lost (a restart) is loaded and
        run again on its own."""
        pipe = self._redis.pipeline(transaction=False)
        for script, keys, args in calls:
            queue_script(pipe, script, keys, args)
        results: list[Any] = await pipe.execute(raise_on_error=False)
        for n, (script, keys, args) in enumerate(calls):
            if isinstance(results[n], NoScriptError):
                results[n] = await script(keys=keys, args=args)
            elif isinstance(results[n], Exception):
                raise results[n]
        return results

    def _claim_call(
        self, *, article_id: str, token: str, url: str | None, outlet: str | None, digest: str
    ) -> Call:
        keys = [
            self._key("id", article_id),
            self._key("url", _sha(url or "")),
            self._key("text", digest),
        ]
        args: list[str | bytes | float] = [
            token, article_id, outlet or "", str(self._ttl), "1" if url else "0"
        ]
        return self._claim, keys, args

    async def claim(
        self,
        *,
        article_id: str,
        token: str,
        url: str | None,
        outlet: str | None,
        digest: str,
    ) -> Claim:
        call = self._claim_call(
            article_id=article_id, token=token, url=url, outlet=outlet, digest=digest
        )
        (raw,) = await self._run([call])
        return _claim_of(raw)

    async def admit(
        self,
        *,
        article_id: str,
        token: str,
        url: str | None,
        outlet: str | None,
        print_: Fingerprint,
        threshold: float,
        stream: str,
        body: str,
        maxlen: int,
    ) -> Admission:
        """Claim the article and, when its text is new and shares no band with an earlier
        first copy, remember it and publish `body` to `stream`, all in one call."""
        _, keys, args = self._claim_call(
            article_id=article_id, token=token, url=url, outlet=outlet, digest=print_.digest
        )
        keys.append(stream)
        now, signature = time.time(), b""
        if print_.signature is not None and threshold > 0:
            remembered, signature = self._remembering(
                article_id, outlet, print_.signature, print_.figures)
            keys += remembered
        else:
            keys.append(self._key("sig", article_id))
        args += [now - self._ttl, MIN_SHARED_BANDS, signature, now, str(maxlen), DATA_FIELD,
                 body, BAND_MEMBERS]
        (raw,) = await self._run([(self._admit, keys, args)])
        state = _text(raw[0])
        if state == "published":
            return Admission(Claim(state="claimed"), [], _text(raw[1]) or None)
        candidates = _candidates(raw[3]) if len(raw) > 3 else []
        return Admission(_claim_of(raw[:3]), candidates)

    async def seen_url(self, url: str) -> str | None:
        """The article that claimed this canonical URL, if any (a cheap check before a fetch)."""
        owner = await self._redis.get(self._key("url", _sha(url)))
        return _text(owner) if owner is not None else None

    async def nearest(
        self, print_: Fingerprint, candidates: list[str], threshold: float
    ) -> FirstCopy | None:
        """The first of `candidates` (earliest first) that this text nearly repeats."""
        if not candidates or print_.signature is None or threshold <= 0:
            return None
        stored = await self._redis.mget([self._key("sig", other) for other in candidates])
        for other, raw in zip(candidates, stored, strict=True):
            if raw is None:
                continue
            signature, figures, outlet = orjson.loads(raw)
            copy = Fingerprint(digest="", signature=tuple(signature), figures=figures)
            if is_near(print_, copy, threshold):
                return FirstCopy(other, outlet or None)
        return None

    def _remembering(
        self, article_id: str, outlet: str | None, signature: tuple[int, ...], figures: str
    ) -> tuple[list[str], bytes]:
        """A first copy's keys to remember it by (its signature key, then its band sets) and
        the signature's JSON."""
        keys = [self._key("sig", article_id)]
        keys += [self._key("lsh", band) for band in bands(signature)]
        return keys, orjson.dumps([signature, figures, outlet or ""])

    def _remember_call(
        self, article_id: str, outlet: str | None, signature: tuple[int, ...], figures: str
    ) -> Call:
        keys, stored = self._remembering(article_id, outlet, signature, figures)
        args: list[str | bytes | float] = [
            stored, self._ttl, time.time(), article_id, BAND_MEMBERS,
        ]
        return self._remember, keys, args

    async def remember_first_copy(
        self, article_id: str, outlet: str | None, print_: Fingerprint, threshold: float
    ) -> None:
        if print_.signature is None or threshold <= 0:
            return
        await self._run([self._remember_call(article_id, outlet, print_.signature,
                                             print_.figures)])

    async def publish(
        self,
        *,
        article_id: str,
        stream: str,
        body: str,
        maxlen: int,
        remember: tuple[str | None, Fingerprint] | None = None,
    ) -> str | None:
        """Add the article to `stream` unless its id is already published; the entry id.

        `remember=(outlet, fingerprint)` first remembers the article as a first copy, in the
        same round trip."""
        calls: list[Call] = []
        if remember is not None:
            outlet, print_ = remember
            if print_.signature is not None:
                calls.append(self._remember_call(article_id, outlet, print_.signature,
                                                 print_.figures))
        keys = [self._key("id", article_id), stream]
        calls.append((self._publish, keys, [body, str(maxlen), DATA_FIELD]))
        entry = (await self._run(calls))[-1]
        return None if entry is None else _text(entry)


def _claim_of(raw: Any) -> Claim:
    state, other, why = (_text(part) for part in raw)
    if state not in _STATES:
        msg = f"unexpected claim answer {state!r}"
        raise RuntimeError(msg)
    return Claim(state=state, other=other or None, why=why or None)  # type: ignore[arg-type]


def _candidates(raw: Any) -> list[str]:
    """Members of the band sets, earliest first seen first (ties by id)."""
    first_seen: dict[str, float] = {}
    for n in range(0, len(raw), 2):
        other, score = _text(raw[n]), float(raw[n + 1])
        first_seen[other] = min(score, first_seen.get(other, score))
    return sorted(first_seen, key=lambda other: (first_seen[other], other))
