"""Import a journal in the CSV layout `hledger print -O csv` writes.

1. parse (no database writes): read every row and group the rows into
   transactions by `txnidx`. Check amounts, dates, commodities and account
   types. Plan one conversion entry per unbalanced commodity of a transaction
   that converts between commodities. Report progress as it goes.
2. apply (one database transaction, so the import is all or nothing): skip
   transactions imported before (by source reference), create the missing
   commodities and accounts, and post the rest in bulk.

A row number in an error is the line of the CSV file, the header being 1.
"""

import csv
import datetime
import hashlib
import io
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from django.db import transaction
from django.utils import timezone

from craneledger.errors import BusinessRuleViolation
from ledger.currency_data import ISO_CURRENCIES
from ledger.models import Account, Currency, Entry, Organization, Transaction
from ledger.models.accounts import AccountType
from ledger.models.currencies import CurrencyKind
from ledger.models.transactions import EntryType, TransactionStatus
from ledger.money import (
    MAX_PLACES,
    AmountError,
    check_size,
    places_of,
    round_half_up,
    to_decimal,
)
from ledger.services.balances import apply_entries
from ledger.services.currencies import find_currency
from ledger.services.exchange_rates import Rate, rate_on

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = (
    "txnidx",
    "date",
    "code",
    "description",
    "account",
    "amount",
    "commodity",
)
PROGRESS_EVERY = 250
DEFAULT_CONVERSION_ACCOUNT = "Equity:Conversion"
ACCOUNT_CODE_LENGTH = 64
SOURCE_PREFIX = "hledger"

# The type an account name's first segment implies, in any case.
TYPE_BY_FIRST_SEGMENT = {
    "assets": AccountType.ASSET,
    "asset": AccountType.ASSET,
    "liabilities": AccountType.LIABILITY,
    "liability": AccountType.LIABILITY,
    "equity": AccountType.EQUITY,
    "income": AccountType.REVENUE,
    "revenue": AccountType.REVENUE,
    "revenues": AccountType.REVENUE,
    "expenses": AccountType.EXPENSE,
    "expense": AccountType.EXPENSE,
}


class ImportOptions(TypedDict, total=False):
    account_types: dict[str, str]
    default_type: str | None
    conversion_account: str | None


class ImportRejected(BusinessRuleViolation):
    """Raised when a row of an import is invalid; nothing of the file is posted."""

    default_code = "import_row_invalid"

    def __init__(self, row: int, reason: str) -> None:
        super().__init__(
            f"Row {row}: {reason} Nothing of the file was imported.",
            details={"row": row, "reason": reason},
        )


@dataclass
class Posting:
    account: str
    amount: Decimal
    commodity: str
    row: int


@dataclass
class PlannedTransaction:
    row: int
    date: datetime.date
    description: str
    code: str
    postings: list[Posting] = field(default_factory=list)
    source_reference: str = ""


@dataclass
class ImportPlan:
    transactions: list[PlannedTransaction]
    account_types: dict[str, str]
    account_rows: dict[str, int]
    commodity_places: dict[str, int]
    commodity_rows: dict[str, int]
    conversion_account: str
    rows_total: int
    transactions_in_file: int = 0
    virtual_postings_skipped: int = 0
    virtual_transactions_skipped: int = 0
    zero_transactions_skipped: int = 0


