"""Categories: queued create, direct update and delete, parents without cycles."""

import threading

import pytest
from django.db import connection

from ledger.models import Category
from operations.models import CreditPool, OperationStatus
from tests.conftest import assert_error
from tests.ledger_helpers import Books

RACE_ROUNDS = 5


def categories_url(tenant, category_id: str = "") -> str:
    url = f"/organizations/{tenant.id}/categories"
    return f"{url}/{category_id}" if category_id else url


def pool_balance(tenant) -> int:
    return CreditPool.objects.get(organization_id=tenant.id).balance


def operation(client, tenant, request_id: str) -> dict:
    response = client.get(f"/organizations/{tenant.id}/operations/{request_id}")
    assert response.status_code == 200, response.content
    return response.json()


def queue_category(client, tenant, name: str, category_type: str, **fields) -> str:
    body = {"name": name, "category_type": category_type, **fields}
    response = client.post(categories_url(tenant), body, format="json")
    assert response.status_code == 202, response.content
    return response.json()["request_id"]


def create_category(
    client, tenant, worker, name: str, category_type: str = "expense", **fields
) -> dict:
    """Queue a category, run the worker and return the created category."""
    request_id = queue_category(client, tenant, name, category_type, **fields)
    outcome = worker.run(request_id)
    body = operation(client, tenant, request_id)
    assert outcome == "completed", body["error"]
    return body["result"]


def listed_parents(api, tenant) -> list[tuple[str, str | None]]:
    """Return (name, parent_id) for each listed category, oldest first."""
    response = api.get(categories_url(tenant))
    assert response.status_code == 200, response.content
    return [(row["name"], row["parent_id"]) for row in response.json()["data"]]


@pytest.fixture
def chain(api, tenant, worker) -> dict[str, str]:
    """Build A, AA under A and AAA under AA, and return their ids by name."""
    top = create_category(api, tenant, worker, "A")
    middle = create_category(api, tenant, worker, "AA", parent_id=top["id"])
    bottom = create_category(api, tenant, worker, "AAA", parent_id=middle["id"])
    return {"A": top["id"], "AA": middle["id"], "AAA": bottom["id"]}


def test_category_create_is_queued(api, tenant, worker):
    before = pool_balance(tenant)
    request_id = queue_category(api, tenant, "Rent", "expense")
    assert Category.objects.count() == 0
    assert pool_balance(tenant) == before - 1

    assert worker.run(request_id) == "completed"
    body = operation(api, tenant, request_id)
    assert body["status"] == "completed"
    assert body["result"]["object"] == "category"
    assert body["result"]["name"] == "Rent"
    assert body["result"]["parent_id"] is None
    fetched = api.get(categories_url(tenant, body["result"]["id"]))
    assert fetched.status_code == 200
    assert fetched.json() == body["result"]


@pytest.mark.parametrize("category_type", ["income", "expense", "item", "other"])
def test_category_type_accepted(api, tenant, worker, category_type):
    category = create_category(api, tenant, worker, "Misc", category_type)
    assert category["category_type"] == category_type


def test_category_parent_same_type(api, tenant, worker):
    parent = create_category(api, tenant, worker, "Office")
    child = create_category(api, tenant, worker, "Paper", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]


