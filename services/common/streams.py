"""Names of every stream, group and key, all under the configured prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Streams:
    prefix: str

    @property
    def inbox(self) -> str:
        """raw submitted articles, read by ingest"""
        return f"{self.prefix}:inbox"

    @property
    def articles(self) -> str:
        return f"{self.prefix}:articles"

    @property
    def facts(self) -> str:
        return f"{self.prefix}:facts"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}:alerts"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}:deadletter"

    @property
    def receipts(self) -> str:
        return f"{self.prefix}:receipts"

    def key(self, *parts: str) -> str:
        """A plain key under the prefix."""
        return ":".join((self.prefix, *parts))


GROUPS = {"ingest": "ingest", "extract": "extract", "alert": "alert"}
