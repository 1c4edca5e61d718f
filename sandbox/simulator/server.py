"""Serving the simulator over real HTTP: `SimulatorServer` for tests, the demo and the
benchmarks (a background thread, any free port), and `run_simulator` for the CLI."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.simulator.admin_client import SimulatorAdmin
from sandbox.simulator.app import TOKEN_PATH, Simulator
from sandbox.simulator.auth import (
    DEFAULT_APPLICATION_KEY,
    DEFAULT_CLIENT_KEY,
    DEFAULT_SUBSCRIPTION_KEY,
    DEFAULT_TOKEN_TTL_SECONDS,
)
from sandbox.simulator.faults import FaultConfig
from sandbox.simulator.ratelimit import DEFAULT_RATE_LIMIT
from sandbox.simulator.routing import API_PREFIX
from sandbox.simulator.seed import apply_setup, norwegian_setup

log = logging.getLogger(__name__)

DEFAULT_CLIENT_NAME = "Demo Konsulent AS"
# How often the serving loop looks for stop(): keeps stopping (once per test) fast.
POLL_SECONDS = 0.05


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (tests make thousands); errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SimulatorAddresses:
    """Where a running simulator answers, derived from its base `url`."""

    url: str

    @property
    def api_base_url(self) -> str:
        return self.url + API_PREFIX

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH

    @property
    def admin(self) -> SimulatorAdmin:
        return SimulatorAdmin(self.url)


class SimulatorServer(SimulatorAddresses):
    """The simulator on `host:port` (0: a free port), served by werkzeug's threaded server.

    Use as a context manager, or `start()`/`stop()`. `simulator` is the in-process state.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        simulator: Simulator | None = None,
        log_requests: bool = False,
        **simulator_options: Any,
    ) -> None:
        self.simulator = simulator or Simulator(**simulator_options)
        self.host = host
        self._port = port
        self._log_requests = log_requests
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SimulatorServer:
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        handler = WSGIRequestHandler if self._log_requests else _QuietRequestHandler
        server = make_server(
            self.host, self._port, self.simulator, threaded=True, request_handler=handler
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="poweroffice-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._server.server_port

    @property
    def url(self) -> str:
        # A wildcard bind is reached through the loopback address.
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"


def run_simulator(
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    rate_limit: int | None = DEFAULT_RATE_LIMIT,
    seed: bool = False,
    application_key: str = DEFAULT_APPLICATION_KEY,
    subscription_key: str = DEFAULT_SUBSCRIPTION_KEY,
    client_key: str = DEFAULT_CLIENT_KEY,
    client_name: str = DEFAULT_CLIENT_NAME,
    lock_date: dt.date | None = None,
    token_ttl: int = DEFAULT_TOKEN_TTL_SECONDS,
    faults: FaultConfig | None = None,
    announce: Callable[[str], None] = log.info,
    stop: threading.Event | None = None,
) -> None:
    """Serve the simulator until Ctrl-C or `stop` is set (`pogo-simulator`).

    One client (`client_key`) exists from the start, so a token can be fetched at once;
    `seed` fills it with the realistic Norwegian setup (`seed.norwegian_setup`).
    `announce` receives the lines a person needs: URLs and keys (simulator keys, not secrets).
    """
    simulator = Simulator(
        rate_limit=rate_limit,
        token_ttl=token_ttl,
        application_keys=(application_key,),
        subscription_keys=(subscription_key,),
        faults=faults,
    )
    client = simulator.store.create_client(client_key, client_name)
    if seed:
        apply_setup(client, norwegian_setup(lock_date))
    with SimulatorServer(host, port, simulator=simulator, log_requests=True) as server:
        announce(f"PowerOffice Go simulator: API {server.api_base_url}, token {server.token_url}")
        announce(f"admin API {server.url}/_admin (see docs/simulator.md)")
        announce(
            f"application key {application_key!r}, subscription key {subscription_key!r}, "
            f"client key {client_key!r} ({'seeded' if seed else 'empty'}); "
            f"rate limit {rate_limit or 'off'} per second"
        )
        # The server runs on its own thread; this one waits for Ctrl-C or `stop`.
        with contextlib.suppress(KeyboardInterrupt):
            (stop or threading.Event()).wait()
    announce("simulator stopped")
