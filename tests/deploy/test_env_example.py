""".env.example: every setting with its default, current with the settings class."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.common.settings import Settings
from tests.deploy.settings_env import render_env_example, settings_variables

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"


def active_lines() -> dict[str, str]:
    """NAME=value lines as docker compose reads them (quotes taken off)."""
    out = {}
    for line in ENV_EXAMPLE.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            out[name] = value
    return out


def test_the_file_is_current() -> None:
    assert ENV_EXAMPLE.read_text("utf-8") == render_env_example(), (
        "the settings changed: .venv/bin/python -m tests.deploy.settings_env > .env.example"
    )


def test_every_setting_is_listed_once() -> None:
    text = ENV_EXAMPLE.read_text("utf-8")
    for var in settings_variables():
        written = f"# {var.name}=\n" if var.unset else f"\n{var.name}="
        assert text.count(written) == 1, var.name


def test_its_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TOCSIN_") or name == "REDIS_URL":
            monkeypatch.delenv(name)
    defaults = Settings(_env_file=None).model_dump()
    for name, value in active_lines().items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).model_dump() == defaults
