"""The Redis broker every worker uses, and the wire format of our streams.

Every entry on a Tocsin stream holds one field, `__data__`, whose value is the message's JSON
and nothing else, so that a consumer in any language reads it with XREADGROUP and a JSON parser.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from faststream.redis import RedisBroker, RedisClusterBroker
from faststream.redis.parser import BinaryMessageFormatV1, MessageFormat

from services.common.redis_client import client_options
from services.common.settings import Settings

if TYPE_CHECKING:
    from fast_depends.library.serializer import SerializerProto

DATA_FIELD = "__data__"


class JsonBodyFormat(MessageFormat):
    """Writes the bare JSON body; reads bare bodies and faststream's binary envelope alike."""

    __slots__ = ()

    @classmethod
    async def encode(
        cls,
        *,
        message: Sequence[Any] | Any,
        reply_to: str | None,
        headers: dict[str, Any] | None,
        correlation_id: str,
        serializer: SerializerProto | None = None,
        codec: Any = None,
    ) -> bytes:
        built = await cls.build(
            message=message,
            reply_to=reply_to,
            headers=headers,
            correlation_id=correlation_id,
            serializer=serializer,
            codec=codec,
        )
        return built.data

    @classmethod
    def parse(cls, data: bytes) -> tuple[bytes, dict[str, Any]]:
        if data.startswith(BinaryMessageFormatV1.IDENTITY_HEADER):
            return BinaryMessageFormatV1.parse(data)
        # No content type: faststream then tries JSON and keeps the raw bytes when that
        # fails, so that a body that is not JSON (or not UTF-8) reaches our handler, which
        # dead-letters it with the reason, instead of failing inside the decoder forever.
        return data, {}


def consumer_name(settings: Settings) -> str:
    """Unique per process: hostname plus pid, unless configured."""
    return settings.worker.consumer or f"{socket.gethostname()}-{os.getpid()}"


def create_broker(settings: Settings, **kwargs: Any) -> RedisBroker:
    """The workers' broker; on a Redis Cluster (`redis_cluster`), faststream's cluster broker,
    whose stream subscribers read and claim through consumer groups like the plain one."""
    kind = RedisClusterBroker if settings.redis_cluster else RedisBroker
    return kind(
        settings.redis_url,
        **client_options(settings),
        message_format=JsonBodyFormat,
        graceful_timeout=settings.worker.shutdown_timeout_s,
        # faststream's own per-message lines go at DEBUG: our handlers log one line each
        log_level=logging.DEBUG,
        **kwargs,
    )
