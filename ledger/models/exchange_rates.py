from django.db import models
from django.db.models import F, Q

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject
from ledger.money import AMOUNT_MAX_DIGITS, RATE_PLACES


class ExchangeRate(ApiObject):
    """How many units of `to_currency` one unit of `from_currency` buys."""

    id = PrefixedIdField(prefix="exr")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="exchange_rates"
    )
    from_currency = models.CharField(max_length=32)
    to_currency = models.CharField(max_length=32)
    rate = models.DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=RATE_PLACES)
    effective_date = models.DateField()
    source = models.CharField(max_length=100, blank=True, default="manual")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=[
                    "organization",
                    "from_currency",
                    "to_currency",
                    "-effective_date",
                ],
                name="exchange_rate_lookup",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organization",
                    "from_currency",
                    "to_currency",
                    "effective_date",
                ],
                name="exchange_rate_one_per_day",
            ),
            models.CheckConstraint(
                name="exchange_rate_positive", condition=Q(rate__gt=0)
            ),
            models.CheckConstraint(
                name="exchange_rate_distinct_currencies",
                condition=~Q(from_currency=F("to_currency")),
            ),
        ]

    def __str__(self) -> str:
        pair = f"{self.from_currency}/{self.to_currency}"
        return f"{pair} {self.rate} on {self.effective_date}"
