"""Real Redis and PostgreSQL for the tests: found, started, or a loud failure.

Order of preference, for each service:
1. the server at the configured URL (TEST_REDIS_URL, TEST_POSTGRES_URL) if it answers;
2. this machine's own server, started the way it is started here (pg_ctlcluster);
3. a throwaway server from the installed binaries (pytest-redis / pytest-postgresql);
4. otherwise the test session stops with a message naming what is missing.
Never a skip: a suite that passes without its services proves nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis
import sqlalchemy as sa

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class ServiceMissing(RuntimeError):
    """A service the tests need is neither running nor startable."""


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _postgres_answers(url: str) -> bool:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def ensure_redis(stack: contextlib.ExitStack) -> str:
    """A Redis URL (without database number) that answers."""
    if _redis_answers(REDIS_URL):
        return REDIS_URL
    if shutil.which("redis-server"):
        from pytest_redis.executor import RedisExecutor

        port = free_port()
        executor = RedisExecutor(
            shutil.which("redis-server"),
            databases=16,
            redis_timeout=30,
            loglevel="warning",
            host="127.0.0.1",
            port=port,
            datadir=Path(tempfile.mkdtemp(prefix="sync-redis-")),
        )
        stack.enter_context(executor)
        return f"redis://127.0.0.1:{port}"
    raise ServiceMissing(
        f"Redis is not reachable at {REDIS_URL} and redis-server is not installed: "
        "install Redis (apt-get install redis-server) or set TEST_REDIS_URL"
    )


def ensure_postgres(stack: contextlib.ExitStack) -> str:
    """An administrative PostgreSQL URL that answers (it may create databases)."""
    if _postgres_answers(POSTGRES_URL):
        return POSTGRES_URL
    if _start_system_cluster() and _wait(lambda: _postgres_answers(POSTGRES_URL)):
        return POSTGRES_URL
    pg_ctl = shutil.which("pg_ctl") or _debian_binary("pg_ctl")
    if pg_ctl and os.geteuid() != 0:
        return _throwaway_postgres(stack, pg_ctl)
    raise ServiceMissing(
        f"PostgreSQL is not reachable at {POSTGRES_URL} and no server could be started "
        "(need pg_ctlcluster, or pg_ctl as a non-root user): install PostgreSQL "
        "(apt-get install postgresql) or set TEST_POSTGRES_URL"
    )


def _start_system_cluster() -> bool:
    """Start this machine's PostgreSQL cluster the way it is started here, if it has one."""
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        return False
    started = False
    for version in sorted(os.listdir("/etc/postgresql")):
        result = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            check=False,
        )
        started = started or result.returncode in (0, 2)  # 2: already running
    return started


def _debian_binary(name: str) -> str | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def _throwaway_postgres(stack: contextlib.ExitStack, pg_ctl: str) -> str:
    from pytest_postgresql.executors import PostgreSQLExecutor

    port = free_port()
    workdir = tempfile.mkdtemp(prefix="sync-pg-")
    executor = PostgreSQLExecutor(
        executable=pg_ctl,
        host="127.0.0.1",
        port=port,
        datadir=f"{workdir}/data",
        unixsocketdir=workdir,
        logfile=f"{workdir}/pg.log",
        startparams="-w",
        dbname="postgres",
        user="postgres",
    )
    stack.enter_context(executor)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _wait(check, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False
