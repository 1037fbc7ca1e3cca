"""Journal entries: create, change, post, reverse and delete transactions.

Creating a posted transaction:
1. resolve every entry's account and currency, and check each amount against
   its currency's decimal places (400 naming `entries[i].field`);
2. check that debits equal credits in each currency (400 with the
   difference per currency); ledger.services.entries does steps 1 and 2;
3. check the date against `books_closed_through` and the accounts' state
   (422);
4. write the transaction and its entries, then add them to the running
   balances under row locks (see ledger.services.balances).
Steps 3 and 4 run in one database transaction.
PostgreSQL checks step 2 again at commit with a constraint trigger.
"""

import datetime
import logging
from typing import Any, TypedDict

from django.db import connection, transaction
from django.utils import timezone

from craneledger.fields import merge_metadata
from ledger.exceptions import (
    AccountArchived,
    BooksClosed,
    InvalidField,
    TransactionImmutable,
)
from ledger.models import (
    Category,
    Contact,
    Entry,
    Organization,
    Transaction,
    Transfer,
)
from ledger.models.transactions import EntryType, TransactionStatus
from ledger.models.transfers import TransferStatus
from ledger.services.balances import apply_entries
from ledger.services.entries import EntryInput, build_entries

logger = logging.getLogger(__name__)


class TransactionInput(TypedDict, total=False):
    transaction_date: datetime.date
    description: str
    reference: str
    status: str
    entries: list[EntryInput]
    metadata: dict[str, str]
    source_reference: str | None
    contact_id: str | None
    category_id: str | None


def _references(organization: Organization, data: TransactionInput) -> dict[str, Any]:
    """Resolve contact_id and category_id to objects of this organization."""
    found: dict[str, Any] = {}
    for field, model in (("contact_id", Contact), ("category_id", Category)):
        if field not in data:
            continue
        object_id = data[field]  # type: ignore[literal-required]
        if object_id is None:
            found[field.removesuffix("_id")] = None
            continue
        obj = model.objects.filter(organization=organization, pk=object_id).first()
        if obj is None:
            noun = model._meta.verbose_name
            raise InvalidField(field, f"No {noun} {object_id!r} in this organization.")
        found[field.removesuffix("_id")] = obj
    return found


def _books_closed_through(organization: Organization) -> datetime.date | None:
    """Read the closing date under a shared lock held until the posting commits.

    Postings share the lock, so they do not wait for one another, but closing
    the books (an update of the row) waits for the postings in flight, and a
    posting that starts later reads the new date. SQLite runs one writer at a
    time, so a plain read is enough there.
    """
    if connection.vendor != "postgresql":
        return (
            Organization.objects.filter(pk=organization.pk)
            .values_list("books_closed_through", flat=True)
            .get()
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT books_closed_through FROM ledger_organization WHERE id = %s "
            "FOR SHARE",
            [organization.pk],
        )
        return cursor.fetchone()[0]


def _check_postable(
    organization: Organization,
    txn_date: datetime.date,
    entries: list[Entry],
    check_accounts: bool,
) -> None:
    closed = _books_closed_through(organization)
    if closed is not None and txn_date <= closed:
        raise BooksClosed(
            f"The books are closed through {closed.isoformat()}; date the "
            f"transaction after that, not {txn_date.isoformat()}.",
            details={"books_closed_through": closed.isoformat()},
        )
    for entry in entries:
        if check_accounts and not entry.account.is_active:
            raise AccountArchived(
                f"Account {entry.account.id} ({entry.account.code}) is archived; "
                "reactivate it or post to another account.",
                details={
                    "fields": {
                        f"entries[{entry.position}].account_id": [
                            "The account is archived."
                        ]
                    }
                },
            )


def _post(txn: Transaction, entries: list[Entry], check_accounts: bool = True) -> None:
    _check_postable(txn.organization, txn.transaction_date, entries, check_accounts)
    txn.status = TransactionStatus.POSTED
    txn.posted_at = timezone.now()
    txn.save(update_fields=["status", "posted_at", "updated_at"])
    Entry.objects.filter(transaction=txn).update(posted=True)
    apply_entries(txn.organization, entries)
    logger.info(
        "Posted transaction %s in organization %s",
        txn.id,
        txn.organization_id,
        extra={"organization_id": txn.organization_id, "transaction_id": txn.id},
    )


def create_transaction(
    organization: Organization, data: TransactionInput
) -> Transaction:
    entries = build_entries(organization, data["transaction_date"], data["entries"])
    references = _references(organization, data)
    with transaction.atomic():
        txn = Transaction.objects.create(
            **references,
            organization=organization,
            transaction_date=data["transaction_date"],
            description=data.get("description", ""),
            reference=data.get("reference", ""),
            metadata=data.get("metadata") or {},
            source_reference=data.get("source_reference"),
        )
        for entry in entries:
            entry.transaction = txn
        Entry.objects.bulk_create(entries)
        if data.get("status", TransactionStatus.POSTED) == TransactionStatus.POSTED:
            _post(txn, entries)
    logger.info(
        "Created transaction %s (%s) in organization %s",
        txn.id,
        txn.status,
        organization.id,
        extra={"organization_id": organization.id, "transaction_id": txn.id},
    )
    return txn


