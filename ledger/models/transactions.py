from django.db import models
from django.db.models import Q

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject
from ledger.money import AMOUNT_MAX_DIGITS, MAX_PLACES, RATE_PLACES


class TransactionStatus(models.TextChoices):
    PENDING = "pending"
    POSTED = "posted"
    REVERSED = "reversed"


class EntryType(models.TextChoices):
    DEBIT = "debit"
    CREDIT = "credit"


class Transaction(ApiObject):
    """A journal entry: two or more entries whose debits equal their credits.

    Pending transactions can change and have no effect on balances. Posted
    ones are immutable; a reversal (a new posted transaction with each entry
    on the other side) corrects them and marks them `reversed`.
    """

    id = PrefixedIdField(prefix="txn")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="transactions"
    )
    transaction_date = models.DateField()
    description = models.CharField(max_length=500, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(
        max_length=8,
        choices=TransactionStatus.choices,
        default=TransactionStatus.PENDING,
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    reversal_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    contact = models.ForeignKey(
        "ledger.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    category = models.ForeignKey(
        "ledger.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    # The source's own reference, for imports that must not post twice.
    source_reference = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["organization", "transaction_date"], name="transaction_by_date"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source_reference"],
                name="transaction_source_reference_unique",
            ),
            models.CheckConstraint(
                name="transaction_posted_has_posted_at",
                condition=Q(status=TransactionStatus.PENDING)
                | Q(posted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.transaction_date} {self.description}"


class Entry(models.Model):
    """One debit or credit of a transaction, on one account in one currency.

    `posted` and `transaction_date` repeat the transaction's state so that a
    balance as of a date is one indexed range read over entries.
    """

    id = PrefixedIdField(prefix="ent")
    organization = models.ForeignKey("ledger.Organization", on_delete=models.CASCADE)
    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, related_name="entries"
    )
    position = models.PositiveIntegerField()
    account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="entries"
    )
    entry_type = models.CharField(max_length=6, choices=EntryType.choices)
    amount = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=MAX_PLACES
    )
    currency = models.ForeignKey("ledger.Currency", on_delete=models.PROTECT)
    base_amount = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=MAX_PLACES, null=True, blank=True
    )
    exchange_rate = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=RATE_PLACES, null=True, blank=True
    )
    description = models.CharField(max_length=500, blank=True, default="")
    transaction_date = models.DateField()
    posted = models.BooleanField(default=False)

    class Meta:
        ordering = ["transaction_id", "position"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(
                fields=["account", "currency", "posted", "transaction_date"],
                name="entry_balance_as_of",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["transaction", "position"], name="entry_position_unique"
            ),
            # NOTE: on SQLite, decimal columns are text (exact storage), so
            # this comparison is textual there and lets "0.00" through. The
            # services reject zero amounts before any write.
            models.CheckConstraint(
                name="entry_amount_positive", condition=Q(amount__gt=0)
            ),
            models.CheckConstraint(
                name="entry_type_debit_or_credit",
                condition=Q(entry_type__in=[EntryType.DEBIT, EntryType.CREDIT]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_type} {self.amount} on {self.account_id}"
