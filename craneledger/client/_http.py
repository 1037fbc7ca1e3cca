"""The HTTP layer: authentication, JSON encoding, retries and error mapping."""

from __future__ import annotations

import datetime
import json
import logging
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests

from craneledger import __version__
from craneledger.client.errors import (
    ApiConnectionError,
    InvalidResponseError,
    error_from_envelope,
    parse_retry_after,
)

logger = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})

# Backoff between retries when the response gives no Retry-After: the n-th
# retry (from 0) waits a random time between half and all of
# min(BACKOFF_MAX, BACKOFF_BASE * 2**n) seconds.
BACKOFF_BASE = 0.5
BACKOFF_MAX = 8.0
# A Retry-After longer than this ends the retries at once, so that a call
# does not hang for minutes. The caller gets the error and can decide.
MAX_RETRY_AFTER = 60.0
# The server accepts Idempotency-Key values of 1 to 255 characters.
MAX_IDEMPOTENCY_KEY_LENGTH = 255


@dataclass(frozen=True)
class HttpReply:
    """A successful response: status, headers and the parsed JSON body."""

    status: int
    headers: Mapping[str, str]
    body: Any
    request_id: str | None

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("Retry-After"))

    @property
    def replayed(self) -> bool:
        """Whether the server replayed the first reply to this Idempotency-Key."""
        return self.headers.get("Idempotent-Replayed", "").lower() == "true"


def path_of(*segments: str) -> str:
    """Join path segments, escaping each one, into `/a/b/c`."""
    return "".join("/" + quote(str(segment), safe="") for segment in segments)


def encode_json(value: Any) -> Any:
    """Convert the values `json` cannot encode: decimals, dates, UUIDs.

    A Decimal is sent as a string, the form in which the API writes amounts,
    so every digit arrives.
    """
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"Cannot send a {type(value).__name__} as JSON: {value!r}")


def query_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Drop None values and write booleans and dates as the API reads them."""
    query: dict[str, str] = {}
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, datetime.date | datetime.datetime):
            query[name] = value.isoformat()
        else:
            query[name] = str(value)
    return query


def checked_idempotency_key(key: str | None) -> str:
    """Return the caller's key if the server would accept it, or a new UUID4."""
    if key is None:
        return str(uuid.uuid4())
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(
            f"idempotency_key must have 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} "
            f"non-blank characters; got {len(key)} characters."
        )
    return key


def backoff_delay(retry: int) -> float:
    """Return the jittered exponential delay before retry number `retry`."""
    ceiling = min(BACKOFF_MAX, BACKOFF_BASE * 2**retry)
    return random.uniform(ceiling / 2, ceiling)


class HttpClient:
    """Send requests to one API with one key, retrying transient failures.

    Retried: connection errors and timeouts, and the statuses 429, 502, 503
    and 504, up to `max_retries` times. Any other error status is raised at
    once as the matching `ApiError`.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: float,
        max_retries: int,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.session = session or requests.Session()
        self._owns_session = session is None
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": f"craneledger-python/{__version__}",
        }

    def close(self) -> None:
        """Close the session and its idle connections, unless the caller owns it.

        NOTE: with urllib3 2.8.0, `Session.close()` drops the connection pools
        without closing their idle keep-alive sockets (its PoolManager has no
        dispose function), so the pools are closed here one by one.
        """
        if not self._owns_session:
            return
        pools: list[Any] = []
        for adapter in self.session.adapters.values():
            managers = [getattr(adapter, "poolmanager", None)]
            managers += list(getattr(adapter, "proxy_manager", {}).values())
            for manager in managers:
                if manager is not None:
                    pools += [manager.pools[key] for key in manager.pools.keys()]
        self.session.close()
        for pool in pools:
            pool.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
    ) -> HttpReply:
        """Send one logical request with retries, and raise on an error status.

        A write (POST, PUT, PATCH, DELETE) carries an `Idempotency-Key`
        header: `idempotency_key`, or a new UUID4, the same on every retry.
        The body is encoded once, so every retry sends the same bytes and the
        server can replay the first reply instead of applying the write again.
        """
        method = method.upper()
        url = self.base_url + path
        headers = dict(self._headers)
        if method in WRITE_METHODS:
            headers["Idempotency-Key"] = checked_idempotency_key(idempotency_key)
        data = content
        if json_body is not None:
            data = json.dumps(json_body, default=encode_json).encode()
            content_type = "application/json"
        if content_type is not None:
            headers["Content-Type"] = content_type

        retry = 0
        while True:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=query_params(params),
                    data=data,
                    headers=headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                if not self._may_retry_exception(exc, retry):
                    raise ApiConnectionError(
                        f"{method} {url} failed with no response after {retry} "
                        f"retries: {exc}. Check that the API runs at base_url."
                    ) from exc
                delay = backoff_delay(retry)
                logger.warning(
                    "Retrying %s %s in %.2f s (retry %d of %d) after %s",
                    method,
                    path,
                    delay,
                    retry + 1,
                    self.max_retries,
                    type(exc).__name__,
                )
            else:
                if response.status_code not in RETRY_STATUSES:
                    return self._reply(response)
                delay = self._retry_delay(response, retry)
                if delay is None:
                    return self._reply(response)
                logger.warning(
                    "Retrying %s %s in %.2f s (retry %d of %d) after HTTP %d, "
                    "request %s",
                    method,
                    path,
                    delay,
                    retry + 1,
                    self.max_retries,
                    response.status_code,
                    response.headers.get("X-Request-Id", "-"),
                )
                response.close()
            time.sleep(delay)
            retry += 1

    def _may_retry_exception(self, exc: requests.RequestException, retry: int) -> bool:
        if retry >= self.max_retries:
            return False
        # A write may have been applied before the connection broke or the
        # read timed out. Its retry carries the same Idempotency-Key, so the
        # server replays the first reply (or returns 409 while it still runs).
        return isinstance(exc, requests.ConnectionError | requests.Timeout)

    def _retry_delay(self, response: requests.Response, retry: int) -> float | None:
        """Return the delay before retrying, or None to stop and raise."""
        if retry >= self.max_retries:
            return None
        delay = parse_retry_after(response.headers.get("Retry-After"))
        if delay is None and response.status_code == 429:
            delay = _retry_after_in_body(response)
        if delay is None:
            return backoff_delay(retry)
        if delay > MAX_RETRY_AFTER:
            return None
        return delay

    def _reply(self, response: requests.Response) -> HttpReply:
        request_id = response.headers.get("X-Request-Id")
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = None
        if response.status_code >= 400:
            raise error_from_envelope(
                body,
                status=response.status_code,
                request_id=request_id,
                headers=response.headers,
                text=response.text if body is None else "",
            )
        if response.content and body is None:
            raise InvalidResponseError(
                f"{response.request.method} {response.url} returned "
                f"{response.status_code} with a body that is not JSON; check "
                "that base_url points at the Crane Ledger API.",
                status=response.status_code,
                request_id=request_id,
            )
        return HttpReply(response.status_code, response.headers, body, request_id)


def _retry_after_in_body(response: requests.Response) -> float | None:
    """Read `error.details.retry_after` from a 429 envelope."""
    try:
        details = response.json()["error"]["details"]
        value = details["retry_after"]
    except (ValueError, KeyError, TypeError):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None
