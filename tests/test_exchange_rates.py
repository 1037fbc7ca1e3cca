"""Exchange rates: create, list, and their use for entries' base amounts."""

from decimal import Decimal

import pytest

from ledger.models import ExchangeRate
from tests.conftest import assert_error
from tests.ledger_helpers import Books


@pytest.fixture
def books(tenant):
    return Books(tenant.client(), tenant.id)


def add_rate(books, from_currency, to_currency, rate, effective_date, **extra):
    body = {
        "from_currency": from_currency,
        "to_currency": to_currency,
        "rate": rate,
        "effective_date": effective_date,
        **extra,
    }
    return books.client.post(books.url("exchange-rates"), body, format="json")


def listed_ids(books, **query) -> list[str]:
    response = books.client.get(books.url("exchange-rates"), query)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["data"]]


# Creating rates


def test_rate_create(books, tenant):
    response = add_rate(books, "EUR", "USD", "1.08", "2026-01-01", source="ECB")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["object"] == "exchange_rate"
    assert body["id"].startswith("exr_")
    assert body["organization_id"] == tenant.id
    assert body["from_currency"] == "EUR"
    assert body["to_currency"] == "USD"
    assert Decimal(body["rate"]) == Decimal("1.08")
    assert body["effective_date"] == "2026-01-01"
    assert body["source"] == "ECB"


def test_rate_create_without_source(books):
    response = add_rate(books, "EUR", "USD", "1.08", "2026-01-01")
    assert response.status_code == 201, response.content


def test_rate_retrieve(books):
    created = add_rate(books, "EUR", "USD", "1.08", "2026-01-01").json()
    response = books.client.get(books.url(f"exchange-rates/{created['id']}"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == created["id"]
    assert Decimal(body["rate"]) == Decimal("1.08")


def post_raw_rate(books, rate_json: str):
    """Post a EUR/USD rate with `rate_json` as the literal JSON of the rate."""
    text = (
        '{"from_currency": "EUR", "to_currency": "USD", '
        f'"effective_date": "2026-01-01", "rate": {rate_json}}}'
    )
    return books.client.post(
        books.url("exchange-rates"), text, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("rate_json", "rate"),
    [
        pytest.param('"1.12345678"', "1.12345678", id="string-8-places"),
        pytest.param("1.12345678", "1.12345678", id="number-8-places"),
        pytest.param("0.1", "0.1", id="number-not-binary-float"),
        pytest.param('"0.00000001"', "0.00000001", id="smallest-rate"),
        pytest.param('"1.10000000"', "1.1", id="trailing-zeros"),
        pytest.param("150", "150", id="integer-number"),
        pytest.param('"150"', "150", id="integer-string"),
    ],
)
def test_rate_accepted(books, rate_json, rate):
    response = post_raw_rate(books, rate_json)
    assert response.status_code == 201, response.content
    assert Decimal(response.json()["rate"]) == Decimal(rate)
    stored = ExchangeRate.objects.get(pk=response.json()["id"])
    assert stored.rate == Decimal(rate)


@pytest.mark.parametrize(
    "rate_json",
    [
        pytest.param('"1.123456789"', id="string-9-places"),
        pytest.param("1.123456789", id="number-9-places"),
        pytest.param("0", id="number-zero"),
        pytest.param("-2", id="number-negative"),
        pytest.param("null", id="null"),
        pytest.param("true", id="boolean"),
    ],
)
def test_rate_rejected_json(books, rate_json):
    count = ExchangeRate.objects.count()
    response = post_raw_rate(books, rate_json)
    error = assert_error(response, 400, "validation_error")
    assert "rate" in error["details"]["fields"]
    assert ExchangeRate.objects.count() == count


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"rate": "1.123456789"}, "rate", id="9-places-string"),
        pytest.param({"rate": "0"}, "rate", id="zero"),
        pytest.param({"rate": "0.000000000"}, "rate", id="zero-9-places"),
        pytest.param({"rate": "-1.5"}, "rate", id="negative"),
        pytest.param({"rate": "abc"}, "rate", id="not-a-number"),
        pytest.param({"to_currency": "EUR"}, "to_currency", id="same-currency"),
        pytest.param({"from_currency": "XYZ"}, "from_currency", id="unknown-from"),
        pytest.param({"to_currency": "XYZ"}, "to_currency", id="unknown-to"),
        pytest.param({"effective_date": "2026-02-30"}, "effective_date", id="bad-date"),
        pytest.param({"inverse": "0.9"}, "inverse", id="unknown-field"),
    ],
)
def test_rate_rejected(books, body, field):
    request = {
        "from_currency": "EUR",
        "to_currency": "USD",
        "rate": "1.08",
        "effective_date": "2026-01-01",
        **body,
    }
    count = ExchangeRate.objects.count()
    response = books.client.post(books.url("exchange-rates"), request, format="json")
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]["fields"]
    assert ExchangeRate.objects.count() == count


