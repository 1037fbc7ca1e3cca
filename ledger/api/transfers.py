"""`/organizations/{org_id}/transfers` (create is queued by default)."""

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, serializers

from craneledger.fields import ApiObjectSerializer, MetadataField, StrictSerializer
from ledger.api.base import (
    ModeTableWritesMixin,
    OrganizationScopedViewSet,
    queued_write_schema,
)
from ledger.api.fields import DecimalInputField
from ledger.models import Transfer
from ledger.money import RATE_PLACES, format_amount


class TransferSerializer(ApiObjectSerializer):
    object_name = "transfer"

    organization_id = serializers.CharField(read_only=True)
    from_account_id = serializers.CharField(read_only=True)
    to_account_id = serializers.CharField(read_only=True)
    transaction_id = serializers.CharField(read_only=True)
    from_currency = serializers.CharField(source="from_currency.code", read_only=True)
    to_currency = serializers.CharField(source="to_currency.code", read_only=True)
    amount = serializers.SerializerMethodField()
    to_amount = serializers.SerializerMethodField()
    currency_rate = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = [
            "id",
            "object",
            "organization_id",
            "from_account_id",
            "to_account_id",
            "amount",
            "from_currency",
            "to_amount",
            "to_currency",
            "currency_rate",
            "transferred_at",
            "description",
            "reference",
            "status",
            "transaction_id",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "transferred_at",
            "status",
            "created_at",
            "updated_at",
        ]

    def get_amount(self, transfer: Transfer) -> str | None:
        return format_amount(transfer.amount, transfer.from_currency.decimal_places)

    def get_to_amount(self, transfer: Transfer) -> str | None:
        return format_amount(transfer.to_amount, transfer.to_currency.decimal_places)

    def get_currency_rate(self, transfer: Transfer) -> str | None:
        rate = transfer.currency_rate
        return None if rate is None else f"{rate.normalize():f}"


class TransferInputSerializer(StrictSerializer):
    """The request shape; amounts are checked against currencies by the worker."""

    from_account_id = serializers.CharField(max_length=32)
    to_account_id = serializers.CharField(max_length=32)
    amount = DecimalInputField()
    to_amount = DecimalInputField(required=False, allow_null=True)
    currency_rate = DecimalInputField(
        max_places=RATE_PLACES, positive=True, required=False, allow_null=True
    )
    transferred_at = serializers.DateField()
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    metadata = MetadataField()


class TransferFilter(django_filters.FilterSet):
    transferred_at = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Transfer
        fields = ["from_account_id", "to_account_id", "status", "transferred_at"]


@extend_schema_view(**queued_write_schema(TransferSerializer, TransferInputSerializer))
class TransferViewSet(
    ModeTableWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrganizationScopedViewSet,
):
    model = Transfer
    serializer_class = TransferSerializer
    permission_resource = "transfers"
    filterset_class = TransferFilter
    create_serializer_class = TransferInputSerializer

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("from_currency", "to_currency")
