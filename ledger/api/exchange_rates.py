"""`/organizations/{org_id}/exchange-rates`."""

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.fields import ApiObjectSerializer
from ledger.api.base import OrganizationScopedViewSet
from ledger.api.fields import DecimalInputField
from ledger.models import ExchangeRate
from ledger.money import RATE_PLACES
from ledger.services.exchange_rates import create_exchange_rate


class ExchangeRateSerializer(ApiObjectSerializer):
    object_name = "exchange_rate"

    organization_id = serializers.CharField(read_only=True)
    rate = DecimalInputField(max_places=RATE_PLACES, positive=True)
    source = serializers.CharField(max_length=100, required=False)

    class Meta:
        model = ExchangeRate
        fields = [
            "id",
            "object",
            "organization_id",
            "from_currency",
            "to_currency",
            "rate",
            "effective_date",
            "source",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance: ExchangeRate) -> dict[str, Any]:
        body = super().to_representation(instance)
        # Without trailing zeros and never in exponent form: "1.1", "150".
        body["rate"] = f"{instance.rate.normalize():f}"
        return body


class ExchangeRateFilter(django_filters.FilterSet):
    effective_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ExchangeRate
        fields = ["from_currency", "to_currency", "effective_date", "source"]


class ExchangeRateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    model = ExchangeRate
    serializer_class = ExchangeRateSerializer
    permission_resource = "exchange_rates"
    filterset_class = ExchangeRateFilter

    @extend_schema(responses={201: ExchangeRateSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = self.get_serializer(data=request.data)
        shape.is_valid(raise_exception=True)
        rate = create_exchange_rate(self.organization, shape.validated_data)
        return Response(self.get_serializer(rate).data, status=status.HTTP_201_CREATED)
