"""Worker processes for end-to-end tests and benchmarks: each a real `tocsin worker NAME`."""

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
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            REDIS_URL=self.redis_url,
            TOCSIN_STREAM_PREFIX=self.prefix,
            TOCSIN_LOG_JSON="true",
            TOCSIN_WORKER__CLAIM_IDLE_MS=str(self.claim_idle_ms),
            TOCSIN_WORKER__POLLING_MS="50",
            # several workers share this machine: no fixed metrics port unless asked for
            TOCSIN_OBSERVABILITY__ENABLED="false",
        )
        env.update(self.extra_env)
        return env

    def start(self, name: str, replica: int = 0) -> subprocess.Popen[bytes]:
        """Start worker `name`; `replica` tells replicas of one worker apart."""
        key = name if replica == 0 else f"{name}-{replica}"
        log = (self.logdir / f"{key}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "worker", name],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs[key] = proc
        return proc

    def start_all(self) -> None:
        for name in ("ingest", "extract", "alert"):
            self.start(name)

    def kill(self, key: str) -> None:
        """kill -9, as a crash or an evicted container."""
        proc = self.procs[key]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def restart(self, key: str) -> None:
        name, _, replica = key.partition("-")
        self.start(name, int(replica or 0))

    def alive(self) -> dict[str, bool]:
        return {key: proc.poll() is None for key, proc in self.procs.items()}

    def stop_all(self, timeout: float = 15.0) -> dict[str, int | None]:
        """SIGTERM every worker and wait; returns each exit code."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        codes: dict[str, int | None] = {}
        for key, proc in self.procs.items():
            try:
                codes[key] = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
                codes[key] = None
        return codes

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-tail:]}"
            for p in sorted(self.logdir.glob("*.log"))
        )
