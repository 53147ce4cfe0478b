"""The engine's memo tables: what it read once (a run's words, a word's forms, where a phrase
starts, a number's parts) is kept to be read again, in bounded memory.

Each table holds at most `CAP` entries and is emptied when full: the common words of the news
come back at once, and a long-running worker's memory stops growing once its tables are full
(tables that stopped taking entries at a cap instead kept the first words they met forever and
grew through a long run: the unique tokens of the news, references and figures, fill them).
"""

from __future__ import annotations

from typing import TypeVar

CAP = 30_000

K = TypeVar("K")
V = TypeVar("V")


def keep(table: dict[K, V], key: K, value: V) -> V:
    """Keep `value` under `key` (the table emptied first when full); returns `value`."""
    if len(table) >= CAP:
        table.clear()
    table[key] = value
    return value
