"""When a reader lingers: one row per sequence of reads (pure; no broker)."""

from __future__ import annotations

import pytest

from services.common.batches import AT_ONCE_S, Linger

WAIT = 0.010
COUNT = 50
SOON = AT_ONCE_S / 2  # the read came back at once: its entries were waiting
LATE = 0.008  # the read had to wait for an entry (a light load)

# (id, [(seconds from asking to the batch, batch size), ...], expected pause after each)
ROWS = [
    ("first-read-never", [(SOON, 3)], [0.0]),
    ("light-load-never", [(SOON, 1), (LATE, 1), (LATE, 1)], [0.0, 0.0, 0.0]),
    ("under-load", [(SOON, 1), (SOON, 2)], [0.0, WAIT]),
    ("not-right-after-a-linger", [(SOON, 1), (SOON, 2), (SOON, 9), (SOON, 3)],
     [0.0, WAIT, 0.0, WAIT]),
    ("full-read-reads-again", [(SOON, 1), (SOON, COUNT), (SOON, COUNT)], [0.0, 0.0, 0.0]),
    ("load-ends", [(SOON, 1), (SOON, 2), (SOON, 9), (LATE, 1), (LATE, 1)],
     [0.0, WAIT, 0.0, 0.0, 0.0]),
]


@pytest.mark.parametrize(("reads", "pauses"), [pytest.param(*r[1:], id=r[0]) for r in ROWS])
def test_pauses(reads: list[tuple[float, int]], pauses: list[float]) -> None:
    linger = Linger(WAIT, COUNT)
    now, got = 100.0, []
    for delay, size in reads:
        now += delay
        waiting = linger.waiting(now)
        now += 0.003  # the batch is handled
        pause = linger.after(waiting, size, now)
        got.append(pause)
        now += pause
    assert got == pauses


def test_zero_never_lingers() -> None:
    linger = Linger(0.0, COUNT)
    linger.after(False, 1, 1.0)
    assert linger.after(linger.waiting(1.0 + SOON), 1, 1.01) == 0.0
