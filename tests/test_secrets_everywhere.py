"""No secret anywhere: a full batch runs with known secret values, and every place one
could end up is searched for them.

The secrets: a tenant's PowerOffice Go client key, the application key, the subscription
key, the SMTP password, SYNC_SECRET_KEY (and Flower's login). The places: every line the
commands, the worker and Flower log or print; every row of every table; every Redis key
and value (broker, results, the look-up cache); every e-mail as it went over the wire;
Flower's task and worker lists; and the command line of every process (`ps` shows it to
every user of the machine).

Everything runs as in production, in processes of its own: `sync-worker tenant add` and
`publish`, a Celery worker, `python -m config.flower`; PowerOffice Go's simulator and an
SMTP server that requires a login run here. The batch has its own database and broker
prefix, so what is searched is what this batch wrote.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography.fernet import Fernet

from sandbox.sample_data import SampleCompany
from sandbox.simulator import SimulatorServer
from sync_worker.db import migrate
from tests.conftest import fresh_postgres_database
from tests.services import free_port
from tests.support.worker import ROOT, WorkerProcess, clear_broker, stop_process, wait_until

CLIENT_KEY = f"client-key-{uuid.uuid4().hex}"
APPLICATION_KEY = f"application-key-{uuid.uuid4().hex}"
SUBSCRIPTION_KEY = f"subscription-key-{uuid.uuid4().hex}"
SMTP_USER = "sync-worker"
SMTP_PASSWORD = f"smtp-password-{uuid.uuid4().hex}"
SECRET_KEY = Fernet.generate_key().decode()
FLOWER_PASSWORD = f"flower-{uuid.uuid4().hex}"
SECRETS = {
    "client key": CLIENT_KEY,
    "application key": APPLICATION_KEY,
    "subscription key": SUBSCRIPTION_KEY,
    "SMTP password": SMTP_PASSWORD,
    "SYNC_SECRET_KEY": SECRET_KEY,
    "Flower's password": FLOWER_PASSWORD,
}
TENANT, ERROR_ADDRESS = "acme", "regnskap@acme.test"
# The SMTP server here takes the login in clear text: it runs on the loopback only.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def leaks(where: str, text: str | bytes) -> list[str]:
    """Each secret found in `text`, named with the place it was found."""
    found = []
    for name, secret in SECRETS.items():
        needle = secret.encode() if isinstance(text, bytes) else secret
        if needle in text:
            found.append(f"{name} in {where}")
    return found


@dataclass
class SmtpServer:
    """An SMTP server that takes mail only after a login with SMTP_PASSWORD, and keeps
    every message as it arrived."""

    logins: list[bool] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)

    def authenticate(self, _server, _session, _envelope, _mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == SMTP_USER.encode()
            and auth_data.password == SMTP_PASSWORD.encode()
        )
        self.logins.append(ok)
        return AuthResult(success=ok)

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.raw.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpServer, int]]:
    server, port = SmtpServer(), free_port()
    controller = Controller(
        server,
        hostname="127.0.0.1",
        port=port,
        authenticator=server.authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield server, port
    finally:
        controller.stop()


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(
        application_keys=[APPLICATION_KEY], subscription_keys=[SUBSCRIPTION_KEY]
    ) as server:
        server.admin.create_client(CLIENT_KEY, "Acme Konsulent AS")
        server.admin.seed_client(CLIENT_KEY)
        yield server


@pytest.fixture
def settings(postgres_admin_url, redis_base_url, simulator, smtp) -> Iterator[dict[str, str]]:
    _, smtp_port = smtp
    prefix = f"sync-secrets-{uuid.uuid4().hex[:8]}:"
    with fresh_postgres_database(postgres_admin_url) as url:
        migrate.upgrade(url)
        yield {
            "SYNC_DATABASE_URL": url,
            "SYNC_BROKER_URL": f"{redis_base_url}/13",
            "SYNC_BROKER_KEY_PREFIX": prefix,
            "SYNC_RESULT_BACKEND": f"{redis_base_url}/14",
            "SYNC_REDIS_URL": f"{redis_base_url}/15",
            "SYNC_SECRET_KEY": SECRET_KEY,
            "SYNC_LOG_LEVEL": "DEBUG",
            "POGO_API_BASE_URL": simulator.api_base_url,
            "POGO_TOKEN_URL": simulator.token_url,
            "POGO_APPLICATION_KEY": APPLICATION_KEY,
            "POGO_SUBSCRIPTION_KEY": SUBSCRIPTION_KEY,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_USER": SMTP_USER,
            "SMTP_PASSWORD": SMTP_PASSWORD,
            "SMTP_FROM": "sync-worker@moment.test",
            "SYNC_RETRY_BACKOFF_BASE": "1",
            "SYNC_RETRY_BACKOFF_MAX": "2",
            "SYNC_TRANSFER_MAX_RETRIES": "2",
            "SYNC_WAIT_FIRST_SECONDS": "1",
            "SYNC_WAIT_MAX_SECONDS": "1",
        }
        clear_broker(f"{redis_base_url}/13", prefix)
        clear_broker(f"{redis_base_url}/14", prefix)


@dataclass
class Command:
    """`sync-worker ARGS` in a process of its own, its output kept for the search."""

    environment: dict[str, str]
    outputs: list[str] = field(default_factory=list)
    command_lines: list[str] = field(default_factory=list)

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        argv = [sys.executable, "-m", "sync_worker.cli", *args]
        self.command_lines.append(" ".join(argv))
        result = subprocess.run(
            argv,
            cwd=ROOT,
            env=self.environment,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.outputs.append(f"$ sync-worker {' '.join(args)}\n{result.stdout}{result.stderr}")
        return result


class Flower:
    """`python -m config.flower`, as docker-compose.yml runs it."""

    def __init__(self, environment: dict[str, str], log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.credentials = f"operator:{FLOWER_PASSWORD}"
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "config.flower", f"--port={self.port}"],
                cwd=ROOT,
                env={**environment, "FLOWER_BASIC_AUTH": self.credentials},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def get(self, path: str) -> requests.Response:
        auth = base64.b64encode(self.credentials.encode()).decode()
        return requests.get(self.url + path, headers={"Authorization": f"Basic {auth}"}, timeout=10)

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"Flower exited:\n{self.log_path.read_text()}")
        try:
            return self.get("/healthcheck").status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        stop_process(self.process)


def command_line(pid: int) -> str:
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return raw.replace(b"\0", b" ").decode(errors="replace")


def process_tree(pid: int) -> list[int]:
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [pid, *(grandchild for child in children for grandchild in process_tree(int(child)))]


def every_row(database_url: str) -> Iterator[tuple[str, object]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            for table in sa.inspect(connection).get_table_names():
                query = sa.text(f'select * from "{table}"')  # noqa: S608 (the database's own names)
                for row in connection.execute(query):
                    for value in row:
                        yield table, value
    finally:
        engine.dispose()


def redis_contents(url: str) -> Iterator[tuple[bytes, bytes]]:
    """Every key of the database at `url` with its value, whatever the type."""
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            if kind == b"string":
                values = [client.get(key) or b""]
            elif kind == b"hash":
                values = [b"%s=%s" % item for item in client.hgetall(key).items()]
            elif kind == b"list":
                values = client.lrange(key, 0, -1)
            elif kind == b"set":
                values = list(client.smembers(key))
            elif kind == b"zset":
                values = [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
            else:
                values = []
            yield key, b"\n".join(values)
    finally:
        client.close()


def batch(company: SampleCompany) -> tuple[list[dict], dict]:
    """Customers, projects, invoices, a credit note, and one invoice that fails (no VAT
    code): its e-mail goes through the SMTP login."""
    messages, invoices = [], []
    for _ in range(2):
        customer = company.customer()
        project = company.project(customer)
        invoice = company.invoice(customer, project)
        invoices.append(invoice)
        messages += [
            company.message("customer.changed", customer),
            company.message("project.changed", project),
            company.message("invoice.finalized", invoice),
        ]
    credit = company.invoice(
        invoices[0]["customer"], invoices[0]["project"], credit_for=invoices[0]
    )
    messages.append(company.message("credit_note.finalized", credit))
    failing = company.invoice(invoices[1]["customer"], None)
    failing["lines"][0]["vat_code"] = None
    messages.append(company.message("invoice.finalized", failing))
    return messages, failing


def all_handled(database_url: str, expected: int) -> bool:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            statuses = connection.execute(sa.text("select status from messages")).scalars().all()
    finally:
        engine.dispose()
    return len(statuses) == expected and all(s in ("done", "stale", "failed") for s in statuses)


def test_no_secret_in_any_log_row_redis_value_email_flower_page_or_command_line(
    settings, simulator, smtp, redis_base_url, tmp_path
):
    smtp_server, _ = smtp
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SYNC_", "POGO_", "SMTP_"))},
        **settings,
    }
    run = Command(environment)
    added = run(
        "tenant",
        "add",
        TENANT,
        "--error-email",
        ERROR_ADDRESS,
        "--client-key-stdin",
        stdin=CLIENT_KEY,
    )
    assert added.returncode == 0, added.stderr

    flower = Flower(environment, tmp_path / "flower.log")
    worker = WorkerProcess(settings, concurrency=2, name="secrets", log_path=tmp_path / "w.log")
    try:
        wait_until(flower.answers, timeout=60, what="Flower to answer")
        with worker:
            messages, failing = batch(SampleCompany(TENANT))
            source = tmp_path / "batch.json"
            source.write_text(json.dumps(messages))
            published = run("publish", str(source))
            assert published.returncode == 0, published.stdout + published.stderr
            wait_until(
                lambda: all_handled(settings["SYNC_DATABASE_URL"], len(messages)),
                timeout=120,
                what="every message of the batch handled",
            )
            wait_until(lambda: smtp_server.raw, timeout=60, what="the error e-mail")
            command_lines = [
                command_line(pid)
                for root in (worker.process.pid, flower.process.pid)
                for pid in process_tree(root)
            ]
            tasks = wait_until(
                lambda: (lambda page: page if len(json.loads(page)) >= len(messages) else None)(
                    flower.get("/api/tasks").text
                ),
                timeout=30,
                what="Flower to list the batch's tasks",
            )
            workers = flower.get("/api/workers").text
        run("status", "--tenant", TENANT)
        run("history", "invoice", str(failing["number"]), "--tenant", TENANT)
        run("tenant", "list", "--json")
    finally:
        flower.stop()

    assert smtp_server.logins and all(smtp_server.logins)  # the password was used, and right
    assert any(
        b"Subject:" in raw and str(failing["number"]).encode() in raw for raw in smtp_server.raw
    )
    assert simulator.admin.vouchers(CLIENT_KEY)  # the client key was used for real work

    tables, keys = set(), []
    found = []
    for output in run.outputs:
        found += leaks("a command's output", output)
    found += leaks("the worker's log", worker.log_path.read_text(errors="replace"))
    found += leaks("Flower's log", flower.log_path.read_text(errors="replace"))
    for line in run.command_lines + command_lines:
        found += leaks(f"a command line ({line[:60]}…)", line)
    for table, value in every_row(settings["SYNC_DATABASE_URL"]):
        text = value if isinstance(value, bytes) else str(value)
        found += leaks(f"table {table}", text)
        tables.add(table)
    for number in (13, 14, 15):
        for key, value in redis_contents(f"{redis_base_url}/{number}"):
            found += leaks(f"Redis {number} key {key[:60]!r}", key + b" " + value)
            keys.append(key)
    for raw in smtp_server.raw:
        found += leaks("an e-mail", raw)
    found += leaks("Flower's task list", tasks)
    found += leaks("Flower's worker list", workers)
    assert found == []
    # What was searched held the batch: the search looked where the secrets were used.
    assert {"tenants", "messages", "attempts", "outbox", "error_emails"} <= tables
    assert any(key.startswith(settings["SYNC_BROKER_KEY_PREFIX"].encode()) for key in keys)
    assert "transfer_invoice" in tasks or "invoice" in tasks
