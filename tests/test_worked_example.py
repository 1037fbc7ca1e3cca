"""A small business's first month through the API, with balances after each step."""

from decimal import Decimal

import pytest

from tests.ledger_helpers import Books


@pytest.fixture
def books(tenant):
    return Books(tenant.client(), tenant.id)


def tb_rows(trial_balance):
    return {
        row["account_code"]: (Decimal(row["debit"]), Decimal(row["credit"]))
        for row in trial_balance["rows"]
    }


def test_first_month_of_a_bakery(books):
    cash = books.account("1000", "Cash", "asset")
    equipment = books.account("1500", "Ovens", "asset")
    payable = books.account("2000", "Accounts payable", "liability")
    capital = books.account("3000", "Owner's capital", "equity")
    sales = books.account("4000", "Bread sales", "revenue")
    flour = books.account("5000", "Flour", "expense")

    # 1. The owner puts 10,000.00 of capital into the business.
    response = books.post(
        "2026-01-02",
        "Owner's capital",
        (cash, "debit", "10000.00"),
        (capital, "credit", "10000.00"),
    )
    assert response.status_code == 201, response.content
    assert books.balance(cash) == Decimal("10000.00")
    assert books.balance(capital) == Decimal("10000.00")
    tb = books.trial_balance()
    assert tb["is_balanced"] is True
    assert tb_rows(tb) == {
        "1000": (Decimal("10000.00"), Decimal(0)),
        "3000": (Decimal(0), Decimal("10000.00")),
    }

    # 2. An oven bought on credit for 4,200.00.
    books.post(
        "2026-01-05",
        "Oven on credit",
        (equipment, "debit", "4200.00"),
        (payable, "credit", "4200.00"),
    )
    assert books.balance(equipment) == Decimal("4200.00")
    assert books.balance(payable) == Decimal("4200.00")
    assert books.trial_balance()["totals"] == [
        {
            "currency": "USD",
            "debit": "14200.00",
            "credit": "14200.00",
            "is_balanced": True,
        }
    ]

    # 3. Flour paid in cash, then bread sold for cash.
    books.post(
        "2026-01-08", "Flour", (flour, "debit", "310.45"), (cash, "credit", "310.45")
    )
    books.post(
        "2026-01-20",
        "Bread sales",
        (cash, "debit", "1875.30"),
        (sales, "credit", "1875.30"),
    )
    assert books.balance(cash) == Decimal("11564.85")
    assert books.balance(sales) == Decimal("1875.30")
    assert books.balance(flour) == Decimal("310.45")

    # 4. Half of the oven paid off.
    books.post(
        "2026-01-25",
        "Oven, first half",
        (payable, "debit", "2100.00"),
        (cash, "credit", "2100.00"),
    )
    assert books.balance(payable) == Decimal("2100.00")
    assert books.balance(cash) == Decimal("9464.85")

    # 5. A sale recorded twice by mistake, then reversed.
    duplicate = books.post(
        "2026-01-28",
        "Bread sales (duplicate)",
        (cash, "debit", "99.99"),
        (sales, "credit", "99.99"),
    ).json()
    assert books.balance(sales) == Decimal("1975.29")
    reversal = books.client.post(books.url(f"transactions/{duplicate['id']}/reverse"))
    assert reversal.status_code == 201, reversal.content
    assert books.balance(sales) == Decimal("1875.30")
    assert books.balance(cash) == Decimal("9464.85")
    original = books.client.get(books.url(f"transactions/{duplicate['id']}")).json()
    assert original["status"] == "reversed"
    assert original["reversed_by"] == reversal.json()["id"]

    tb = books.trial_balance()
    assert tb["is_balanced"] is True
    assert tb_rows(tb) == {
        "1000": (Decimal("9464.85"), Decimal(0)),
        "1500": (Decimal("4200.00"), Decimal(0)),
        "2000": (Decimal(0), Decimal("2100.00")),
        "3000": (Decimal(0), Decimal("10000.00")),
        "4000": (Decimal(0), Decimal("1875.30")),
        "5000": (Decimal("310.45"), Decimal(0)),
    }
    assert tb["totals"][0]["debit"] == "13975.30"

    # The balance as of mid-month leaves out what came later.
    assert books.balance(cash, as_of="2026-01-10") == Decimal("9689.55")
    mid = books.trial_balance(as_of="2026-01-10")
    assert mid["is_balanced"] is True
    assert tb_rows(mid)["1000"] == (Decimal("9689.55"), Decimal(0))
    assert "4000" not in tb_rows(mid)
