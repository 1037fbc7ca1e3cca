"""Accept a queued write: charge it, record it, enqueue it, return 202.

The three steps share one database transaction. With the ORM broker the
queue row is written in it too, so either all of them happen or none. With
Redis the message is sent after commit, so a worker never looks for an
operation row that is not there yet; if the process dies between commit and
send, the reaper enqueues the operation again.
"""

import datetime
import logging
import math
import statistics
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.response import Response

from operations.credits import Payer, charge, cost_of
from operations.models import OperationState, OperationStatus

logger = logging.getLogger(__name__)

TASK = "operations.tasks.run_operation"
DEFAULT_ESTIMATE_SECONDS = 2.0
ESTIMATE_SAMPLE = 50
ESTIMATE_WINDOW = datetime.timedelta(hours=24)


def accept(
    *,
    request_id: str,
    payer: Payer,
    api_key_id: str | None,
    resource: str,
    action: str,
    payload: dict[str, Any],
    target_id: str = "",
    location: str,
) -> Response:
    """Queue a validated write and return the 202 response for it."""
    started = timezone.now()
    cost = cost_of(resource, action)

    with transaction.atomic():
        charge(payer, cost, request_id=request_id, resource=resource, action=action)
        operation = OperationStatus.objects.create(
            id=request_id,
            organization_id=payer.organization_id,
            api_key_id=api_key_id,
            resource=resource,
            action=action,
            target_id=target_id,
            payload=payload,
            next_attempt_at=started,
            credit_cost=cost,
            credits_charged=not payer.test_mode and cost > 0,
            credit_pool_id=payer.pool_id,
        )
        enqueue(operation.id)

    logger.info(
        "Queued operation %s (%s.%s) for organization %s",
        operation.id,
        resource,
        action,
        payer.organization_id,
        extra={"request_id": operation.id, "organization_id": payer.organization_id},
    )
    estimate = estimated_seconds(resource, action)
    body = {
        "request_id": operation.id,
        "success": True,
        "status": OperationState.QUEUED,
        "data": {
            "status": OperationState.QUEUED,
            "estimated_completion": (started + datetime.timedelta(seconds=estimate))
            .isoformat()
            .replace("+00:00", "Z"),
        },
        "error": None,
        "duration_ms": int((timezone.now() - started).total_seconds() * 1000),
        "credit_cost": cost,
    }
    headers = {"Location": location, "Retry-After": str(max(1, math.ceil(estimate)))}
    return Response(body, status=202, headers=headers)


def enqueue(operation_id: str) -> None:
    """Hand an operation to the broker, in or after the current transaction."""
    from django_q.tasks import async_task

    def send() -> None:
        async_task(TASK, operation_id, task_name=operation_id)
        OperationStatus.objects.filter(pk=operation_id).update(
            enqueued_at=timezone.now()
        )

    if uses_orm_broker():
        send()
    else:
        transaction.on_commit(send)


def uses_orm_broker() -> bool:
    cluster = settings.Q_CLUSTER
    return "orm" in cluster and not cluster.get("sync")


def estimated_seconds(resource: str, action: str) -> float:
    """Return the median queue-to-finish time of recent operations of a kind."""
    since = timezone.now() - ESTIMATE_WINDOW
    recent = (
        OperationStatus.objects.filter(
            resource=resource,
            action=action,
            status=OperationState.COMPLETED,
            finished_at__gte=since,
        )
        .order_by("-finished_at")
        .values_list("created_at", "finished_at")[:ESTIMATE_SAMPLE]
    )
    durations = [(done - created).total_seconds() for created, done in recent]
    if not durations:
        return DEFAULT_ESTIMATE_SECONDS
    return statistics.median(durations)
