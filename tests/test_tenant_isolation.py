"""A key of one organization reaches nothing of another, on any endpoint."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ledger.models import ApiKey, Organization
from tests.conftest import assert_error

# Every organization-scoped route, with the requests to try on it. A route
# added to the URLconf without an entry here fails test_table_covers_routes.
ROUTES = {
    "organizations/{org_id}": [
        ("get", None),
        ("put", {"name": "Taken over"}),
        ("patch", {"metadata": {"owner": "intruder"}}),
    ],
    "organizations/{org_id}/api-keys": [
        ("get", None),
        ("post", {"name": "backdoor", "permissions": {"*": ["read"]}}),
    ],
    "organizations/{org_id}/api-keys/{pk}": [
        ("get", None),
        ("put", {"name": "Taken over"}),
        ("patch", {"permissions": {"*": ["read", "write", "delete"]}}),
        ("delete", None),
    ],
    "organizations/{org_id}/api-keys/{pk}/revoke": [("post", None)],
}


def _template(pattern: str) -> str:
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
    return pattern.replace("^", "").replace("$", "").replace("\\.", ".")


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, text)
        elif isinstance(entry, URLPattern):
            yield _template(text)


def organization_routes() -> set[str]:
    return {
        route for route in _walk(get_resolver().url_patterns) if "{org_id}" in route
    }


def snapshot() -> list[tuple]:
    organizations = list(Organization.objects.order_by("id").values())
    api_keys = list(ApiKey.objects.order_by("id").values())
    for row in api_keys:
        row.pop("last_used_at")
    return [organizations, api_keys]


def test_table_covers_routes():
    assert organization_routes() == set(ROUTES)


def cases():
    for route, requests in ROUTES.items():
        for method, body in requests:
            yield pytest.param(route, method, body, id=f"{method}-{route}")


@pytest.mark.parametrize("route,method,body", list(cases()))
def test_other_organization_path_is_404(tenant, outsider, route, method, body):
    path = "/" + route.format(org_id=outsider.id, pk=outsider.test_key.id)
    before = snapshot()
    response = getattr(tenant.client(), method)(path, body, format="json")
    assert_error(response, 404, "not_found_error")
    assert snapshot() == before


@pytest.mark.parametrize(
    "route,method,body", [case for case in cases() if "{pk}" in case.values[0]]
)
def test_other_organization_object_is_404(tenant, outsider, route, method, body):
    path = "/" + route.format(org_id=tenant.id, pk=outsider.test_key.id)
    before = snapshot()
    response = getattr(tenant.client(), method)(path, body, format="json")
    assert_error(response, 404, "not_found_error")
    assert snapshot() == before


def test_organization_list_shows_own_only(tenant, outsider):
    body = tenant.client().get("/organizations").json()
    assert [row["id"] for row in body["data"]] == [tenant.id]
    assert body["total_count"] == 1


def test_cursor_from_other_organization_is_400(tenant, outsider):
    url = f"/organizations/{tenant.id}/api-keys?starting_after={outsider.test_key.id}"
    response = tenant.client().get(url)
    assert_error(response, 400, "validation_error")
