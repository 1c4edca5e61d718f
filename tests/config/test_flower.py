"""Flower as `python -m config.flower` starts it: credentials from the environment, every
page behind them (`/metrics` too), and 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from config.flower import (
    ADDRESS_VARIABLE,
    AUTH_VARIABLE,
    DEFAULT_ADDRESS,
    FlowerConfigError,
    flower_argv,
)
from tests.conftest import service_settings
from tests.services import free_port
from tests.support.worker import ROOT, stop_process, wait_until

CREDENTIALS = "operator:correct-horse"
PAGES = (
    "/",
    "/workers",
    "/tasks",
    "/broker",
    "/api/workers",
    "/api/tasks",
    "/metrics",
    "/login",
    "/no/such/page",
)
LISTEN = "0A"


def listening_addresses(port: int) -> set[str]:
    """The local addresses a socket listens on for `port`, from the kernel's own tables."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == LISTEN and int(hex_port, 16) == port:
                addresses.add(address)
    return addresses


def ipv4(address: str) -> str:
    return ".".join(str(b) for b in reversed(bytes.fromhex(address)))


class FlowerProcess:
    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "config.flower", f"--port={self.port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log_path = log_path

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"Flower exited:\n{self.log_path.read_text()}")
        try:
            requests.get(self.url + "/healthcheck", timeout=1)
        except requests.ConnectionError:
            return False
        return True

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def flower(database_url, redis_base_url, tmp_path) -> Iterator[FlowerProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWER_")}
    env.update(service_settings(database_url, redis_base_url))
    env[AUTH_VARIABLE] = CREDENTIALS
    process = FlowerProcess(env, tmp_path / "flower.log")
    try:
        wait_until(process.answers, timeout=60, what="Flower to listen")
        yield process
    finally:
        process.stop()


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def test_every_page_asks_for_the_credentials_from_the_environment(flower):
    for page in (*PAGES, "/healthcheck"):
        for headers in ({}, basic("operator:wrong")):
            answer = requests.get(flower.url + page, headers=headers, timeout=10)
            assert answer.status_code == 401, (page, headers)

    metrics = requests.get(flower.url + "/metrics", headers=basic(CREDENTIALS), timeout=10)
    assert metrics.status_code == 200
    assert "flower_" in metrics.text
    health = requests.get(flower.url + "/healthcheck", headers=basic(CREDENTIALS), timeout=10)
    assert (health.status_code, health.text) == (200, "OK")
    unknown = requests.get(flower.url + "/no/such/page", headers=basic(CREDENTIALS), timeout=10)
    assert unknown.status_code == 404
    posted = requests.post(flower.url + "/no/such/page", timeout=10)
    assert posted.status_code == 401


def test_it_listens_on_the_loopback_address_only_unless_told(flower):
    addresses = listening_addresses(flower.port)
    assert addresses, "no listening socket found"
    assert {ipv4(address) for address in addresses} == {DEFAULT_ADDRESS}


def test_it_refuses_to_start_without_credentials():
    with pytest.raises(FlowerConfigError, match=AUTH_VARIABLE):
        flower_argv(["--port=5555"], {})
    with pytest.raises(FlowerConfigError, match=AUTH_VARIABLE):
        flower_argv([], {AUTH_VARIABLE: " "})


@pytest.mark.parametrize("arg", ["--basic-auth=a:b", "--basic_auth=a:b", "--basic-auth"])
def test_it_refuses_credentials_on_the_command_line(arg):
    with pytest.raises(FlowerConfigError, match="not on the command line"):
        flower_argv([arg], {AUTH_VARIABLE: CREDENTIALS})


def test_a_refused_start_is_one_line_and_exit_status_2():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWER_")}
    result = subprocess.run(
        [sys.executable, "-m", "config.flower"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"sync-worker flower: set {AUTH_VARIABLE}=user:password (comma-separate several)"
    ]


def test_flower_reads_the_variables_this_launcher_relies_on():
    from flower.options import default_options

    for variable in (AUTH_VARIABLE, ADDRESS_VARIABLE):
        assert variable.removeprefix("FLOWER_").lower() in default_options