@pytest.mark.parametrize("missing", ["from_currency", "to_currency", "rate"])
def test_rate_missing_field(books, missing):
    body = {
        "from_currency": "EUR",
        "to_currency": "USD",
        "rate": "1.08",
        "effective_date": "2026-01-01",
    }
    del body[missing]
    response = books.client.post(books.url("exchange-rates"), body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert missing in error["details"]["fields"]


def test_rate_custom_commodity(books):
    books.client.post(
        books.url("currencies"),
        {"code": "AAPL", "name": "Apple shares", "decimal_places": 4},
        format="json",
    )
    response = add_rate(books, "AAPL", "USD", "190.25", "2026-01-01")
    assert response.status_code == 201, response.content


def test_rate_same_day_conflict(books):
    first = add_rate(books, "EUR", "USD", "1.08", "2026-01-01").json()
    count = ExchangeRate.objects.count()
    response = add_rate(books, "EUR", "USD", "1.09", "2026-01-01")
    error = assert_error(response, 409, "conflict_error")
    assert error["details"]["id"] == first["id"]
    assert ExchangeRate.objects.count() == count


def test_rate_same_day_other_direction(books):
    add_rate(books, "EUR", "USD", "1.08", "2026-01-01")
    response = add_rate(books, "USD", "EUR", "0.93", "2026-01-01")
    assert response.status_code == 201, response.content


def test_rate_same_pair_next_day(books):
    add_rate(books, "EUR", "USD", "1.08", "2026-01-01")
    response = add_rate(books, "EUR", "USD", "1.09", "2026-01-02")
    assert response.status_code == 201, response.content


def test_rate_same_key_other_organization(books, outsider):
    add_rate(books, "EUR", "USD", "1.08", "2026-01-01")
    theirs = Books(outsider.client(), outsider.id)
    response = add_rate(theirs, "EUR", "USD", "1.08", "2026-01-01")
    assert response.status_code == 201, response.content


# Listing rates


@pytest.fixture
def rates(books):
    """Four rates: three EUR/USD in January to March, one GBP/USD in February."""
    dated = [
        ("EUR", "USD", "1.08", "2026-01-01"),
        ("EUR", "USD", "1.09", "2026-02-01"),
        ("EUR", "USD", "1.10", "2026-03-01"),
        ("GBP", "USD", "1.27", "2026-02-01"),
    ]
    ids = []
    for row in dated:
        response = add_rate(books, *row)
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


def test_rate_list_envelope(books, rates):
    response = books.client.get(books.url("exchange-rates"))
    body = response.json()
    assert body["object"] == "list"
    assert body["total_count"] == 4
    assert body["has_more"] is False
    assert [item["id"] for item in body["data"]] == rates


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"from_currency": "GBP"}, [3], id="from"),
        pytest.param({"to_currency": "USD"}, [0, 1, 2, 3], id="to"),
        pytest.param({"to_currency": "EUR"}, [], id="to-none"),
        pytest.param({"effective_date_after": "2026-02-01"}, [1, 2, 3], id="after"),
        pytest.param({"effective_date_before": "2026-02-01"}, [0, 1, 3], id="before"),
        pytest.param(
            {
                "from_currency": "EUR",
                "effective_date_after": "2026-01-15",
                "effective_date_before": "2026-02-15",
            },
            [1],
            id="combined",
        ),
    ],
)
def test_rate_list_filter(books, rates, query, expected):
    assert listed_ids(books, **query) == [rates[index] for index in expected]


def test_rate_list_other_organization(books, rates, outsider):
    theirs = Books(outsider.client(), outsider.id)
    assert listed_ids(theirs) == []


def test_rate_retrieve_other_organization(books, rates, outsider):
    response = outsider.client().get(
        f"/organizations/{outsider.id}/exchange-rates/{rates[0]}"
    )
    assert_error(response, 404, "not_found_error")


