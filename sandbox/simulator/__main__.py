"""`python -m sandbox.simulator`: the same as `pogo-simulator`."""

from sandbox.simulator.cli import main

main()
