from django.db import models
from django.db.models import Q

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject
from ledger.money import MAX_PLACES


class CurrencyKind(models.TextChoices):
    ISO = "iso"
    CUSTOM = "custom"


class Currency(ApiObject):
    """A currency or commodity an organization keeps amounts in.

    ISO 4217 currencies are added on first use (or on request); a custom
    commodity, such as a stock ticker or a loyalty point, declares its own
    number of decimal places.
    """

    id = PrefixedIdField(prefix="cur")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="currencies"
    )
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    decimal_places = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=6, choices=CurrencyKind.choices)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "currencies"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="currency_code_unique_per_org"
            ),
            models.CheckConstraint(
                name="currency_places_0_to_12",
                condition=Q(decimal_places__gte=0) & Q(decimal_places__lte=MAX_PLACES),
            ),
        ]

    def __str__(self) -> str:
        return self.code
