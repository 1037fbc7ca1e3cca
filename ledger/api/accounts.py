"""`/organizations/{org_id}/accounts`: the chart of accounts and balances."""

import datetime
from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.errors import InvalidRequest
from craneledger.fields import ApiObjectSerializer
from ledger.api.base import OrganizationScopedViewSet
from ledger.models import Account
from ledger.models.accounts import AccountType
from ledger.money import format_amount
from ledger.services.accounts import create_account, delete_account, update_account
from ledger.services.balances import (
    CurrencyBalance,
    balances_as_of,
    current_balances,
)
from ledger.services.ledgers import account_entries, with_running_balance


class AccountSerializer(ApiObjectSerializer):
    object_name = "account"

    organization_id = serializers.CharField(read_only=True)
    code = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=AccountType.choices)
    currency = serializers.CharField(
        max_length=32, required=False, source="currency.code"
    )
    parent_id = serializers.CharField(allow_null=True, required=False)
    normal_side = serializers.CharField(read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "object",
            "organization_id",
            "code",
            "name",
            "type",
            "normal_side",
            "currency",
            "parent_id",
            "description",
            "is_active",
            "is_system",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_system", "created_at", "updated_at"]

    def validate_code(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The code cannot be blank.")
        return value

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The name cannot be blank.")
        return value

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        if "currency" in values:
            values["currency"] = values["currency"]["code"]
        return values


class AccountFilter(django_filters.FilterSet):
    currency = django_filters.CharFilter(field_name="currency__code")

    class Meta:
        model = Account
        fields = ["type", "is_active", "is_system", "currency", "parent_id", "code"]


def balance_rows(
    balances: list[CurrencyBalance], normal_side: str
) -> list[dict[str, Any]]:
    return [
        {
            "currency": item.currency_code,
            "debit_total": format_amount(item.totals.debit, item.decimal_places),
            "credit_total": format_amount(item.totals.credit, item.decimal_places),
            "balance": format_amount(
                item.totals.signed(normal_side), item.decimal_places
            ),
        }
        for item in balances
    ]


def read_as_of(request: Request) -> datetime.date | None:
    raw = request.query_params.get("as_of")
    if not raw:
        return None
    try:
        return datetime.datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidRequest(
            f"as_of: {raw!r} is not a date; use YYYY-MM-DD.",
            code="invalid_fields",
            details={"fields": {"as_of": ["Use a date in the form YYYY-MM-DD."]}},
        ) from None


AS_OF = OpenApiParameter(
    "as_of", datetime.date, description="Balance at the end of this day."
)


class AccountViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    model = Account
    serializer_class = AccountSerializer
    permission_resource = "accounts"
    filterset_class = AccountFilter

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("currency")

    @extend_schema(responses={201: AccountSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = self.get_serializer(data=request.data)
        shape.is_valid(raise_exception=True)
        account = create_account(self.organization, shape.validated_data)
        return Response(
            self.get_serializer(account).data, status=status.HTTP_201_CREATED
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        shape = self.get_serializer(account, data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        account = update_account(account, shape.validated_data)
        return Response(self.get_serializer(account).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        delete_account(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[AS_OF],
        responses=inline_serializer(
            "AccountBalance", {"balances": serializers.ListField()}
        ),
    )
    @action(detail=True, methods=["get"])
    def balance(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        as_of = read_as_of(request)
        balances = (
            current_balances(account)
            if as_of is None
            else balances_as_of(account, as_of)
        )
        return Response(
            {
                "object": "account_balance",
                "account_id": account.id,
                "organization_id": account.organization_id,
                "normal_side": account.normal_side,
                "as_of": as_of.isoformat() if as_of else None,
                "balances": balance_rows(balances, account.normal_side),
            }
        )

    @extend_schema(
        parameters=[AS_OF, OpenApiParameter("currency", str)],
        responses=inline_serializer(
            "LedgerEntry", {"running_balance": serializers.CharField()}
        ),
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def transactions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        entries = account_entries(
            account, request.query_params.get("currency"), read_as_of(request)
        )
        page = self.paginator.paginate_queryset(entries, request, self)
        return self.paginator.get_paginated_response(
            with_running_balance(account, page)
        )
