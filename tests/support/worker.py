"""A real Celery worker in its own process, as production runs it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """`celery -A sync_worker.app worker` with the given environment."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        queues: str = "transfers,imports,notifications",
        concurrency: int = 2,
        name: str = "test",
        log_path: Path | None = None,
    ):
        self.env = {**os.environ, **env}
        # Every test worker serves its metrics, as production's do (docs/metrics.md).
        self.env.setdefault("SYNC_METRICS_PORT", str(free_port()))
        self._metrics_dir = None
        if "PROMETHEUS_MULTIPROC_DIR" not in self.env:
            self._metrics_dir = tempfile.mkdtemp(prefix="sync-worker-metrics-")
            self.env["PROMETHEUS_MULTIPROC_DIR"] = self._metrics_dir
        self.metrics_url = f"http://127.0.0.1:{self.env['SYNC_METRICS_PORT']}/metrics"
        self.queues = queues
        self.concurrency = concurrency
        self.name = name
        self.log_path = log_path or Path(f"/tmp/sync-worker-{name}-{os.getpid()}.log")
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> WorkerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "sync_worker.app",
                "worker",
                "-Q",
                self.queues,
                "-c",
                str(self.concurrency),
                "-O",
                "fair",
                "-n",
                f"{self.name}-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited; see {self.log_path}:\n{self.log_tail()}")
            if b" ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not start in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def children(self) -> list[int]:
        """The pool's processes (the ones that run tasks)."""
        result = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in result.stdout.split()]

    def kill_children(self) -> None:
        """SIGKILL every pool process, as the OOM killer would."""
        for pid in self.children():
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._metrics_dir is not None:
            shutil.rmtree(self._metrics_dir, ignore_errors=True)

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clear_broker(url: str, prefix: str) -> None:
    """Remove this session's broker keys (never another session's: they share the Redis)."""
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def wait_until(check, *, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
    """Poll `check()` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, and SIGKILL when it does not end within `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
