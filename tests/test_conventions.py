"""Cross-cutting API behaviour: objects, metadata, decimals, lists, ETags."""

import io
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from craneledger.parsers import DecimalJSONParser
from ledger.models import ApiKey
from ledger.services.api_keys import create_api_key
from tests.conftest import assert_error

COMMON_FIELDS = {"id", "object", "organization_id", "created_at", "updated_at"}


def test_objects_carry_common_fields(api, tenant):
    organization = api.get(f"/organizations/{tenant.id}").json()
    api_key = api.get(
        f"/organizations/{tenant.id}/api-keys/{tenant.live_key.id}"
    ).json()
    for body, prefix, name in [
        (organization, "org_", "organization"),
        (api_key, "key_", "api_key"),
    ]:
        assert COMMON_FIELDS | {"metadata"} <= set(body)
        assert body["object"] == name
        assert body["id"].startswith(prefix)
        assert len(body["id"]) == len(prefix) + 16
        assert body["organization_id"] == tenant.id
        assert body["created_at"].endswith("Z")


def put_metadata(api, tenant, metadata):
    return api.put(f"/organizations/{tenant.id}", {"metadata": metadata}, format="json")


@pytest.mark.parametrize(
    "metadata",
    [
        {f"k{i}": "v" for i in range(51)},
        {"k" * 41: "v"},
        {"key": "v" * 501},
        {"key": 5},
        {"": "v"},
        ["not", "an", "object"],
    ],
    ids=["51-keys", "41-char-key", "501-char-value", "number", "empty-key", "list"],
)
def test_metadata_limits_are_400(api, tenant, metadata):
    response = put_metadata(api, tenant, metadata)
    error = assert_error(response, 400, "validation_error")
    assert "metadata" in error["details"]["fields"]
    tenant.organization.refresh_from_db()
    assert tenant.organization.metadata == {}


def test_metadata_at_limits_is_accepted(api, tenant):
    metadata = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(50)}
    response = put_metadata(api, tenant, metadata)
    assert response.status_code == 200, response.content
    assert response.json()["metadata"] == metadata


def test_metadata_update_merges(api, tenant):
    put_metadata(api, tenant, {"a": "1", "b": "2"})
    response = put_metadata(api, tenant, {"b": "", "c": "3"})
    assert response.json()["metadata"] == {"a": "1", "c": "3"}


def test_metadata_merge_beyond_limit_is_400(api, tenant):
    put_metadata(api, tenant, {f"a{i}": "v" for i in range(30)})
    response = put_metadata(api, tenant, {f"b{i}": "v" for i in range(21)})
    assert_error(response, 400, "validation_error")
    tenant.organization.refresh_from_db()
    assert len(tenant.organization.metadata) == 30


def test_parser_reads_numbers_as_decimal():
    parsed = DecimalJSONParser().parse(io.BytesIO(b'{"a": 0.1, "b": 1e-7, "c": 3}'))
    assert parsed["a"] == Decimal("0.1")
    assert isinstance(parsed["a"], Decimal)
    assert parsed["b"] == Decimal("1E-7")
    assert parsed["c"] == 3


class AmountEcho(APIView):
    """Return what the parser and a DecimalField made of two amounts."""

    authentication_classes = []
    permission_classes = []

    class Amounts(serializers.Serializer):
        number = serializers.DecimalField(max_digits=30, decimal_places=20)
        text = serializers.DecimalField(max_digits=30, decimal_places=20)

    def post(self, request):
        amounts = self.Amounts(data=request.data)
        amounts.is_valid(raise_exception=True)
        return Response({"raw": request.data["number"], **amounts.validated_data})


def test_request_body_decimals_are_exact():
    request = APIRequestFactory().post(
        "/echo", '{"number": 0.1, "text": "0.1"}', content_type="application/json"
    )
    body = AmountEcho.as_view()(request).data
    assert type(body["raw"]) is Decimal
    assert body["raw"] == Decimal("0.1")
    assert body["number"] == Decimal("0.1")
    assert body["text"] == Decimal("0.1")


