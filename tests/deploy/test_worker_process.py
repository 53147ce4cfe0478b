"""A real `tocsin worker NAME` process on real Redis: scrape /healthz, /readyz and /metrics,
see a bad message counted as a dead letter, read its JSON logs, stop it with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis as redis_sync

from services.common.local_redis import free_port
from services.common.streams import GROUPS, Streams

pytestmark = [pytest.mark.redis, pytest.mark.e2e]

# each worker's input stream and a body it must refuse (so no other stage is involved)
CASES = {
    "ingest": (lambda s: s.inbox, {"id": "obs-ingest-1", "text": 42}),
    "extract": (lambda s: s.articles, {"id": "obs-extract-1", "text": 42}),
    "alert": (lambda s: s.facts, {"article_id": "obs-alert-1", "facts": 42}),
}


def _wait_for(check: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path,
              what: str, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the worker exited ({proc.returncode}) before {what}:\n"
                        f"{log.read_text(errors='replace')[-3000:]}")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"no {what} within {timeout:g} s:\n{log.read_text(errors='replace')[-3000:]}")


def _sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_worker_process_serves_health_and_metrics(
    name: str, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    streams = Streams(prefix)
    stream_of, bad_body = CASES[name]
    stream = stream_of(streams)
    port = free_port()
    log = tmp_path / f"{name}.log"
    env = dict(os.environ, REDIS_URL=redis_url, TOCSIN_STREAM_PREFIX=prefix,
               TOCSIN_LOG_JSON="true", TOCSIN_LOG_LEVEL="INFO", TOCSIN_WORKER__POLLING_MS="50",
               TOCSIN_OBSERVABILITY__PORT=str(port))
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "services.cli", "worker", name],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    client = redis_sync.Redis.from_url(redis_url)
    try:
        _wait_for(lambda: httpx.get(f"{base}/readyz", timeout=2).status_code == 200,
                  proc, log, "readiness")
        assert httpx.get(f"{base}/healthz", timeout=2).json() == {"status": "alive"}
        ready = httpx.get(f"{base}/readyz", timeout=2).json()
        assert ready["checks"][f"group {GROUPS[name]} on {stream}"] == "ok"
        first = httpx.get(f"{base}/metrics", timeout=5).text
        assert _sample(first, "tocsin_consumer_group_lag", stream=stream,
                       group=GROUPS[name]) == 0.0

        client.xadd(stream, {"__data__": json.dumps(bad_body)})

        def dead_lettered() -> bool:
            text = httpx.get(f"{base}/metrics", timeout=5).text
            return _sample(text, "tocsin_messages_failed_total", worker=name, stream=stream,
                           outcome="dead_letter") == 1.0

        _wait_for(dead_lettered, proc, log, "a dead letter counted")
        text = httpx.get(f"{base}/metrics", timeout=5).text
        assert _sample(text, "tocsin_messages_processed_total", worker=name, stream=stream) == 1.0
        assert _sample(text, "tocsin_message_processing_seconds_count", worker=name,
                       stream=stream) == 1.0
        assert _sample(text, "faststream_received_messages_total", app_name="tocsin") is not None
        assert _sample(text, "tocsin_consumer_group_pending", stream=stream,
                       group=GROUPS[name]) == 0.0
        assert client.xlen(streams.dead_letter) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        client.close()
    assert code == 0, log.read_text(errors="replace")[-3000:]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz", timeout=2)

    lines = [line for line in log.read_text("utf-8").splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    (dead,) = [e for e in events if e["event"] == "message_dead_lettered"]
    assert dead["worker"] == name
    assert dead["article_id"] == bad_body.get("id", bad_body.get("article_id"))
    assert any(e["event"] == "observability_server_started" and e["port"] == port
               for e in events)
