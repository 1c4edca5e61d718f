"""The image every service of docker-compose.yml runs: slim Python 3.11, the package and
nothing else, a user without privileges. Linted with hadolint and its instructions checked
here; no Docker engine runs on the development or CI machines, so it is built elsewhere
(`docker build .`), never skipped here as if it were tested; its build stage runs
here, on exactly what it copies."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile

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


def test_the_build_stage_makes_a_wheel_with_every_module_and_data_file(tmp_path):
    """The image's first stage, run here on exactly what it copies: the wheel it builds
    holds every module and every data file of the packages (templates, migrations, the
    OpenAPI documents), so the image lacks nothing the checkout has."""
    context = tmp_path / "context"
    for name, args in instructions():
        if name != "COPY" or "--from" in args:
            continue
        *sources, _target = [word for word in args.split() if not word.startswith("--")]
        for source in sources:
            path = ROOT / source
            destination = context / source
            if path.is_dir():
                shutil.copytree(path, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path / "wheels"),
            str(context),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "wheels").glob("sync_worker-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packed = {name for name in archive.namelist() if ".dist-info/" not in name}
    shipped = {
        path.relative_to(context).as_posix()
        for package in ("sync_worker", "tasks", "config", "sandbox")
        for path in (context / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert shipped - packed == set()
