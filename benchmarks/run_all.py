"""`make bench`: every benchmark in turn, each in its own process, then one summary table.

Each benchmark writes benchmarks/results/<name>.json; the table is read from those files.
Exits 1 when a benchmark failed to run or a figure missed its target.

    python -m benchmarks.run_all [name ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import RESULTS_DIR, format_number, log

ROOT = Path(__file__).resolve().parent.parent
# In the order of docs/performance.md (fault_suite: docs/reliability.md); about 45 minutes
# in all on 2 cores, half of it the month-end and its naive baseline.
BENCHMARKS = (
    "calls_per_invoice",
    "producer_throughput",
    "worker_memory",
    "imports_under_load",
    "doctor_and_reconcile",
    "month_end",
    "db_round_trips",
    "scaling",
    "fault_suite",
)


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    started = time.monotonic()
    failed = [name for name in names if not run(name)]
    missed = summary(names)
    print(f"\nmake bench: {time.monotonic() - started:.0f} s in all")
    if failed:
        print(f"failed to run: {', '.join(failed)}")
    return 1 if failed or missed else 0


def run(name: str) -> bool:
    log(f"benchmark {name}")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=ROOT, check=False)
    log(f"benchmark {name}: {time.monotonic() - started:.0f} s, exit {result.returncode}")
    return result.returncode == 0


def summary(names: list[str]) -> int:
    """Print every figure with its target; returns how many missed it."""
    print("\n" + "=" * 124)
    print(f"{'benchmark':<20} {'figure':<74} {'measured':>14}  {'target':<9} verdict")
    print("-" * 124)
    missed = 0
    for name in names:
        path = RESULTS_DIR / f"{name}.json"
        if not path.exists():
            print(f"{name:<20} (no results)")
            continue
        for figure in json.loads(path.read_text())["figures"]:
            verdict = {True: "ok", False: "MISSED", None: ""}[figure["ok"]]
            missed += figure["ok"] is False
            measured = f"{format_number(figure['value'])} {figure['unit']}".strip()
            print(
                f"{name:<20} {figure['name']:<74} {measured:>14}  "
                f"{figure['target_text']:<9} {verdict}"
            )
    return missed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
