"""docker-compose.yml and .env.example held to the code: every service's image or build,
command, health check and restart policy, one worker per queue, one beat, and every
variable they set one that something in the container reads. No Docker engine is needed;
the file is also validated against the Compose Specification (a vendored schema)."""

from __future__ import annotations

import ast
import configparser
import hashlib
import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import click
import pytest
import yaml
from flower.options import default_options as flower_options

from config import flower as flower_launcher
from config.celery import QUEUES
from config.settings import load_settings
from sandbox.simulator import auth as simulator_auth

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SCHEMA = ROOT / "tests" / "fixtures" / "compose-spec.json"
SCHEMA_SOURCE = ROOT / "tests" / "fixtures" / "compose-spec.md"
OUR_IMAGE = "sync-worker:latest"
PRODUCTION_PACKAGES = ("sync_worker", "config", "tasks", "sandbox")
# Variables a third-party image reads, as its documentation names them.
THIRD_PARTY_VARIABLES = {"postgres:15": {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD"}}
FLOWER_PREFIX = "FLOWER_"
ASSIGNMENT = re.compile(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us)")
DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}


# --- reading the files -------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def env_example(*, commented: bool = True) -> dict[str, str]:
    """NAME → value, in file order; `commented` includes the `# NAME=value` lines a person
    uncomments (the demo block), later ones winning as in docker compose."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if (match := ASSIGNMENT.match(line)) and (commented or not line.startswith("#")):
            values[match[1]] = match[2]
    return values


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def duration_seconds(text: str) -> float:
    """A Compose duration ("210s", "3m30s") in seconds."""
    parts = DURATION_PART.findall(text)
    assert parts and "".join(n + u for n, u in parts) == text, f"not a duration: {text!r}"
    return sum(float(number) * DURATION_UNITS[unit] for number, unit in parts)


def interpolated(text: str) -> str:
    """What Compose hands the container for a value without variables: `$$` is a `$`."""
    assert not INTERPOLATION.search(text), text
    return text.replace("$$", "$")


def ours(service: dict[str, Any]) -> bool:
    return service.get("image") == OUR_IMAGE


def one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def running(subcommand: str) -> dict[str, dict[str, Any]]:
    """The services that run `sync-worker SUBCOMMAND`."""
    return {
        name: service
        for name, service in services().items()
        if service.get("command", [])[:2] == ["sync-worker", subcommand]
    }


def workers() -> dict[str, dict[str, Any]]:
    return running("worker")


def option(command: list[str], name: str) -> str:
    """The value of `name` in a command, given as `name value` or `name=value`."""
    for index, word in enumerate(command):
        if word == name:
            return command[index + 1]
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
    raise AssertionError(f"{name} is not in {command}")


# --- what the code reads -----------------------------------------------------------------


class RecordingEnviron(dict):
    """os.environ that remembers every name asked for."""

    def __init__(self, values: dict[str, str]):
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


def variables_the_settings_read() -> set[str]:
    """Every name the settings ask the environment for, read from an empty one."""
    recording = RecordingEnviron({})
    with mock.patch.object(os, "environ", recording):
        load_settings()
    return recording.asked


def variables_read_directly() -> set[str]:
    """Literal names in os.environ[...], os.environ.get(...), os.getenv(...) in the code."""
    names = set()
    for package in PRODUCTION_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names.update(_literal_environ_reads(node))
    return names


def _literal_environ_reads(node: ast.AST) -> set[str]:
    def is_environ(expr: ast.AST) -> bool:
        return isinstance(expr, ast.Attribute) and expr.attr == "environ"

    key = None
    if isinstance(node, ast.Subscript) and is_environ(node.value):
        key = node.slice
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        func = node.func
        if (func.attr in {"get", "setdefault", "pop"} and is_environ(func.value)) or (
            func.attr == "getenv"
        ):
            key = node.args[0]
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return {key.value}
    return set()


@pytest.fixture(scope="module")
def read_by_code() -> set[str]:
    return variables_the_settings_read() | variables_read_directly()


def read_by_flower(name: str) -> bool:
    return name.startswith(FLOWER_PREFIX) and name.removeprefix(FLOWER_PREFIX).lower() in (
        flower_options
    )


# --- the Compose Specification -------------------------------------------------------------


def tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    assert path.exists(), f"{name} is missing: install the test extras (pip install -e '.[test]')"
    return str(path)


def test_the_compose_file_passes_the_compose_specification():
    result = subprocess.run(
        [tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_specification_check_refuses_a_misspelt_service(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("healthcheck:", "healthchek:", 1))
    result = subprocess.run(
        [tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(broken)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1
    assert "healthchek" in result.stdout + result.stderr


def test_the_vendored_schema_is_the_one_its_source_note_records():
    recorded = re.search(r"sha256: `([0-9a-f]{64})`", SCHEMA_SOURCE.read_text())[1]
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == recorded


# --- services ------------------------------------------------------------------------------


def test_every_service_has_an_image_and_ours_is_built_from_this_directory():
    for name, service in services().items():
        assert service.get("image"), name
        if ours(service):
            assert service.get("build") == ".", name
    assert (ROOT / "Dockerfile").is_file()


def _console_scripts() -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    lines = parser["options.entry_points"]["console_scripts"].strip().splitlines()
    return dict(line.replace(" ", "").split("=", 1) for line in lines)


def _click_command(target: str) -> click.Command:
    """The click command behind a console script (`sync-worker`'s `main` wraps `cli`)."""
    module_name, attr = target.split(":")
    module = importlib.import_module(module_name)
    entry = getattr(module, attr)
    return entry if isinstance(entry, click.Command) else module.cli


def _parse(command: click.Command, args: list[str], parent: click.Context | None = None):
    """Parse `args` as `command` would, down to the leaf command, without running it."""
    if isinstance(command, click.Group):
        context = click.Context(command, info_name=command.name, parent=parent)
        sub = command.get_command(context, args[0])
        assert sub is not None, f"no command {args[0]!r}"
        return _parse(sub, args[1:], context)
    return command.make_context(command.name, list(args), parent=parent)


def _gunicorn_application(args: list[str]):
    """The WSGI application gunicorn would serve with `args`, parsed as gunicorn does."""
    from gunicorn.config import Config
    from gunicorn.util import import_app

    parsed = Config().parser().parse_args(args)
    [target] = parsed.args
    return import_app(target)


def test_every_command_of_our_image_is_one_the_code_accepts():
    scripts = _console_scripts()
    for name, service in services().items():
        if not ours(service):
            continue
        program, *args = service["command"]
        if program in scripts:
            _parse(_click_command(scripts[program]), args)
        elif program == "gunicorn":
            assert callable(_gunicorn_application(args)), name
        else:
            assert program == "python" and args[0] == "-m", name
            assert args[1] == flower_launcher.__name__, name
            celery_args = flower_launcher.flower_argv(
                args[2:], {flower_launcher.AUTH_VARIABLE: "user:password"}
            )
            for flower_arg in celery_args[celery_args.index("flower") + 1 :]:
                assert flower_arg.lstrip("-").split("=")[0] in flower_options, flower_arg


def test_every_running_service_has_a_health_check_and_restarts():
    for name, service in services().items():
        if one_shot(service):
            continue
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
        assert service.get("restart") in {"unless-stopped", "always"}, name


def test_a_one_shot_is_waited_for_until_it_succeeded():
    one_shots = {name for name, service in services().items() if one_shot(service)}
    assert one_shots == {"migrate"}
    assert services()["migrate"]["command"] == ["sync-worker", "db", "upgrade"]
    for name, service in services().items():
        if ours(service) and not one_shot(service) and "profiles" not in service:
            assert service["depends_on"]["migrate"] == {
                "condition": "service_completed_successfully"
            }, name
    assert services()["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_one_worker_per_queue_each_pinged_by_its_own_node_name():
    consumed = []
    for name, service in workers().items():
        command = service["command"]
        queue = option(command, "--queues")
        consumed.append(queue)
        # Celery's %h is the container's host name, which the shell has in $HOSTNAME.
        node = option(command, "--hostname").replace("%h", "$HOSTNAME")
        assert node.startswith(f"{queue}@"), name
        kind, shell = service["healthcheck"]["test"]
        assert kind == "CMD-SHELL", name
        ping = shlex.split(interpolated(shell))
        assert ping[:5] == ["celery", "-A", "sync_worker.app", "inspect", "ping"], name
        assert option(ping, "--destination") == node, name
    assert sorted(consumed) == sorted(QUEUES)


def test_a_stopped_worker_outlasts_the_task_time_limit(monkeypatch):
    for variable in ("SYNC_TASK_TIME_LIMIT", "SYNC_TASK_SOFT_TIME_LIMIT"):
        monkeypatch.delenv(variable, raising=False)
    limit = load_settings().task_time_limit_seconds
    assert int(env_example()["SYNC_TASK_TIME_LIMIT"]) == limit
    for name, service in workers().items():
        assert duration_seconds(service["stop_grace_period"]) > limit, name


def test_exactly_one_beat_whose_health_is_its_schedule_file():
    beats = running("beat")
    assert list(beats) == ["beat"]
    beat = beats["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    schedule = option(beat["command"], "--schedule-file")
    directory = str(Path(schedule).parent)
    assert any(volume.endswith(f":{directory}") for volume in beat["volumes"])
    assert f"{schedule}*" in beat["healthcheck"]["test"][-1]


def test_redis_keeps_the_broker_across_a_restart():
    redis = services()["redis"]
    assert redis["command"][:3] == ["redis-server", "--appendonly", "yes"]
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_postgres_keeps_its_data_behind_the_password_from_env():
    postgres = services()["postgres"]
    env = environment(postgres)
    assert "POSTGRES_HOST_AUTH_METHOD" not in env
    assert env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    url = environment(services()["migrate"])["SYNC_DATABASE_URL"]
    assert url.startswith(
        f"postgresql://{env['POSTGRES_USER']}:${{POSTGRES_PASSWORD:?"
    ) and url.endswith(f"@postgres:5432/{env['POSTGRES_DB']}")


def test_flower_takes_its_login_from_env_and_is_published_on_loopback_only():
    flower = services()["flower"]
    command = " ".join(flower["command"])
    assert "basic" not in command.replace("_", "-").lower()
    assert environment(flower)["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")
    port = option(flower["command"], "--port")
    assert flower["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert f"http://127.0.0.1:{port}/healthcheck" in flower["healthcheck"]["test"][-1]
    assert "FLOWER_BASIC_AUTH" in flower["healthcheck"]["test"][-1]


def test_the_http_door_runs_under_gunicorn_checked_on_the_port_it_binds():
    api = services()["api"]
    command = api["command"]
    assert command[:2] == ["gunicorn", "sync_worker.api.wsgi:application"]
    port = option(command, "--bind").rsplit(":", 1)[1]
    assert api["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert f"http://127.0.0.1:{port}/v1/openapi.json" in api["healthcheck"]["test"][-1]


def test_no_port_is_published_beyond_the_host_itself():
    for name, service in services().items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_the_demo_profile_adds_the_simulator_and_a_mail_catcher_only():
    profiled = {name: s["profiles"] for name, s in services().items() if "profiles" in s}
    assert profiled == {"simulator": ["demo"], "mailcatcher": ["demo"]}
    simulator = services()["simulator"]["command"]
    port = option(simulator, "--port")
    assert option(simulator, "--host") == "0.0.0.0"  # noqa: S104 (inside its container)
    assert (
        f"http://127.0.0.1:{port}/_admin/health"
        in services()["simulator"]["healthcheck"]["test"][-1]
    )

    demo = env_example()
    assert demo["POGO_API_BASE_URL"] == f"http://simulator:{port}/v2"
    assert demo["POGO_TOKEN_URL"] == f"http://simulator:{port}/OAuth/Token"
    assert demo["POGO_APPLICATION_KEY"] == simulator_auth.DEFAULT_APPLICATION_KEY
    assert demo["POGO_SUBSCRIPTION_KEY"] == simulator_auth.DEFAULT_SUBSCRIPTION_KEY
    assert (demo["SMTP_HOST"], demo["SMTP_PORT"]) == ("mailcatcher", "1025")


# --- variables -------------------------------------------------------------------------------


def test_every_variable_a_service_sets_is_one_its_image_reads(read_by_code):
    for name, service in services().items():
        for variable in environment(service):
            if ours(service):
                assert variable in read_by_code or read_by_flower(variable), (name, variable)
            else:
                assert variable in THIRD_PARTY_VARIABLES.get(service["image"], set()), (
                    name,
                    variable,
                )


def test_every_variable_in_env_example_is_read_by_the_code_flower_or_compose(read_by_code):
    interpolated = set(INTERPOLATION.findall(COMPOSE.read_text()))
    for variable in env_example():
        assert variable in read_by_code or read_by_flower(variable) or variable in interpolated, (
            variable
        )


def test_compose_interpolates_only_what_env_example_offers():
    assert set(INTERPOLATION.findall(COMPOSE.read_text())) <= set(env_example(commented=False))


def test_env_example_lists_every_setting_with_its_default(monkeypatch):
    settings_read = variables_the_settings_read()
    listed = env_example(commented=False)
    assert settings_read <= set(listed), sorted(settings_read - set(listed))

    for variable in settings_read:
        monkeypatch.delenv(variable, raising=False)
    defaults = load_settings()
    for variable in settings_read:
        monkeypatch.setenv(variable, listed[variable])
    assert load_settings() == defaults


def test_env_example_puts_comments_on_their_own_lines():
    # An inline "# …" after a value becomes part of it for some readers of env files.
    for line in ENV_EXAMPLE.read_text().splitlines():
        if ASSIGNMENT.match(line) and not line.startswith("#"):
            assert "#" not in line, line


def test_the_recorded_reads_are_the_settings_own():
    # Without this, an empty recording would make every check above pass.
    assert {"SYNC_DATABASE_URL", "SYNC_TASK_TIME_LIMIT", "SMTP_HOST"} <= (
        variables_the_settings_read()
    )
    assert "SYNC_DATABASE_URL" not in variables_read_directly()


def test_the_readme_walks_through_this_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    steps = [line.split("#")[0].strip() for line in section.splitlines()]
    assert steps.index("cp .env.example .env") < steps.index("docker compose up -d --build")
    for name, service in workers().items():
        grace = int(duration_seconds(service["stop_grace_period"]))
        assert f"`stop_grace_period` ({grace} s)" in section, name
    for variable in ("POSTGRES_PASSWORD", "FLOWER_BASIC_AUTH", "SYNC_SECRET_KEY"):
        assert variable in section
