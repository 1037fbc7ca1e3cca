"""The client object: configuration, the resources and `wait`."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import requests

from craneledger.client._http import HttpClient
from craneledger.client.imports import Imports
from craneledger.client.operations import Operations
from craneledger.client.replies import Operation, ProgressCallback, QueuedReply
from craneledger.client.resources import (
    Accounts,
    ApiKeys,
    Categories,
    Contacts,
    Credits,
    Currencies,
    ExchangeRates,
    Organizations,
    Reports,
    Transactions,
    Transfers,
)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class CraneLedger:
    """A client of one Crane Ledger API, authenticated with one API key.

    `timeout` is the limit in seconds for each HTTP request, and
    `max_retries` how often a request is retried after a connection error or
    a 429, 502, 503 or 504 response. Pass `session` to share a
    `requests.Session`, for example one with proxies or custom certificates.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30,
        max_retries: int = 3,
        *,
        session: requests.Session | None = None,
    ) -> None:
        if not api_key:
            raise ValueError(
                "api_key is empty; pass a key such as 'cl_live_...' or 'cl_test_...'."
            )
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}.")
        self.base_url = base_url.rstrip("/")
        self._http = HttpClient(
            api_key,
            self.base_url,
            timeout=timeout,
            max_retries=max_retries,
            session=session,
        )
        self.organizations = Organizations(self)
        self.accounts = Accounts(self)
        self.transactions = Transactions(self)
        self.contacts = Contacts(self)
        self.categories = Categories(self)
        self.transfers = Transfers(self)
        self.currencies = Currencies(self)
        self.exchange_rates = ExchangeRates(self)
        self.api_keys = ApiKeys(self)
        self.operations = Operations(self)
        self.reports = Reports(self)
        self.credits = Credits(self)
        self.imports = Imports(self)

    def __repr__(self) -> str:
        return f"CraneLedger(base_url={self.base_url!r})"

    def __enter__(self) -> CraneLedger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the client's HTTP connections; a `session` passed in stays open."""
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        org_id: str | None = None,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send a request to any path of the API, such as `/system`.

        The body is `json_body` encoded as JSON, or `content` sent as
        `content_type`. Returns the parsed JSON body, None for an empty body
        (`204`), or a QueuedReply for `202`. `org_id` is the organization that
        a queued reply's operation belongs to, in case its Location is absent.
        """
        reply = self._http.send(
            method,
            path,
            params=params,
            json_body=json_body,
            content=content,
            content_type=content_type,
            idempotency_key=idempotency_key,
        )
        if reply.status == 202 and isinstance(reply.body, dict):
            return QueuedReply.from_body(
                reply.body,
                location=reply.headers.get("Location"),
                retry_after=reply.retry_after,
                replayed=reply.replayed,
                organization_id=org_id,
                client=self,
            )
        return reply.body

    def wait(
        self,
        reply_or_request_id: QueuedReply | str,
        org_id: str | None = None,
        timeout: float | None = 60,
        on_progress: ProgressCallback | None = None,
    ) -> Operation:
        """Wait for a queued operation to finish and return it when completed.

        Polls `GET /organizations/{org_id}/operations/{request_id}`, or
        `GET /operations/{request_id}` when no organization is known. Between
        polls it sleeps for the `Retry-After` header, clamped to 0.2 to 5 s.
        `on_progress(operation)` runs after every poll.

        Raises `OperationFailed` (with the operation's error envelope),
        `OperationCanceled`, or `WaitTimeout` after `timeout` seconds (None
        waits without limit).
        """
        if isinstance(reply_or_request_id, QueuedReply):
            request_id = reply_or_request_id.request_id
            org_id = org_id or reply_or_request_id.organization_id
        else:
            request_id = reply_or_request_id
        return self.operations.wait(
            org_id, request_id, timeout=timeout, on_progress=on_progress
        )
