"""Post a parsed journal (see ledger.services.journal) into an organization.

Everything happens in one database transaction, so an import is all or
nothing: transactions imported before (by source reference) are skipped, the
missing commodities and accounts are created, and the rest is posted in bulk.
"""

import datetime
import hashlib
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ledger.models import Account, Currency, Entry, Organization, Transaction
from ledger.models.currencies import CurrencyKind
from ledger.models.transactions import EntryType, TransactionStatus
from ledger.money import round_half_up
from ledger.services.balances import apply_entries
from ledger.services.currencies import find_currency
from ledger.services.exchange_rates import Rate, rate_on
from ledger.services.journal import (
    ImportPlan,
    ImportRejected,
    PlannedTransaction,
)

logger = logging.getLogger(__name__)

ACCOUNT_CODE_LENGTH = 64


def account_code(name: str) -> str:
    """Return the account code for an imported name: the name, or a short digest."""
    if len(name) <= ACCOUNT_CODE_LENGTH:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:12]
    return f"{name[: ACCOUNT_CODE_LENGTH - 13]}~{digest}"


def apply_import(organization: Organization, plan: ImportPlan) -> dict[str, Any]:
    """Post a parsed journal in one database transaction; return the counts."""
    with transaction.atomic():
        existing = set(
            Transaction.objects.filter(
                organization=organization,
                source_reference__in=[
                    txn.source_reference for txn in plan.transactions
                ],
            ).values_list("source_reference", flat=True)
        )
        new = [txn for txn in plan.transactions if txn.source_reference not in existing]
        _check_books_open(organization, new)
        used_commodities = {p.commodity for txn in new for p in txn.postings}
        currencies, commodities_created = _commodities(
            organization, plan, used_commodities
        )
        used_accounts = {p.account for txn in new for p in txn.postings}
        accounts, accounts_created = _accounts(
            organization, plan, used_accounts, currencies
        )
        _post(organization, new, accounts, currencies)

    result = {
        "object": "import",
        "rows_total": plan.rows_total,
        "transactions_in_file": plan.transactions_in_file,
        "transactions_created": len(new),
        "transactions_skipped": len(existing),
        "zero_transactions_skipped": plan.zero_transactions_skipped,
        "virtual_postings_skipped": plan.virtual_postings_skipped,
        "virtual_transactions_skipped": plan.virtual_transactions_skipped,
        "accounts_created": accounts_created,
        "commodities_created": commodities_created,
    }
    logger.info(
        "Imported %s transactions into organization %s (%s already there)",
        len(new),
        organization.id,
        len(existing),
        extra={"organization_id": organization.id},
    )
    return result


def _check_books_open(
    organization: Organization, new: list[PlannedTransaction]
) -> None:
    closed = organization.books_closed_through
    if closed is None:
        return
    for txn in new:
        if txn.date <= closed:
            raise ImportRejected(
                txn.row,
                f"the transaction is dated {txn.date}, and the books are "
                f"closed through {closed}.",
            )


def _commodities(
    organization: Organization, plan: ImportPlan, used: set[str]
) -> tuple[dict[str, Currency], int]:
    base = organization.base_currency
    by_code = {c.code: c for c in Currency.objects.filter(organization=organization)}
    created = 0
    for commodity in sorted(used):
        code = commodity or base
        needed = plan.commodity_places.get(commodity, 0)
        currency = by_code.get(code) or find_currency(organization, code)
        if currency is None:
            currency = Currency.objects.create(
                organization=organization,
                code=code,
                name=code,
                decimal_places=needed,
                kind=CurrencyKind.CUSTOM,
            )
            created += 1
        elif currency.kind == CurrencyKind.ISO and currency.decimal_places < needed:
            raise ImportRejected(
                plan.commodity_rows.get(commodity, 1),
                f"{code} amounts take {currency.decimal_places} decimal places; the "
                f"file uses {needed}.",
            )
        elif currency.kind == CurrencyKind.CUSTOM and currency.decimal_places < needed:
            # Stored amounts keep 12 places, so widening a commodity is safe.
            currency.decimal_places = needed
            currency.save(update_fields=["decimal_places", "updated_at"])
        by_code[code] = currency
    return {commodity: by_code[commodity or base] for commodity in used}, created


def _accounts(
    organization: Organization,
    plan: ImportPlan,
    used: set[str],
    currencies: dict[str, Currency],
) -> tuple[dict[str, Account], int]:
    codes = {name: account_code(name) for name in used}
    found = {
        account.code: account
        for account in Account.objects.filter(
            organization=organization, code__in=codes.values()
        )
    }
    first_commodity = {}
    for txn in plan.transactions:
        for posting in txn.postings:
            first_commodity.setdefault(posting.account, posting.commodity)

    accounts, created = {}, 0
    for name in sorted(used):
        account = found.get(codes[name])
        if account is None:
            account = Account.objects.create(
                organization=organization,
                code=codes[name],
                name=name[:200],
                type=plan.account_types[name],
                currency=currencies[first_commodity[name]],
                is_system=name == plan.conversion_account,
            )
            created += 1
        elif not account.is_active:
            raise ImportRejected(
                plan.account_rows.get(name, 1),
                f"account {name!r} ({account.id}) is archived; reactivate it first.",
            )
        accounts[name] = account
    return accounts, created


def _post(
    organization: Organization,
    new: list[PlannedTransaction],
    accounts: dict[str, Account],
    currencies: dict[str, Currency],
) -> None:
    now = timezone.now()
    base_amount = _base_amounts(organization)
    transactions, entries = [], []
    for txn in new:
        row = Transaction(
            organization=organization,
            transaction_date=txn.date,
            description=txn.description,
            reference=txn.code,
            status=TransactionStatus.POSTED,
            posted_at=now,
            source_reference=txn.source_reference,
        )
        transactions.append(row)
        for position, posting in enumerate(txn.postings):
            currency = currencies[posting.commodity]
            amount = abs(posting.amount)
            entries.append(
                Entry(
                    organization=organization,
                    transaction=row,
                    position=position,
                    account=accounts[posting.account],
                    entry_type=EntryType.DEBIT
                    if posting.amount > 0
                    else EntryType.CREDIT,
                    amount=amount,
                    currency=currency,
                    base_amount=base_amount(currency, amount, txn.date),
                    transaction_date=txn.date,
                    posted=True,
                )
            )
    Transaction.objects.bulk_create(transactions, batch_size=500)
    Entry.objects.bulk_create(entries, batch_size=1000)
    apply_entries(organization, entries)


def _base_amounts(
    organization: Organization,
) -> Callable[[Currency, Decimal, datetime.date], Decimal | None]:
    """Return a function giving an entry's base amount, with rates looked up once."""
    base = find_currency(organization, organization.base_currency)
    with_rates = set(
        organization.exchange_rates.values_list("from_currency", flat=True)
    ) | set(organization.exchange_rates.values_list("to_currency", flat=True))
    cache: dict[tuple[str, datetime.date], Rate | None] = {}

    def convert(
        currency: Currency, amount: Decimal, on: datetime.date
    ) -> Decimal | None:
        if base is None or currency.pk == base.pk:
            return amount
        if currency.code not in with_rates:
            return None
        key = (currency.code, on)
        if key not in cache:
            cache[key] = rate_on(organization, currency.code, base.code, on)
        rate = cache[key]
        if rate is None:
            return None
        return round_half_up(rate.apply(amount), base.decimal_places)

    return convert
