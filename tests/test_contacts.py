"""Contacts: queued writes, Unicode names, email uniqueness, filters, tenancy."""

import pytest

from ledger.models import Contact
from operations.models import CreditPool, OperationStatus
from tests.conftest import assert_error
from tests.ledger_helpers import Books

GOOD_CONTACT = {
    "contact_type": "customer",
    "name": "Acme Bakery",
    "email": "hi@acme.test",
}

FULL_CONTACT = {
    "contact_type": "vendor",
    "name": "Müller Holz GmbH",
    "email": "einkauf@mueller-holz.test",
    "phone": "+49 30 1234567",
    "website": "https://mueller-holz.test",
    "tax_number": "DE123456789",
    "address_line1": "Holzweg 4",
    "address_line2": "Hinterhaus",
    "city": "Berlin",
    "region": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "currency": "EUR",
    "enabled": False,
    "metadata": {"crm_id": "4711"},
}


def contacts_url(tenant, contact_id: str = "") -> str:
    url = f"/organizations/{tenant.id}/contacts"
    return f"{url}/{contact_id}" if contact_id else url


def pool_balance(tenant) -> int:
    return CreditPool.objects.get(organization_id=tenant.id).balance


def operation(client, tenant, request_id: str) -> dict:
    response = client.get(f"/organizations/{tenant.id}/operations/{request_id}")
    assert response.status_code == 200, response.content
    return response.json()


def accepted(response) -> str:
    """Return the request id of a 202 response to a queued write."""
    assert response.status_code == 202, response.content
    return response.json()["request_id"]


def queue_contact(client, tenant, **fields) -> str:
    body = {**GOOD_CONTACT, **fields}
    return accepted(client.post(contacts_url(tenant), body, format="json"))


def create_contact(client, tenant, worker, **fields) -> dict:
    """Queue a contact, run the worker and return the created contact."""
    request_id = queue_contact(client, tenant, **fields)
    outcome = worker.run(request_id)
    body = operation(client, tenant, request_id)
    assert outcome == "completed", body["error"]
    return body["result"]


def listed_names(api, tenant, query: dict) -> list[str]:
    response = api.get(contacts_url(tenant), query)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["data"]]


def test_contact_create_is_queued(api, tenant, worker):
    before = pool_balance(tenant)
    response = api.post(contacts_url(tenant), GOOD_CONTACT, format="json")
    request_id = accepted(response)
    assert response.json()["status"] == "queued"
    assert Contact.objects.count() == 0
    assert pool_balance(tenant) == before - 1

    assert worker.run(request_id) == "completed"
    body = operation(api, tenant, request_id)
    assert body["status"] == "completed"
    assert body["error"] is None
    assert body["result"]["object"] == "contact"
    assert body["result"]["organization_id"] == tenant.id
    fetched = api.get(contacts_url(tenant, body["result"]["id"]))
    assert fetched.status_code == 200
    assert fetched.json() == body["result"]
    assert pool_balance(tenant) == before - 1


def test_contact_create_stores_every_field(api, tenant, worker):
    contact = create_contact(api, tenant, worker, **FULL_CONTACT)
    for name, value in FULL_CONTACT.items():
        assert contact[name] == value, name


@pytest.mark.parametrize("contact_type", ["customer", "vendor", "employee", "other"])
def test_contact_type_accepted(api, tenant, worker, contact_type):
    contact = create_contact(api, tenant, worker, contact_type=contact_type)
    assert contact["contact_type"] == contact_type


def test_contact_name_stored_nfc(api, tenant, worker):
    contact = create_contact(api, tenant, worker, name="Zoe\u0308")
    assert contact["name"] == "Zo\u00eb"
    assert Contact.objects.get(pk=contact["id"]).name == "Zo\u00eb"


@pytest.mark.parametrize("stored", ["Zo\u00eb Baker", "Zoe\u0308 Baker"])
@pytest.mark.parametrize("term", ["Zo\u00eb", "Zoe\u0308"])
def test_contact_search_either_normal_form(api, tenant, worker, stored, term):
    create_contact(api, tenant, worker, name=stored, email="zoe@acme.test")
    create_contact(api, tenant, worker, name="Zoe Smith", email="smith@acme.test")
    assert listed_names(api, tenant, {"search": term}) == ["Zo\u00eb Baker"]


