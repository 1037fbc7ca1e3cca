"""`/organizations/{org_id}/transactions`: journal entries."""

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.fields import ApiObjectSerializer, MetadataField, StrictSerializer
from ledger.api.base import OrganizationScopedViewSet
from ledger.api.fields import DecimalInputField
from ledger.currency_data import iso_currency
from ledger.models import Entry, Transaction
from ledger.models.transactions import EntryType, TransactionStatus
from ledger.money import RATE_PLACES, format_amount
from ledger.services.transactions import (
    create_transaction,
    delete_transaction,
    post_transaction,
    reverse_transaction,
    update_transaction,
)

MAX_ENTRIES = 500


class EntrySerializer(serializers.ModelSerializer):
    object = serializers.SerializerMethodField()
    currency = serializers.CharField(source="currency.code")
    amount = serializers.SerializerMethodField()
    base_amount = serializers.SerializerMethodField()

    class Meta:
        model = Entry
        fields = [
            "id",
            "object",
            "account_id",
            "entry_type",
            "amount",
            "currency",
            "base_amount",
            "exchange_rate",
            "description",
        ]

    def get_object(self, entry: Entry) -> str:
        return "entry"

    def get_amount(self, entry: Entry) -> str | None:
        return format_amount(entry.amount, entry.currency.decimal_places)

    def get_base_amount(self, entry: Entry) -> str | None:
        places = self.context["base_places"].get(entry.organization_id, 2)
        return format_amount(entry.base_amount, places)


class TransactionSerializer(ApiObjectSerializer):
    object_name = "transaction"

    organization_id = serializers.CharField(read_only=True)
    contact_id = serializers.CharField(read_only=True)
    category_id = serializers.CharField(read_only=True)
    reversal_of = serializers.CharField(source="reversal_of_id", read_only=True)
    reversed_by = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()

    class Meta:
        model = Transaction
        fields = [
            "id",
            "object",
            "organization_id",
            "transaction_date",
            "description",
            "reference",
            "status",
            "posted_at",
            "reversal_of",
            "reversed_by",
            "contact_id",
            "category_id",
            "entries",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_reversed_by(self, txn: Transaction) -> str | None:
        reversal = getattr(txn, "reversed_by", None)
        return reversal.id if reversal else None

    def get_entries(self, txn: Transaction) -> list[dict[str, Any]]:
        organization = txn.organization
        context = {"base_places": {organization.id: base_places(organization)}}
        entries = sorted(txn.entries.all(), key=lambda entry: entry.position)
        return EntrySerializer(entries, many=True, context=context).data


def base_places(organization: Any) -> int:
    info = iso_currency(organization.base_currency)
    return info.decimal_places if info else 2


class EntryInputSerializer(StrictSerializer):
    account_id = serializers.CharField(max_length=32)
    entry_type = serializers.ChoiceField(choices=EntryType.choices)
    amount = DecimalInputField()
    currency = serializers.CharField(max_length=32, required=False, allow_null=True)
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True
    )
    exchange_rate = DecimalInputField(
        max_places=RATE_PLACES, positive=True, required=False, allow_null=True
    )


class TransactionInputSerializer(StrictSerializer):
    transaction_date = serializers.DateField()
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=[TransactionStatus.PENDING, TransactionStatus.POSTED], required=False
    )
    entries = EntryInputSerializer(many=True, max_length=MAX_ENTRIES)
    contact_id = serializers.CharField(max_length=32, required=False, allow_null=True)
    category_id = serializers.CharField(max_length=32, required=False, allow_null=True)
    metadata = MetadataField()


class ReverseInputSerializer(StrictSerializer):
    transaction_date = serializers.DateField(required=False)
    description = serializers.CharField(max_length=500, required=False)


class TransactionFilter(django_filters.FilterSet):
    transaction_date = django_filters.DateFromToRangeFilter()
    account_id = django_filters.CharFilter(
        field_name="entries__account_id", distinct=True
    )

    class Meta:
        model = Transaction
        fields = ["status", "reference", "transaction_date", "account_id"]


class TransactionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    model = Transaction
    serializer_class = TransactionSerializer
    permission_resource = "transactions"
    filterset_class = TransactionFilter

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .select_related("organization", "reversed_by")
            .prefetch_related("entries__currency")
        )

    def _respond(self, txn: Transaction, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=txn.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=TransactionInputSerializer, responses={201: TransactionSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = TransactionInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        txn = create_transaction(self.organization, shape.validated_data)
        return self._respond(txn, status.HTTP_201_CREATED)

    @extend_schema(request=TransactionInputSerializer, responses=TransactionSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        txn = self.get_object()
        shape = TransactionInputSerializer(data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        changes = dict(shape.validated_data)
        if "entries" in changes:
            # A partial update still replaces the entries whole, so each entry
            # needs all its fields; partial=True would let them go missing.
            entries = EntryInputSerializer(data=request.data["entries"], many=True)
            if not entries.is_valid():
                raise serializers.ValidationError({"entries": entries.errors})
            changes["entries"] = entries.validated_data
        txn = update_transaction(txn, changes)
        return self._respond(txn)

    @extend_schema(request=TransactionInputSerializer, responses=TransactionSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        delete_transaction(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Named post_pending, not post, because APIView dispatches HTTP POST to a
    # method called post on every route of the viewset.
    @extend_schema(request=None, responses=TransactionSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_pending(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        txn = post_transaction(self.get_object())
        return self._respond(txn)

    @extend_schema(
        request=ReverseInputSerializer, responses={201: TransactionSerializer}
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = ReverseInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        reversal = reverse_transaction(self.get_object(), **shape.validated_data)
        return self._respond(reversal, status.HTTP_201_CREATED)
