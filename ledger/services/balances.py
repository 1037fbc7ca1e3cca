"""Running balances: applied when a transaction posts, read in one query.

Each (account, currency) pair has one AccountBalance row holding the posted
debit and credit totals. Posting locks the rows it changes in one fixed order
(account id, then currency id), so two postings that touch the same accounts
wait for each other instead of deadlocking, and neither loses an update.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from ledger.models import Account, AccountBalance, Entry, Organization
from ledger.models.accounts import NormalSide
from ledger.models.transactions import EntryType
from ledger.money import sum_decimal


@dataclass
class Totals:
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    count: int = 0

    def signed(self, normal_side: str) -> Decimal:
        """Return the balance with the account's normal side positive."""
        if normal_side == NormalSide.DEBIT:
            return self.debit - self.credit
        return self.credit - self.debit


@dataclass
class CurrencyBalance:
    currency_code: str
    decimal_places: int
    totals: Totals = field(default_factory=Totals)


def _deltas(entries: Iterable[Entry]) -> dict[tuple[str, str], Totals]:
    deltas: dict[tuple[str, str], Totals] = defaultdict(Totals)
    for entry in entries:
        totals = deltas[(entry.account_id, entry.currency_id)]
        if entry.entry_type == EntryType.DEBIT:
            totals.debit += entry.amount
        else:
            totals.credit += entry.amount
        totals.count += 1
    return deltas


def apply_entries(organization: Organization, entries: Iterable[Entry]) -> None:
    """Add posted entries to the running balances. Call inside a transaction."""
    deltas = _deltas(entries)
    keys = sorted(deltas)

    # Create missing rows first; a row another posting is inserting at the
    # same moment makes this wait for it, then skip it.
    AccountBalance.objects.bulk_create(
        [
            AccountBalance(
                organization=organization, account_id=account, currency_id=currency
            )
            for account, currency in keys
        ],
        ignore_conflicts=True,
    )

    # Lock in the fixed order before changing anything.
    rows = {
        (row.account_id, row.currency_id): row
        for row in AccountBalance.objects.select_for_update()
        .filter(account_id__in={account for account, _ in keys})
        .order_by("account_id", "currency_id")
        if (row.account_id, row.currency_id) in deltas
    }
    for key in keys:
        row, delta = rows[key], deltas[key]
        row.debit_total += delta.debit
        row.credit_total += delta.credit
        row.entry_count += delta.count
        row.save(
            update_fields=["debit_total", "credit_total", "entry_count", "updated_at"]
        )


def current_balances(account: Account) -> list[CurrencyBalance]:
    """Read the running totals of an account, one row per currency."""
    rows = AccountBalance.objects.filter(account=account).select_related("currency")
    return [
        CurrencyBalance(
            row.currency.code,
            row.currency.decimal_places,
            Totals(row.debit_total, row.credit_total, row.entry_count),
        )
        for row in rows.order_by("currency__code")
    ]


def posted_entries_through(queryset: QuerySet, as_of: datetime.date) -> QuerySet:
    return queryset.filter(posted=True, transaction_date__lte=as_of)


def balances_as_of(account: Account, as_of: datetime.date) -> list[CurrencyBalance]:
    """Sum an account's posted entries dated on or before `as_of`, per currency."""
    entries = posted_entries_through(Entry.objects.filter(account=account), as_of)
    currencies = (
        AccountBalance.objects.filter(account=account)
        .select_related("currency")
        .order_by("currency__code")
    )
    balances = []
    for row in currencies:
        in_currency = entries.filter(currency_id=row.currency_id)
        totals = Totals(
            debit=sum_decimal(in_currency.filter(entry_type=EntryType.DEBIT), "amount"),
            credit=sum_decimal(
                in_currency.filter(entry_type=EntryType.CREDIT), "amount"
            ),
            count=in_currency.count(),
        )
        if totals.count:
            balances.append(
                CurrencyBalance(row.currency.code, row.currency.decimal_places, totals)
            )
    return balances
