"""Management commands that create organizations and their keys."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from ledger.models import ApiKey, Organization

KEY_LINE = re.compile(r"(Live|Test) API key: (cl_(?:live|test)_\w{32})")


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def get_organization(secret: str, org_id: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get(f"/organizations/{org_id}").status_code


@pytest.mark.django_db
def test_create_organization_prints_working_keys():
    output = run("create_organization", "Initech", "--base-currency", "eur")
    org_id = re.search(r"Organization: (org_\w{16})", output).group(1)
    keys = dict(KEY_LINE.findall(output))

    assert Organization.objects.get(pk=org_id).base_currency == "EUR"
    assert set(keys) == {"Live", "Test"}
    assert get_organization(keys["Live"], org_id) == 200
    assert get_organization(keys["Test"], org_id) == 200


@pytest.mark.django_db
def test_create_sub_organization():
    parent_output = run("create_organization", "Parent Co")
    parent_id = re.search(r"org_\w{16}", parent_output).group(0)
    output = run("create_organization", "Child Co", "--parent", parent_id)
    child = Organization.objects.get(pk=re.search(r"org_\w{16}", output).group(0))
    assert child.parent_id == parent_id
    assert child.relationship_type == "owned"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args,message",
    [
        (["X", "--base-currency", "ABC"], "ISO 4217"),
        (["X", "--parent", "org_missing"], "No organization"),
        (["X", "--fiscal-year-start-month", "13"], "1 to 12"),
        (["  "], "blank"),
    ],
)
def test_create_organization_rejects_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("create_organization", *args)
    assert Organization.objects.count() == 0


@pytest.mark.django_db
def test_demo_organization_is_created_once():
    first = run("demo_organization")
    org_id = re.search(r"Organization: (org_\w{16})", first).group(1)
    live = dict(KEY_LINE.findall(first))["Live"]
    assert get_organization(live, org_id) == 200

    second = run("demo_organization")
    assert "Reusing demo organization" in second
    assert org_id in second
    assert not KEY_LINE.search(second)
    assert Organization.objects.count() == 1
    assert ApiKey.objects.count() == 2


@pytest.mark.django_db
def test_demo_rotate_keys_revokes_old_ones():
    first = run("demo_organization")
    old_live = dict(KEY_LINE.findall(first))["Live"]
    rotated = run("demo_organization", "--rotate-keys")
    new_live = dict(KEY_LINE.findall(rotated))["Live"]
    org_id = Organization.objects.get().id

    assert get_organization(old_live, org_id) == 401
    assert get_organization(new_live, org_id) == 200
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 2
