"""The reaper: recover operations that a lost message or a dead worker left.

1. A `queued` operation that is due but was enqueued long enough ago that a
   worker should have claimed it is enqueued again. If the first message was
   only slow, the duplicate finds the operation claimed and does nothing.
2. A `processing` operation whose lease has expired belonged to a worker
   that died (a live worker holds the row locked until it commits). It goes
   back to `queued`, or to `failed` with a refund once its attempts are used.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from operations.dispatch import enqueue
from operations.idempotency import prune as prune_idempotency_keys
from operations.models import OperationState, OperationStatus

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass
class ReapReport:
    requeued: int = 0
    recovered: int = 0
    failed: int = 0
    keys_pruned: int = 0

    def __str__(self) -> str:
        return (
            f"{self.requeued} re-enqueued, {self.recovered} taken back from "
            f"expired leases, {self.failed} failed after their last attempt, "
            f"{self.keys_pruned} expired idempotency keys deleted"
        )


def reap() -> ReapReport:
    """Run both recovery passes once; the django-q2 schedule calls this."""
    report = ReapReport()
    now = timezone.now()
    _requeue_lost(now, report)
    _recover_expired(now, report)
    report.keys_pruned = prune_idempotency_keys()
    if report.requeued or report.recovered or report.failed:
        logger.info("Reaper: %s", report)
    return report


def _locked(rows: QuerySet) -> QuerySet:
    """Lock a batch, skipping rows a live worker holds (PostgreSQL only)."""
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return rows[:BATCH_SIZE]


def _requeue_lost(now: datetime.datetime, report: ReapReport) -> None:
    cutoff = now - datetime.timedelta(
        seconds=settings.OPERATIONS_REENQUEUE_AFTER_SECONDS
    )
    with transaction.atomic():
        rows = _locked(
            OperationStatus.objects.filter(
                Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff),
                status=OperationState.QUEUED,
                next_attempt_at__lte=now,
                created_at__lt=cutoff,
            ).order_by("next_attempt_at")
        )
        for operation_id in rows.values_list("id", flat=True):
            enqueue(operation_id)
            report.requeued += 1


def _recover_expired(now: datetime.datetime, report: ReapReport) -> None:
    from operations.tasks import _gave_up_error, refund_operation

    with transaction.atomic():
        rows = _locked(
            OperationStatus.objects.filter(
                status=OperationState.PROCESSING, lease_until__lt=now
            ).order_by("lease_until")
        )
        for row in rows:
            if row.attempts >= settings.OPERATIONS_MAX_ATTEMPTS:
                row.status = OperationState.FAILED
                row.finished_at = now
                row.lease_until = None
                row.duration_ms = int((now - row.created_at).total_seconds() * 1000)
                row.error = _gave_up_error(row.attempts)
                row.save()
                refund_operation(row)
                report.failed += 1
                continue
            row.status = OperationState.QUEUED
            row.lease_until = None
            row.next_attempt_at = now
            row.save()
            enqueue(row.id)
            report.recovered += 1
