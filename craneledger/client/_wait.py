"""Poll a queued operation until it finishes."""

from __future__ import annotations

import logging
import time
from typing import cast

from craneledger.client._http import HttpClient, path_of
from craneledger.client.errors import OperationCanceled, OperationFailed, WaitTimeout
from craneledger.client.replies import Operation, ProgressCallback

logger = logging.getLogger(__name__)

# Bounds of the pause between two polls, in seconds. The server's
# Retry-After is used within them, and DEFAULT_POLL_INTERVAL when it is absent.
MIN_POLL_INTERVAL = 0.2
MAX_POLL_INTERVAL = 5.0
DEFAULT_POLL_INTERVAL = 1.0


def operation_path(request_id: str, org_id: str | None) -> str:
    if org_id:
        return path_of("organizations", org_id, "operations", request_id)
    return path_of("operations", request_id)


def wait_for_operation(
    http: HttpClient,
    request_id: str,
    *,
    org_id: str | None,
    timeout: float | None,
    on_progress: ProgressCallback | None,
) -> Operation:
    """Poll an operation until it is completed, failed or canceled.

    Returns the operation when it completed. Raises `OperationFailed`,
    `OperationCanceled`, or `WaitTimeout` once `timeout` seconds have passed
    (None waits without limit). `on_progress` gets the operation after every
    poll, the last one included.
    """
    path = operation_path(request_id, org_id)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        reply = http.send("GET", path)
        operation = cast(Operation, reply.body)
        if on_progress is not None:
            on_progress(operation)

        status = operation.get("status")
        if status == "completed":
            return operation
        if status == "failed":
            raise OperationFailed(dict(operation))
        if status == "canceled":
            raise OperationCanceled(dict(operation))

        interval = reply.retry_after
        if interval is None:
            interval = DEFAULT_POLL_INTERVAL
        interval = min(MAX_POLL_INTERVAL, max(MIN_POLL_INTERVAL, interval))
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(dict(operation), cast(float, timeout))
            interval = min(interval, remaining)
        logger.debug(
            "Operation %s is %s; polling again in %.2f s", request_id, status, interval
        )
        time.sleep(interval)
