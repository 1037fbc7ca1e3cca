from django.db import models

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject


class AccountType(models.TextChoices):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"


class NormalSide(models.TextChoices):
    DEBIT = "debit"
    CREDIT = "credit"


DEBIT_NORMAL_TYPES = frozenset({AccountType.ASSET, AccountType.EXPENSE})


def normal_side_of(account_type: str) -> str:
    """Asset and expense accounts grow with debits; the others with credits."""
    if account_type in DEBIT_NORMAL_TYPES:
        return NormalSide.DEBIT
    return NormalSide.CREDIT


class Account(ApiObject):
    """An account of the chart of accounts, in a default currency.

    Entries may also be in other currencies: balances are kept per account and
    currency, as a brokerage account contains cash and shares side by side.
    """

    id = PrefixedIdField(prefix="act")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="accounts"
    )
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=AccountType.choices)
    currency = models.ForeignKey("ledger.Currency", on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.CharField(max_length=500, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_system = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="account_code_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def normal_side(self) -> str:
        return normal_side_of(self.type)
