"""Journal transactions: validation, posting, reversal, closed books."""

from decimal import Decimal

import pytest

from ledger.models import AccountBalance, Entry, Organization, Transaction
from tests.conftest import assert_error
from tests.ledger_helpers import Books


@pytest.fixture
def books(tenant):
    return Books(tenant.client(), tenant.id)


@pytest.fixture
def accounts(books):
    return {
        "cash": books.account("1000", "Cash", "asset"),
        "eur": books.account("1010", "Euro cash", "asset", currency="EUR"),
        "jpy": books.account("1020", "Yen cash", "asset", currency="JPY"),
        "kwd": books.account("1030", "Dinar cash", "asset", currency="KWD"),
        "sales": books.account("4000", "Sales", "revenue"),
        "eur_sales": books.account("4010", "Euro sales", "revenue", currency="EUR"),
        "jpy_sales": books.account("4020", "Yen sales", "revenue", currency="JPY"),
        "kwd_sales": books.account("4030", "Dinar sales", "revenue", currency="KWD"),
    }


def nothing_written():
    assert Transaction.objects.count() == 0
    assert Entry.objects.count() == 0
    assert not AccountBalance.objects.filter(entry_count__gt=0).exists()


@pytest.mark.parametrize(
    "debit,credit,amount",
    [
        ("cash", "sales", "10.005"),
        ("jpy", "jpy_sales", "1240.5"),
        ("kwd", "kwd_sales", "0.0001"),
    ],
)
def test_too_many_places_is_400(books, accounts, debit, credit, amount):
    response = books.post(
        "2026-03-01",
        "Sale",
        (accounts[debit], "debit", amount),
        (accounts[credit], "credit", amount),
    )
    error = assert_error(response, 400, "validation_error")
    assert "entries[0].amount" in error["details"]["fields"]
    assert "entries[1].amount" in error["details"]["fields"]
    nothing_written()


def test_trailing_zeros_within_places_are_accepted(books, accounts):
    response = books.post(
        "2026-03-01",
        "Sale",
        (accounts["cash"], "debit", "10.500"),
        (accounts["sales"], "credit", "10.5"),
    )
    assert response.status_code == 201, response.content
    amounts = [entry["amount"] for entry in response.json()["entries"]]
    assert amounts == ["10.50", "10.50"]


def test_mixed_currency_imbalance_is_400(books, accounts):
    response = books.post(
        "2026-03-01",
        "Mixed",
        (accounts["eur"], "debit", "1.78"),
        (accounts["cash"], "debit", "44.00"),
        (accounts["eur_sales"], "credit", "45.78"),
    )
    error = assert_error(response, 400, "validation_error", "unbalanced_transaction")
    imbalances = {item["currency"]: item for item in error["details"]["imbalances"]}
    assert imbalances["EUR"]["difference"] == "-44.00"
    assert imbalances["EUR"]["debit_total"] == "1.78"
    assert imbalances["EUR"]["credit_total"] == "45.78"
    assert imbalances["USD"]["difference"] == "44.00"
    assert "EUR" in error["message"]
    assert "USD" in error["message"]
    nothing_written()


def test_off_by_three_cents_is_400(books, accounts):
    response = books.post(
        "2026-03-01",
        "Split",
        (accounts["eur"], "debit", "4.8"),
        (accounts["eur"], "debit", "2.97"),
        (accounts["eur_sales"], "credit", "7.80"),
    )
    error = assert_error(response, 400, "validation_error", "unbalanced_transaction")
    assert error["details"]["imbalances"] == [
        {
            "currency": "EUR",
            "debit_total": "7.77",
            "credit_total": "7.80",
            "difference": "-0.03",
        }
    ]
    nothing_written()