@pytest.mark.parametrize(
    "fields,path",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"contact_type": "alien"}, "contact_type"),
        ({"email": "x@"}, "email"),
        ({"country": "XX"}, "country"),
        ({"country": "DEU"}, "country"),
        ({"currency": "QQQ"}, "currency"),
        ({"metadata": {"crm_id": 4711}}, "metadata"),
        ({"nickname": "Acme"}, "nickname"),
    ],
)
def test_malformed_contact_is_400(api, tenant, fields, path):
    before = pool_balance(tenant)
    body = {**GOOD_CONTACT, **fields}
    response = api.post(contacts_url(tenant), body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert path in error["details"]["fields"]
    assert OperationStatus.objects.count() == 0
    assert pool_balance(tenant) == before


@pytest.mark.parametrize("missing", ["name", "contact_type"])
def test_contact_missing_field_is_400(api, tenant, missing):
    before = pool_balance(tenant)
    body = {key: value for key, value in GOOD_CONTACT.items() if key != missing}
    response = api.post(contacts_url(tenant), body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert missing in error["details"]["fields"]
    assert OperationStatus.objects.count() == 0
    assert pool_balance(tenant) == before


@pytest.mark.parametrize(
    "fields,path",
    [
        ({"country": "XX"}, "country"),
        ({"currency": "QQQ"}, "currency"),
        ({"name": ""}, "name"),
        ({"id": "con_0000000000000000"}, "id"),
    ],
)
def test_malformed_contact_update_is_400(api, tenant, worker, fields, path):
    contact = create_contact(api, tenant, worker)
    before = pool_balance(tenant)
    queued_before = OperationStatus.objects.count()
    url = contacts_url(tenant, contact["id"])
    error = assert_error(api.patch(url, fields, format="json"), 400, "validation_error")
    assert path in error["details"]["fields"]
    assert OperationStatus.objects.count() == queued_before
    assert pool_balance(tenant) == before


def test_duplicate_email_fails_in_worker(api, tenant, worker):
    create_contact(api, tenant, worker)
    before = pool_balance(tenant)
    request_id = queue_contact(api, tenant, name="Other", email="HI@Acme.test")
    assert pool_balance(tenant) == before - 1

    assert worker.run(request_id) == "failed"
    body = operation(api, tenant, request_id)
    assert body["status"] == "failed"
    assert body["result"] is None
    assert body["error"]["error"]["type"] == "business_rule_error"
    assert body["error"]["error"]["code"] == "duplicate_email"
    assert pool_balance(tenant) == before
    assert Contact.objects.filter(organization_id=tenant.id).count() == 1


def test_duplicate_email_on_update_fails(api, tenant, worker):
    create_contact(api, tenant, worker)
    other = create_contact(api, tenant, worker, name="Other", email="other@acme.test")
    before = pool_balance(tenant)
    url = contacts_url(tenant, other["id"])
    request_id = accepted(api.patch(url, {"email": "Hi@acme.TEST"}, format="json"))

    assert worker.run(request_id) == "failed"
    body = operation(api, tenant, request_id)
    assert body["error"]["error"]["type"] == "business_rule_error"
    assert body["error"]["error"]["code"] == "duplicate_email"
    assert pool_balance(tenant) == before
    assert Contact.objects.get(pk=other["id"]).email == "other@acme.test"


def test_same_email_other_organization(api, tenant, outsider, worker):
    create_contact(api, tenant, worker)
    contact = create_contact(outsider.client(), outsider, worker)
    assert contact["email"] == GOOD_CONTACT["email"]
    assert contact["organization_id"] == outsider.id
    assert Contact.objects.count() == 2


def test_contact_update_is_queued(api, tenant, worker):
    contact = create_contact(api, tenant, worker, metadata={"crm_id": "1"})
    url = contacts_url(tenant, contact["id"])
    changes = {
        "name": "Acme Bakery Ltd",
        "city": "Leeds",
        "country": "GB",
        "enabled": False,
        "metadata": {"tier": "gold"},
    }
    before = pool_balance(tenant)
    request_id = accepted(api.patch(url, changes, format="json"))
    assert api.get(url).json()["name"] == "Acme Bakery"
    assert pool_balance(tenant) == before - 1

    assert worker.run(request_id) == "completed"
    body = operation(api, tenant, request_id)
    assert body["status"] == "completed"
    updated = api.get(url).json()
    assert body["result"] == updated
    assert updated["name"] == "Acme Bakery Ltd"
    assert updated["city"] == "Leeds"
    assert updated["country"] == "GB"
    assert updated["enabled"] is False
    assert updated["metadata"] == {"crm_id": "1", "tier": "gold"}
    assert updated["email"] == GOOD_CONTACT["email"]


def test_contact_update_name_stored_nfc(api, tenant, worker):
    contact = create_contact(api, tenant, worker)
    url = contacts_url(tenant, contact["id"])
    request_id = accepted(api.patch(url, {"name": "Zoe\u0308"}, format="json"))
    assert worker.run(request_id) == "completed"
    assert api.get(url).json()["name"] == "Zo\u00eb"


def test_contact_delete_is_queued(api, tenant, worker):
    contact = create_contact(api, tenant, worker)
    url = contacts_url(tenant, contact["id"])
    before = pool_balance(tenant)
    request_id = accepted(api.delete(url))
    assert api.get(url).status_code == 200
    assert pool_balance(tenant) == before - 1

    assert worker.run(request_id) == "completed"
    assert operation(api, tenant, request_id)["status"] == "completed"
    assert_error(api.get(url), 404, "not_found_error")
    assert not Contact.objects.filter(pk=contact["id"]).exists()


def test_contact_in_use_not_deleted(api, tenant, worker):
    contact = create_contact(api, tenant, worker)
    books = Books(api, tenant.id)
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    posted = books.post(
        "2026-03-01",
        "Bread sale",
        (cash, "debit", "25.00"),
        (sales, "credit", "25.00"),
        contact_id=contact["id"],
    )
    assert posted.status_code == 201, posted.content
    assert posted.json()["contact_id"] == contact["id"]
    url = contacts_url(tenant, contact["id"])
    before = pool_balance(tenant)
    request_id = accepted(api.delete(url))

    assert worker.run(request_id) == "failed"
    body = operation(api, tenant, request_id)
    assert body["status"] == "failed"
    assert body["error"]["error"]["type"] == "business_rule_error"
    assert body["error"]["error"]["code"] == "contact_in_use"
    assert pool_balance(tenant) == before
    assert api.get(url).status_code == 200


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"contact_type": "vendor"}, ["Birch Timber"]),
        ({"contact_type": "employee"}, []),
        ({"enabled": "false"}, ["Birch Timber"]),
        ({"enabled": "true"}, ["Acme Bakery", "Cedar Cafe"]),
        ({"email": "birch@timber.test"}, ["Birch Timber"]),
        ({"country": "DE"}, ["Cedar Cafe"]),
        ({"country": "GB", "contact_type": "customer"}, ["Acme Bakery"]),
        ({}, ["Acme Bakery", "Birch Timber", "Cedar Cafe"]),
    ],
)
def test_contact_list_filters(api, tenant, worker, query, expected):
    create_contact(api, tenant, worker, country="GB")
    create_contact(
        api,
        tenant,
        worker,
        contact_type="vendor",
        name="Birch Timber",
        email="birch@timber.test",
        country="GB",
        enabled=False,
    )
    create_contact(
        api, tenant, worker, name="Cedar Cafe", email="cedar@cafe.test", country="DE"
    )
    assert listed_names(api, tenant, query) == expected


