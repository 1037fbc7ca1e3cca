"""An account's posted entries in date order, each with its running balance."""

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from ledger.models import Account, Entry
from ledger.money import format_amount, sum_decimal_by

LEDGER_ORDER = (
    "transaction_date",
    "transaction__posted_at",
    "transaction_id",
    "position",
)


def account_entries(
    account: Account, currency: str | None = None, as_of: datetime.date | None = None
) -> QuerySet:
    entries = Entry.objects.filter(account=account, posted=True)
    if currency:
        entries = entries.filter(currency__code=currency)
    if as_of:
        entries = entries.filter(transaction_date__lte=as_of)
    return entries.select_related("transaction", "currency").order_by(*LEDGER_ORDER)


def _before(entry: Entry) -> Q:
    """Match the entries that come before `entry` in ledger order."""
    txn = entry.transaction
    same_day = Q(transaction_date=entry.transaction_date)
    return (
        Q(transaction_date__lt=entry.transaction_date)
        | (same_day & Q(transaction__posted_at__lt=txn.posted_at))
        | (
            same_day
            & Q(transaction__posted_at=txn.posted_at, transaction_id__lt=txn.id)
        )
        | Q(transaction_id=txn.id, position__lt=entry.position)
    )


def with_running_balance(account: Account, page: list[Entry]) -> list[dict[str, Any]]:
    """Render a page of ledger entries with the balance after each one.

    The balance before the page is one grouped sum over the entries ahead of
    its first row, so a deep page costs no more than the first.
    """
    if not page:
        return []
    ahead = Entry.objects.filter(account=account, posted=True).filter(_before(page[0]))
    sums = sum_decimal_by(ahead, ["currency_id", "entry_type"], "amount")
    running: dict[str, Decimal] = defaultdict(Decimal)
    for (currency_id, entry_type), total in sums.items():
        running[currency_id] += _signed(account, entry_type, total)

    rows = []
    for entry in page:
        running[entry.currency_id] += _signed(account, entry.entry_type, entry.amount)
        places = entry.currency.decimal_places
        rows.append(
            {
                "object": "ledger_entry",
                "id": entry.id,
                "transaction_id": entry.transaction_id,
                "transaction_date": entry.transaction_date.isoformat(),
                "description": entry.description or entry.transaction.description,
                "reference": entry.transaction.reference,
                "entry_type": entry.entry_type,
                "amount": format_amount(entry.amount, places),
                "currency": entry.currency.code,
                "running_balance": format_amount(running[entry.currency_id], places),
            }
        )
    return rows


def _signed(account: Account, entry_type: str, amount: Decimal) -> Decimal:
    """Return +amount when the entry is on the account's normal side."""
    return amount if entry_type == account.normal_side else -amount
