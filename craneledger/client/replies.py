"""The shapes of API replies: lists, operations and queued (202) replies."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from craneledger.client.client import CraneLedger

TERMINAL_STATUSES = frozenset({"completed", "failed", "canceled"})

_OPERATION_LOCATION = re.compile(r"/organizations/(?P<org_id>[^/]+)/operations/")


class ListPage(TypedDict):
    """One page of a list: `{"object": "list", "data", "has_more", ...}`."""

    object: str
    data: list[dict[str, Any]]
    has_more: bool
    total_count: int


class Operation(TypedDict, total=False):
    """A queued write as `GET .../operations/{request_id}` returns it.

    `result` is the object on `completed`, `error` an error envelope on
    `failed`, and `metadata` may carry `progress` (`rows_done`, `rows_total`).
    """

    id: str
    object: str
    request_id: str
    organization_id: str
    resource: str
    action: str
    target_id: str
    status: str
    attempts: int
    next_attempt_at: str | None
    credit_cost: int
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str
    started_at: str | None
    finished_at: str | None
    duration_ms: int | None


ProgressCallback = Callable[[Operation], None]


@dataclass
class QueuedReply:
    """A `202 Accepted` reply: the write was queued as an operation.

    `retry_after` is the `Retry-After` header in seconds, `location` the path
    of the operation and `raw` the whole body. `replayed` is True when the
    server returned the stored first reply for a reused Idempotency-Key.
    `wait()` needs the client that made the request, which the resources set.
    """

    request_id: str
    status: str
    estimated_completion: str | None
    credit_cost: int | None
    location: str | None
    retry_after: float | None
    raw: dict[str, Any]
    replayed: bool = False
    organization_id: str | None = None
    client: CraneLedger | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_body(
        cls,
        body: dict[str, Any],
        *,
        location: str | None,
        retry_after: float | None,
        replayed: bool,
        organization_id: str | None,
        client: CraneLedger | None,
    ) -> QueuedReply:
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        if organization_id is None and location:
            match = _OPERATION_LOCATION.search(location)
            organization_id = match.group("org_id") if match else None
        return cls(
            request_id=str(body.get("request_id", "")),
            status=str(body.get("status", "queued")),
            estimated_completion=data.get("estimated_completion"),
            credit_cost=body.get("credit_cost"),
            location=location,
            retry_after=retry_after,
            raw=body,
            replayed=replayed,
            organization_id=organization_id,
            client=client,
        )

    def wait(
        self,
        timeout: float | None = 60,
        on_progress: ProgressCallback | None = None,
    ) -> Operation:
        """Wait for the operation to finish; see `CraneLedger.wait`."""
        if self.client is None:
            raise RuntimeError(
                "This QueuedReply has no client; call CraneLedger.wait(reply) instead."
            )
        return self.client.wait(self, timeout=timeout, on_progress=on_progress)