def test_balanced_split_is_stored_exactly(books, accounts):
    response = books.post(
        "2026-03-01",
        "Split",
        (accounts["eur"], "debit", "4.8"),
        (accounts["eur"], "debit", "2.97"),
        (accounts["eur_sales"], "credit", "7.77"),
    )
    assert response.status_code == 201, response.content
    assert [entry["amount"] for entry in response.json()["entries"]] == [
        "4.80",
        "2.97",
        "7.77",
    ]
    stored = Entry.objects.order_by("position").values_list("amount", flat=True)
    assert list(stored) == [Decimal("4.80"), Decimal("2.97"), Decimal("7.77")]
    assert books.balance(accounts["eur"]) == Decimal("7.77")


def test_json_numbers_are_exact(books, accounts):
    body = {
        "transaction_date": "2026-03-01",
        "entries": [
            {"account_id": accounts["cash"], "entry_type": "debit", "amount": 0.1},
            {"account_id": accounts["cash"], "entry_type": "debit", "amount": 0.2},
            {"account_id": accounts["sales"], "entry_type": "credit", "amount": 0.3},
        ],
    }
    response = books.client.post(books.url("transactions"), body, format="json")
    assert response.status_code == 201, response.content
    assert books.balance(accounts["cash"]) == Decimal("0.30")


@pytest.mark.parametrize(
    "amount", ["99999999999999999999999.99", "1e30", 10**40, "1000000000000000000"]
)
def test_huge_amount_is_400(books, accounts, amount):
    response = books.post(
        "2026-03-01",
        "Huge",
        (accounts["cash"], "debit", amount),
        (accounts["sales"], "credit", amount),
    )
    error = assert_error(response, 400, "validation_error")
    assert "entries[0].amount" in error["details"]["fields"]
    nothing_written()


@pytest.mark.parametrize(
    "amount", ["0", "0.00", "-5.00", "abc", "", None, True, "NaN", "1,000.00"]
)
def test_invalid_amount_is_400(books, accounts, amount):
    response = books.post(
        "2026-03-01",
        "Bad",
        (accounts["cash"], "debit", amount),
        (accounts["sales"], "credit", "5.00"),
    )
    error = assert_error(response, 400, "validation_error")
    assert "entries[0].amount" in error["details"]["fields"]
    nothing_written()


def test_unknown_account_is_400(books, accounts):
    response = books.post(
        "2026-03-01",
        "Bad",
        ("act_0000000000000000", "debit", "5"),
        (accounts["sales"], "credit", "5"),
    )
    error = assert_error(response, 400, "validation_error")
    assert "entries[0].account_id" in error["details"]["fields"]
    nothing_written()


def test_unknown_currency_is_400(books, accounts):
    response = books.post(
        "2026-03-01",
        "Bad",
        (accounts["cash"], "debit", "5", "ZZZ"),
        (accounts["sales"], "credit", "5", "ZZZ"),
    )
    error = assert_error(response, 400, "validation_error")
    assert "entries[0].currency" in error["details"]["fields"]
    nothing_written()


def test_archived_account_is_422(books, accounts):
    books.client.patch(
        books.url(f"accounts/{accounts['sales']}"), {"is_active": False}, format="json"
    )
    response = books.post(
        "2026-03-01",
        "Sale",
        (accounts["cash"], "debit", "5"),
        (accounts["sales"], "credit", "5"),
    )
    error = assert_error(response, 422, "business_rule_error", "account_archived")
    assert "entries[1].account_id" in error["details"]["fields"]
    nothing_written()


