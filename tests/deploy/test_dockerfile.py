"""deploy/Dockerfile, read as text: built from the README's install step, and a context that
holds what that step needs (no Docker engine is needed to check either)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
README = ROOT / "README.md"
DOCKERIGNORE = ROOT / ".dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text("utf-8"))
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for word, rest in instructions():
        if word == "FROM":
            found.append([])
        found[-1].append((word, rest))
    return found


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", markdown, flags=re.DOTALL)


def pip_installs(command: str) -> list[list[str]]:
    """Each `pip install ...` of a shell command, as its argument list after `install`."""
    found = []
    for part in re.split(r"&&|;|\n", command.replace("\\\n", " ")):
        words = shlex.split(part, comments=True)
        for i, word in enumerate(words[:-1]):
            if word.endswith("pip") and words[i + 1] == "install":
                found.append(words[i + 2:])
    return found


def install_target(args: list[str]) -> tuple[str, set[str]]:
    """(what is installed, its extras), the options (-q, -e, ...) left out."""
    targets = [a for a in args if not a.startswith("-")]
    assert len(targets) == 1, f"one project per install step, got {args}"
    match = re.fullmatch(r"(.+?)(\[(.*)\])?", targets[0])
    assert match is not None
    extras = {e.strip() for e in (match.group(3) or "").split(",") if e.strip()}
    return match.group(1), extras


def _run_steps() -> list[str]:
    return [rest for word, rest in instructions() if word == "RUN"]


def test_two_stages_on_python_311_slim() -> None:
    found = stages()
    assert len(found) >= 2
    bases = [rest.split()[0] for stage in found for word, rest in stage if word == "FROM"]
    assert all(base == "python:3.11-slim" for base in bases), bases
    runtime = found[-1]
    assert any(w == "COPY" and rest.startswith("--from=") for w, rest in runtime), \
        "the runtime stage copies the built environment from the build stage"
    assert not any("pip install" in rest for w, rest in runtime if w == "RUN"), \
        "nothing is installed in the runtime stage"


def test_runs_as_a_non_root_user_with_tocsin_as_entrypoint() -> None:
    runtime = dict(reversed(stages()[-1]))  # the first occurrence wins: there is one of each
    user = runtime["USER"].split(":")[0]
    assert user not in {"root", "0"}
    assert json.loads(runtime["ENTRYPOINT"]) == ["tocsin"]
    assert json.loads(runtime["CMD"]) == ["run"]


def test_the_image_installs_with_the_readme_step_verbatim() -> None:
    readme = README.read_text("utf-8")
    deploy = readme[readme.index("## Deploy"):]
    readme_steps = [b.strip() for b in shell_blocks(deploy) if "pip install" in b]
    assert readme_steps, "the README's Deploy section shows its install step"
    runs = [r for r in _run_steps() if "pip install" in r]
    assert runs == [readme_steps[0]], "one install step in the image: the README's, verbatim"


def test_the_image_and_the_readme_dev_install_read_the_same_project() -> None:
    """The image installs what the README's dev install installs, minus `-e` and the extras."""
    readme = README.read_text("utf-8")
    dev = [args for block in shell_blocks(readme) for args in pip_installs(block)
           if "-e" in args]
    image = [args for run in _run_steps() for args in pip_installs(run)]
    assert dev
    assert len(image) == 1
    dev_target, dev_extras = install_target(dev[0])
    image_target, image_extras = install_target(image[0])
    assert dev_target == image_target == "."
    assert dev_extras == {"dev"}
    assert image_extras == set()
    assert "-e" not in image[0], "the image installs the package, not an editable checkout"


def _copied_paths() -> list[str]:
    build = stages()[0]
    copied: list[str] = []
    for word, rest in build:
        if word == "COPY" and not rest.startswith("--from"):
            copied += shlex.split(rest)[:-1]
    return copied


def _glob(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match plus `**`) as a regular expression."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def _ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in DOCKERIGNORE.read_text("utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), _glob(line.lstrip("!").strip("/"))))
    return rules


def in_context(path: str) -> bool:
    """Whether .dockerignore leaves `path` (relative to the root) in the build context: a rule
    matches the path or one of its folders, and the last rule that matches decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    included = True
    for negated, rule in _ignore_rules():
        if any(rule.fullmatch(p) for p in prefixes):
            included = negated
    return included


def test_the_build_copies_what_pyproject_needs_and_the_context_holds_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    needed = {"pyproject.toml", project["project"]["readme"], *packages}
    copied = set(_copied_paths())
    assert needed <= copied, f"not copied into the build stage: {needed - copied}"
    for path in sorted(needed):
        assert in_context(path), f".dockerignore leaves {path} out of the build context"


@pytest.mark.parametrize("path", [
    ".venv/bin/python", ".git/HEAD", "tests/conftest.py", "benchmarks/run.py", ".env",
    "services/__pycache__/x.pyc", "docker-compose.yml",
])
def test_the_context_leaves_out(path: str) -> None:
    assert not in_context(path)


def _context_copy(dest: Path) -> None:
    """What `docker build` would send and the build stage COPY: the copied paths, filtered."""
    for name in _copied_paths():
        source = ROOT / name
        files = [source] if source.is_file() else sorted(
            p for p in source.rglob("*") if p.is_file()
        )
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if in_context(relative):
                target = dest / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target)


def test_the_copied_context_builds_a_wheel_with_the_package_data(tmp_path: Path) -> None:
    """The build stage's `pip install .` on exactly what it copies (as a wheel, offline)."""
    context = tmp_path / "context"
    _context_copy(context)
    out = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(out), str(context)],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = out.glob("tocsin-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "services/cli/__init__.py" in names
    assert not any(n.startswith("tests/") for n in names)
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    expected = {
        path.relative_to(ROOT).as_posix()
        for package, patterns in data["package-data"].items()
        for pattern in patterns
        for path in (ROOT / package.replace(".", "/")).glob(pattern)
    }
    assert any(p.endswith(".toml") for p in expected), "the lexicons are package data"
    assert expected <= names, f"package data missing from the image: {expected - names}"
