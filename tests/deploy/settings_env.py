"""Every environment variable the settings class reads, with its default as the env spells it.

`render_env_example()` is what `.env.example` must hold; regenerate it with
`.venv/bin/python -m tests.deploy.settings_env > .env.example`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

from services.common.settings import Settings

PREFIX = "TOCSIN_"
DELIMITER = "__"
_PLAIN = re.compile(r"^[A-Za-z0-9_./:+@-]*$")


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    unset: bool  # no default value: the variable is left out (commented) in .env.example
    description: str


def env_text(value: Any) -> str:
    """A default as one writes it in an environment file (quoted when it needs to be)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list | dict):
        text = json.dumps(value, separators=(",", ":"))
    else:
        text = str(value)
    return text if _PLAIN.match(text) else f"'{text}'"


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return info.default


def _walk(model: type[BaseModel], stem: str) -> list[Variable]:
    out: list[Variable] = []
    for field, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out += _walk(annotation, f"{stem}{field.upper()}{DELIMITER}")
            continue
        alias = info.validation_alias
        name = (
            str(alias.choices[0]) if isinstance(alias, AliasChoices) else f"{stem}{field.upper()}"
        )
        default = _default(info)
        out.append(Variable(name, "" if default is None else env_text(default), default is None,
                            info.description or ""))
    return out


def settings_variables() -> list[Variable]:
    return _walk(Settings, PREFIX)


def render_env_example() -> str:
    lines = [
        "# Every setting of Tocsin, with its default (services/common/settings.py reads them).",
        "# Copy to .env for docker compose, or export them. Nested sections use `__`.",
        "# Generated: .venv/bin/python -m tests.deploy.settings_env > .env.example",
        "",
    ]
    for var in settings_variables():
        if var.description:
            lines.append(f"# {var.description}")
        lines.append(f"# {var.name}=" if var.unset else f"{var.name}={var.default}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_env_example(), end="")
