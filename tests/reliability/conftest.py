"""Fixtures of the reliability tests: a private redis-server, and the sizes of the long runs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from services.common.local_redis import LocalRedis, redis_server_binary, start_local_redis

ROOT = Path(__file__).resolve().parents[2]
# The fault and fuzz runs at full size take minutes: only on request, never in CI.
FULL = bool(os.environ.get("TOCSIN_RELIABILITY_FULL")) and not os.environ.get("CI")


def needs_redis_server() -> None:
    if redis_server_binary() is None:
        reason = "redis-server is not on PATH: these tests start a private one"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def private_redis() -> Iterator[LocalRedis]:
    """A redis-server of the test's own, with AOF persistence (fsync always)."""
    needs_redis_server()
    server = start_local_redis(persistent=True)
    yield server
    server.cleanup()


def run_script(script: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """`python benchmarks/<script> ARGS`; its output is printed when the test fails."""
    needs_redis_server()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
    )
    print(done.stdout[-4000:])
    print(done.stderr[-4000:])
    return done


def figures(output: str) -> dict[str, str]:
    """The key=value figures a run prints on its second-to-last line."""
    lines = [line for line in output.splitlines() if line.strip()]
    return dict(pair.split("=", 1) for pair in lines[-2].split() if "=" in pair)


async def wait_for_group(redis: Redis, stream: str, group: str, timeout: float = 90.0) -> None:
    """Until a worker has created its group on `stream` (workers load for a few seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await redis.exists(stream) and any(
            g["name"].decode() == group for g in await redis.xinfo_groups(stream)
        ):
            return
        await asyncio.sleep(0.1)
    msg = f"no group {group} on {stream} within {timeout:g} s"
    raise TimeoutError(msg)
