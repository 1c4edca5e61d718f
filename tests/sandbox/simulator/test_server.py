"""Starting and stopping the simulator, in-process and the way the CLI runs it."""

from __future__ import annotations

import threading

import requests

from sandbox.simulator import DEFAULT_CLIENT_KEY, SimulatorServer, run_simulator
from tests.sandbox.simulator.raw import TIMEOUT, Api, data


def test_server_urls(simulator):
    assert simulator.api_base_url == simulator.url + "/v2"
    assert simulator.token_url == simulator.url + "/OAuth/Token"
    assert requests.get(simulator.url + "/_admin/health", timeout=TIMEOUT).json() == {
        "status": "ok"
    }


def test_stopped_server_frees_its_port():
    server = SimulatorServer().start()
    url = server.url
    server.stop()

    try:
        requests.get(url + "/_admin/health", timeout=1)
    except requests.ConnectionError:
        return
    raise AssertionError("the stopped simulator still answers")


def test_run_simulator_serves_a_seeded_client_until_stopped():
    lines: list[str] = []
    stop = threading.Event()
    runner = threading.Thread(
        target=run_simulator,
        kwargs={"port": 0, "seed": True, "announce": lines.append, "stop": stop},
    )
    runner.start()
    try:
        while not lines:
            threading.Event().wait(0.01)
        api_base = lines[0].split("API ")[1].split(",")[0]
        token_url = lines[0].split("token ")[1]
        api = Api(api_base, token_url, DEFAULT_CLIENT_KEY)
        assert len(data(api.get("/GeneralLedgerAccounts"))) == 25
    finally:
        stop.set()
        runner.join(timeout=5)
    assert not runner.is_alive()
    assert lines[-1] == "simulator stopped"
