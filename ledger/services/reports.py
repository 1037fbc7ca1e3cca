"""Reports computed from posted entries: the trial balance."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from ledger.models import Account, AccountBalance, Currency, Entry, Organization
from ledger.models.transactions import EntryType
from ledger.money import sum_decimal_by
from ledger.services.balances import Totals


@dataclass
class TrialBalanceRow:
    account: Account
    currency: Currency
    totals: Totals

    @property
    def net_debit(self) -> Decimal:
        return self.totals.debit - self.totals.credit


def trial_balance(
    organization: Organization,
    as_of: datetime.date | None = None,
    currency_code: str | None = None,
) -> list[TrialBalanceRow]:
    """Return one row per account and currency with posted activity.

    Without `as_of` the rows come from the running balances; with it, from
    the entries dated on or before that day.
    """
    totals: dict[tuple[str, str], Totals] = defaultdict(Totals)
    if as_of is None:
        balances = AccountBalance.objects.filter(organization=organization)
        if currency_code:
            balances = balances.filter(currency__code=currency_code)
        for row in balances.filter(entry_count__gt=0):
            totals[(row.account_id, row.currency_id)] = Totals(
                row.debit_total, row.credit_total, row.entry_count
            )
    else:
        entries = Entry.objects.filter(
            organization=organization, posted=True, transaction_date__lte=as_of
        )
        if currency_code:
            entries = entries.filter(currency__code=currency_code)
        sums = sum_decimal_by(
            entries, ["account_id", "currency_id", "entry_type"], "amount"
        )
        for (account_id, currency_id, entry_type), amount in sums.items():
            row = totals[(account_id, currency_id)]
            if entry_type == EntryType.DEBIT:
                row.debit += amount
            else:
                row.credit += amount
            row.count += 1

    accounts = Account.objects.in_bulk({account for account, _ in totals})
    currencies = Currency.objects.in_bulk({currency for _, currency in totals})
    rows = [
        TrialBalanceRow(accounts[account], currencies[currency], row)
        for (account, currency), row in totals.items()
    ]
    rows.sort(key=lambda row: (row.currency.code, row.account.code))
    return rows
