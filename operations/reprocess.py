"""Re-run failed or stuck operations on an operator's request.

A failed operation goes back to `queued` with its attempts reset. A
`processing` one is taken back only once its lease has expired, because a
live worker holds it until then. A `queued` one is enqueued again. A
re-run is not charged again: the failure already refunded it, and the
credit log records one charge and at most one refund per request.
"""

import logging
from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from operations.dispatch import enqueue
from operations.models import OperationState, OperationStatus

logger = logging.getLogger(__name__)

SKIPPED_LIVE = "skipped: a worker holds it"
SKIPPED_DONE = "skipped: completed or canceled"
REQUEUED = "re-queued"


def reprocess_one(operation_id: str) -> str:
    """Put one operation back in the queue; return what happened to it."""
    now = timezone.now()
    with transaction.atomic():
        row = OperationStatus.objects.select_for_update().get(pk=operation_id)
        if row.status in (OperationState.COMPLETED, OperationState.CANCELED):
            return SKIPPED_DONE
        live_lease = row.lease_until is not None and row.lease_until > now
        if row.status == OperationState.PROCESSING and live_lease:
            return SKIPPED_LIVE
        if row.status == OperationState.FAILED:
            row.attempts = 0
            row.finished_at = None
            row.duration_ms = None
        row.status = OperationState.QUEUED
        row.lease_until = None
        row.next_attempt_at = now
        row.save()
        enqueue(row.id)
    logger.info(
        "Re-queued operation %s by operator request",
        operation_id,
        extra={"request_id": operation_id},
    )
    return REQUEUED


def reprocess(operation_ids: Iterable[str]) -> Counter:
    return Counter(reprocess_one(operation_id) for operation_id in operation_ids)
