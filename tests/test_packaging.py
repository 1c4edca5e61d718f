"""What runs in production stands apart from what stands in for the world around it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("sync_worker", "tasks", "config")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_production_code_never_imports_the_sandbox():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for package in PRODUCTION
        for path in sorted((ROOT / package).rglob("*.py"))
        for module in _imported_modules(path)
        if module == "sandbox" or module.startswith("sandbox.")
    ]
    assert offenders == []


def test_the_simulator_and_the_demo_live_in_the_sandbox():
    assert not (ROOT / "sync_worker" / "simulator").exists()
    assert not (ROOT / "sync_worker" / "demo").exists()
    assert (ROOT / "sandbox" / "simulator" / "app.py").is_file()
    assert (ROOT / "sandbox" / "demo" / "run.py").is_file()