def parse_journal(
    text: str,
    options: ImportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Read and check the whole file; raise ImportRejected at the first bad row."""
    lines = text.splitlines()
    rows_total = max(0, len([line for line in lines if line.strip()]) - 1)
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        name for name in REQUIRED_COLUMNS if name not in (reader.fieldnames or [])
    ]
    if missing:
        raise ImportRejected(
            1,
            f"the header lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(name) for name in missing)}; export with "
            "`hledger print -O csv`.",
        )

    grouped: dict[str, PlannedTransaction] = {}
    places: dict[str, int] = defaultdict(int)
    account_rows: dict[str, int] = {}
    commodity_rows: dict[str, int] = {}
    virtual = 0
    done = 0
    keys: set[str] = set()
    for record in reader:
        row = reader.line_num
        done += 1
        keys.add((record["txnidx"] or "").strip())
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, rows_total)
        account = (record["account"] or "").strip()
        if not account:
            raise ImportRejected(row, "the account is empty.")
        if account.startswith("(") and account.endswith(")"):
            virtual += 1
            continue
        txn = _transaction_for(grouped, record, row)
        amount, commodity = _amount(record, row)
        places[commodity] = max(places[commodity], _places(amount, commodity, row))
        account_rows.setdefault(account, row)
        commodity_rows.setdefault(commodity, row)
        txn.postings.append(Posting(account, amount, commodity, row))
    if progress:
        progress(done, rows_total)

    conversion = (
        options.get("conversion_account") or DEFAULT_CONVERSION_ACCOUNT
    ).strip()
    types = _account_types(account_rows, options)
    types.setdefault(conversion, AccountType.EQUITY)
    plan = ImportPlan(
        transactions=[],
        account_types=types,
        account_rows=account_rows,
        commodity_places=dict(places),
        commodity_rows=commodity_rows,
        conversion_account=conversion,
        rows_total=rows_total,
        transactions_in_file=len(keys),
        virtual_postings_skipped=virtual,
        # Transactions whose every posting is virtual never reach `grouped`.
        virtual_transactions_skipped=len(keys) - len(grouped),
    )
    seen: Counter = Counter()
    for txn in grouped.values():
        txn.postings = [posting for posting in txn.postings if posting.amount != 0]
        if not txn.postings:
            plan.zero_transactions_skipped += 1
            continue
        _add_conversions(txn, conversion)
        fingerprint = _fingerprint(txn)
        seen[fingerprint] += 1
        txn.source_reference = f"{SOURCE_PREFIX}:{fingerprint}:{seen[fingerprint]}"
        plan.transactions.append(txn)
    return plan


def _transaction_for(
    grouped: dict[str, PlannedTransaction], record: dict[str, str], row: int
) -> PlannedTransaction:
    key = (record["txnidx"] or "").strip()
    if not key:
        raise ImportRejected(row, "txnidx is empty.")
    if key in grouped:
        return grouped[key]
    raw_date = (record["date"] or "").strip()
    try:
        date = datetime.datetime.strptime(raw_date, "%Y-%m-%d").date()
    except ValueError:
        raise ImportRejected(row, f"the date {raw_date!r} is not YYYY-MM-DD.") from None
    description = (record["description"] or "").strip()
    code = (record["code"] or "").strip()
    if len(description) > 500 or len(code) > 100:
        raise ImportRejected(
            row, "the description or code is too long (500 and 100 at most)."
        )
    grouped[key] = PlannedTransaction(row, date, description, code)
    return grouped[key]


def _amount(record: dict[str, str], row: int) -> tuple[Decimal, str]:
    raw = (record["amount"] or "").strip()
    try:
        amount = check_size(to_decimal(raw))
    except AmountError as exc:
        raise ImportRejected(row, f"the amount {raw!r} is not usable: {exc}") from None
    commodity = (record["commodity"] or "").strip()
    if len(commodity) > 32:
        raise ImportRejected(
            row, f"the commodity {commodity[:40]!r} is longer than 32 characters."
        )
    return amount, commodity


def _places(amount: Decimal, commodity: str, row: int) -> int:
    needed = places_of(amount)
    label = commodity or "(no commodity)"
    if needed > MAX_PLACES:
        raise ImportRejected(
            row,
            f"{amount} {label} has {needed} decimal places; a commodity takes at "
            f"most {MAX_PLACES}.",
        )
    iso = ISO_CURRENCIES.get(commodity)
    if iso is not None and needed > iso.decimal_places:
        raise ImportRejected(
            row,
            f"{amount} {commodity} has {needed} decimal places; {commodity} has "
            f"{iso.decimal_places}.",
        )
    return needed


def _account_types(
    account_rows: dict[str, int], options: ImportOptions
) -> dict[str, str]:
    mapping = options.get("account_types") or {}
    prefixes = sorted(mapping, key=len, reverse=True)
    default = options.get("default_type")
    types = {}
    for account, row in account_rows.items():
        prefix = next(
            (p for p in prefixes if account.lower().startswith(p.lower())), None
        )
        first = account.split(":", 1)[0].lower()
        if prefix is not None:
            types[account] = mapping[prefix]
        elif first in TYPE_BY_FIRST_SEGMENT:
            types[account] = TYPE_BY_FIRST_SEGMENT[first]
        elif default:
            types[account] = default
        else:
            raise ImportRejected(
                row,
                f"the type of account {account!r} is unknown from its name; send "
                "default_type or an account_types mapping.",
            )
    return types


def _add_conversions(txn: PlannedTransaction, conversion: str) -> None:
    """Balance each commodity of a converting transaction on the conversion account."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for posting in txn.postings:
        sums[posting.commodity] += posting.amount
    unbalanced = {commodity: total for commodity, total in sums.items() if total != 0}
    if not unbalanced:
        return
    if len(sums) == 1:
        commodity, total = next(iter(unbalanced.items()))
        raise ImportRejected(
            txn.row,
            f"the transaction does not balance: its {commodity or 'amounts'} "
            f"postings sum to {total}, not 0.",
        )
    for commodity, total in unbalanced.items():
        txn.postings.append(Posting(conversion, -total, commodity, txn.row))


def _fingerprint(txn: PlannedTransaction) -> str:
    parts = [txn.date.isoformat(), txn.code, txn.description] + sorted(
        f"{p.account}\x1f{p.amount.normalize()}\x1f{p.commodity}" for p in txn.postings
    )
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:32]


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
