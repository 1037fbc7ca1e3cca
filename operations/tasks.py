"""The worker task: run one queued operation exactly once.

Delivery is at least once (a broker may hand the same message out twice,
and the reaper re-enqueues what looks lost), so the task guards itself:
1. claim: switch the row to `processing` under a lease with a guarded
   update; a row that is terminal, not yet due, or under a live lease is
   left alone, and the task ends;
2. run: in one database transaction, lock the row, check that this claim
   still holds it, apply the handler's ledger writes and mark the row
   `completed`, so the writes and the status commit together or not at all;
3. on an ApiError (a business rule), mark the row `failed` and refund; on a
   transient database error, put the row back to `queued` with a backoff,
   or fail it once the attempts run out.
"""

import datetime
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from craneledger.errors import ApiError
from operations.credits import refund
from operations.models import OperationState, OperationStatus
from operations.registry import registration_for

logger = logging.getLogger(__name__)

# A retry that is due this soon is waited for in the task; a later one is
# left to the reaper.
MAX_WAIT_SECONDS = 30


def run_operation(operation_id: str) -> str:
    """Run an operation if it is due and unclaimed; return its final state."""
    wait = _seconds_until_due(operation_id)
    if wait is not None and 0 < wait <= MAX_WAIT_SECONDS:
        time.sleep(wait)

    claim = claim_operation(operation_id)
    if claim is None:
        return "skipped"
    if claim.attempts > settings.OPERATIONS_MAX_ATTEMPTS:
        fail_operation(claim, _gave_up_error(claim.attempts - 1))
        return OperationState.FAILED

    try:
        return _execute(claim)
    except ApiError as exc:
        fail_operation(claim, business_error(exc))
        return OperationState.FAILED
    except (DatabaseError, IntegrityError) as exc:
        return _retry_or_fail(claim, exc)
    except Exception as exc:
        logger.exception(
            "Operation %s raised an unexpected error",
            claim.id,
            extra={"request_id": claim.id},
        )
        fail_operation(
            claim, server_error(f"The operation failed unexpectedly: {exc}.")
        )
        return OperationState.FAILED


