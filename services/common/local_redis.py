"""Start a private `redis-server` (for the demo, fault runs and tests) when one is on PATH."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LocalRedis:
    port: int
    workdir: Path
    process: subprocess.Popen[bytes]
    persistent: bool

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self, *, kill: bool = False) -> None:
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def restart(self) -> None:
        """Stop and start again on the same port and directory (keeps AOF data if persistent)."""
        self.stop()
        self.process = _spawn(self.port, self.workdir, self.persistent)
        _wait_ready(self.port)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def _spawn(port: int, workdir: Path, persistent: bool) -> subprocess.Popen[bytes]:
    binary = redis_server_binary()
    if binary is None:
        msg = "redis-server is not on PATH"
        raise FileNotFoundError(msg)
    args = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
        "--save", "", "--protected-mode", "yes", "--logfile", str(workdir / "redis.log"),
    ]
    args += ["--appendonly", "yes", "--appendfsync", "always"] if persistent else [
        "--appendonly", "no"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    msg = f"redis-server on port {port} did not answer within {timeout:g} s"
    raise TimeoutError(msg)


def start_local_redis(*, persistent: bool = False, port: int | None = None) -> LocalRedis:
    workdir = Path(tempfile.mkdtemp(prefix="tocsin-redis-"))
    port = port or free_port()
    process = _spawn(port, workdir, persistent)
    _wait_ready(port)
    return LocalRedis(port=port, workdir=workdir, process=process, persistent=persistent)
