from django.db import models
from django.db.models import Q

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject
from ledger.money import AMOUNT_MAX_DIGITS, MAX_PLACES, RATE_PLACES


class TransferStatus(models.TextChoices):
    POSTED = "posted"
    REVERSED = "reversed"


class Transfer(ApiObject):
    """Money moved between two accounts, posted as one transaction.

    Each side moves in its own account's currency by exactly the amount the
    client gave; across currencies, a trading account balances each currency.
    """

    id = PrefixedIdField(prefix="trf")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="transfers"
    )
    from_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )
    to_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=MAX_PLACES
    )
    from_currency = models.ForeignKey(
        "ledger.Currency", on_delete=models.PROTECT, related_name="+"
    )
    to_amount = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=MAX_PLACES
    )
    to_currency = models.ForeignKey(
        "ledger.Currency", on_delete=models.PROTECT, related_name="+"
    )
    currency_rate = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=RATE_PLACES, null=True, blank=True
    )
    transferred_at = models.DateField()
    description = models.CharField(max_length=500, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(
        max_length=8, choices=TransferStatus.choices, default=TransferStatus.POSTED
    )
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.PROTECT, related_name="transfer"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="transfer_accounts_differ",
                condition=~Q(from_account=models.F("to_account")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.from_account_id} -> {self.to_account_id}"
