"""Journal imports: real books in, the same balances out."""

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ledger.models import Account, Currency, Transaction
from operations.models import OperationStatus
from tests.conftest import assert_error

DATA = Path(__file__).resolve().parent / "data" / "ledger-standard"
HEADER = (
    "txnidx,date,date2,status,code,description,comment,account,amount,commodity,"
    "credit,debit,posting-status,posting-comment"
)


def conversion_balances() -> dict[str, Decimal]:
    """Return the conversion account's expected balances, debit positive."""
    with (DATA / "conversion.csv").open() as handle:
        return {
            row["commodity"]: Decimal(row["amount"]) for row in csv.DictReader(handle)
        }


def upload(api, tenant, text: str, **options):
    data = {"file": SimpleUploadedFile("journal.csv", text.encode(), "text/csv")}
    data.update(options)
    response = api.post(f"/organizations/{tenant.id}/imports", data, format="multipart")
    return response


def run_import(api, tenant, worker, text: str, **options) -> dict:
    response = upload(api, tenant, text, **options)
    assert response.status_code == 202, response.content
    request_id = response.json()["request_id"]
    worker.run(request_id)
    return api.get(f"/organizations/{tenant.id}/operations/{request_id}").json()


def net_balances(api, tenant) -> dict[tuple[str, str], Decimal]:
    """Return debit-positive balances by (account name, commodity)."""
    trial = api.get(f"/organizations/{tenant.id}/reports/trial-balance").json()
    assert trial["is_balanced"] is True
    return {
        (row["account_name"], row["currency"]): Decimal(row["debit"])
        - Decimal(row["credit"])
        for row in trial["rows"]
    }


def expected_balances(path: Path) -> dict[tuple[str, str], Decimal]:
    with path.open() as handle:
        return {
            (row["account"], row["commodity"]): Decimal(row["amount"])
            for row in csv.DictReader(handle)
        }


def test_standard_ledger_matches_ledger_cli(api, tenant, worker):
    operation = run_import(
        api, tenant, worker, (DATA / "postings.csv").read_text(), default_type="asset"
    )
    assert operation["status"] == "completed", operation["error"]
    result = operation["result"]
    assert result["transactions_in_file"] == 1347
    assert result["transactions_created"] == 1345
    assert result["virtual_transactions_skipped"] == 2
    assert result["virtual_postings_skipped"] == 12
    assert operation["metadata"]["progress"] == {"rows_done": 2925, "rows_total": 2925}

    actual = net_balances(api, tenant)
    expected = expected_balances(DATA / "balances.csv")
    mismatched = {
        key: (actual.get(key, Decimal(0)), amount)
        for key, amount in expected.items()
        if actual.get(key, Decimal(0)) != amount
    }
    assert mismatched == {}
    conversion = {
        commodity: amount
        for (name, commodity), amount in actual.items()
        if name == "Equity:Conversion" and amount != 0
    }
    assert conversion == conversion_balances()
    assert conversion["BBBBB"] == Decimal("-2242.324241")
    extra = {
        key: amount
        for key, amount in actual.items()
        if key not in expected and key[0] != "Equity:Conversion" and amount != 0
    }
    assert extra == {}


def test_reimport_adds_nothing(api, tenant, worker):
    text = (DATA / "postings.csv").read_text()
    first = run_import(api, tenant, worker, text, default_type="asset")
    balances = net_balances(api, tenant)
    counts = (Transaction.objects.count(), Account.objects.count())

    second = run_import(api, tenant, worker, text, default_type="asset")
    assert second["status"] == "completed"
    assert second["result"]["transactions_created"] == 0
    assert (
        second["result"]["transactions_skipped"]
        == first["result"]["transactions_created"]
    )
    assert second["result"]["accounts_created"] == 0
    assert (Transaction.objects.count(), Account.objects.count()) == counts
    assert net_balances(api, tenant) == balances


