"""docker-compose.yml: `docker compose config` when the client has the plugin, else the YAML
itself (anchors merged, `${VAR:-default}` read as its default); the same checks on either."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from services.cli import app as cli_app
from tests.deploy.settings_env import settings_variables

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
WORKERS = ("ingest", "extract", "alert")
_DEFAULTED = re.compile(r"\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}")


def _compose_plugin() -> str | None:
    """None when `docker compose` works, else why not."""
    if shutil.which("docker") is None:
        return "no docker client on PATH"
    done = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True,
                          timeout=30, check=False)
    if done.returncode != 0:
        return f"`docker compose version` failed: {(done.stderr or done.stdout).strip()[:200]}"
    return None


def _interpolate(value: Any) -> Any:
    if isinstance(value, str):
        return _DEFAULTED.sub(lambda m: m.group(2) or "", value)
    if isinstance(value, list):
        return [_interpolate(v) for v in value]
    if isinstance(value, dict):
        return {k: _interpolate(v) for k, v in value.items()}
    return value


@cache
def config() -> dict[str, Any]:
    problem = _compose_plugin()
    if problem is None:
        done = subprocess.run(
            ["docker", "compose", "-f", str(COMPOSE), "config", "--format", "json"],
            capture_output=True, text=True, timeout=60, check=True, cwd=ROOT,
        )
        loaded: dict[str, Any] = json.loads(done.stdout)
        return loaded
    print(f"docker compose config not run ({problem}): checking the parsed YAML instead")
    parsed: dict[str, Any] = _interpolate(yaml.safe_load(COMPOSE.read_text("utf-8")))
    return parsed


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = config()["services"][name]
    return found


def environment(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def as_list(command: Any) -> list[str]:
    return command.split() if isinstance(command, str) else [str(c) for c in command]


def test_the_compose_file_is_valid() -> None:
    """`docker compose config` (when the client has the plugin) or a YAML parse."""
    problem = _compose_plugin()
    if problem is not None:
        print(f"skipping `docker compose config`: {problem}")
    assert set(config()["services"]) >= {"redis", *WORKERS}


def test_redis_persists_with_aof_and_has_a_healthcheck() -> None:
    redis = service("redis")
    command = as_list(redis["command"])
    assert command[command.index("--appendonly") + 1] == "yes"
    assert "redis-cli ping" in " ".join(as_list(redis["healthcheck"]["test"]))
    assert any("/data" in str(v) for v in redis["volumes"])


@pytest.mark.parametrize("name", WORKERS)
def test_each_worker_runs_from_the_one_image_after_a_healthy_redis(name: str) -> None:
    svc = service(name)
    assert svc["build"]["dockerfile"] == "deploy/Dockerfile"
    assert svc["image"] == service("ingest")["image"]
    assert as_list(svc["command"]) == ["worker", name]
    assert svc["depends_on"]["redis"]["condition"] == "service_healthy"
    env = environment(svc)
    assert env["REDIS_URL"].startswith("redis://redis:")
    check = " ".join(as_list(svc["healthcheck"]["test"]))
    assert f":{env['TOCSIN_OBSERVABILITY__PORT']}/healthz" in check
    assert env["TOCSIN_OBSERVABILITY__HOST"] == "0.0.0.0"


def test_extract_runs_two_replicas() -> None:
    assert service("extract")["deploy"]["replicas"] == 2


def test_no_container_name_and_configuration_by_environment_only() -> None:
    known = {v.name for v in settings_variables()}
    for name, svc in config()["services"].items():
        assert "container_name" not in svc, name
        assert "env_file" not in svc, f"{name}: settings come from `environment` only"
        if name == "redis":
            continue
        assert not svc.get("volumes"), f"{name}: no configuration file is mounted"
        unknown = set(environment(svc)) - known
        assert not unknown, f"{name}: not settings of Tocsin: {unknown}"


@pytest.mark.parametrize(("name", "port_variable"), [
    ("http", "TOCSIN_INGEST__HTTP_PORT"), ("api", None),
])
def test_the_http_services_check_the_port_they_serve(name: str, port_variable: str | None) -> None:
    svc = service(name)
    command = as_list(svc["command"])
    port = (environment(svc)[port_variable] if port_variable
            else command[command.index("--port") + 1])
    check = " ".join(as_list(svc["healthcheck"]["test"]))
    assert f"127.0.0.1:{port}/" in check
    published = [str(p) for p in svc["ports"]]
    assert any(p.endswith(f":{port}") or f"'target': {port}" in p for p in published)


def cli_commands() -> set[str]:
    return set(typer.main.get_command(cli_app).commands)  # type: ignore[attr-defined]


def test_every_command_the_services_run_is_a_tocsin_command() -> None:
    used = {as_list(svc["command"])[0]: name for name, svc in config()["services"].items()
            if name != "redis" and not svc.get("entrypoint")}
    missing = sorted(set(used) - cli_commands())
    assert not missing, f"services run `tocsin {missing}`, which the CLI does not have"
