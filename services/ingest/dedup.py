"""The de-duplication memory in Redis, shared by every ingest replica and bounded by a TTL.

Keys (under `<prefix>:ingest:`), each expiring after `ingest.dedup_ttl_s`:
- `id:<article id>`: hash {token, published}: which submission claimed the id, and whether it
  reached the articles stream. The token is the inbox entry id (or a fresh one per poll), so a
  redelivery of one entry is told apart from a second submission of the same article.
- `url:<sha256 of the canonical URL>`: the article id that claimed the URL (or, for a copy
  refused as a duplicate of another article's text, that article's id: so a feed item is
  fetched once).
- `text:<digest>`: hash {id, outlet} of the first article with this text.
- `sig:<article id>`: JSON `[MinHash signature, figures, outlet]` of a first copy;
- `lsh:<band>:<hash>`: sorted set, scored by time, of the ids of the first copies whose
  signature has that band.

The claim is one Lua script, so two replicas cannot both claim one id, URL or text; the publish
is another, which adds the article to the stream and marks its id published in one step, so a
crash between the two cannot publish an article twice.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Literal, get_args

import orjson
from redis.asyncio import Redis

from services.common.broker import DATA_FIELD
from services.common.streams import Streams
from services.ingest.fingerprints import Fingerprint, bands, is_near

ClaimState = Literal["claimed", "linked", "duplicate", "done"]
_STATES = frozenset(get_args(ClaimState))

_CLAIM = """
local holder = redis.call('HGET', KEYS[1], 'token')
if holder and holder ~= ARGV[1] then
  return {'duplicate', ARGV[2], 'id'}
end
if holder and redis.call('HGET', KEYS[1], 'published') == '1' then
  return {'done', '', ''}
end
if ARGV[5] == '1' then
  local owner = redis.call('GET', KEYS[2])
  if owner and owner ~= ARGV[2] then
    return {'duplicate', owner, 'url'}
  end
end
local first = redis.call('HMGET', KEYS[3], 'id', 'outlet')
local state, other = 'claimed', ''
if first[1] and first[1] ~= ARGV[2] then
  if first[2] == false or first[2] == '' or ARGV[3] == '' or first[2] == ARGV[3] then
    if ARGV[5] == '1' then
      redis.call('SET', KEYS[2], first[1], 'EX', tonumber(ARGV[4]), 'NX')
    end
    return {'duplicate', first[1], 'text'}
  end
  state, other = 'linked', first[1]
end
local ttl = tonumber(ARGV[4])
if not holder then
  redis.call('HSET', KEYS[1], 'token', ARGV[1], 'published', '0')
  redis.call('EXPIRE', KEYS[1], ttl)
end
if ARGV[5] == '1' then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl)
end
if state == 'claimed' then
  redis.call('HSET', KEYS[3], 'id', ARGV[2], 'outlet', ARGV[3])
  redis.call('EXPIRE', KEYS[3], ttl)
end
return {state, other, state == 'linked' and 'text' or ''}
"""

_PUBLISH = """
if redis.call('HGET', KEYS[1], 'published') == '1' then
  return false
end
local entry = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], 'published', '1')
return entry
"""


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    other: str | None = None
    """the article this one duplicates or is linked to"""
    why: str | None = None
    """what they share: id, url, text or wording"""


@dataclass(frozen=True, slots=True)
class FirstCopy:
    article_id: str
    outlet: str | None


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class DedupStore:
    def __init__(self, redis: Redis, streams: Streams, ttl_s: int) -> None:
        self._redis = redis
        self._streams = streams
        self._ttl = ttl_s
        self._claim = redis.register_script(_CLAIM)
        self._publish = redis.register_script(_PUBLISH)

    def _key(self, *parts: str) -> str:
        return self._streams.key("ingest", *parts)

    async def claim(
        self,
        *,
        article_id: str,
        token: str,
        url: str | None,
        outlet: str | None,
        digest: str,
    ) -> Claim:
        keys = [
            self._key("id", article_id),
            self._key("url", _sha(url or "")),
            self._key("text", digest),
        ]
        args = [token, article_id, outlet or "", str(self._ttl), "1" if url else "0"]
        raw = await self._claim(keys=keys, args=args)
        state, other, why = (_text(part) for part in raw)
        if state not in _STATES:
            msg = f"unexpected claim answer {state!r}"
            raise RuntimeError(msg)
        return Claim(state=state, other=other or None, why=why or None)  # type: ignore[arg-type]

    async def seen_url(self, url: str) -> str | None:
        """The article that claimed this canonical URL, if any (a cheap check before a fetch)."""
        owner = await self._redis.get(self._key("url", _sha(url)))
        return _text(owner) if owner is not None else None

    async def first_near_copy(
        self, article_id: str, print_: Fingerprint, threshold: float
    ) -> FirstCopy | None:
        """The earliest remembered first copy that this text nearly repeats, if any."""
        if print_.signature is None or threshold <= 0:
            return None
        since = time.time() - self._ttl
        pipe = self._redis.pipeline(transaction=False)
        for band in bands(print_.signature):
            pipe.zrangebyscore(self._key("lsh", band), since, "+inf", withscores=True)
        first_seen: dict[str, float] = {}
        for rows in await pipe.execute():
            for member, score in rows:
                other = _text(member)
                if other != article_id:
                    first_seen[other] = min(score, first_seen.get(other, score))
        if not first_seen:
            return None
        candidates = sorted(first_seen, key=lambda other: (first_seen[other], other))
        stored = await self._redis.mget([self._key("sig", other) for other in candidates])
        for other, raw in zip(candidates, stored, strict=True):
            if raw is None:
                continue
            signature, figures, outlet = orjson.loads(raw)
            copy = Fingerprint(digest="", signature=tuple(signature), figures=figures)
            if is_near(print_, copy, threshold):
                return FirstCopy(other, outlet or None)
        return None

    async def remember_first_copy(
        self, article_id: str, outlet: str | None, print_: Fingerprint, threshold: float
    ) -> None:
        if print_.signature is None or threshold <= 0:
            return
        now = time.time()
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(
            self._key("sig", article_id),
            orjson.dumps([print_.signature, print_.figures, outlet or ""]),
            ex=self._ttl,
        )
        for band in bands(print_.signature):
            key = self._key("lsh", band)
            pipe.zadd(key, {article_id: now})
            pipe.zremrangebyscore(key, "-inf", now - self._ttl)
            pipe.expire(key, self._ttl)
        await pipe.execute()

    async def publish(self, *, article_id: str, stream: str, body: str, maxlen: int) -> str | None:
        """Add the article to `stream` unless its id is already published; the entry id."""
        keys = [self._key("id", article_id), stream]
        entry = await self._publish(keys=keys, args=[body, str(maxlen), DATA_FIELD])
        return None if entry is None else _text(entry)