def journal(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


SMALL = journal(
    "1,2026-01-02,,*,,Opening,,Assets:Cash,100.00,USD,,100.00,,",
    "1,2026-01-02,,*,,Opening,,Equity:Opening,-100.00,USD,100.00,,,",
    "2,2026-01-03,,*,,Buy shares,,Assets:Broker,3,ACME,,3,,",
    "2,2026-01-03,,*,,Buy shares,,Assets:Cash,-30.00,USD,30.00,,,",
)


def test_small_journal_creates_what_it_needs(api, tenant, worker):
    operation = run_import(api, tenant, worker, SMALL)
    assert operation["status"] == "completed", operation["error"]
    result = operation["result"]
    assert result["transactions_created"] == 2
    assert result["commodities_created"] == 1
    assert result["accounts_created"] == 4
    types = dict(Account.objects.values_list("name", "type"))
    assert types == {
        "Assets:Cash": "asset",
        "Equity:Opening": "equity",
        "Assets:Broker": "asset",
        "Equity:Conversion": "equity",
    }
    acme = Currency.objects.get(code="ACME")
    assert acme.kind == "custom"
    assert acme.decimal_places == 0
    balances = net_balances(api, tenant)
    assert balances[("Equity:Conversion", "USD")] == Decimal("30.00")
    assert balances[("Equity:Conversion", "ACME")] == Decimal("-3")


def test_text_csv_body_with_query_options(api, tenant, worker):
    response = api.post(
        f"/organizations/{tenant.id}/imports?conversion_account=Equity:Trading",
        SMALL,
        content_type="text/csv",
    )
    assert response.status_code == 202, response.content
    worker.run(response.json()["request_id"])
    assert Account.objects.filter(name="Equity:Trading", is_system=True).exists()


def test_mapping_and_default_types(api, tenant, worker):
    text = journal(
        "1,2026-01-02,,,,Pay,,Bank:Main,5.00,USD,,5.00,,",
        "1,2026-01-02,,,,Pay,,Card:Visa,-5.00,USD,5.00,,,",
        "2,2026-01-03,,,,Fee,,Fees,1.00,USD,,1.00,,",
        "2,2026-01-03,,,,Fee,,Bank:Main,-1.00,USD,1.00,,,",
    )
    operation = run_import(
        api,
        tenant,
        worker,
        text,
        account_types='{"Bank": "asset", "Card": "liability"}',
        default_type="expense",
    )
    assert operation["status"] == "completed", operation["error"]
    types = dict(Account.objects.values_list("name", "type"))
    assert types["Bank:Main"] == "asset"
    assert types["Card:Visa"] == "liability"
    assert types["Fees"] == "expense"


@pytest.mark.parametrize(
    "text,row,reason",
    [
        (
            SMALL.replace(",amount,", ",amt,"),
            1,
            "amount",
        ),
        (
            journal(
                "1,2026-01-02,,,,A,,Assets:Cash,1.00,USD,,,,",
                "1,2026-01-02,,,,A,,Equity:X,-1.00,USD,,,,",
                "2,2026-01-03,,,,B,,Assets:Cash,ten,USD,,,,",
                "2,2026-01-03,,,,B,,Equity:X,-10,USD,,,,",
            ),
            4,
            "'ten'",
        ),
        (
            journal(
                "1,2026-01-02,,,,A,,Assets:Cash,1.00,USD,,,,",
                "1,2026-01-02,,,,A,,Equity:X,-1.00,USD,,,,",
                "2,2026-01-03,,,,B,,Assets:Coin,0.0000000000001,ZZZ,,,,",
                "2,2026-01-03,,,,B,,Assets:Cash,-1.00,USD,,,,",
            ),
            4,
            "13 decimal places",
        ),
        (
            journal(
                "1,2026-01-02,,,,A,,Assets:Cash,1.00,USD,,,,",
                "1,2026-01-02,,,,A,,Equity:X,-1.00,USD,,,,",
                "2,2026-01-03,,,,B,,Assets:Cash,5.00,USD,,,,",
                "2,2026-01-03,,,,B,,Equity:X,-4.99,USD,,,,",
            ),
            4,
            "does not balance",
        ),
        (
            journal(
                "1,2026-01-02,,,,A,,Assets:Cash,1.00,USD,,,,",
                "1,2026-01-02,,,,A,,Mystery,-1.00,USD,,,,",
            ),
            3,
            "Mystery",
        ),
        (
            journal(
                "1,2026-01-02,,,,A,,Assets:Cash,1.005,USD,,,,",
                "1,2026-01-02,,,,A,,Equity:X,-1.005,USD,,,,",
            ),
            2,
            "USD has 2",
        ),
        (
            journal(
                "1,2026-13-02,,,,A,,Assets:Cash,1.00,USD,,,,",
                "1,2026-13-02,,,,A,,Equity:X,-1.00,USD,,,,",
            ),
            2,
            "YYYY-MM-DD",
        ),
    ],
    ids=[
        "missing-column",
        "non-numeric",
        "13-places",
        "unbalanced",
        "unknown-type",
        "iso-places",
        "bad-date",
    ],
)
def test_bad_file_fails_with_row(api, tenant, worker, text, row, reason):
    operation = run_import(api, tenant, worker, text)
    assert operation["status"] == "failed"
    error = operation["error"]["error"]
    assert error["type"] == "business_rule_error"
    assert error["details"]["row"] == row
    assert reason in error["details"]["reason"]
    assert Transaction.objects.count() == 0
    assert not Account.objects.exists()


def test_closed_books_fail_whole_file(api, tenant, worker):
    tenant.organization.books_closed_through = "2026-01-02"
    tenant.organization.save()
    operation = run_import(api, tenant, worker, SMALL)
    assert operation["status"] == "failed"
    assert operation["error"]["error"]["details"]["row"] == 2
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize(
    "data,field",
    [
        ({}, "file"),
        ({"file": SimpleUploadedFile("a.csv", b"", "text/csv")}, "file"),
        ({"file": SimpleUploadedFile("a.csv", b"\xff\xfe", "text/csv")}, "file"),
        ({"default_type": "planet"}, "default_type"),
        ({"account_types": "{not json"}, "account_types"),
        ({"account_types": '{"Bank": "vault"}'}, "account_types"),
    ],
)
def test_malformed_upload_is_400(api, tenant, data, field):
    if "file" not in data and field != "file":
        data["file"] = SimpleUploadedFile("a.csv", SMALL.encode(), "text/csv")
    response = api.post(f"/organizations/{tenant.id}/imports", data, format="multipart")
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]["fields"]
    assert OperationStatus.objects.count() == 0


def test_progress_is_reported_while_parsing(tenant):
    from ledger.services.journal import parse_journal

    seen = []
    text = (DATA / "postings.csv").read_text()
    parse_journal(
        text, {"default_type": "asset"}, lambda done, total: seen.append((done, total))
    )
    assert seen[0] == (250, 2925)
    assert seen[-1] == (2925, 2925)
    assert len(seen) == 12


def test_balances_file_sums_match_postings():
    """Check the bundled files against each other, so a damaged copy shows."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    with (DATA / "postings.csv").open() as handle:
        for row in csv.DictReader(handle):
            if not row["account"].startswith("("):
                sums[(row["account"], row["commodity"])] += Decimal(row["amount"])
    expected = expected_balances(DATA / "balances.csv")
    assert {key: value for key, value in sums.items() if value} == {
        key: value for key, value in expected.items() if value
    }
