"""A throwaway Redis Cluster of three masters on 127.0.0.1, from `redis-server` and `redis-cli`."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BUS_OFFSET = 10_000  # a cluster node also listens on its port + 10000 (the cluster bus)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port(taken: set[int]) -> int:
    """A free port whose bus port (port + 10000) is free too, below the ephemeral range."""
    for _ in range(200):
        port = random.randint(20_000, 30_000)
        if port not in taken and _bindable(port) and _bindable(port + BUS_OFFSET):
            return port
    msg = "no free pair of ports (port, port + 10000) between 20000 and 40000"
    raise RuntimeError(msg)


def missing_binaries() -> list[str]:
    return [name for name in ("redis-server", "redis-cli") if shutil.which(name) is None]


@dataclass
class LocalCluster:
    ports: list[int]
    workdir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Any node's URL: a cluster client discovers the others from it."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def cli(self, port: int, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
            capture_output=True, text=True, timeout=30, check=True,
        )
        return done.stdout

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _wait(cluster: LocalCluster, port: int, expect: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            last = cluster.cli(port, "CLUSTER", "INFO")
            if expect in last:
                return
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            last = str(exc)
        time.sleep(0.1)
    msg = f"node {port}: no {expect!r} within {timeout:g} s; last answer: {last[:300]}"
    raise TimeoutError(msg)


def start_cluster(nodes: int = 3) -> LocalCluster:
    """Start `nodes` masters, join them with `redis-cli --cluster create`, wait for state ok."""
    ports: set[int] = set()
    for _ in range(nodes):
        ports.add(cluster_port(ports))
    cluster = LocalCluster(
        ports=sorted(ports), workdir=Path(tempfile.mkdtemp(prefix="tocsin-cluster-"))
    )
    try:
        for port in cluster.ports:
            node_dir = cluster.workdir / str(port)
            node_dir.mkdir()
            cluster.processes.append(subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                 "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                 "--cluster-node-timeout", "5000", "--dir", str(node_dir),
                 "--save", "", "--appendonly", "no", "--logfile", str(node_dir / "redis.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
        for port in cluster.ports:
            _ping(cluster, port)
        subprocess.run(
            ["redis-cli", "--cluster", "create",
             *(f"127.0.0.1:{p}" for p in cluster.ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True, text=True, timeout=60, check=True,
        )
        for port in cluster.ports:
            _wait(cluster, port, "cluster_state:ok", 30)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _ping(cluster: LocalCluster, port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cluster.cli(port, "PING").strip() == "PONG":
                return
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        time.sleep(0.05)
    msg = f"redis-server on port {port} did not answer within {timeout:g} s"
    raise TimeoutError(msg)
