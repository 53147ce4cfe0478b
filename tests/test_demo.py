"""The README's first command: `tocsin demo` runs the sample story through the pipeline."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import redis as redis_sync

from services.demo.run import sample_story

pytestmark = pytest.mark.redis


def test_sample_story_is_ours_and_valid() -> None:
    items = sample_story()
    assert len(items) >= 4
    assert all(i.id and i.id.startswith("demo-") for i in items)
    assert all("fictional" in (i.title or "").lower() or "fictif" in (i.title or "").lower()
               or "ficticio" in (i.title or "").lower() for i in items)


def test_demo_shows_alerts_and_cleans_up(redis_url: str) -> None:
    prefix = f"demotest{os.getpid()}"
    env = dict(os.environ, REDIS_URL=redis_url, TOCSIN_STREAM_PREFIX=prefix,
               TOCSIN_OBSERVABILITY__ENABLED="false", COLUMNS="160")
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "demo"],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.search(r"(\d+) alert\(s\) from (\d+) article\(s\)", done.stdout)
    assert found, done.stdout
    alerts, articles = int(found.group(1)), int(found.group(2))
    assert articles == len(sample_story())
    assert alerts >= articles  # every sample article changes the story
    assert "curfew" in done.stdout
    assert "killed" in done.stdout
    client = redis_sync.Redis.from_url(redis_url)
    try:
        assert list(client.scan_iter(match=f"{prefix}*")) == []
        assert list(client.scan_iter(match=f"*{{{prefix}*")) == []
    finally:
        client.close()