def _lock_pending(txn: Transaction, verb: str) -> Transaction:
    locked = (
        Transaction.objects.select_for_update()
        .select_related("organization")
        .get(pk=txn.pk)
    )
    if locked.status != TransactionStatus.PENDING:
        raise TransactionImmutable(
            f"Transaction {locked.id} is {locked.status} and cannot be {verb}; "
            "correct a posted transaction with POST .../reverse.",
            details={"status": locked.status},
        )
    return locked


def update_transaction(txn: Transaction, changes: TransactionInput) -> Transaction:
    with transaction.atomic():
        locked = _lock_pending(txn, "changed")
        fields: dict[str, Any] = {}
        for name in ("transaction_date", "description", "reference"):
            if name in changes:
                fields[name] = changes[name]
        if "metadata" in changes:
            fields["metadata"] = merge_metadata(locked.metadata, changes["metadata"])
        fields.update(_references(locked.organization, changes))
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()

        new_entries = changes.get("entries")
        if new_entries is None and "transaction_date" in fields:
            # Rebuild the entries as they stand, so that base amounts use the
            # rates in effect on the new date.
            new_entries = [
                _as_input(entry)
                for entry in locked.entries.select_related("currency").order_by(
                    "position"
                )
            ]
        if new_entries is not None:
            entries = build_entries(
                locked.organization, locked.transaction_date, new_entries
            )
            Entry.objects.filter(transaction=locked).delete()
            for entry in entries:
                entry.transaction = locked
            Entry.objects.bulk_create(entries)
        if changes.get("status") == TransactionStatus.POSTED:
            _post(locked, list(locked.entries.select_related("account", "currency")))

    logger.info(
        "Updated transaction %s", locked.id, extra={"transaction_id": locked.id}
    )
    return locked


def _as_input(entry: Entry) -> EntryInput:
    """Turn a stored entry back into the input that would create it."""
    return {
        "account_id": entry.account_id,
        "entry_type": entry.entry_type,
        "amount": entry.amount,
        "currency": entry.currency.code,
        "description": entry.description,
    }


def post_transaction(txn: Transaction) -> Transaction:
    with transaction.atomic():
        locked = _lock_pending(txn, "posted again")
        _post(locked, list(locked.entries.select_related("account", "currency")))
    return locked


def delete_transaction(txn: Transaction) -> None:
    with transaction.atomic():
        locked = _lock_pending(txn, "deleted")
        locked.delete()
    logger.info(
        "Deleted pending transaction %s", txn.id, extra={"transaction_id": txn.id}
    )


def reverse_transaction(
    txn: Transaction,
    transaction_date: datetime.date | None = None,
    description: str | None = None,
) -> Transaction:
    """Post the mirror image of a posted transaction and mark it reversed.

    The reversal is dated like the original unless a date is given, so that
    reports for the original's period show the two cancelling out.
    """
    with transaction.atomic():
        locked = (
            Transaction.objects.select_for_update()
            .select_related("organization")
            .get(pk=txn.pk)
        )
        if locked.status != TransactionStatus.POSTED:
            raise TransactionImmutable(
                f"Transaction {locked.id} is {locked.status}; only a posted "
                "transaction can be reversed.",
                code="transaction_not_posted",
                details={"status": locked.status},
            )
        date = transaction_date or locked.transaction_date
        originals = list(locked.entries.select_related("account", "currency"))
        mirror = [
            Entry(
                organization=locked.organization,
                position=entry.position,
                account=entry.account,
                entry_type=EntryType.CREDIT
                if entry.entry_type == EntryType.DEBIT
                else EntryType.DEBIT,
                amount=entry.amount,
                currency=entry.currency,
                base_amount=entry.base_amount,
                exchange_rate=entry.exchange_rate,
                description=entry.description,
                transaction_date=date,
            )
            for entry in originals
        ]
        reversal = Transaction.objects.create(
            organization=locked.organization,
            transaction_date=date,
            description=description or f"Reversal of {locked.id}",
            reference=locked.reference,
            reversal_of=locked,
        )
        for entry in mirror:
            entry.transaction = reversal
        Entry.objects.bulk_create(mirror)
        # An archived account still takes a reversal, which only undoes history.
        _post(reversal, mirror, check_accounts=False)

        locked.status = TransactionStatus.REVERSED
        locked.save(update_fields=["status", "updated_at"])
        # A transfer posted by this transaction is reversed with it.
        Transfer.objects.filter(transaction=locked).update(
            status=TransferStatus.REVERSED, updated_at=timezone.now()
        )

    logger.info(
        "Reversed transaction %s with %s",
        locked.id,
        reversal.id,
        extra={"transaction_id": locked.id, "reversal_id": reversal.id},
    )
    return reversal