@pytest.mark.parametrize(
    "method,body",
    [("get", None), ("patch", {"name": "Taken over"}), ("delete", None)],
)
def test_other_organization_contact_is_404(api, tenant, outsider, worker, method, body):
    contact = create_contact(outsider.client(), outsider, worker)
    queued_before = OperationStatus.objects.count()
    url = contacts_url(tenant, contact["id"])
    response = getattr(api, method)(url, body, format="json")
    assert_error(response, 404, "not_found_error")
    assert OperationStatus.objects.count() == queued_before
    assert Contact.objects.get(pk=contact["id"]).name == GOOD_CONTACT["name"]


def test_email_compared_after_folding(api, tenant, worker):
    first = api.post(
        f"/organizations/{tenant.id}/contacts",
        {"contact_type": "customer", "name": "Kelvin One", "email": "k@kelvin.test"},
        format="json",
    ).json()["request_id"]
    assert worker.run(first) == "completed"
    # U+212A KELVIN SIGN folds to "k" under NFKC and lower case.
    second = api.post(
        f"/organizations/{tenant.id}/contacts",
        {
            "contact_type": "customer",
            "name": "Kelvin Two",
            "email": "\u212a@kelvin.test",
        },
        format="json",
    ).json()["request_id"]
    assert worker.run(second) == "failed"
    body = api.get(f"/organizations/{tenant.id}/operations/{second}").json()
    assert body["error"]["error"]["code"] == "duplicate_email"
    assert body["attempts"] == 1