def make_keys(tenant, count):
    for i in range(count):
        create_api_key(
            tenant.organization, name=f"k{i}", mode="test", permissions={"*": ["read"]}
        )


def test_limit_above_100_is_400(api, tenant):
    response = api.get(f"/organizations/{tenant.id}/api-keys?limit=101")
    error = assert_error(response, 400, "validation_error")
    assert "limit" in error["details"]["fields"]


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "offset=x"])
def test_bad_paging_is_400(api, tenant, query):
    response = api.get(f"/organizations/{tenant.id}/api-keys?{query}")
    assert_error(response, 400, "validation_error")


def test_pages_with_offset(api, tenant):
    make_keys(tenant, 3)
    url = f"/organizations/{tenant.id}/api-keys"
    first = api.get(f"{url}?limit=2").json()
    assert first["object"] == "list"
    assert first["total_count"] == 5
    assert len(first["data"]) == 2
    assert first["has_more"] is True

    last = api.get(f"{url}?limit=2&offset=4").json()
    assert len(last["data"]) == 1
    assert last["has_more"] is False
    assert last["total_count"] == 5


def test_last_full_page_has_no_more(api, tenant):
    make_keys(tenant, 2)
    body = api.get(f"/organizations/{tenant.id}/api-keys?limit=2&offset=2").json()
    assert len(body["data"]) == 2
    assert body["has_more"] is False


def test_default_limit_is_20(api, tenant):
    make_keys(tenant, 23)
    body = api.get(f"/organizations/{tenant.id}/api-keys").json()
    assert len(body["data"]) == 20
    assert body["has_more"] is True


def test_pages_with_cursor(api, tenant):
    make_keys(tenant, 3)
    url = f"/organizations/{tenant.id}/api-keys"
    seen = []
    cursor = ""
    while True:
        body = api.get(f"{url}?limit=2{cursor}").json()
        seen += [key["id"] for key in body["data"]]
        if not body["has_more"]:
            break
        cursor = f"&starting_after={body['data'][-1]['id']}"
    expected = list(
        ApiKey.objects.order_by("created_at", "id").values_list("id", flat=True)
    )
    assert seen == expected


def test_unknown_cursor_is_400(api, tenant, outsider):
    url = f"/organizations/{tenant.id}/api-keys"
    response = api.get(f"{url}?starting_after={outsider.live_key.id}")
    error = assert_error(response, 400, "validation_error")
    assert "starting_after" in error["details"]["fields"]


def test_etag_gives_304(api, tenant):
    url = f"/organizations/{tenant.id}"
    first = api.get(url)
    etag = first["ETag"]
    assert etag

    cached = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached["X-Request-Id"].startswith("req_")

    api.put(url, {"name": "Acme Holdings"}, format="json")
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_lists_have_etags(api, tenant):
    response = api.get(f"/organizations/{tenant.id}/api-keys")
    assert response["ETag"]
    assert (
        api.get(
            "/organizations", HTTP_IF_NONE_MATCH=api.get("/organizations")["ETag"]
        ).status_code
        == 304
    )


def test_request_ids_differ(api, tenant):
    first = api.get(f"/organizations/{tenant.id}")["X-Request-Id"]
    second = api.get(f"/organizations/{tenant.id}")["X-Request-Id"]
    assert first != second


def test_health_needs_no_key(anonymous, db):
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_system_needs_key(anonymous):
    assert_error(anonymous.get("/system"), 401, "authentication_error")


def test_system_reports_status(api):
    body = api.get("/system").json()
    assert body["object"] == "system"
    assert body["version"]
    assert body["database"]["status"] == "ok"
    assert body["queue"]["depth"] == 0
    assert body["queue"]["workers"] >= 0


def test_openapi_schema(anonymous):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/organizations/{org_id}" in schema["paths"]
    assert "/organizations/{org_id}/api-keys" in schema["paths"]


def test_docs_use_local_assets(anonymous):
    response = anonymous.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    )
    assert "cdn" not in html.lower()
    asset = anonymous.get(
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"
    )
    assert asset.status_code == 200
