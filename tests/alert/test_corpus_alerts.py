"""The gold facts of every dev story, through `alerts_for`, score alerts F1 = 1.0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.alert.offline import alerts_for
from services.common.settings import Settings
from tests.alert.factories import gold_facts
from tests.conftest import corpus_dir, dev_stories

pytestmark = pytest.mark.corpus


def score(corpus: Path, stories: Path, alerts_file: Path) -> dict[str, float]:
    """score.py's verdict on the alerts of `stories` (one story folder, or a folder of them)."""
    done = subprocess.run(
        [sys.executable, str(corpus / "score.py"), "alerts", str(stories), str(alerts_file)],
        capture_output=True, text=True, check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)["alerts"]
    return result


@pytest.mark.parametrize("story", dev_stories(), ids=lambda p: p.name)
def test_gold_facts_give_every_gold_alert(story: Path, tmp_path: Path) -> None:
    corpus = corpus_dir()
    alerts = alerts_for(gold_facts(story), Settings())
    out = tmp_path / "alerts.jsonl"
    out.write_text("".join(a.model_dump_json(exclude_none=True) + "\n" for a in alerts))
    result = score(corpus, story, out)
    assert (result["f1"], result["fp"], result["fn"]) == (1.0, 0, 0)
    assert len({a.story_id for a in alerts}) == 1


def test_all_dev_stories_at_once_split_into_their_stories(tmp_path: Path) -> None:
    corpus = corpus_dir()
    stories = dev_stories()
    alerts = alerts_for([f for s in stories for f in gold_facts(s)], Settings())
    out = tmp_path / "alerts.jsonl"
    out.write_text("".join(a.model_dump_json(exclude_none=True) + "\n" for a in alerts))
    assert score(corpus, corpus / "dev", out)["f1"] == 1.0
    assert len({a.story_id for a in alerts}) == len(stories)
