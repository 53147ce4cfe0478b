"""Worker processes for end-to-end tests: each a real `tocsin worker NAME` subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class WorkerProcs:
    redis_url: str
    prefix: str
    logdir: Path
    claim_idle_ms: int = 1000
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            REDIS_URL=self.redis_url,
            TOCSIN_STREAM_PREFIX=self.prefix,
            TOCSIN_LOG_JSON="true",
            TOCSIN_WORKER__CLAIM_IDLE_MS=str(self.claim_idle_ms),
            TOCSIN_WORKER__POLLING_MS="50",
        )
        return env

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.logdir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "worker", name],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs[name] = proc
        return proc

    def start_all(self) -> None:
        for name in ("ingest", "extract", "alert"):
            self.start(name)

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.logdir.glob("*.log"))
        )
