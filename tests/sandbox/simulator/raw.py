"""Raw HTTP against the simulator with `requests`: keys, a token and PascalCase bodies,
and nothing of the project's own client (which these tests must not depend on)."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.simulator import DEFAULT_APPLICATION_KEY, DEFAULT_SUBSCRIPTION_KEY, jsonio

TIMEOUT = 10


def token_response(
    token_url: str,
    client_key: str,
    *,
    application_key: str = DEFAULT_APPLICATION_KEY,
    subscription_key: str | None = DEFAULT_SUBSCRIPTION_KEY,
) -> requests.Response:
    headers = {"Ocp-Apim-Subscription-Key": subscription_key} if subscription_key else {}
    return requests.post(
        token_url,
        data={"grant_type": "client_credentials"},
        auth=(application_key, client_key),
        headers=headers,
        timeout=TIMEOUT,
    )


def data(response: requests.Response) -> Any:
    """The JSON body with amounts as Decimal, as a careful client reads it."""
    return jsonio.loads(response.content)


class Api:
    """One client key's view of the API: `api.get("/Customers")` and so on."""

    def __init__(self, base_url: str, token_url: str, client_key: str) -> None:
        self.base_url = base_url
        self.token_url = token_url
        self.client_key = client_key
        self.token = self.new_token()

    def new_token(self) -> str:
        response = token_response(self.token_url, self.client_key)
        response.raise_for_status()
        return response.json()["access_token"]

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Ocp-Apim-Subscription-Key": DEFAULT_SUBSCRIPTION_KEY,
            "Authorization": f"Bearer {self.token}",
            **extra,
        }

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(
            self.base_url + path, params=params, headers=self.headers(), timeout=TIMEOUT
        )

    def post(self, path: str, body: Any) -> requests.Response:
        return requests.post(
            self.base_url + path,
            data=jsonio.dumps(body).encode("utf-8"),
            headers=self.headers(**{"Content-Type": "application/json"}),
            timeout=TIMEOUT,
        )

    def patch(self, path: str, operations: Any) -> requests.Response:
        return requests.patch(
            self.base_url + path,
            data=jsonio.dumps(operations).encode("utf-8"),
            headers=self.headers(**{"Content-Type": "application/json-patch+json"}),
            timeout=TIMEOUT,
        )

    def upload(
        self, voucher_id: str, content: bytes, filename: str = "bilag.pdf"
    ) -> requests.Response:
        return requests.put(
            self.base_url + "/VoucherDocumentation",
            params={"id": voucher_id},
            files={"file": (filename, content, "application/pdf")},
            headers=self.headers(),
            timeout=TIMEOUT,
        )
