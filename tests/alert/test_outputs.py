"""What subscribers see: `tocsin tail` lines, JSON and CAP 1.2, and the read API."""

from __future__ import annotations

import asyncio
import io
import json
from xml.etree import ElementTree as ET

import httpx
import pytest
from redis.asyncio import Redis

from schemas.alerts import Alert
from services.alert.api import create_api
from services.alert.cap import CAP_NS, to_cap
from services.alert.state import RedisStories
from services.alert.tail import line, tail
from services.common.settings import Settings
from tests.alert.factories import art, cas, meas

NS = {"cap": CAP_NS}


def sample(**fields: object) -> Alert:
    data: dict[str, object] = {
        "id": "al_1", "story_id": "kz-2022-01-06", "country": "KZ", "kind": "casualty_change",
        "after": "a", "category": "killed", "group": "security_forces", "min": 13, "max": 13,
        "qualifier": "exact", "location": "Almaty", "previous": {"min": 8, "qualifier": "exact"},
        "quote": "13 killed <here> & there", "article_id": "a", "url": "https://x.test/a",
        "outlet": "RFI", "day": "2022-01-07", "raised_at": 1641556800.5,
        "severity": "Extreme", "certainty": "Observed",
    }
    return Alert.model_validate({**data, **fields})


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, "2022-01-07 kz-2022-01-06 [Extreme/Observed] killed/security_forces 13 exact "
         "(was 8) @Almaty | \u00ab13 killed <here> & there\u00bb | RFI"),
    ({"kind": "measure_change", "category": None, "group": None, "min": None, "max": None,
      "qualifier": None, "previous": None, "location": None, "measure": "curfew",
      "status": "planned", "target": "lifted", "outlet": None, "day": None},
     "????-??-?? kz-2022-01-06 [Extreme/Observed] curfew planned -> lifted (first) "
     "| \u00ab13 killed <here> & there\u00bb | https://x.test/a"),
])
def test_tail_line(fields: dict[str, object], expected: str) -> None:
    assert line(sample(**fields)) == expected


def test_cap_document() -> None:
    root = ET.fromstring(to_cap(sample()).split("\n", 1)[1])
    assert root.tag == f"{{{CAP_NS}}}alert"

    def get(path: str) -> str | None:
        return root.findtext(path, namespaces=NS)

    assert get("cap:identifier") == "al_1"
    assert get("cap:sent") == "2022-01-07T12:00:00+00:00"
    assert (get("cap:status"), get("cap:msgType"), get("cap:scope")) == (
        "Actual", "Alert", "Public")
    assert get("cap:info/cap:severity") == "Extreme"
    assert get("cap:info/cap:certainty") == "Observed"
    assert get("cap:info/cap:urgency") == "Immediate"
    assert get("cap:info/cap:description") == "13 killed <here> & there"
    assert get("cap:info/cap:area/cap:areaDesc") == "Almaty, KZ"
    params = {p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
              for p in root.iterfind("cap:info/cap:parameter", NS)}
    assert params["min"] == "13"
    assert params["previous_min"] == "8"
    assert params["story_id"] == "kz-2022-01-06"
    info_node = root.find("cap:info", NS)
    assert info_node is not None
    info = [child.tag.split("}")[1] for child in info_node]
    assert info[:6] == ["category", "event", "urgency", "severity", "certainty", "senderName"]


@pytest.mark.redis
async def test_tail_prints_new_alerts_readably_as_json_and_through_a_group(
    settings: Settings, redis: Redis
) -> None:
    stories = RedisStories(redis, settings)
    await stories.process(art("old", cas("killed", "civilians", 1), day="2022-01-05"), 0.0)
    plain, as_json = io.StringIO(), io.StringIO()
    tails = [
        asyncio.create_task(tail(settings, as_json=False, as_cap=False, group=None, out=plain,
                                 limit=2)),
        asyncio.create_task(tail(settings, as_json=True, as_cap=False, group="me",
                                 out=as_json, limit=3)),
    ]
    await asyncio.sleep(0.3)
    await stories.process(art("new", cas("killed", "civilians", 4), meas("curfew", "in_force"),
                              day="2022-01-06"), 1.0)
    await asyncio.wait_for(asyncio.gather(*tails), timeout=10)
    lines = plain.getvalue().splitlines()
    assert len(lines) == 2, "a plain tail starts at the end of the stream"
    assert "killed/civilians 4 exact (was 1)" in lines[0]
    rows = [json.loads(r) for r in as_json.getvalue().splitlines()]
    assert [r["after"] for r in rows] == ["old", "new", "new"], "a new group reads from the start"
    pending = await redis.xpending(f"{settings.stream_prefix}:alerts", "me")
    assert pending["pending"] == 0


@pytest.mark.redis
async def test_read_api_lists_stories_and_shows_one(settings: Settings, redis: Redis) -> None:
    stories = RedisStories(redis, settings)
    await stories.process(art("a", cas("killed", "civilians", 3), meas("curfew", "in_force"),
                              day="2022-01-05", country="KZ"), 0.0)
    await stories.process(art("b", cas("killed", "civilians", 7), day="2022-01-06",
                              country="KZ"), 0.0)
    await stories.process(art("c", meas("internet_shutdown", "in_force"), day="2024-06-25",
                              country="KE"), 0.0)
    app = create_api(settings, redis)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        listed = (await client.get("/stories")).json()["stories"]
        one = await client.get("/stories/kz-2022-01-05")
        missing = await client.get("/stories/nope")
        posted = await client.post("/stories")
    assert [(s["id"], s["articles"]) for s in listed] == [
        ("ke-2024-06-25", 1), ("kz-2022-01-05", 2)]
    assert listed[1]["measures"] == {"curfew": "in_force"}
    body = one.json()
    assert one.status_code == 200
    assert body["figures"]["killed|civilians|"]["min"] == 7
    assert body["measures"]["curfew"]["status"] == "in_force"
    assert [(a["after"], a.get("min")) for a in body["timeline"]] == [
        ("a", 3), ("a", None), ("b", 7)]
    assert (missing.status_code, posted.status_code) == (404, 405)
