from django.db import models

from ledger.money import MAX_PLACES, TOTAL_MAX_DIGITS


class AccountBalance(models.Model):
    """Running totals of the posted entries of one account in one currency.

    Updated in the transaction that posts, under a row lock, so the current
    balance is one row read.
    """

    organization = models.ForeignKey("ledger.Organization", on_delete=models.CASCADE)
    account = models.ForeignKey(
        "ledger.Account", on_delete=models.CASCADE, related_name="balances"
    )
    currency = models.ForeignKey("ledger.Currency", on_delete=models.PROTECT)
    debit_total = models.DecimalField(
        max_digits=TOTAL_MAX_DIGITS, decimal_places=MAX_PLACES, default=0
    )
    credit_total = models.DecimalField(
        max_digits=TOTAL_MAX_DIGITS, decimal_places=MAX_PLACES, default=0
    )
    entry_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account_id", "currency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "currency"], name="account_balance_one_per_currency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.currency_id}"
