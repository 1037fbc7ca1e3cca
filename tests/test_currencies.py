"""The ISO 4217 table at /currencies and an organization's own currencies."""

import pytest

from ledger.currency_data import ISO_CURRENCIES
from ledger.models import Currency
from tests.conftest import assert_error
from tests.ledger_helpers import Books


def org_url(tenant) -> str:
    return f"/organizations/{tenant.id}/currencies"


def all_pages(client, url: str) -> list[dict]:
    """Collect every item of a paginated list, 100 at a time."""
    items: list[dict] = []
    while True:
        response = client.get(url, {"limit": 100, "offset": len(items)})
        assert response.status_code == 200, response.content
        body = response.json()
        items.extend(body["data"])
        if not body["has_more"]:
            return items


# ISO 4217 table


def test_iso_list_envelope(api):
    response = api.get("/currencies")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["object"] == "list"
    assert len(body["data"]) == 20
    assert body["has_more"] is True
    assert body["total_count"] == len(ISO_CURRENCIES)


def test_iso_list_item_shape(api):
    item = api.get("/currencies").json()["data"][0]
    assert set(item) == {"object", "code", "name", "decimal_places"}
    assert item["object"] == "currency"


def test_iso_list_pages_cover_table(api):
    codes = [item["code"] for item in all_pages(api, "/currencies")]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(ISO_CURRENCIES)


@pytest.mark.parametrize(
    ("code", "places"),
    [
        ("JPY", 0),
        ("KRW", 0),
        ("USD", 2),
        ("EUR", 2),
        ("BHD", 3),
        ("KWD", 3),
        ("JOD", 3),
        ("OMR", 3),
        ("TND", 3),
    ],
)
def test_iso_list_decimal_places(api, code, places):
    by_code = {item["code"]: item for item in all_pages(api, "/currencies")}
    assert by_code[code]["decimal_places"] == places


def test_iso_list_without_key(anonymous):
    assert_error(anonymous.get("/currencies"), 401, "authentication_error")


