"""The bare transport: a three-hop chain of faststream subscribers on Redis streams doing no work.

    python -m benchmarks.transport hop IN OUT GROUP   # one hop, as its own process

Each hop reads IN through a consumer group, publishes the same body to OUT, and is
acknowledged after the publish, as the real workers are. The pipeline's throughput is quoted
as a ratio of this chain's, measured in the same run.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from faststream import FastStream
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisStreamMessage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common.broker import JsonBodyFormat


def hop_app(redis_url: str, source: str, target: str, group: str) -> FastStream:
    # logger=None: no log line per message (faststream accepts it; its stub says LoggerProto)
    broker = RedisBroker(redis_url, message_format=JsonBodyFormat, logger=None)  # type: ignore[arg-type]
    publisher = broker.publisher(stream=target)

    @broker.subscriber(stream=StreamSub(source, group=group, consumer=f"hop-{os.getpid()}",
                                        polling_interval=50))
    async def forward(msg: RedisStreamMessage) -> None:
        await publisher.publish(msg.body)

    return FastStream(broker, logger=None)


def main(argv: list[str]) -> int:
    if len(argv) != 5 or argv[1] != "hop":
        print(__doc__, file=sys.stderr)
        return 2
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    asyncio.run(hop_app(redis_url, argv[2], argv[3], argv[4]).run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
