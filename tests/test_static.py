"""ruff and mypy --strict over the code, and the import graph of the layout."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKERS = ("ingest", "extract", "alert")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_is_clean() -> None:
    done = _run("ruff", "check", "schemas", "services", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_is_clean() -> None:
    done = _run("mypy", "--no-error-summary")
    assert done.returncode == 0, done.stdout + done.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


@pytest.mark.parametrize("path", _files("schemas"), ids=lambda p: str(p.relative_to(ROOT)))
def test_schemas_import_nothing_of_ours(path: Path) -> None:
    bad = {m for m in _imports(path) if m.startswith("services")}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", _files("services.common"), ids=lambda p: str(p.relative_to(ROOT)))
def test_common_imports_no_worker(path: Path) -> None:
    bad = {
        m for m in _imports(path)
        if m.startswith("services.") and m.split(".")[1] in WORKERS
    }
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("worker", WORKERS)
def test_workers_never_import_each_other(worker: str) -> None:
    for path in _files(f"services.{worker}"):
        others = {
            m for m in _imports(path)
            for other in WORKERS
            if other != worker and (m == f"services.{other}" or m.startswith(f"services.{other}."))
        }
        assert not others, f"{path} imports {others}"