def test_iso_list_with_bad_key(db, anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer cl_live_" + "x" * 32)
    assert_error(anonymous.get("/currencies"), 401, "authentication_error")


def test_iso_list_needs_no_permission(limited_key):
    client = limited_key({"reports": ["read"]})
    response = client.get("/currencies")
    assert response.status_code == 200, response.content


def test_iso_list_test_key(tenant):
    response = tenant.client(tenant.test_secret).get("/currencies")
    assert response.status_code == 200, response.content


# Organization currencies: listing


def test_org_list_shows_base_after_use(api, tenant):
    Books(api, tenant.id).account("1000", "Cash", "asset")
    response = api.get(org_url(tenant))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["object"] == "list"
    usd = [item for item in body["data"] if item["code"] == "USD"]
    assert len(usd) == 1
    assert usd[0]["object"] == "currency"
    assert usd[0]["kind"] == "iso"
    assert usd[0]["decimal_places"] == 2
    assert usd[0]["organization_id"] == tenant.id


def test_org_list_excludes_other_organizations(api, tenant, outsider):
    outsider.client().post(
        org_url(outsider),
        {"code": "GOLD", "name": "Gold grams", "decimal_places": 3},
        format="json",
    )
    codes = [item["code"] for item in api.get(org_url(tenant)).json()["data"]]
    assert "GOLD" not in codes


def test_org_list_other_tenant_404(api, outsider):
    assert_error(api.get(org_url(outsider)), 404, "not_found_error")


# Organization currencies: enabling ISO currencies


def test_enable_iso_currency(api, tenant):
    response = api.post(org_url(tenant), {"code": "EUR"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["object"] == "currency"
    assert body["id"].startswith("cur_")
    assert body["code"] == "EUR"
    assert body["name"] == "Euro"
    assert body["decimal_places"] == 2
    assert body["kind"] == "iso"


def test_enable_iso_currency_twice(api, tenant):
    first = api.post(org_url(tenant), {"code": "EUR"}, format="json")
    second = api.post(org_url(tenant), {"code": "EUR"}, format="json")
    assert first.status_code == 201, first.content
    assert second.status_code == 200, second.content
    assert second.json()["id"] == first.json()["id"]
    euros = Currency.objects.filter(organization=tenant.organization, code="EUR")
    assert euros.count() == 1


def test_enable_currency_already_used(api, tenant):
    Books(api, tenant.id).account("1000", "Cash", "asset")
    response = api.post(org_url(tenant), {"code": "USD"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["code"] == "USD"


@pytest.mark.parametrize(("code", "places"), [("JPY", 0), ("KWD", 3)])
def test_enable_iso_keeps_table_places(api, tenant, code, places):
    response = api.post(org_url(tenant), {"code": code}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["decimal_places"] == places


def test_enabled_currency_listed(api, tenant):
    api.post(org_url(tenant), {"code": "EUR"}, format="json")
    codes = [item["code"] for item in api.get(org_url(tenant)).json()["data"]]
    assert codes.count("EUR") == 1


def test_enable_currency_per_organization(api, tenant, outsider):
    ours = api.post(org_url(tenant), {"code": "GBP"}, format="json")
    theirs = outsider.client().post(org_url(outsider), {"code": "GBP"}, format="json")
    assert ours.status_code == 201, ours.content
    assert theirs.status_code == 201, theirs.content
    assert ours.json()["id"] != theirs.json()["id"]


# Organization currencies: custom commodities


def test_create_custom_commodity(api, tenant):
    response = api.post(
        org_url(tenant),
        {"code": "AAPL", "name": "Apple shares", "decimal_places": 4},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "AAPL"
    assert body["name"] == "Apple shares"
    assert body["decimal_places"] == 4
    assert body["kind"] == "custom"
    assert body["organization_id"] == tenant.id


@pytest.mark.parametrize("places", [0, 12])
def test_custom_commodity_place_limits(api, tenant, places):
    response = api.post(
        org_url(tenant),
        {"code": "PTS", "name": "Loyalty points", "decimal_places": places},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["decimal_places"] == places


def test_custom_commodity_duplicate_conflict(api, tenant):
    body = {"code": "AAPL", "name": "Apple shares", "decimal_places": 4}
    first = api.post(org_url(tenant), body, format="json")
    count = Currency.objects.count()
    second = api.post(org_url(tenant), body, format="json")
    error = assert_error(second, 409, "conflict_error")
    assert error["details"]["id"] == first.json()["id"]
    assert Currency.objects.count() == count


def test_custom_code_in_two_organizations(api, tenant, outsider):
    body = {"code": "AAPL", "name": "Apple shares", "decimal_places": 4}
    ours = api.post(org_url(tenant), body, format="json")
    theirs = outsider.client().post(org_url(outsider), body, format="json")
    assert ours.status_code == 201, ours.content
    assert theirs.status_code == 201, theirs.content


def test_custom_commodity_usable_on_account(api, tenant):
    api.post(
        org_url(tenant),
        {"code": "AAPL", "name": "Apple shares", "decimal_places": 4},
        format="json",
    )
    response = api.post(
        f"/organizations/{tenant.id}/accounts",
        {"code": "1200", "name": "Shares", "type": "asset", "currency": "AAPL"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "AAPL"


# Organization currencies: rejected requests write nothing


AAPL = {"code": "AAPL", "name": "Apple shares"}

REJECTED_CURRENCIES = [
    ("iso-code-as-custom", {"code": "USD", "name": "x", "decimal_places": 2}, "code"),
    ("iso-code-other-places", {**AAPL, "code": "EUR", "decimal_places": 4}, "code"),
    ("13-places", {**AAPL, "decimal_places": 13}, "decimal_places"),
    ("negative-places", {**AAPL, "decimal_places": -1}, "decimal_places"),
    ("custom-without-name", {"code": "AAPL", "decimal_places": 4}, "name"),
    ("custom-blank-name", {**AAPL, "name": "   ", "decimal_places": 4}, "name"),
    ("unknown-iso-code", {"code": "XYZ"}, "code"),
    ("lowercase-iso-code", {"code": "usd"}, "code"),
    ("empty-code", {"code": ""}, "code"),
    ("blank-code", {"code": "   "}, "code"),
    ("leading-space", {"code": " EUR"}, "code"),
    ("trailing-space", {"code": "EUR "}, "code"),
    ("padded-custom-code", {**AAPL, "code": " AAPL ", "decimal_places": 4}, "code"),
    ("digit-code", {"code": "123"}, "code"),
    ("digit-custom-code", {**AAPL, "code": "123", "decimal_places": 0}, "code"),
    ("unknown-field", {"code": "EUR", "symbol": "€"}, "symbol"),
    ("read-only-field", {"code": "EUR", "kind": "iso"}, "kind"),
    ("missing-code", {}, "code"),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [pytest.param(body, field, id=case) for case, body, field in REJECTED_CURRENCIES],
)
def test_currency_create_rejected(api, tenant, body, field):
    count = Currency.objects.count()
    response = api.post(org_url(tenant), body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]["fields"]
    assert Currency.objects.count() == count


def test_currency_create_needs_write(limited_key, tenant):
    client = limited_key({"currencies": ["read"]})
    count = Currency.objects.count()
    response = client.post(org_url(tenant), {"code": "EUR"}, format="json")
    assert_error(response, 403, "authorization_error")
    assert Currency.objects.count() == count
