"""The image every service of docker-compose.yml runs: slim Python 3.11, the package and
nothing else, a user without privileges. Linted with hadolint and its instructions checked
here; no Docker engine runs on the development or CI machines, so it is built elsewhere
(`docker build .`), never skipped here as if it were tested."""

from __future__ import annotations

import configparser
import subprocess

from tests.config.test_compose import ROOT, tool

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
BASE_IMAGE = "python:3.11-slim"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments left out."""
    joined, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        current += stripped.removesuffix("\\").strip() + " "
        if not stripped.endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(text.split(" ", 1)[0].upper(), text.split(" ", 1)[1]) for text in joined]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def test_hadolint_finds_nothing():
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_stage_is_slim_python_3_11():
    bases = [args.split()[0] for name, args in instructions() if name == "FROM"]
    assert bases and set(bases) == {BASE_IMAGE}


def test_the_image_runs_as_a_user_without_privileges():
    users = [args for name, args in final_stage() if name == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0


def test_the_image_holds_the_package_and_no_development_tools():
    final = " ".join(args for name, args in final_stage() if name == "RUN")
    assert "pip install" in final and "sync_worker-" in final
    assert "[test]" not in final and ".[" not in final
    for tool_name in ("apt-get", "gcc", "build-essential", "pytest", "ruff"):
        assert tool_name not in final, tool_name
    # Only the built wheels reach the final stage, never the source tree.
    assert not [args for name, args in final_stage() if name in {"COPY", "ADD"}]


def test_the_build_copies_what_the_package_is_made_of():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    packages = {
        line.strip().split(".")[0]
        for line in parser["options.packages.find"]["include"].split()
        if line.strip()
    }
    sources = {
        source
        for name, args in instructions()
        if name == "COPY"
        for source in [word for word in args.split() if not word.startswith("--")][:-1]
    }
    assert packages <= sources
    assert {"setup.cfg", "pyproject.toml", "README.md"} <= sources

    allowed = {
        line.removeprefix("!")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.startswith("!")
    }
    assert sources <= allowed


def test_the_default_command_is_in_exec_form():
    commands = [args for name, args in final_stage() if name in {"CMD", "ENTRYPOINT"}]
    assert commands and all(args.startswith("[") for args in commands)
