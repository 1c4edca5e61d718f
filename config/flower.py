"""Flower as sync-worker runs it: `python -m config.flower [Flower's options]`.

Flower 2 listens on every interface unless told, serves `/metrics`, `/healthcheck` and its
"not found" page to anyone even with basic auth on, and takes `--basic-auth` on the command
line, where `ps` shows it to every user of the machine. Here the credentials come from the
environment (`FLOWER_BASIC_AUTH=user:password`, which Flower reads itself) and are
required, every page asks for them (an unknown path too: 401, then 404), and Flower
listens on 127.0.0.1 unless `FLOWER_ADDRESS` or `--address` says otherwise. Flower can
revoke tasks and shut workers down: it is never left open.
"""

from __future__ import annotations

import os
import sys

from celery.bin.celery import celery
from flower.views import error, monitor
from tornado.web import authenticated

AUTH_VARIABLE = "FLOWER_BASIC_AUTH"
ADDRESS_VARIABLE = "FLOWER_ADDRESS"
DEFAULT_ADDRESS = "127.0.0.1"
# The pages Flower leaves without authentication: a path it does not know (and `/login`,
# with no OAuth set up) answers 404 to anyone, telling what exists.
OPEN_PAGES = (monitor.Metrics, monitor.Healthcheck, error.NotFoundErrorHandler)


class FlowerConfigError(Exception):
    """Flower would start open or with its password on the command line."""


def protect_every_page() -> None:
    """Put Flower's own open pages behind the basic auth its other pages ask for."""
    for page in OPEN_PAGES:
        for method in ("get", "post"):
            answer = page.__dict__.get(method)
            if answer is not None and not hasattr(answer, "__wrapped__"):
                setattr(page, method, authenticated(answer))


def flower_argv(argv: list[str], environ: dict[str, str]) -> list[str]:
    """`celery` arguments that start Flower on this app; refuses an unsafe start."""
    if any(arg.lstrip("-").replace("_", "-").startswith("basic-auth") for arg in argv):
        raise FlowerConfigError(
            f"pass the credentials in {AUTH_VARIABLE}, not on the command line (ps shows it)"
        )
    if not environ.get(AUTH_VARIABLE, "").strip():
        raise FlowerConfigError(f"set {AUTH_VARIABLE}=user:password (comma-separate several)")
    return ["-A", "sync_worker.app", "flower", *argv]


def main(argv: list[str] | None = None) -> None:
    """Start Flower; a refused start ends in one line and exit status 2."""
    try:
        celery_args = flower_argv(sys.argv[1:] if argv is None else argv, dict(os.environ))
    except FlowerConfigError as exc:
        sys.stderr.write(f"sync-worker flower: {exc}\n")
        raise SystemExit(2) from None
    os.environ.setdefault(ADDRESS_VARIABLE, DEFAULT_ADDRESS)
    protect_every_page()
    celery.main(args=celery_args, prog_name="celery", auto_envvar_prefix="CELERY")


if __name__ == "__main__":
    main()
