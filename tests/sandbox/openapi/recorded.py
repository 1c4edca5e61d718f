"""Requests recorded by `responses`, checked against PowerOffice Go's v2 OpenAPI.

The `rsps` fixture of the client's unit tests runs `recorded_problems` at teardown, so that
every request a unit test makes is one the spec allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qs, unquote, urlsplit

from requests import PreparedRequest

from sandbox.openapi import validate_request


def request_problems(request: PreparedRequest, base_url: str) -> list[str]:
    """The spec's objections to one request, or [] when it is not under `base_url` (the
    token endpoint, another service)."""
    url, base = urlsplit(request.url or ""), urlsplit(base_url)
    base_path = base.path.rstrip("/")
    if url.netloc != base.netloc or not url.path.startswith(base_path + "/"):
        return []
    path = unquote(url.path[len(base_path) :])
    query = parse_qs(url.query, keep_blank_values=True)
    content_type = request.headers.get("Content-Type")
    return validate_request(request.method or "", path, query, request.body, content_type)


def recorded_problems(requests: Iterable[PreparedRequest], base_url: str) -> list[str]:
    """Every problem of every request, each line naming its request."""
    return [
        f"{request.method} {request.url}: {problem}"
        for request in requests
        for problem in request_problems(request, base_url)
    ]
