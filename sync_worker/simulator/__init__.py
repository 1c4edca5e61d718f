"""A simulator of PowerOffice Go's v2 API, served over real HTTP for tests, the demo and
the benchmarks. See docs/simulator.md."""

from sync_worker.simulator.admin_client import SimulatorAdmin, SimulatorAdminError
from sync_worker.simulator.app import Simulator
from sync_worker.simulator.auth import (
    DEFAULT_APPLICATION_KEY,
    DEFAULT_CLIENT_KEY,
    DEFAULT_SUBSCRIPTION_KEY,
)
from sync_worker.simulator.faults import FaultConfig
from sync_worker.simulator.server import SimulatorServer, run_simulator

__all__ = [
    "DEFAULT_APPLICATION_KEY",
    "DEFAULT_CLIENT_KEY",
    "DEFAULT_SUBSCRIPTION_KEY",
    "FaultConfig",
    "Simulator",
    "SimulatorAdmin",
    "SimulatorAdminError",
    "SimulatorServer",
    "run_simulator",
]