@pytest.mark.parametrize(
    "body,path",
    [
        ({"category_type": "expense"}, "name"),
        ({"name": "Rent"}, "category_type"),
        ({"name": " ", "category_type": "expense"}, "name"),
        ({"name": "Rent", "category_type": "asset"}, "category_type"),
        ({"name": "Rent", "category_type": "expense", "colour": "red"}, "colour"),
    ],
)
def test_malformed_category_is_400(api, tenant, body, path):
    before = pool_balance(tenant)
    response = api.post(categories_url(tenant), body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert path in error["details"]["fields"]
    assert OperationStatus.objects.count() == 0
    assert pool_balance(tenant) == before


def test_parent_other_type_fails_in_worker(api, tenant, worker):
    income = create_category(api, tenant, worker, "Sales", "income")
    before = pool_balance(tenant)
    request_id = queue_category(api, tenant, "Rent", "expense", parent_id=income["id"])

    assert worker.run(request_id) == "failed"
    body = operation(api, tenant, request_id)
    assert body["status"] == "failed"
    assert body["result"] is None
    assert body["error"]["error"]["type"] == "business_rule_error"
    assert pool_balance(tenant) == before
    assert list(Category.objects.values_list("name", flat=True)) == ["Sales"]


def test_category_update_is_direct(api, tenant, worker):
    category = create_category(api, tenant, worker, "Rent")
    queued_before = OperationStatus.objects.count()
    url = categories_url(tenant, category["id"])
    response = api.patch(url, {"name": "Office rent"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Office rent"
    assert api.get(url).json()["name"] == "Office rent"
    assert OperationStatus.objects.count() == queued_before


def test_category_update_sets_parent(api, tenant, worker):
    parent = create_category(api, tenant, worker, "Office")
    child = create_category(api, tenant, worker, "Paper")
    url = categories_url(tenant, child["id"])
    response = api.patch(url, {"parent_id": parent["id"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["parent_id"] == parent["id"]


def test_update_parent_other_type_is_422(api, tenant, worker):
    income = create_category(api, tenant, worker, "Sales", "income")
    expense = create_category(api, tenant, worker, "Rent", "expense")
    url = categories_url(tenant, expense["id"])
    response = api.patch(url, {"parent_id": income["id"]}, format="json")
    assert_error(response, 422, "business_rule_error")
    assert api.get(url).json()["parent_id"] is None


def test_category_delete_is_direct(api, tenant, worker):
    category = create_category(api, tenant, worker, "Rent")
    queued_before = OperationStatus.objects.count()
    url = categories_url(tenant, category["id"])
    response = api.delete(url)
    assert response.status_code == 204, response.content
    assert_error(api.get(url), 404, "not_found_error")
    assert OperationStatus.objects.count() == queued_before


@pytest.mark.parametrize(
    "child,parent",
    [("A", "AAA"), ("A", "AA"), ("AA", "AAA"), ("A", "A"), ("AAA", "AAA")],
)
def test_parent_cycle_is_422(api, tenant, chain, child, parent):
    url = categories_url(tenant, chain[child])
    response = api.patch(url, {"parent_id": chain[parent]}, format="json")
    assert_error(response, 422, "business_rule_error", "category_cycle")
    assert listed_parents(api, tenant) == [
        ("A", None),
        ("AA", chain["A"]),
        ("AAA", chain["AA"]),
    ]


def test_delete_category_with_children_is_422(api, tenant, chain):
    url = categories_url(tenant, chain["AA"])
    assert_error(api.delete(url), 422, "business_rule_error")
    assert api.get(url).status_code == 200


def test_delete_category_in_use_is_422(api, tenant, worker):
    category = create_category(api, tenant, worker, "Bread", "income")
    books = Books(api, tenant.id)
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    posted = books.post(
        "2026-03-01",
        "Bread sale",
        (cash, "debit", "25.00"),
        (sales, "credit", "25.00"),
        category_id=category["id"],
    )
    assert posted.status_code == 201, posted.content
    assert posted.json()["category_id"] == category["id"]
    url = categories_url(tenant, category["id"])
    assert_error(api.delete(url), 422, "business_rule_error")
    assert api.get(url).status_code == 200


@pytest.mark.parametrize(
    "method,body",
    [("get", None), ("patch", {"name": "Taken over"}), ("delete", None)],
)
def test_other_organization_category_is_404(
    api, tenant, outsider, worker, method, body
):
    category = create_category(outsider.client(), outsider, worker, "Rent")
    url = categories_url(tenant, category["id"])
    response = getattr(api, method)(url, body, format="json")
    assert_error(response, 404, "not_found_error")
    assert Category.objects.get(pk=category["id"]).name == "Rent"


def patch_parents_at_once(tenant, moves: list[tuple[str, str]]) -> list[int | str]:
    """Send each (child, parent) PATCH from its own thread, all at one moment.

    Return each request's status code, or the repr of the exception it raised
    (such as a deadlock), in the order of `moves`.
    """
    outcomes: list[int | str] = ["not run"] * len(moves)
    barrier = threading.Barrier(len(moves))

    def move(index: int, child: str, parent: str) -> None:
        # A test key draws no credits, so the requests do not wait for each
        # other on the credit pool row, and only the category tree lock can
        # serialize them.
        client = tenant.client(tenant.test_secret)
        try:
            barrier.wait()
            url = categories_url(tenant, child)
            response = client.patch(url, {"parent_id": parent}, format="json")
            outcomes[index] = response.status_code
        except Exception as exc:
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(index, child, parent))
        for index, (child, parent) in enumerate(moves)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_crossed_parent_updates_race(make_tenant, worker):
    tenant = make_tenant()
    setup = tenant.client()
    for round_number in range(RACE_ROUNDS):
        first = create_category(setup, tenant, worker, f"X{round_number}")
        second = create_category(setup, tenant, worker, f"Y{round_number}")
        moves = [(first["id"], second["id"]), (second["id"], first["id"])]

        outcomes = patch_parents_at_once(tenant, moves)

        assert sorted(outcomes, key=str) == [200, 422], f"round {round_number}"
        parents = {
            row.id: row.parent_id
            for row in Category.objects.filter(pk__in=[first["id"], second["id"]])
        }
        under_first = parents[second["id"]] == first["id"]
        under_second = parents[first["id"]] == second["id"]
        assert under_first != under_second, f"round {round_number}: {parents}"
