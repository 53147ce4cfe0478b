"""The pure modules of ingest load neither a broker nor a Redis client."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = ["normalize", "fingerprints", "feeds", "pages", "sources"]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_broker(module: str) -> None:
    code = (
        f"import sys, services.ingest.{module}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('redis', 'faststream')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
