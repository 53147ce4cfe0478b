"""An oversized text is refused before ingest spends seconds tidying it."""

from __future__ import annotations

import time

import pytest

from schemas.article import ArticleIn
from services.ingest.normalize import RefusedError, normalise

LINE = "Officials said 12 people were hurt on Tuesday.\u0007  \n"


@pytest.mark.parametrize(("chars", "cap", "refused"), [
    (30_000_000, 2_000_000, True),   # refused at once, not tidied
    (3_000_000, 2_000_000, True),    # tidied, then refused
    (1_500_000, 2_000_000, False),
])
def test_oversized_text_is_refused_quickly(chars: int, cap: int, refused: bool) -> None:
    item = ArticleIn(id="big", text=(LINE * (chars // len(LINE) + 1))[:chars])
    started = time.perf_counter()
    if refused:
        with pytest.raises(RefusedError, match=f"more than the {cap} accepted"):
            normalise(item, ingested_at=0.0, max_text_chars=cap)
    else:
        assert "\u0007" not in normalise(item, ingested_at=0.0, max_text_chars=cap).text
    assert time.perf_counter() - started < 3.0
