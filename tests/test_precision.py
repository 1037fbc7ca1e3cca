"""Amounts at the edges of precision and size stay exact or are rejected."""

import json
from decimal import Decimal

import pytest

from ledger.models import Transaction
from tests.conftest import assert_error
from tests.ledger_helpers import Books


@pytest.fixture
def books(tenant):
    return Books(tenant.client(), tenant.id)


@pytest.fixture
def points(books):
    """Four accounts in a custom commodity with 12 decimal places."""
    response = books.client.post(
        books.url("currencies"),
        {"code": "PTS12", "name": "Points", "decimal_places": 12},
        format="json",
    )
    assert response.status_code == 201, response.content
    return [
        books.account(f"P{n}", f"Points {n}", "asset", currency="PTS12")
        for n in range(4)
    ]


def test_largest_amounts_post_and_read(books, points):
    for _ in range(2):
        response = books.post(
            "2026-01-10",
            "Big",
            (points[0], "debit", "999999999999999999.999999999999"),
            (points[1], "credit", "999999999999999999.999999999999"),
        )
        assert response.status_code == 201, response.content
    expected = Decimal("1999999999999999999.999999999998")
    assert books.balance(points[0]) == expected
    assert books.balance(points[0], as_of="2026-01-10") == expected
    ledger = books.client.get(books.url(f"accounts/{points[0]}/transactions"))
    assert ledger.json()["data"][-1]["running_balance"] == str(expected)
    assert books.trial_balance()["is_balanced"] is True


def test_imbalance_of_one_unit_at_30_digits(books, points):
    response = books.post(
        "2026-01-10",
        "Off by 1e-12",
        (points[0], "debit", "900000000000000000.000000000001"),
        (points[1], "debit", "900000000000000000.000000000001"),
        (points[2], "credit", "900000000000000000.000000000001"),
        (points[3], "credit", "900000000000000000.000000000000"),
    )
    error = assert_error(response, 400, "validation_error", "unbalanced_transaction")
    assert error["details"]["imbalances"][0]["difference"] == "0.000000000001"
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        '"amount": 1e1000000',
        '"amount": "100.00999999999999999999999999999"',
        '"amount": "100.000000000000000000000000004"',
        '"amount": 1e-1000000',
    ],
)
def test_extreme_amounts_are_400(books, tenant, raw):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    body = (
        '{"transaction_date": "2026-01-10", "entries": ['
        f'{{"account_id": "{cash}", "entry_type": "debit", {raw}}},'
        f'{{"account_id": "{sales}", "entry_type": "credit", {raw}}}]}}'
    )
    response = books.client.post(
        books.url("transactions"), body, content_type="application/json"
    )
    error = assert_error(response, 400, "validation_error")
    assert "entries[0].amount" in error["details"]["fields"]
    assert Transaction.objects.count() == 0


def test_small_amounts_render_without_exponent(books):
    response = books.client.post(
        books.url("currencies"),
        {"code": "SAT", "name": "Satoshi-sized", "decimal_places": 8},
        format="json",
    )
    assert response.status_code == 201
    wallet = books.account("1500", "Wallet", "asset", currency="SAT")
    equity = books.account("3000", "Capital", "equity", currency="SAT")
    posted = books.post(
        "2026-01-10",
        "Dust",
        (wallet, "debit", "0.00000001"),
        (equity, "credit", "0.00000001"),
    )
    assert [entry["amount"] for entry in posted.json()["entries"]] == [
        "0.00000001",
        "0.00000001",
    ]
    body = books.client.get(books.url(f"accounts/{wallet}/balance")).json()
    assert body["balances"][0]["balance"] == "0.00000001"
    assert "E" not in json.dumps(books.trial_balance())


def test_inverse_rate_rounds_exact_tie_up(books):
    books.client.post(
        books.url("exchange-rates"),
        {
            "from_currency": "USD",
            "to_currency": "KWD",
            "rate": "3",
            "effective_date": "2026-01-01",
        },
        format="json",
    )
    cash = books.account("1400", "Dinar cash", "asset", currency="KWD")
    equity = books.account("3000", "Capital", "equity", currency="KWD")
    posted = books.post(
        "2026-01-10", "Tie", (cash, "debit", "0.045"), (equity, "credit", "0.045")
    ).json()
    # 0.045 KWD / 3 = 0.015 USD exactly, which rounds half-up to 0.02.
    assert posted["entries"][0]["base_amount"] == "0.02"


def test_partial_entries_in_patch_are_400(books):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    txn = books.post(
        "2026-01-10",
        "Draft",
        (cash, "debit", "5"),
        (sales, "credit", "5"),
        status="pending",
    ).json()
    for entries in (
        [
            {"entry_type": "debit", "amount": "1"},
            {"entry_type": "credit", "amount": "1"},
        ],
        [{}, {}],
    ):
        response = books.client.patch(
            books.url(f"transactions/{txn['id']}"), {"entries": entries}, format="json"
        )
        error = assert_error(response, 400, "validation_error")
        assert "entries[0].account_id" in error["details"]["fields"]


def test_date_change_revalues_base_amount(books):
    books.client.post(
        books.url("exchange-rates"),
        {
            "from_currency": "EUR",
            "to_currency": "USD",
            "rate": "1.10",
            "effective_date": "2026-02-01",
        },
        format="json",
    )
    cash = books.account("1010", "Euro cash", "asset", currency="EUR")
    equity = books.account("3000", "Capital", "equity", currency="EUR")
    txn = books.post(
        "2026-01-10",
        "Draft",
        (cash, "debit", "1"),
        (equity, "credit", "1"),
        status="pending",
    ).json()
    assert txn["entries"][0]["base_amount"] is None
    changed = books.client.patch(
        books.url(f"transactions/{txn['id']}"),
        {"transaction_date": "2026-02-01", "status": "posted"},
        format="json",
    ).json()
    assert changed["entries"][0]["base_amount"] == "1.10"
    assert changed["status"] == "posted"
