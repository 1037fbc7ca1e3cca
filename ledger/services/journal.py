"""Read a journal in the CSV layout `hledger print -O csv` writes.

Parsing writes nothing to the database. It reads every row and groups the
rows into transactions by `txnidx`, checks amounts, dates, commodities and
account types, and plans one conversion entry per unbalanced commodity of a
transaction that converts between commodities, reporting progress as it
goes. A row number in an error is the line of the CSV file, the header
being 1.
"""

import csv
import datetime
import hashlib
import io
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

from craneledger.errors import BusinessRuleViolation
from ledger.currency_data import ISO_CURRENCIES
from ledger.models.accounts import AccountType
from ledger.money import MAX_PLACES, AmountError, check_size, places_of, to_decimal

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
