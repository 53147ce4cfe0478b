"""Shared fixtures: the real Redis, a private key prefix per test, the shared corpus."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as redis_sync
from redis.asyncio import Redis

from services.common.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def corpus_dir() -> Path:
    """../shared/corpus beside the project, or skip the calling test with the reason."""
    if not (CORPUS / "dev").is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (it sits beside the project root)")
    return CORPUS


def dev_stories() -> list[Path]:
    if not (CORPUS / "dev").is_dir():
        return []
    return sorted(p for p in (CORPUS / "dev").iterdir() if (p / "gold.json").exists())


def _redis_up() -> str | None:
    try:
        redis_sync.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def redis_url() -> str:
    problem = _redis_up()
    if problem is not None:
        reason = f"Redis is not reachable at {REDIS_URL}: {problem}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_URL


def delete_prefix(url: str, prefix: str) -> None:
    client = redis_sync.Redis.from_url(url)
    try:
        keys = set(client.scan_iter(match=f"{prefix}*", count=1000))
        keys |= set(client.scan_iter(match=f"*{{{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    value = f"test-{uuid.uuid4().hex[:12]}"
    yield value
    delete_prefix(redis_url, value)


@pytest.fixture
def settings(redis_url: str, prefix: str) -> Settings:
    return Settings(
        redis_url=redis_url,
        stream_prefix=prefix,
        worker={"claim_idle_ms": 1000, "polling_ms": 50},
    )


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(redis_url)
    yield client
    await client.aclose()
