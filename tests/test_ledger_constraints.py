"""The database itself rejects unbalanced postings and bad amounts."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from ledger.models import Entry, Transaction
from ledger.services.accounts import create_account
from ledger.services.transactions import create_transaction

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ledger(make_tenant):
    organization = make_tenant().organization
    cash = create_account(
        organization, {"code": "1000", "name": "Cash", "type": "asset"}
    )
    sales = create_account(
        organization, {"code": "4000", "name": "Sales", "type": "revenue"}
    )
    txn = create_transaction(
        organization,
        {
            "transaction_date": datetime.date(2026, 1, 5),
            "entries": [
                {
                    "account_id": cash.id,
                    "entry_type": "debit",
                    "amount": Decimal("10.00"),
                },
                {
                    "account_id": sales.id,
                    "entry_type": "credit",
                    "amount": Decimal("10.00"),
                },
            ],
        },
    )
    return txn


def run_sql(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
def test_unbalanced_update_fails_at_commit(ledger):
    entry = ledger.entries.get(entry_type="debit")
    with pytest.raises(IntegrityError, match="unbalanced"):
        run_sql("UPDATE ledger_entry SET amount = 11 WHERE id = %s", [entry.id])
    assert Entry.objects.get(pk=entry.id).amount == Decimal("10.00")


@pytest.mark.postgres
def test_unbalanced_insert_fails_at_commit(ledger):
    entry = ledger.entries.get(entry_type="debit")
    with pytest.raises(IntegrityError, match="unbalanced"):
        run_sql(
            "INSERT INTO ledger_entry (id, organization_id, transaction_id, position,"
            " account_id, entry_type, amount, currency_id, description,"
            " transaction_date, posted)"
            " VALUES ('ent_raw0000000000001', %s, %s, 9, %s, 'debit', 5, %s, '',"
            " '2026-01-05', true)",
            [ledger.organization_id, ledger.id, entry.account_id, entry.currency_id],
        )
    assert ledger.entries.count() == 2


@pytest.mark.postgres
def test_deleting_one_side_fails_at_commit(ledger):
    entry = ledger.entries.get(entry_type="credit")
    with pytest.raises(IntegrityError, match="unbalanced"):
        run_sql("DELETE FROM ledger_entry WHERE id = %s", [entry.id])
    assert ledger.entries.count() == 2


@pytest.mark.postgres
def test_posting_unbalanced_pending_fails(ledger):
    run_sql(
        "UPDATE ledger_transaction SET status = 'pending' WHERE id = %s", [ledger.id]
    )
    entry = ledger.entries.get(entry_type="debit")
    # Unbalanced while pending is allowed by the database...
    run_sql("UPDATE ledger_entry SET amount = 11 WHERE id = %s", [entry.id])
    # ...but not the switch to posted.
    with pytest.raises(IntegrityError, match="unbalanced"):
        run_sql(
            "UPDATE ledger_transaction SET status = 'posted' WHERE id = %s", [ledger.id]
        )
    assert Transaction.objects.get(pk=ledger.id).status == "pending"


@pytest.mark.postgres
def test_balanced_raw_change_commits(ledger):
    run_sql(
        "UPDATE ledger_entry SET amount = 12 WHERE transaction_id = %s", [ledger.id]
    )
    amounts = set(ledger.entries.values_list("amount", flat=True))
    assert amounts == {Decimal("12.00")}


@pytest.mark.postgres
@pytest.mark.parametrize("amount", ["0", "-10"])
def test_non_positive_amount_is_rejected(ledger, amount):
    with pytest.raises((IntegrityError, InternalError)):
        run_sql(
            "UPDATE ledger_entry SET amount = %s WHERE transaction_id = %s",
            [amount, ledger.id],
        )
    amounts = set(ledger.entries.values_list("amount", flat=True))
    assert amounts == {Decimal("10.00")}


def test_negative_amount_rejected_on_any_database(ledger):
    with pytest.raises(IntegrityError):
        run_sql(
            "UPDATE ledger_entry SET amount = '-10' WHERE transaction_id = %s",
            [ledger.id],
        )
    assert set(ledger.entries.values_list("amount", flat=True)) == {Decimal("10.00")}


def test_decimals_round_trip_exactly(ledger):
    organization = ledger.organization
    cash = ledger.entries.get(entry_type="debit").account
    create_account(organization, {"code": "1900", "name": "Shares", "type": "asset"})
    big = Decimal("123456789012345678.99")
    assert len(big.as_tuple().digits) > 15
    txn = create_transaction(
        organization,
        {
            "transaction_date": datetime.date(2026, 1, 6),
            "status": "pending",
            "entries": [
                {
                    "account_id": cash.id,
                    "entry_type": "debit",
                    "amount": Decimal("0.01"),
                },
                {
                    "account_id": cash.id,
                    "entry_type": "credit",
                    "amount": Decimal("0.01"),
                },
            ],
        },
    )
    Entry.objects.filter(transaction=txn).update(amount=big)
    assert set(
        Entry.objects.filter(transaction=txn).values_list("amount", flat=True)
    ) == {big}
