"""The operation resource and the credit log, as viewset mixins.

Tenancy (which organization a key reaches) belongs to the ledger app, so the
ledger supplies the concrete viewsets. These mixins contain the behaviour and
expect `self.organization` to be set.
"""

import math
from typing import Any

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.errors import Conflict, NotFound
from craneledger.ids import looks_like_id
from operations.dispatch import estimated_seconds
from operations.models import CreditEntry, CreditPool, OperationState, OperationStatus
from operations.tasks import refund_operation


class OperationSerializer(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    request_id = serializers.CharField(source="id")
    organization_id = serializers.CharField()

    class Meta:
        model = OperationStatus
        fields = [
            "id",
            "object",
            "request_id",
            "organization_id",
            "resource",
            "action",
            "target_id",
            "status",
            "attempts",
            "next_attempt_at",
            "credit_cost",
            "result",
            "error",
            "metadata",
            "created_at",
            "updated_at",
            "started_at",
            "finished_at",
            "duration_ms",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_object(self, operation: OperationStatus) -> str:
        return "operation"


class OperationFilter(django_filters.FilterSet):
    created_at = django_filters.IsoDateTimeFromToRangeFilter()
    status = django_filters.ChoiceFilter(choices=OperationState.choices)

    class Meta:
        model = OperationStatus
        fields = ["status", "resource", "action", "created_at"]


def retry_after_header(operation: OperationStatus) -> dict[str, str]:
    """Tell a poller when to look again, while the operation is still running."""
    if operation.is_terminal:
        return {}
    seconds = estimated_seconds(operation.resource, operation.action)
    if operation.status == OperationState.QUEUED and operation.next_attempt_at:
        wait = (operation.next_attempt_at - timezone.now()).total_seconds()
        seconds = max(seconds, wait)
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


class OperationViewMixin:
    """List, retrieve and cancel the operations of `self.organization`."""

    serializer_class = OperationSerializer
    filterset_class = OperationFilter
    lookup_url_kwarg = "pk"
    organization: Any

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return OperationStatus.objects.none()
        return OperationStatus.objects.filter(organization=self.organization)

    def get_object(self) -> OperationStatus:
        request_id = self.kwargs["pk"]
        operation = None
        if looks_like_id(request_id):
            operation = self.get_queryset().filter(pk=request_id).first()
        if operation is None:
            raise NotFound(f"No operation {request_id!r} in this organization.")
        return operation

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        operation = self.get_object()
        body = self.get_serializer(operation).data
        return Response(body, headers=retry_after_header(operation))

    @extend_schema(responses=OperationSerializer)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel a queued operation and refund it; a started one is a 409."""
        operation = self.get_object()
        with transaction.atomic():
            now = timezone.now()
            canceled = OperationStatus.objects.filter(
                pk=operation.pk, status=OperationState.QUEUED
            ).update(
                status=OperationState.CANCELED,
                finished_at=now,
                updated_at=now,
                duration_ms=int((now - operation.created_at).total_seconds() * 1000),
            )
            if not canceled:
                operation.refresh_from_db()
                raise Conflict(
                    f"Operation {operation.id} is {operation.status}; only a queued "
                    "operation can be canceled.",
                    code="operation_not_queued",
                    details={"request_id": operation.id, "status": operation.status},
                )
            operation.refresh_from_db()
            refund_operation(operation)
        return Response(self.get_serializer(operation).data, status=status.HTTP_200_OK)


class CreditEntrySerializer(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()

    class Meta:
        model = CreditEntry
        fields = [
            "id",
            "object",
            "organization_id",
            "kind",
            "amount",
            "balance_after",
            "request_id",
            "resource",
            "action",
            "description",
            "created_at",
        ]

    @extend_schema_field(serializers.CharField())
    def get_object(self, entry: CreditEntry) -> str:
        return "credit_entry"


def credit_log(pool_id: str) -> tuple[int, QuerySet]:
    """Return a pool's balance and its entries, newest last."""
    pool = CreditPool.objects.filter(organization_id=pool_id).first()
    balance = pool.balance if pool else 0
    return balance, CreditEntry.objects.filter(pool_id=pool_id).order_by(
        "created_at", "id"
    )
