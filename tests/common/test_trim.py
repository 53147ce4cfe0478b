"""Streams are trimmed behind their slowest group, never past an unconsumed entry."""

from __future__ import annotations

from redis.asyncio import Redis

from services.common.trim import safe_min_id, trim_behind_groups


async def test_trim_keeps_what_a_group_has_not_read(redis: Redis, prefix: str) -> None:
    stream = f"{prefix}:s"
    ids = [await redis.xadd(stream, {"n": str(i)}) for i in range(10)]
    await redis.xgroup_create(stream, "fast", id="0")
    await redis.xgroup_create(stream, "slow", id="0")
    await redis.xreadgroup("fast", "c", {stream: ">"}, count=10)
    await redis.xack(stream, "fast", *ids)
    got = await redis.xreadgroup("slow", "c", {stream: ">"}, count=4)
    await redis.xack(stream, "slow", *[e[0] for e in got[0][1][2:4]])  # 0 and 1 stay pending
    removed = await trim_behind_groups(redis, stream)
    assert removed == 0  # entry 0 is still pending for "slow"
    await redis.xack(stream, "slow", ids[0], ids[1])
    removed = await trim_behind_groups(redis, stream)
    assert removed == 4  # 0..3 delivered to and acked by both groups
    left = [e[0] for e in await redis.xrange(stream)]
    assert left == ids[4:]
    slow_rest = await redis.xreadgroup("slow", "c", {stream: ">"}, count=100)
    assert [e[0] for e in slow_rest[0][1]] == ids[4:]


async def test_ungrouped_stream_is_capped_only_when_asked(redis: Redis, prefix: str) -> None:
    stream = f"{prefix}:receipts"
    for i in range(300):
        await redis.xadd(stream, {"n": str(i)})
    assert await safe_min_id(redis, stream) is None
    assert await trim_behind_groups(redis, stream) == 0
    await trim_behind_groups(redis, stream, ungrouped_maxlen=100)
    assert 100 <= await redis.xlen(stream) < 300


async def test_missing_stream_is_left_alone(redis: Redis, prefix: str) -> None:
    assert await trim_behind_groups(redis, f"{prefix}:nothing") == 0
