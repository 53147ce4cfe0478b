"""Every script and multi-key read keeps its keys in one hash slot, as Redis Cluster requires
(it refuses the others: CROSSSLOT). Checked here on one Redis, on every such command the ingest
and alert paths send, so that a new key that breaks the rule fails without a cluster; and the
cut of a flush into one call per slot, which only a cluster takes (tests/deploy/test_cluster.py
runs the whole pipeline on one)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar, NamedTuple

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection

from schemas.article import ArticleIn
from schemas.receipt import Receipt
from services.alert import scripts as alert_scripts
from services.alert.state import Keys, RedisStories
from services.common.batches import FLUSH, Write, slot, slot_runs
from services.common.outputs import emit_json
from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest import scripts as ingest_scripts
from services.ingest.dedup import dedup_tag
from services.ingest.pipeline import Ingestor
from tests.alert.factories import art, cas, meas
from tests.ingest.texts import retouched, story

pytestmark = pytest.mark.redis


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


class SlotWatch(Connection):
    """A connection that notes the keys of each EVAL, EVALSHA and MGET it sends."""

    sent: ClassVar[list[tuple[str, list[bytes]]]] = []

    def pack_command(self, *args: Any) -> list[bytes]:
        name = _bytes(args[0]).decode().upper()
        if name in ("EVAL", "EVALSHA"):
            script = _bytes(args[1]).decode()
            self.sent.append((script, [_bytes(k) for k in args[3 : 3 + int(args[2])]]))
        elif name == "MGET":
            self.sent.append((name, [_bytes(k) for k in args[1:]]))
        packed: list[bytes] = super().pack_command(*args)
        return packed


def sha(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()  # Redis names a script by its SHA-1


@pytest.fixture
async def watched(redis_url: str) -> AsyncIterator[tuple[Redis, list[tuple[str, list[bytes]]]]]:
    sent: list[tuple[str, list[bytes]]] = []
    connection = type("Watch", (SlotWatch,), {"sent": sent})
    client: Redis = Redis.from_url(redis_url, connection_class=connection)
    yield client, sent
    await client.aclose()


async def _ingest(redis: Redis, settings: Settings) -> None:
    """A first copy, its resubmission, a near copy from another outlet, one from the same."""
    ingestor = Ingestor(redis, settings)
    text = story(3)
    for article_id, url, body in [
        ("i0", "https://one.org/a", text), ("i0", "https://one.org/a", text),
        ("i1", "https://two.org/b", retouched(text)), ("i2", "https://one.org/c", retouched(text)),
    ]:
        await ingestor.ingest(ArticleIn(id=article_id, url=url, text=body))


async def _alert(redis: Redis, settings: Settings) -> None:
    """A story's articles placed, applied and their alerts published; one with no country."""
    stories = RedisStories(redis, settings)
    for n, facts in enumerate([
        art("a1", cas("killed", "unspecified", 4), day="2024-06-03"),
        art("a2", cas("killed", "unspecified", 11), day="2024-06-04"),
        art("a3", meas("curfew", "in_force"), day="2024-06-05", country=None),
        art("a2", cas("killed", "unspecified", 11), day="2024-06-04"),
    ]):
        await stories.process(facts, now=float(n))


async def _marked_write(redis: Redis, settings: Settings) -> None:
    """A write made once by its mark (as the alerts are), outside a batch."""
    streams = Streams(settings.stream_prefix)
    receipt = Receipt(article_id="m1", stage="alert", outcome="alerted", at=0.0)
    await emit_json(redis, streams.alerts, receipt, once=(Keys(streams).sent("al_m1"), 60))


class Flow(NamedTuple):
    name: str
    run: Callable[[Redis, Settings], Awaitable[None]]
    scripts: set[str]
    """every script the path must have sent (by sha), so that the check cannot pass on none"""


FLOWS = [
    # ADMIT holds the claim, the band lookup and the remembering (their keys among its own)
    Flow("ingest", _ingest, {sha(s) for s in (ingest_scripts.ADMIT, ingest_scripts.PUBLISH)}),
    Flow("alert", _alert, {sha(s) for s in (
        alert_scripts.PLACE, alert_scripts.APPLY, alert_scripts.PUBLISH)}),
    Flow("marked write", _marked_write, {sha(FLUSH)}),
]


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
async def test_every_script_and_mget_takes_keys_of_one_slot(
    flow: Flow, watched: tuple[Redis, list[tuple[str, list[bytes]]]], settings: Settings
) -> None:
    redis, sent = watched
    await flow.run(redis, settings)
    assert flow.scripts <= {name for name, _ in sent}
    crossing = [(name, keys) for name, keys in sent
                if len({slot(k.decode()) for k in keys}) > 1]
    assert crossing == []


def _write(stream: str, mark: str | None = None) -> Write:
    return (stream, "{}", None, mark, 60 if mark else None)


STREAMS = Streams("p")
KEYS = Keys(STREAMS)


class Cut(NamedTuple):
    name: str
    writes: list[Write]
    runs: list[int]
    """the length of each run, in order"""


CUTS = [
    Cut("nothing", [], []),
    Cut("one stream", [_write(STREAMS.facts), _write(STREAMS.facts)], [2]),
    Cut("order kept across slots",
        [_write(STREAMS.facts), _write(STREAMS.receipts), _write(STREAMS.facts)], [1, 1, 1]),
    Cut("alerts with their marks, then the receipt",
        [_write(STREAMS.alerts, KEYS.sent("al_1")), _write(STREAMS.alerts, KEYS.sent("al_2")),
         _write(STREAMS.receipts)], [2, 1]),
]


@pytest.mark.parametrize("cut", CUTS, ids=lambda c: c.name)
def test_a_flush_on_a_cluster_is_cut_into_runs_of_one_slot(cut: Cut) -> None:
    runs = slot_runs(cut.writes)
    assert [len(run) for run in runs] == cut.runs
    assert [w for run in runs for w in run] == cut.writes
    for run in runs:
        keys = [key for stream, _, _, mark, _ in run for key in (stream, mark or stream)]
        assert len({slot(key) for key in keys}) == 1


def test_a_mark_outside_its_streams_slot_is_refused() -> None:
    with pytest.raises(ValueError, match="not in the slot"):
        slot_runs([_write(STREAMS.alerts, STREAMS.key("sent", "al_1"))])


@pytest.mark.parametrize(("key", "stream"), [
    (f"{dedup_tag(STREAMS)}:ingest:id:a1", STREAMS.articles),
    (KEYS.sent("al_1"), STREAMS.alerts),
], ids=["de-duplication memory", "alert marks"])
def test_keys_written_with_a_stream_share_its_slot(key: str, stream: str) -> None:
    assert slot(key) == slot(stream)