def _seconds_until_due(operation_id: str) -> float | None:
    due = (
        OperationStatus.objects.filter(pk=operation_id, status=OperationState.QUEUED)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if due is None:
        return None
    return (due - timezone.now()).total_seconds()


def claim_operation(operation_id: str) -> OperationStatus | None:
    """Switch a due operation to `processing` under a fresh lease, or return None."""
    now = timezone.now()
    claimable = Q(status=OperationState.QUEUED, next_attempt_at__lte=now) | Q(
        status=OperationState.PROCESSING, lease_until__lt=now
    )
    with transaction.atomic():
        rows = OperationStatus.objects.filter(claimable, pk=operation_id)
        if connection.features.has_select_for_update_skip_locked:
            # A row locked by a worker that is running it is skipped rather
            # than waited for.
            rows = rows.select_for_update(skip_locked=True)
        current = rows.values("status", "attempts").first()
        if current is None:
            return None
        # The guarded update: if another claim changed the row since it was
        # read, nothing matches and this task leaves it alone.
        updated = OperationStatus.objects.filter(
            pk=operation_id, status=current["status"], attempts=current["attempts"]
        ).update(
            status=OperationState.PROCESSING,
            attempts=F("attempts") + 1,
            lease_until=now
            + datetime.timedelta(seconds=settings.OPERATIONS_LEASE_SECONDS),
            started_at=now,
        )
        if not updated:
            return None
    return OperationStatus.objects.get(pk=operation_id)


def _holds_claim(claim: OperationStatus) -> OperationStatus | None:
    """Lock the row and return it if this claim still owns it."""
    row = OperationStatus.objects.select_for_update().get(pk=claim.pk)
    if row.status != OperationState.PROCESSING or row.attempts != claim.attempts:
        return None
    return row


def _execute(claim: OperationStatus) -> str:
    registration = registration_for(claim.resource, claim.action)
    prepared = None
    if registration.prepare is not None:
        prepared = registration.prepare(claim, progress_reporter(claim))

    with transaction.atomic():
        row = _holds_claim(claim)
        if row is None:
            logger.info(
                "Operation %s was taken over; stopping",
                claim.id,
                extra={"request_id": claim.id},
            )
            return "skipped"
        if registration.prepare is None:
            result = registration.handler(row)
        else:
            result = registration.handler(row, prepared)
        progress = row.metadata.get("progress")
        if progress:
            total = progress["rows_total"]
            row.metadata["progress"] = {"rows_done": total, "rows_total": total}
        _finish(row, OperationState.COMPLETED, result=result)
    logger.info("Completed operation %s", claim.id, extra={"request_id": claim.id})
    return OperationState.COMPLETED


def progress_reporter(claim: OperationStatus) -> Callable[[int, int], None]:
    """Return a callback that records `metadata.progress` while a claim holds.

    Each call commits on its own, outside the operation's transaction, so a
    client polling the operation reads the numbers as they change.
    """

    def report(done: int, total: int) -> None:
        progress = {"rows_done": done, "rows_total": total}
        OperationStatus.objects.filter(
            pk=claim.pk, status=OperationState.PROCESSING, attempts=claim.attempts
        ).update(
            metadata={**claim.metadata, "progress": progress},
            updated_at=timezone.now(),
        )

    return report


def _finish(row: OperationStatus, state: str, **fields: Any) -> None:
    now = timezone.now()
    row.status = state
    row.finished_at = now
    row.lease_until = None
    row.duration_ms = int((now - row.created_at).total_seconds() * 1000)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()


def fail_operation(claim: OperationStatus, error: dict[str, Any]) -> bool:
    """Mark an operation failed and refund it, unless its claim was lost."""
    with transaction.atomic():
        row = _holds_claim(claim)
        if row is None:
            return False
        _finish(row, OperationState.FAILED, error=error)
        refund_operation(row)
    logger.warning(
        "Operation %s failed: %s",
        claim.id,
        error["error"]["message"],
        extra={"request_id": claim.id},
    )
    return True


def refund_operation(row: OperationStatus) -> None:
    if not row.credits_charged:
        return
    refund(
        row.credit_pool_id,
        row.organization_id,
        row.credit_cost,
        request_id=row.id,
        resource=row.resource,
        action=row.action,
    )


def _retry_or_fail(claim: OperationStatus, exc: Exception) -> str:
    if claim.attempts >= settings.OPERATIONS_MAX_ATTEMPTS:
        fail_operation(claim, _gave_up_error(claim.attempts, exc))
        return OperationState.FAILED

    delay = backoff_seconds(claim.attempts)
    with transaction.atomic():
        row = _holds_claim(claim)
        if row is None:
            return "skipped"
        row.status = OperationState.QUEUED
        row.lease_until = None
        row.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
        row.error = server_error(f"Attempt {claim.attempts} failed: {exc}")
        row.save()
        from operations.dispatch import enqueue

        enqueue(row.id)
    logger.warning(
        "Operation %s attempt %s failed (%s); retrying in %.1f s",
        claim.id,
        claim.attempts,
        exc,
        delay,
        extra={"request_id": claim.id},
    )
    return OperationState.QUEUED


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: about base * 2^(attempts - 1), capped."""
    base = settings.OPERATIONS_RETRY_BASE_SECONDS
    ceiling = settings.OPERATIONS_RETRY_MAX_SECONDS
    delay = min(ceiling, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.5, 1.5)


def business_error(exc: ApiError) -> dict[str, Any]:
    """Report a rule the operation broke as a business_rule_error."""
    return {
        "error": {
            "type": "business_rule_error",
            "code": exc.code,
            "message": exc.message,
            "details": exc.details,
            "status": 422,
        }
    }


def server_error(message: str) -> dict[str, Any]:
    return {
        "error": {
            "type": "server_error",
            "code": "operation_failed",
            "message": message,
            "details": {},
            "status": 500,
        }
    }


def _gave_up_error(attempts: int, exc: Exception | None = None) -> dict[str, Any]:
    reason = f": {exc}" if exc else ""
    return server_error(f"The operation failed after {attempts} attempts{reason}.")
