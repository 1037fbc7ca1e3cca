"""Request fields for money: exact decimals, checked for size and places."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.money import AmountError, check_places, check_size, places_of, to_decimal


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.50"})
class DecimalInputField(serializers.Field):
    """A decimal sent as a string or a JSON number, read exactly.

    The service checks the currency's decimal places, because it resolves the
    currency; `max_places` here is a fixed limit such as 8 for rates.
    """

    def __init__(
        self, *, max_places: int | None = None, positive: bool = False, **kwargs: Any
    ) -> None:
        self.max_places = max_places
        self.positive = positive
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            value = check_size(to_decimal(data))
            if self.max_places is not None:
                value = check_places(value, self.max_places, "this field")
        except AmountError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if self.positive and value <= 0:
            raise serializers.ValidationError(f"{value} is not positive.")
        return value

    def to_representation(self, value: Decimal) -> str:
        places = max(places_of(value), 0)
        return format(value.quantize(Decimal(1).scaleb(-places)), "f")
