"""`/organizations/{org_id}/operations`: follow, list and cancel queued writes."""

from __future__ import annotations

from typing import cast

from craneledger.client._base import Listable
from craneledger.client._wait import operation_path, wait_for_operation
from craneledger.client.replies import Operation, ProgressCallback


class Operations(Listable):
    """Queued writes of an organization.

    `list` takes the filters `status`, `resource`, `action`,
    `created_at_after` and `created_at_before`.
    """

    segment = "operations"

    def get(self, org_id: str | None, request_id: str) -> Operation:
        """Return an operation; with no `org_id`, use `GET /operations/{id}`."""
        return cast(Operation, self._get(operation_path(request_id, org_id)))

    def cancel(
        self, org_id: str, request_id: str, *, idempotency_key: str | None = None
    ) -> Operation:
        """Cancel a queued operation and return it, now `canceled`.

        Raises `ConflictError` once a worker has started it.
        """
        path = self._path(org_id, request_id)
        return cast(
            Operation,
            self._write("DELETE", path, org_id, idempotency_key=idempotency_key),
        )

    def wait(
        self,
        org_id: str | None,
        request_id: str,
        timeout: float | None = 60,
        on_progress: ProgressCallback | None = None,
    ) -> Operation:
        """Poll until the operation finishes; see `CraneLedger.wait`."""
        return wait_for_operation(
            self._client._http,
            request_id,
            org_id=org_id,
            timeout=timeout,
            on_progress=on_progress,
        )
