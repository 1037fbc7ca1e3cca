"""Turn entry input into Entry rows: accounts, currencies, places, base amounts.

build_entries checks everything a transaction's entries must satisfy before
anything is written, and raises one error listing every invalid entry, or
UnbalancedTransaction naming each currency's difference.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TypedDict

from ledger.exceptions import InvalidField, UnbalancedTransaction
from ledger.models import Account, Currency, Entry, Organization
from ledger.models.transactions import EntryType
from ledger.money import (
    MAX_AMOUNT,
    MAX_AMOUNT_DIGITS,
    MAX_RATE,
    RATE_PLACES,
    AmountError,
    check_places,
    check_size,
    format_amount,
    round_half_up,
)
from ledger.services.currencies import find_currency
from ledger.services.exchange_rates import Rate, rate_on

MIN_ENTRIES = 2


class EntryInput(TypedDict, total=False):
    account_id: str
    entry_type: str
    amount: Decimal
    currency: str | None
    description: str
    exchange_rate: Decimal | None


class _FieldErrors:
    """Collects field errors so one response lists every invalid entry."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.fields.setdefault(path, message)

    def raise_if_any(self) -> None:
        if not self.fields:
            return
        path, message = next(iter(self.fields.items()))
        error = InvalidField(path, message)
        error.details = {"fields": {p: [m] for p, m in self.fields.items()}}
        if len(self.fields) > 1:
            error.message += f" (and {len(self.fields) - 1} more; see details.fields)"
        raise error


def build_entries(
    organization: Organization,
    transaction_date: datetime.date,
    entries: list[EntryInput],
) -> list[Entry]:
    """Turn validated input into unsaved Entry rows, or raise field errors."""
    errors = _FieldErrors()
    if len(entries) < MIN_ENTRIES:
        errors.add("entries", f"A transaction needs at least {MIN_ENTRIES} entries.")
        errors.raise_if_any()

    account_ids = {entry["account_id"] for entry in entries}
    accounts = {
        account.id: account
        for account in Account.objects.filter(
            organization=organization, pk__in=account_ids
        ).select_related("currency")
    }
    base = find_currency(organization, organization.base_currency)
    currencies: dict[str, Currency | None] = {}
    rows = []

    for index, data in enumerate(entries):
        path = f"entries[{index}]"
        account = accounts.get(data["account_id"])
        if account is None:
            errors.add(
                f"{path}.account_id",
                f"No account {data['account_id']!r} in this organization.",
            )
            continue
        code = data.get("currency") or account.currency.code
        if code not in currencies:
            currencies[code] = find_currency(organization, code)
        currency = currencies[code]
        if currency is None:
            errors.add(f"{path}.currency", f"Unknown currency {code!r}.")
            continue
        try:
            amount = check_places(
                check_size(data["amount"]), currency.decimal_places, code
            )
        except AmountError as exc:
            errors.add(f"{path}.amount", str(exc))
            continue
        if amount <= 0:
            errors.add(
                f"{path}.amount",
                f"{amount} is not positive; use entry_type to say debit or credit.",
            )
            continue

        try:
            rate, base_amount = _base_amount(
                organization,
                base,
                currency,
                amount,
                transaction_date,
                data.get("exchange_rate"),
            )
        except AmountError as exc:
            errors.add(f"{path}.exchange_rate", str(exc))
            continue
        rows.append(
            Entry(
                organization=organization,
                position=index,
                account=account,
                entry_type=data["entry_type"],
                amount=amount,
                currency=currency,
                base_amount=base_amount,
                exchange_rate=rate,
                description=data.get("description", ""),
                transaction_date=transaction_date,
            )
        )

    errors.raise_if_any()
    _check_balanced(rows)
    return rows


def _base_amount(
    organization: Organization,
    base: Currency | None,
    currency: Currency,
    amount: Decimal,
    on_date: datetime.date,
    given_rate: Decimal | None,
) -> tuple[Decimal | None, Decimal | None]:
    """Return (rate, amount in the base currency), rounded half-up.

    The rate given on the request wins, then the stored rate in effect on the
    date. With neither, the base amount stays unknown (None).
    """
    if base is None or currency.pk == base.pk:
        return None, amount
    if given_rate is not None:
        rate: Rate | None = Rate(given_rate)
    else:
        rate = rate_on(organization, currency.code, base.code, on_date)
    if rate is None:
        return None, None
    base_amount = round_half_up(rate.apply(amount), base.decimal_places)
    if abs(base_amount) >= MAX_AMOUNT:
        raise AmountError(
            f"{amount} at rate {rate.value} is {base_amount} {base.code}, too large "
            f"for a base amount; amounts must be below 10^{MAX_AMOUNT_DIGITS}."
        )
    stored_rate = round_half_up(rate.value, RATE_PLACES)
    return (stored_rate if stored_rate < MAX_RATE else None), base_amount


def _check_balanced(entries: list[Entry]) -> None:
    """Raise UnbalancedTransaction if debits and credits differ in a currency."""
    debits: dict[Currency, Decimal] = defaultdict(Decimal)
    credits: dict[Currency, Decimal] = defaultdict(Decimal)
    for entry in entries:
        side = debits if entry.entry_type == EntryType.DEBIT else credits
        side[entry.currency] += entry.amount

    imbalances = []
    for currency in sorted(set(debits) | set(credits), key=lambda c: c.code):
        difference = debits[currency] - credits[currency]
        if difference:
            places = currency.decimal_places
            imbalances.append(
                {
                    "currency": currency.code,
                    "debit_total": format_amount(debits[currency], places),
                    "credit_total": format_amount(credits[currency], places),
                    "difference": format_amount(difference, places),
                }
            )
    if imbalances:
        summary = "; ".join(
            f"{item['currency']} debits {item['debit_total']} vs credits "
            f"{item['credit_total']} (off by {item['difference']})"
            for item in imbalances
        )
        raise UnbalancedTransaction(
            f"Debits must equal credits in each currency: {summary}.",
            details={"imbalances": imbalances},
        )
