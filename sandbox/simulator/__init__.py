"""A simulator of PowerOffice Go's v2 API, served over real HTTP for tests, the demo and
the benchmarks. See docs/simulator.md."""

from sandbox.simulator.admin_client import SimulatorAdmin, SimulatorAdminError
from sandbox.simulator.app import Simulator
from sandbox.simulator.auth import (
    DEFAULT_APPLICATION_KEY,
    DEFAULT_CLIENT_KEY,
    DEFAULT_SUBSCRIPTION_KEY,
)
from sandbox.simulator.faults import FaultConfig
from sandbox.simulator.server import SimulatorServer, run_simulator

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