@pytest.mark.parametrize(
    "entries,path",
    [
        ([], "entries"),
        ([{"account_id": "x", "entry_type": "debit", "amount": "1"}], "entries"),
        (
            [{"account_id": "x", "entry_type": "both", "amount": "1"}] * 2,
            "entries[0].entry_type",
        ),
        (
            [{"account_id": "x", "entry_type": "debit", "amount": "1", "memo": "y"}]
            * 2,
            "entries[0].memo",
        ),
        ([{"entry_type": "debit", "amount": "1"}] * 2, "entries[0].account_id"),
    ],
)
def test_malformed_entries_are_400(books, accounts, entries, path):
    body = {"transaction_date": "2026-03-01", "entries": entries}
    response = books.client.post(books.url("transactions"), body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert path in error["details"]["fields"]
    nothing_written()


def test_entry_in_other_currency_than_account(books, accounts):
    response = books.post(
        "2026-03-01",
        "Euro sale into dollar account",
        (accounts["cash"], "debit", "12.34", "EUR"),
        (accounts["eur_sales"], "credit", "12.34"),
    )
    assert response.status_code == 201, response.content
    assert books.balance(accounts["cash"], "EUR") == Decimal("12.34")
    assert books.balance(accounts["cash"], "USD") == Decimal(0)


def pending(books, accounts, amount="25.00"):
    response = books.post(
        "2026-03-02",
        "Draft",
        (accounts["cash"], "debit", amount),
        (accounts["sales"], "credit", amount),
        status="pending",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_pending_has_no_balance_effect(books, accounts):
    txn = pending(books, accounts)
    assert txn["status"] == "pending"
    assert txn["posted_at"] is None
    assert books.balance(accounts["cash"]) == Decimal(0)
    assert books.trial_balance()["rows"] == []


def test_pending_can_change_and_post(books, accounts):
    txn = pending(books, accounts)
    url = books.url(f"transactions/{txn['id']}")
    changed = books.client.patch(
        url,
        {
            "description": "Final",
            "transaction_date": "2026-03-05",
            "entries": [
                {
                    "account_id": accounts["cash"],
                    "entry_type": "debit",
                    "amount": "30.00",
                },
                {
                    "account_id": accounts["sales"],
                    "entry_type": "credit",
                    "amount": "30.00",
                },
            ],
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["entries"][0]["amount"] == "30.00"

    posted = books.client.post(url + "/post")
    assert posted.status_code == 200, posted.content
    assert posted.json()["status"] == "posted"
    assert books.balance(accounts["cash"]) == Decimal("30.00")
    assert books.balance(accounts["cash"], as_of="2026-03-04") == Decimal(0)


def test_pending_change_must_balance(books, accounts):
    txn = pending(books, accounts)
    response = books.client.patch(
        books.url(f"transactions/{txn['id']}"),
        {
            "entries": [
                {
                    "account_id": accounts["cash"],
                    "entry_type": "debit",
                    "amount": "30.00",
                },
                {
                    "account_id": accounts["sales"],
                    "entry_type": "credit",
                    "amount": "31.00",
                },
            ]
        },
        format="json",
    )
    assert_error(response, 400, "validation_error", "unbalanced_transaction")
    amounts = set(Entry.objects.values_list("amount", flat=True))
    assert amounts == {Decimal("25.00")}


def test_pending_can_be_deleted(books, accounts):
    txn = pending(books, accounts)
    response = books.client.delete(books.url(f"transactions/{txn['id']}"))
    assert response.status_code == 204
    nothing_written()


def posted(books, accounts, amount="40.00"):
    response = books.post(
        "2026-03-03",
        "Sale",
        (accounts["cash"], "debit", amount),
        (accounts["sales"], "credit", amount),
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    "method,suffix,body",
    [
        ("patch", "", {"description": "Edited"}),
        ("put", "", {"description": "Edited"}),
        ("delete", "", None),
        ("post", "/post", None),
    ],
)
def test_posted_is_immutable(books, accounts, method, suffix, body):
    txn = posted(books, accounts)
    url = books.url(f"transactions/{txn['id']}") + suffix
    response = getattr(books.client, method)(url, body, format="json")
    assert_error(response, 422, "business_rule_error", "transaction_not_pending")
    stored = Transaction.objects.get(pk=txn["id"])
    assert stored.description == "Sale"
    assert books.balance(accounts["cash"]) == Decimal("40.00")


def test_reversal_undoes_balances(books, accounts):
    txn = posted(books, accounts)
    response = books.client.post(books.url(f"transactions/{txn['id']}/reverse"))
    assert response.status_code == 201, response.content
    reversal = response.json()
    assert reversal["status"] == "posted"
    assert reversal["reversal_of"] == txn["id"]
    assert reversal["transaction_date"] == "2026-03-03"
    assert [entry["entry_type"] for entry in reversal["entries"]] == ["credit", "debit"]
    assert books.balance(accounts["cash"]) == Decimal(0)
    assert books.balance(accounts["sales"]) == Decimal(0)

    again = books.client.post(books.url(f"transactions/{txn['id']}/reverse"))
    assert_error(again, 422, "business_rule_error", "transaction_not_posted")


def test_reversal_with_own_date(books, accounts):
    txn = posted(books, accounts)
    response = books.client.post(
        books.url(f"transactions/{txn['id']}/reverse"),
        {"transaction_date": "2026-04-01", "description": "Refund"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["description"] == "Refund"
    assert books.balance(accounts["cash"], as_of="2026-03-31") == Decimal("40.00")
    assert books.balance(accounts["cash"], as_of="2026-04-01") == Decimal(0)


def test_pending_cannot_be_reversed(books, accounts):
    txn = pending(books, accounts)
    response = books.client.post(books.url(f"transactions/{txn['id']}/reverse"))
    assert_error(response, 422, "business_rule_error", "transaction_not_posted")


def close_books(tenant, date):
    Organization.objects.filter(pk=tenant.id).update(books_closed_through=date)


def test_posting_into_closed_books_is_422(books, tenant, accounts):
    close_books(tenant, "2026-03-31")
    for date in ("2026-03-31", "2026-01-15"):
        response = books.post(
            date,
            "Late",
            (accounts["cash"], "debit", "5"),
            (accounts["sales"], "credit", "5"),
        )
        error = assert_error(response, 422, "business_rule_error", "books_closed")
        assert error["details"]["books_closed_through"] == "2026-03-31"
    nothing_written()
    after = books.post(
        "2026-04-01",
        "On time",
        (accounts["cash"], "debit", "5"),
        (accounts["sales"], "credit", "5"),
    )
    assert after.status_code == 201


def test_pending_in_closed_period_cannot_post(books, tenant, accounts):
    txn = pending(books, accounts)
    close_books(tenant, "2026-03-31")
    response = books.client.post(books.url(f"transactions/{txn['id']}/post"))
    assert_error(response, 422, "business_rule_error", "books_closed")
    assert Transaction.objects.get(pk=txn["id"]).status == "pending"
    assert books.balance(accounts["cash"]) == Decimal(0)


def test_reversal_into_closed_books_needs_date(books, tenant, accounts):
    txn = posted(books, accounts)
    close_books(tenant, "2026-03-31")
    url = books.url(f"transactions/{txn['id']}/reverse")
    assert_error(books.client.post(url), 422, "business_rule_error", "books_closed")
    assert Transaction.objects.get(pk=txn["id"]).status == "posted"
    response = books.client.post(url, {"transaction_date": "2026-04-02"}, format="json")
    assert response.status_code == 201, response.content


def test_list_filters(books, accounts):
    posted(books, accounts)
    pending(books, accounts)
    other = books.post(
        "2026-05-01",
        "May",
        (accounts["eur"], "debit", "1"),
        (accounts["eur_sales"], "credit", "1"),
    ).json()

    def ids(query):
        response = books.client.get(books.url("transactions"), query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["data"]]

    assert len(ids({})) == 3
    assert len(ids({"status": "pending"})) == 1
    assert ids({"transaction_date_after": "2026-04-01"}) == [other["id"]]
    assert ids({"account_id": accounts["eur"]}) == [other["id"]]
    error = assert_error(
        books.client.get(books.url("transactions"), {"status": "lost"}),
        400,
        "validation_error",
    )
    assert "status" in error["details"]["fields"]
