"""Parallel postings between the same accounts lose no update and never deadlock."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ledger.models import AccountBalance, Entry
from ledger.models.transactions import EntryType
from tests.ledger_helpers import Books

THREADS = 8
POSTINGS_PER_THREAD = 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_postings_keep_balances_exact(make_tenant):
    tenant = make_tenant()
    books = Books(tenant.client(), tenant.id)
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    failures: list[bytes] = []

    def post_many(worker: int) -> None:
        client = Books(tenant.client(), tenant.id)
        try:
            for index in range(POSTINGS_PER_THREAD):
                amount = f"{worker + 1}.{index % 100:02d}"
                # Alternate the entry order so that the lock order inside the
                # service, not the request, decides which posting waits.
                entries = [(cash, "debit", amount), (sales, "credit", amount)]
                if index % 2:
                    entries.reverse()
                response = client.post("2026-02-01", f"w{worker}-{index}", *entries)
                if response.status_code != 201:
                    failures.append(response.content)
        finally:
            connection.close()

    threads = [threading.Thread(target=post_many, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    expected = sum(
        Decimal(f"{worker + 1}.{index % 100:02d}")
        for worker in range(THREADS)
        for index in range(POSTINGS_PER_THREAD)
    )
    debits = Entry.objects.filter(account_id=cash, entry_type=EntryType.DEBIT)
    assert debits.count() == THREADS * POSTINGS_PER_THREAD
    assert sum(debits.values_list("amount", flat=True)) == expected

    cash_row = AccountBalance.objects.get(account_id=cash)
    sales_row = AccountBalance.objects.get(account_id=sales)
    assert cash_row.debit_total == expected
    assert cash_row.entry_count == THREADS * POSTINGS_PER_THREAD
    assert sales_row.credit_total == expected
    assert books.balance(cash) == expected
    assert books.balance(sales) == expected
    assert books.trial_balance()["is_balanced"] is True
