"""Alerts and story states written by hand for the dashboard's tests (no corpus text)."""

from __future__ import annotations

import itertools
from typing import Any

from schemas.alerts import Alert
from services.alert.rules import StoryState

_ids = itertools.count(1)


def casualty(day: str | None, low: int, **fields: Any) -> Alert:
    n = next(_ids)
    return Alert.model_validate({
        "id": f"al_c{n}", "story_id": "zz-2024-03-01", "kind": "casualty_change",
        "after": f"art-{n}", "article_id": f"art-{n}", "day": day, "min": low,
        "category": "killed", "group": "unspecified", "qualifier": "exact",
        "quote": f"{low} people died", "raised_at": 1_000.0, **fields,
    })


def measure(day: str | None, kind: str, status: str, **fields: Any) -> Alert:
    n = next(_ids)
    return Alert.model_validate({
        "id": f"al_m{n}", "story_id": "zz-2024-03-01", "kind": "measure_change",
        "after": f"art-{n}", "article_id": f"art-{n}", "day": day, "measure": kind,
        "status": status, "quote": f"the {kind} is {status}", "raised_at": 1_000.0, **fields,
    })


def state(first: str | None = "2024-03-01", last: str | None = "2024-03-05",
          **fields: Any) -> StoryState:
    return StoryState.model_validate({
        "id": "zz-2024-03-01", "country": "ZZ", "first_day": first, "last_day": last,
        **fields,
    })
