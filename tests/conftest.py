from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ledger.models import ApiKey, Organization
from ledger.services.api_keys import create_api_key, issue_starter_keys
from ledger.services.organizations import create_organization


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """Skip tests marked `postgres` unless the suite runs on PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print which database the suite ran on, so a CI log shows it."""
    settings = connection.settings_dict
    name = settings["TEST"].get("NAME") or f"test_{settings['NAME']}"
    terminalreporter.write_line(f"database: {connection.vendor} ({name})")


@dataclass
class Tenant:
    """An organization with its live and test keys and a client for each."""

    organization: Organization
    live_key: ApiKey
    live_secret: str
    test_key: ApiKey
    test_secret: str

    @property
    def id(self) -> str:
        return self.organization.id

    def client(self, secret: str | None = None) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret or self.live_secret}")
        return client


@pytest.fixture
def make_tenant(db: None) -> Callable[..., Tenant]:
    def make(name: str = "Acme Ltd", **kwargs: object) -> Tenant:
        organization = create_organization(
            name=name, base_currency=kwargs.pop("base_currency", "USD"), **kwargs
        )
        (live, live_secret), (test, test_secret) = issue_starter_keys(organization)
        return Tenant(organization, live, live_secret, test, test_secret)

    return make


@pytest.fixture
def tenant(make_tenant: Callable[..., Tenant]) -> Tenant:
    return make_tenant("Acme Ltd")


@pytest.fixture
def outsider(make_tenant: Callable[..., Tenant]) -> Tenant:
    """Another organization, whose data the first tenant must never reach."""
    return make_tenant("Globex Corp", base_currency="EUR")


@pytest.fixture
def api(tenant: Tenant) -> APIClient:
    return tenant.client()


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def limited_key(tenant: Tenant) -> Callable[[dict[str, list[str]]], APIClient]:
    """Return a client whose key holds only the given permissions."""

    def make(permissions: dict[str, list[str]]) -> APIClient:
        _, secret = create_api_key(
            tenant.organization, name="limited", mode="live", permissions=permissions
        )
        return tenant.client(secret)

    return make


def assert_error(response, status: int, error_type: str, code: str | None = None):
    """Assert the response is the JSON error envelope with this status and type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["type"] == error_type
    assert error["status"] == status
    assert set(error) == {"type", "code", "message", "details", "status"}
    if code is not None:
        assert error["code"] == code
    return error


class Worker:
    """Runs queued operations the way a cluster worker would, in this process."""

    def run(self, request_id: str) -> str:
        from operations.tasks import run_operation

        return run_operation(request_id)

    def drain(self) -> list[str]:
        """Run every due queued operation until none is left; return outcomes."""
        from django.utils import timezone

        from operations.models import OperationState, OperationStatus

        outcomes = []
        for _ in range(100):
            due = list(
                OperationStatus.objects.filter(
                    status=OperationState.QUEUED, next_attempt_at__lte=timezone.now()
                ).values_list("id", flat=True)
            )
            if not due:
                return outcomes
            outcomes += [self.run(request_id) for request_id in due]
        raise AssertionError("Operations kept coming back to the queue.")


@pytest.fixture
def worker(db: None) -> Worker:
    return Worker()
