"""The fault-injection and fuzz runs, at CI size (the full sizes: TOCSIN_RELIABILITY_FULL=1)."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import FULL, figures, run_script

pytestmark = [pytest.mark.e2e]

full = pytest.mark.skipif(not FULL, reason="full size: set TOCSIN_RELIABILITY_FULL=1 (not in CI)")


@pytest.mark.parametrize(("articles", "kills"), [
    (300, 3), pytest.param(3000, 8, marks=full),
])
def test_kills_and_a_redis_restart_lose_and_duplicate_nothing(articles: int, kills: int) -> None:
    done = run_script("faults.py", "--articles", str(articles), "--kills", str(kills),
                      timeout=120 + articles / 10)
    assert done.returncode == 0
    got = figures(done.stdout)
    assert got["articles"] == str(articles)
    assert got["kills"] == str(kills)
    assert got["redis_restarts"] == "1"
    assert (got["lost"], got["duplicated"], got["crashed"]) == ("0", "0", "0")
    assert got["alerts"] == got["expected_alerts"] != "0"
    assert done.stdout.rstrip().endswith("PASS")


@pytest.mark.parametrize("messages", [2000, pytest.param(10_000, marks=full)])
def test_malformed_messages_are_each_accounted_for(messages: int) -> None:
    done = run_script("fuzz.py", "--messages", str(messages), timeout=150 + messages / 20)
    assert done.returncode == 0
    got = figures(done.stdout)
    assert got["messages"] == str(messages)
    assert (got["unaccounted"], got["worker_deaths"], got["handler_failures"]) == ("0", "0", "0")
    counted = sum(int(got[k]) for k in ("processed", "refused", "duplicate", "dead_lettered"))
    assert counted == messages
    assert int(got["dead_lettered"]) > messages / 3  # the malformed ones did reach the workers
    assert done.stdout.rstrip().endswith("PASS")