# Base amounts of transaction entries


@pytest.fixture
def euro_accounts(books):
    bank = books.account("1100", "Euro bank", "asset", currency="EUR")
    sales = books.account("4100", "Euro sales", "revenue", currency="EUR")
    return bank, sales


def post_entries(books, date, entries):
    body = {"transaction_date": date, "description": "Sale", "entries": entries}
    response = books.client.post(books.url("transactions"), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["entries"]


def post_pair(books, accounts, date, amount, rate=None):
    """Post a debit and a credit of `amount`, with `rate` on the debit only."""
    bank, sales = accounts
    debit = {"account_id": bank, "entry_type": "debit", "amount": amount}
    if rate is not None:
        debit["exchange_rate"] = rate
    credit = {"account_id": sales, "entry_type": "credit", "amount": amount}
    return post_entries(books, date, [debit, credit])


@pytest.mark.parametrize(
    ("amount", "rate", "base_amount"),
    [
        # 15.045 is a tie: half-up gives 15.05, ties-to-even would give 15.04.
        pytest.param("10.03", "1.5", "15.05", id="tie-rounds-up"),
        # 15.075 is a tie where half-up and ties-to-even agree.
        pytest.param("10.05", "1.5", "15.08", id="tie-even-digit"),
        pytest.param("0.01", "0.5", "0.01", id="half-cent"),
        pytest.param("100.00", "1.23456789", "123.46", id="eight-place-rate"),
        pytest.param("100.00", "1.08", "108.00", id="exact"),
        pytest.param("0.01", "0.4", "0.00", id="below-half-cent"),
    ],
)
def test_base_amount_stored_rate(books, euro_accounts, amount, rate, base_amount):
    add_rate(books, "EUR", "USD", rate, "2026-01-01")
    entries = post_pair(books, euro_accounts, "2026-01-10", amount)
    for entry in entries:
        assert entry["currency"] == "EUR"
        assert entry["base_amount"] == base_amount
        assert Decimal(entry["exchange_rate"]) == Decimal(rate)


@pytest.mark.parametrize(
    ("date", "rate", "base_amount"),
    [
        pytest.param("2026-01-01", "1.08", "108.00", id="on-first-rate-day"),
        pytest.param("2026-01-31", "1.08", "108.00", id="between-rates"),
        pytest.param("2026-02-01", "1.09", "109.00", id="on-second-rate-day"),
        pytest.param("2026-12-31", "1.10", "110.00", id="after-last-rate"),
    ],
)
def test_base_amount_rate_by_date(books, euro_accounts, rates, date, rate, base_amount):
    entries = post_pair(books, euro_accounts, date, "100.00")
    assert entries[0]["base_amount"] == base_amount
    assert Decimal(entries[0]["exchange_rate"]) == Decimal(rate)


def test_base_amount_before_first_rate(books, euro_accounts, rates):
    entries = post_pair(books, euro_accounts, "2025-12-31", "100.00")
    assert entries[0]["base_amount"] is None
    assert entries[0]["exchange_rate"] is None


def test_base_amount_without_rate(books, euro_accounts):
    entries = post_pair(books, euro_accounts, "2026-01-10", "100.00")
    for entry in entries:
        assert entry["base_amount"] is None
        assert entry["exchange_rate"] is None


def test_base_amount_rate_for_other_pair(books, euro_accounts):
    add_rate(books, "GBP", "USD", "1.27", "2026-01-01")
    add_rate(books, "EUR", "GBP", "0.86", "2026-01-01")
    entries = post_pair(books, euro_accounts, "2026-01-10", "100.00")
    assert entries[0]["base_amount"] is None


def test_base_amount_entry_rate_wins(books, euro_accounts):
    add_rate(books, "EUR", "USD", "1.08", "2026-01-01")
    entries = post_pair(books, euro_accounts, "2026-01-10", "100.00", rate="1.2")
    debit, credit = entries
    assert debit["base_amount"] == "120.00"
    assert Decimal(debit["exchange_rate"]) == Decimal("1.2")
    assert credit["base_amount"] == "108.00"


def test_base_amount_entry_rate_without_stored(books, euro_accounts):
    entries = post_pair(books, euro_accounts, "2026-01-10", "10.03", rate="1.5")
    assert entries[0]["base_amount"] == "15.05"
    assert entries[1]["base_amount"] is None


@pytest.mark.parametrize(
    ("stored", "amount", "base_amount"),
    [
        pytest.param("2", "10.00", "5.00", id="exact-inverse"),
        # 1 / 3 = 0.333..., so 100.00 EUR is 33.333... USD.
        pytest.param("3", "100.00", "33.33", id="repeating-inverse"),
        # 1 / 0.8 = 1.25, so 0.10 EUR is 0.125 USD, a tie rounded up.
        pytest.param("0.8", "0.10", "0.13", id="inverse-tie"),
    ],
)
def test_base_amount_inverse_rate(books, euro_accounts, stored, amount, base_amount):
    add_rate(books, "USD", "EUR", stored, "2026-01-01")
    entries = post_pair(books, euro_accounts, "2026-01-10", amount)
    assert entries[0]["base_amount"] == base_amount
    assert Decimal(entries[0]["exchange_rate"]) == (1 / Decimal(stored)).quantize(
        Decimal("0.00000001")
    )


def test_base_amount_direct_beats_inverse(books, euro_accounts):
    add_rate(books, "EUR", "USD", "1.08", "2026-01-01")
    add_rate(books, "USD", "EUR", "0.5", "2026-01-01")
    entries = post_pair(books, euro_accounts, "2026-01-10", "100.00")
    assert entries[0]["base_amount"] == "108.00"


def test_base_amount_in_base_currency(books):
    cash = books.account("1000", "Cash", "asset")
    capital = books.account("3000", "Capital", "equity")
    add_rate(books, "EUR", "USD", "1.08", "2026-01-01")
    response = books.post(
        "2026-01-10",
        "Capital",
        (cash, "debit", "1234.56"),
        (capital, "credit", "1234.56"),
    )
    assert response.status_code == 201, response.content
    for entry in response.json()["entries"]:
        assert entry["currency"] == "USD"
        assert entry["base_amount"] == "1234.56"
        assert entry["amount"] == "1234.56"


def test_base_amount_entry_currency_field(books):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    add_rate(books, "EUR", "USD", "1.5", "2026-01-01")
    response = books.post(
        "2026-01-10",
        "Sale in euros",
        (cash, "debit", "10.03", "EUR"),
        (sales, "credit", "10.03", "EUR"),
    )
    assert response.status_code == 201, response.content
    for entry in response.json()["entries"]:
        assert entry["currency"] == "EUR"
        assert entry["base_amount"] == "15.05"


def test_base_amount_zero_place_base(make_tenant):
    tenant = make_tenant("Tokyo KK", base_currency="JPY")
    books = Books(tenant.client(), tenant.id)
    accounts = (
        books.account("1100", "Dollar bank", "asset", currency="USD"),
        books.account("4100", "Dollar sales", "revenue", currency="USD"),
    )
    add_rate(books, "USD", "JPY", "150.5", "2026-01-01")
    # 10.03 * 150.5 = 1509.515, which rounds to 1510 yen.
    entries = post_pair(books, accounts, "2026-01-10", "10.03")
    assert entries[0]["base_amount"] == "1510"


def test_base_amount_three_place_base(make_tenant):
    tenant = make_tenant("Manama WLL", base_currency="BHD")
    books = Books(tenant.client(), tenant.id)
    accounts = (
        books.account("1100", "Dollar bank", "asset", currency="USD"),
        books.account("4100", "Dollar sales", "revenue", currency="USD"),
    )
    add_rate(books, "USD", "BHD", "0.377", "2026-01-01")
    # 10.05 * 0.377 = 3.78885, which rounds to 3.789 dinars.
    entries = post_pair(books, accounts, "2026-01-10", "10.05")
    assert entries[0]["base_amount"] == "3.789"


def test_base_amount_on_retrieve(books, euro_accounts):
    add_rate(books, "EUR", "USD", "1.5", "2026-01-01")
    bank, sales = euro_accounts
    body = {
        "transaction_date": "2026-01-10",
        "entries": [
            {"account_id": bank, "entry_type": "debit", "amount": "10.03"},
            {"account_id": sales, "entry_type": "credit", "amount": "10.03"},
        ],
    }
    created = books.client.post(books.url("transactions"), body, format="json").json()
    fetched = books.client.get(books.url(f"transactions/{created['id']}")).json()
    assert fetched["entries"][0]["base_amount"] == "15.05"
