"""`/currencies` (the ISO 4217 table) and an organization's own currencies."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from craneledger.fields import ApiObjectSerializer, StrictSerializer
from craneledger.pagination import ListPagination
from ledger.api.base import OrganizationScopedViewSet
from ledger.currency_data import ISO_CURRENCIES
from ledger.models import Currency
from ledger.money import MAX_PLACES
from ledger.services.currencies import create_commodity, enable_currency


class IsoCurrencySerializer(serializers.Serializer):
    object = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    decimal_places = serializers.IntegerField()


class IsoCurrencyListView(APIView):
    """The ISO 4217 currencies every organization can use, with their places."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=IsoCurrencySerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = [
            {
                "object": "currency",
                "code": info.code,
                "name": info.name,
                "decimal_places": info.decimal_places,
            }
            for info in ISO_CURRENCIES.values()
        ]
        paginator = ListPagination()
        page = paginator.paginate_queryset(rows, request, self)
        return paginator.get_paginated_response(page)


class CurrencySerializer(ApiObjectSerializer):
    object_name = "currency"

    organization_id = serializers.CharField(read_only=True)

    class Meta:
        model = Currency
        fields = [
            "id",
            "object",
            "organization_id",
            "code",
            "name",
            "decimal_places",
            "kind",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CurrencyCreateSerializer(StrictSerializer):
    code = serializers.CharField(max_length=32, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False)
    decimal_places = serializers.IntegerField(
        min_value=0, max_value=MAX_PLACES, required=False
    )

    def validate_code(self, value: str) -> str:
        if value != value.strip() or not value.isprintable():
            raise serializers.ValidationError(
                "A code has no surrounding spaces or control characters."
            )
        if value.isdigit():
            raise serializers.ValidationError("A code cannot be only digits.")
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if "decimal_places" in data and not data.get("name", "").strip():
            raise serializers.ValidationError(
                {"name": ["A custom commodity needs a name."]}
            )
        return data


class CurrencyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    """The currencies and commodities in use in an organization."""

    model = Currency
    serializer_class = CurrencySerializer
    permission_resource = "currencies"

    @extend_schema(
        request=CurrencyCreateSerializer, responses={201: CurrencySerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = CurrencyCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data

        if "decimal_places" in data:
            currency = create_commodity(
                self.organization, data["code"], data["name"], data["decimal_places"]
            )
            created = True
        else:
            currency, created = enable_currency(
                self.organization, data["code"], data.get("name")
            )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(currency).data, status=code)
