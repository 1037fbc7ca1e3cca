"""The Python client against a live server, and its retries against a stub.

Tests marked `live` run the real API in a thread (pytest-django's
`live_server`) on the test database. Retry and rate-limit tests, and the
byte-level multipart checks, talk to `StubServer`, a scripted HTTP server on
127.0.0.1, because the API itself never returns 503 or 429 on demand.
"""

import email.parser
import email.policy
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connections

from craneledger.client import (
    ApiConnectionError,
    AuthenticationError,
    AuthorizationError,
    BusinessRuleError,
    ConflictError,
    CraneLedger,
    IdempotencyError,
    NotFoundError,
    OperationCanceled,
    OperationFailed,
    QueuedReply,
    RateLimitError,
    ServerError,
    ValidationError,
    WaitTimeout,
)

REPO_ROOT = Path(__file__).resolve().parent.parent

live = pytest.mark.django_db(transaction=True)

CONTACT = {"contact_type": "customer", "name": "Acme Bakery", "email": "hi@acme.test"}


# A scripted HTTP server for the retry tests.


@dataclass
class Scripted:
    """One scripted response; `drop` closes the connection without one."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class StubServer:
    """An HTTP server on 127.0.0.1 that sends scripted responses in order."""

    def __init__(self, script: list[Scripted]) -> None:
        self.script = list(script)
        self.received: list[Received] = []
        self.open_connections = 0
        self.clients: list[CraneLedger] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, **options: Any) -> CraneLedger:
        """Return a client of this server, closed by `stop()`."""
        self.clients.append(CraneLedger("cl_test_stub", self.url, **options))
        return self.clients[-1]

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                stub.open_connections += 1

            def finish(self) -> None:
                stub.open_connections -= 1
                super().finish()

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                stub.received.append(
                    Received(
                        self.command,
                        self.path,
                        dict(self.headers.items()),
                        self.rfile.read(length),
                    )
                )
                reply = stub.script.pop(0) if stub.script else Scripted(500)
                if reply.drop:
                    self.close_connection = True
                    return
                if isinstance(reply.body, bytes | str):
                    payload = reply.body
                    payload = payload.encode() if isinstance(payload, str) else payload
                    content_type = "text/html"
                else:
                    payload = json.dumps(reply.body).encode() if reply.body else b""
                    content_type = "application/json"
                self.send_response(reply.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("X-Request-Id", f"req_stub{len(stub.received)}")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

        return Handler


@pytest.fixture
def stub() -> Iterator[Callable[..., StubServer]]:
    servers: list[StubServer] = []

    def start(*script: Scripted) -> StubServer:
        server = StubServer(list(script))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def envelope(status: int, error_type: str, code: str, **details: Any) -> dict:
    return {
        "error": {
            "type": error_type,
            "code": code,
            "message": f"{code} happened.",
            "details": details,
            "status": status,
        }
    }


ACCOUNT = {"id": "act_0000000000000001", "object": "account"}


# Live server fixtures and helpers.


@pytest.fixture
def connect(live_server: Any) -> Iterator[Callable[..., CraneLedger]]:
    """Return a factory of clients of the live server, closed after the test.

    An open keep-alive connection keeps a server thread alive, and with it a
    database connection, which stops PostgreSQL from dropping the test
    database at the end of the session.
    """
    clients: list[CraneLedger] = []

    def make(api_key: str, **options: Any) -> CraneLedger:
        options.setdefault("max_retries", 0)
        clients.append(CraneLedger(api_key, live_server.url, **options))
        return clients[-1]

    yield make
    for opened in clients:
        opened.close()


@pytest.fixture
def client(connect: Callable[..., CraneLedger], tenant: Any) -> CraneLedger:
    return connect(tenant.live_secret)


def run_in_thread(worker: Any, request_id: str, delay: float) -> threading.Thread:
    """Run a queued operation from another thread after `delay` seconds."""

    def run() -> None:
        try:
            time.sleep(delay)
            worker.run(request_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def make_account(client: CraneLedger, org_id: str, code: str, type: str) -> str:
    account = client.accounts.create(
        org_id, {"code": code, "name": f"Account {code}", "type": type}
    )
    assert isinstance(account, dict)
    return account["id"]


def sale(cash: str, sales: str, amount: str, status: str = "posted") -> dict:
    return {
        "transaction_date": "2026-03-01",
        "description": "Sale",
        "status": status,
        "entries": [
            {"account_id": cash, "entry_type": "debit", "amount": amount},
            {"account_id": sales, "entry_type": "credit", "amount": amount},
        ],
    }


# Direct replies.


@live
def test_account_round_trip(client, tenant):
    created = client.accounts.create(
        tenant.id, {"code": "1000", "name": "Cash", "type": "asset"}
    )
    assert isinstance(created, dict)
    assert created["object"] == "account"
    assert created["id"].startswith("act_")

    fetched = client.accounts.retrieve(tenant.id, created["id"])
    assert fetched == created

    page = client.accounts.list(tenant.id, code="1000")
    assert page["object"] == "list"
    assert [row["id"] for row in page["data"]] == [created["id"]]
    assert page["has_more"] is False
    assert page["total_count"] == 1

    updated = client.accounts.update(tenant.id, created["id"], {"name": "Petty cash"})
    assert isinstance(updated, dict)
    assert updated["name"] == "Petty cash"

    assert client.accounts.delete(tenant.id, created["id"]) is None
    with pytest.raises(NotFoundError):
        client.accounts.retrieve(tenant.id, created["id"])


@live
def test_ledger_round_trip(client, tenant):
    cash = make_account(client, tenant.id, "1000", "asset")
    sales = make_account(client, tenant.id, "4000", "revenue")

    txn = client.transactions.create(tenant.id, sale(cash, sales, "40.00"))
    assert isinstance(txn, dict)
    assert txn["status"] == "posted"
    balance = client.accounts.balance(tenant.id, cash)
    assert balance["balances"][0]["balance"] == "40.00"

    reversal = client.transactions.reverse(tenant.id, txn["id"], {})
    assert isinstance(reversal, dict)
    assert reversal["reversal_of"] == txn["id"]

    report = client.reports.trial_balance(tenant.id, as_of="2026-12-31")
    assert report["object"] == "trial_balance"
    assert report["is_balanced"] is True

    pending = client.transactions.create(
        tenant.id, sale(cash, sales, "5.00", status="pending")
    )
    assert isinstance(pending, dict)
    posted = client.transactions.post(tenant.id, pending["id"])
    assert isinstance(posted, dict)
    assert posted["status"] == "posted"


@live
def test_organizations_and_credits(client, tenant):
    page = client.organizations.list()
    assert [row["id"] for row in page["data"]] == [tenant.id]
    assert client.organizations.retrieve(tenant.id)["id"] == tenant.id

    updated = client.organizations.update(tenant.id, {"metadata": {"crm": "42"}})
    assert isinstance(updated, dict)
    assert updated["metadata"] == {"crm": "42"}

    credits = client.credits.retrieve(tenant.id)
    assert isinstance(credits["balance"], int)
    assert credits["pool_organization_id"] == tenant.id


@live
def test_list_all_walks_every_page(client, tenant):
    requested: list[str] = []
    hooks = client._http.session.hooks["response"]
    hooks.append(lambda response, **_: requested.append(response.url))
    for number in range(5):
        make_account(client, tenant.id, f"10{number}", "asset")
    expected = [row["id"] for row in client.accounts.list(tenant.id, limit=100)["data"]]
    requested.clear()

    walked = [row["id"] for row in client.accounts.list_all(tenant.id, limit=2)]

    assert walked == expected
    assert len(requested) == (len(expected) + 1) // 2
    assert "starting_after=" in requested[1]


@live
def test_account_ledger_pages_by_offset(client, tenant):
    cash = make_account(client, tenant.id, "1000", "asset")
    sales = make_account(client, tenant.id, "4000", "revenue")
    for amount in ("1.00", "2.00", "3.00"):
        client.transactions.create(tenant.id, sale(cash, sales, amount))

    lines = list(client.accounts.transactions_all(tenant.id, cash, limit=2))

    assert len(lines) == 3
    assert len({line["id"] for line in lines}) == 3


# Queued replies and waiting.


@live
def test_queued_contact_returns_queued_reply(client, tenant):
    reply = client.contacts.create(tenant.id, CONTACT)

    assert isinstance(reply, QueuedReply)
    assert reply.request_id.startswith("req_")
    assert reply.status == "queued"
    assert reply.credit_cost == 1
    assert reply.location == f"/organizations/{tenant.id}/operations/{reply.request_id}"
    assert reply.retry_after is not None
    assert reply.retry_after >= 1
    assert reply.estimated_completion
    assert reply.organization_id == tenant.id
    assert reply.raw["request_id"] == reply.request_id


@live
def test_wait_returns_completed_operation(client, tenant, worker):
    reply = client.contacts.create(tenant.id, CONTACT)
    assert isinstance(reply, QueuedReply)
    worker.run(reply.request_id)

    operation = client.wait(reply)

    assert operation["status"] == "completed"
    assert operation["request_id"] == reply.request_id
    assert operation["result"]["email"] == "hi@acme.test"


@live
def test_wait_polls_until_worker_finishes(client, tenant, worker):
    reply = client.contacts.create(tenant.id, CONTACT)
    assert isinstance(reply, QueuedReply)
    seen: list[str] = []
    thread = run_in_thread(worker, reply.request_id, delay=0.3)
    try:
        operation = reply.wait(
            timeout=30, on_progress=lambda op: seen.append(op["status"])
        )
    finally:
        thread.join()

    assert operation["status"] == "completed"
    assert seen[0] == "queued"
    assert seen[-1] == "completed"
    assert client.contacts.retrieve(tenant.id, operation["result"]["id"])["name"] == (
        "Acme Bakery"
    )


@live
def test_wait_by_request_id_alone(client, tenant, worker):
    reply = client.contacts.create(tenant.id, CONTACT)
    assert isinstance(reply, QueuedReply)
    worker.run(reply.request_id)

    operation = client.wait(reply.request_id)

    assert operation["status"] == "completed"


@live
def test_wait_raises_operation_failed(client, tenant, worker):
    first = client.contacts.create(tenant.id, CONTACT)
    assert isinstance(first, QueuedReply)
    worker.run(first.request_id)
    client.wait(first)
    duplicate = client.contacts.create(tenant.id, {**CONTACT, "name": "Other"})
    assert isinstance(duplicate, QueuedReply)
    worker.run(duplicate.request_id)

    with pytest.raises(OperationFailed) as failure:
        client.wait(duplicate)

    assert failure.value.code == "duplicate_email"
    assert failure.value.type == "business_rule_error"
    assert isinstance(failure.value.error, BusinessRuleError)
    assert failure.value.operation["status"] == "failed"
    assert failure.value.envelope["error"]["code"] == "duplicate_email"
    assert failure.value.request_id == duplicate.request_id


@live
def test_wait_raises_operation_canceled(client, tenant):
    reply = client.contacts.create(tenant.id, CONTACT)
    assert isinstance(reply, QueuedReply)
    canceled = client.operations.cancel(tenant.id, reply.request_id)
    assert canceled["status"] == "canceled"

    with pytest.raises(OperationCanceled) as cancel:
        client.wait(reply)

    assert cancel.value.operation["status"] == "canceled"


@live
def test_wait_times_out_while_queued(client, tenant):
    reply = client.contacts.create(tenant.id, CONTACT)
    assert isinstance(reply, QueuedReply)
    started = time.monotonic()

    with pytest.raises(WaitTimeout) as timeout:
        client.wait(reply, timeout=0.5)

    assert time.monotonic() - started < 3
    assert timeout.value.operation["status"] == "queued"
    assert timeout.value.request_id == reply.request_id


@live
def test_operations_list_and_get(client, tenant, worker):
    done = client.contacts.create(tenant.id, CONTACT)
    waiting = client.contacts.create(tenant.id, {**CONTACT, "email": "b@acme.test"})
    assert isinstance(done, QueuedReply)
    assert isinstance(waiting, QueuedReply)
    worker.run(done.request_id)

    queued = client.operations.list(tenant.id, status="queued")
    assert [row["request_id"] for row in queued["data"]] == [waiting.request_id]
    every = list(client.operations.list_all(tenant.id, limit=1))
    assert [row["id"] for row in every] == [done.request_id, waiting.request_id]
    assert client.operations.get(tenant.id, done.request_id)["status"] == "completed"
    assert client.operations.get(None, done.request_id)["status"] == "completed"


# Typed errors from the live server.


@live
def test_invalid_fields_raise_validation_error(client, tenant):
    with pytest.raises(ValidationError) as error:
        client.accounts.create(tenant.id, {"code": "1000", "type": "asset"})

    assert error.value.status == 400
    assert error.value.type == "validation_error"
    assert error.value.code == "invalid_fields"
    assert "name" in error.value.details["fields"]
    assert error.value.message.startswith("name:")
    assert error.value.request_id.startswith("req_")


@live
def test_unknown_key_raises_authentication_error(connect, tenant):
    client = connect("cl_live_" + "x" * 32)

    with pytest.raises(AuthenticationError) as error:
        client.organizations.retrieve(tenant.id)

    assert error.value.status == 401
    assert error.value.type == "authentication_error"
    assert error.value.code == "invalid_api_key"
    assert error.value.request_id.startswith("req_")


@live
def test_missing_permission_raises_authorization_error(client, connect, tenant):
    key = client.api_keys.create(
        tenant.id, {"name": "reader", "permissions": {"accounts": ["read"]}}
    )
    assert isinstance(key, dict)
    reader = connect(key["key"])

    with pytest.raises(AuthorizationError) as error:
        reader.accounts.create(
            tenant.id, {"code": "1", "name": "Cash", "type": "asset"}
        )

    assert error.value.status == 403
    assert error.value.code == "permission_denied"
    assert error.value.details == {"resource": "accounts", "action": "write"}
    revoked = client.api_keys.revoke(tenant.id, key["id"])
    assert isinstance(revoked, dict)
    assert revoked["status"] == "revoked"


@live
def test_unknown_account_raises_not_found(client, tenant):
    with pytest.raises(NotFoundError) as error:
        client.accounts.retrieve(tenant.id, "act_0000000000000000")

    assert error.value.status == 404
    assert error.value.type == "not_found_error"
    assert error.value.code == "resource_not_found"
    assert "act_0000000000000000" in error.value.message


@live
def test_posting_twice_raises_business_rule_error(client, tenant):
    cash = make_account(client, tenant.id, "1000", "asset")
    sales = make_account(client, tenant.id, "4000", "revenue")
    txn = client.transactions.create(tenant.id, sale(cash, sales, "10.00"))
    assert isinstance(txn, dict)

    with pytest.raises(BusinessRuleError) as error:
        client.transactions.post(tenant.id, txn["id"])

    assert error.value.status == 422
    assert error.value.type == "business_rule_error"
    assert error.value.code == "transaction_not_pending"


@live
def test_cancel_finished_operation_raises_conflict(client, tenant, worker):
    reply = client.contacts.create(tenant.id, CONTACT)
    assert isinstance(reply, QueuedReply)
    worker.run(reply.request_id)

    with pytest.raises(ConflictError) as error:
        client.operations.cancel(tenant.id, reply.request_id)

    assert error.value.status == 409
    assert error.value.code == "operation_not_queued"
    assert error.value.details["status"] == "completed"


@live
def test_reused_key_replays_direct_write(client, tenant):
    body = {"code": "1000", "name": "Cash", "type": "asset"}
    first = client.accounts.create(tenant.id, body, idempotency_key="acct-1000")
    again = client.accounts.create(tenant.id, body, idempotency_key="acct-1000")

    assert again == first
    assert client.accounts.list(tenant.id, code="1000")["total_count"] == 1


@live
def test_reused_key_replays_queued_write(client, tenant):
    first = client.contacts.create(tenant.id, CONTACT, idempotency_key="contact-1")
    again = client.contacts.create(tenant.id, CONTACT, idempotency_key="contact-1")

    assert isinstance(first, QueuedReply)
    assert isinstance(again, QueuedReply)
    assert first.replayed is False
    assert again.replayed is True
    assert again.request_id == first.request_id
    assert client.operations.list(tenant.id)["total_count"] == 1


@live
def test_reused_key_with_other_body_raises(client, tenant):
    body = {"code": "1000", "name": "Cash", "type": "asset"}
    first = client.accounts.create(tenant.id, body, idempotency_key="acct-1")
    assert isinstance(first, dict)

    with pytest.raises(IdempotencyError) as error:
        client.accounts.create(
            tenant.id, {**body, "code": "1001"}, idempotency_key="acct-1"
        )

    assert error.value.status == 422
    assert error.value.type == "idempotency_error"
    assert error.value.code == "idempotency_key_reused"
    assert error.value.details["request_id"].startswith("req_")


def test_invalid_idempotency_key_raises_value_error():
    client = CraneLedger("cl_test_x", "http://127.0.0.1:9")

    for key in ("", "   ", "k" * 256):
        with pytest.raises(ValueError, match="idempotency_key"):
            client.accounts.create("org_1", {}, idempotency_key=key)


# Idempotency keys and retries, against the stub server.


def test_write_retry_keeps_idempotency_key(stub):
    server = stub(Scripted(503), Scripted(201, ACCOUNT))

    created = server.client().accounts.create("org_1", {"name": "Cash"})

    assert created == ACCOUNT
    assert len(server.received) == 2
    keys = [request.headers.get("Idempotency-Key") for request in server.received]
    assert keys[0] == keys[1]
    assert uuid.UUID(keys[0]).version == 4


def test_each_write_gets_new_idempotency_key(stub):
    server = stub(Scripted(201, ACCOUNT), Scripted(201, ACCOUNT))
    client = server.client()

    client.accounts.create("org_1", {"name": "Cash"})
    client.accounts.create("org_1", {"name": "Cash"})

    first, second = (request.headers["Idempotency-Key"] for request in server.received)
    assert first != second


def test_caller_idempotency_key_is_sent(stub):
    server = stub(Scripted(204))

    server.client().accounts.delete("org_1", "acc_1", idempotency_key="my-key-1")

    assert server.received[0].method == "DELETE"
    assert server.received[0].headers["Idempotency-Key"] == "my-key-1"


def test_read_has_no_idempotency_key(stub):
    server = stub(Scripted(200, ACCOUNT))

    server.client().accounts.retrieve("org_1", "acc_1")

    assert "Idempotency-Key" not in server.received[0].headers
    assert server.received[0].headers["Authorization"] == "Bearer cl_test_stub"


def test_dropped_connection_is_retried(stub):
    server = stub(Scripted(drop=True), Scripted(201, ACCOUNT))

    created = server.client().accounts.create("org_1", {"name": "Cash"})

    assert created == ACCOUNT
    keys = {request.headers["Idempotency-Key"] for request in server.received}
    assert len(server.received) == 2
    assert len(keys) == 1


def test_rate_limit_waits_retry_after_header(stub):
    limited = envelope(429, "rate_limit_error", "rate_limited", retry_after=1)
    server = stub(Scripted(429, limited, {"Retry-After": "1"}), Scripted(200, ACCOUNT))
    started = time.monotonic()

    fetched = server.client().accounts.retrieve("org_1", "acc_1")

    assert fetched == ACCOUNT
    assert time.monotonic() - started >= 1.0
    assert len(server.received) == 2


def test_rate_limit_waits_retry_after_in_body(stub):
    limited = envelope(429, "rate_limit_error", "rate_limited", retry_after=1)
    server = stub(Scripted(429, limited), Scripted(200, ACCOUNT))
    started = time.monotonic()

    server.client().accounts.retrieve("org_1", "acc_1")

    assert time.monotonic() - started >= 1.0
    assert len(server.received) == 2


def test_long_retry_after_raises_at_once(stub):
    limited = envelope(429, "rate_limit_error", "rate_limited", retry_after=3600)
    server = stub(Scripted(429, limited, {"Retry-After": "3600"}))

    with pytest.raises(RateLimitError) as error:
        server.client().accounts.retrieve("org_1", "acc_1")

    assert error.value.retry_after == 3600
    assert len(server.received) == 1


def test_retries_stop_after_max_retries(stub):
    server = stub(Scripted(503), Scripted(502), Scripted(504))

    with pytest.raises(ServerError) as error:
        server.client(max_retries=2).accounts.list("org_1")

    assert error.value.status == 504
    assert error.value.request_id == "req_stub3"
    assert len(server.received) == 3


@pytest.mark.parametrize(
    "status,error_type,error_class",
    [
        (400, "validation_error", ValidationError),
        (404, "not_found_error", NotFoundError),
        (409, "conflict_error", ConflictError),
        (422, "business_rule_error", BusinessRuleError),
        (422, "idempotency_error", IdempotencyError),
    ],
)
def test_client_errors_are_not_retried(stub, status, error_type, error_class):
    server = stub(Scripted(status, envelope(status, error_type, "some_code", x="1")))

    with pytest.raises(error_class) as error:
        server.client().accounts.create("org_1", {"name": "Cash"})

    assert type(error.value) is error_class
    assert error.value.type == error_type
    assert error.value.code == "some_code"
    assert error.value.details == {"x": "1"}
    assert len(server.received) == 1


@pytest.mark.parametrize(
    "status,error_class",
    [(404, NotFoundError), (401, AuthenticationError), (502, ServerError)],
)
def test_non_envelope_error_maps_by_status(stub, status, error_class):
    server = stub(Scripted(status, "<html>Bad Gateway</html>"))

    with pytest.raises(error_class) as error:
        server.client(max_retries=0).accounts.list("org_1")

    assert error.value.status == status
    assert error.value.type == "unknown"
    assert "Bad Gateway" in error.value.message


def test_close_ends_keep_alive_connections(stub):
    # The kept exception references the client's frames, as a caller's
    # `except` block would, so only an explicit close ends the connection.
    missing = envelope(404, "not_found_error", "resource_not_found")
    server = stub(Scripted(404, missing))
    client = server.client()
    with pytest.raises(NotFoundError) as error:
        client.accounts.retrieve("org_1", "act_1")
    assert server.open_connections == 1

    client.close()

    deadline = time.monotonic() + 5
    while server.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.open_connections == 0
    assert error.value.status == 404


def test_refused_connection_raises_api_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = CraneLedger("cl_test_stub", f"http://127.0.0.1:{port}", max_retries=1)

    with pytest.raises(ApiConnectionError) as error:
        client.accounts.list("org_1")

    assert isinstance(error.value.__cause__, requests.ConnectionError)


# Imports: multipart upload, against the stub server.


def multipart_fields(received: Received) -> dict[str, tuple[str | None, bytes]]:
    """Parse a multipart body into {field name: (file name, content)}."""
    head = f"Content-Type: {received.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        head + received.body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[name] = (part.get_filename(), part.get_payload(decode=True))
    return fields


QUEUED_IMPORT = {
    "request_id": "req_import000000001",
    "success": True,
    "status": "queued",
    "data": {"status": "queued", "estimated_completion": "2026-01-15T10:30:05Z"},
    "error": None,
    "duration_ms": 3,
    "credit_cost": 1,
}


def test_import_uploads_csv_as_multipart(stub):
    location = "/organizations/org_1/operations/req_import000000001"
    server = stub(
        Scripted(202, QUEUED_IMPORT, {"Location": location, "Retry-After": "2"})
    )
    csv_text = "date,account,debit,credit\n2026-01-01,Assets:Cash,10.00,\n"

    reply = server.client().imports.create(
        "org_1",
        csv_text,
        account_types={"Assets": "asset"},
        default_type="expense",
        conversion_account="Equity:Conversion",
    )

    assert isinstance(reply, QueuedReply)
    assert reply.request_id == "req_import000000001"
    assert reply.retry_after == 2
    assert reply.organization_id == "org_1"
    request = server.received[0]
    assert request.path == "/organizations/org_1/imports"
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert "Idempotency-Key" in request.headers
    fields = multipart_fields(request)
    assert fields["file"] == ("journal.csv", csv_text.encode())
    assert json.loads(fields["account_types"][1]) == {"Assets": "asset"}
    assert fields["default_type"][1] == b"expense"
    assert fields["conversion_account"][1] == b"Equity:Conversion"


def test_import_retry_sends_same_body(stub):
    server = stub(Scripted(drop=True), Scripted(202, QUEUED_IMPORT))

    server.client().imports.create("org_1", "date,account\n", default_type="asset")

    first, retry = server.received
    assert retry.body == first.body
    assert retry.headers["Content-Type"] == first.headers["Content-Type"]
    assert retry.headers["Idempotency-Key"] == first.headers["Idempotency-Key"]


def test_import_reads_file_path(stub, tmp_path):
    journal = tmp_path / "march.csv"
    journal.write_bytes(b"date,account,debit,credit\n")
    server = stub(Scripted(202, QUEUED_IMPORT), Scripted(202, QUEUED_IMPORT))

    server.client().imports.create("org_1", journal)
    server.client().imports.create("org_1", str(journal))

    assert len(server.received) == 2
    for request in server.received:
        fields = multipart_fields(request)
        assert fields["file"] == ("march.csv", b"date,account,debit,credit\n")
        assert set(fields) == {"file"}


JOURNAL = (
    "txnidx,date,date2,status,code,description,comment,account,amount,commodity,"
    "credit,debit,posting-status,posting-comment\n"
    '1,2026-01-05,,,,"Opening",,Assets:Bank,100.00,USD,,100.00,,\n'
    '1,2026-01-05,,,,"Opening",,Equity:Opening,-100.00,USD,100.00,,,\n'
    '2,2026-01-06,,,,"Coffee",,Expenses:Coffee,4.50,USD,,4.50,,\n'
    '2,2026-01-06,,,,"Coffee",,Assets:Bank,-4.50,USD,4.50,,,\n'
)


@live
def test_import_runs_as_queued_operation(client, tenant, worker, tmp_path):
    journal = tmp_path / "journal.csv"
    journal.write_text(JOURNAL)
    reply = client.imports.create(tenant.id, journal, default_type="asset")
    assert isinstance(reply, QueuedReply)
    progress: list[dict] = []
    thread = run_in_thread(worker, reply.request_id, delay=0.3)
    try:
        operation = reply.wait(
            timeout=30,
            on_progress=lambda op: progress.append(op["metadata"].get("progress")),
        )
    finally:
        thread.join()

    assert operation["result"]["transactions_created"] == 2
    assert operation["result"]["accounts_created"] == 3
    assert progress[-1] == {"rows_done": 4, "rows_total": 4}
    report = client.reports.trial_balance(tenant.id)
    assert report["is_balanced"] is True


@live
def test_invalid_import_raises_operation_failed(client, tenant, worker):
    broken = JOURNAL.replace("4.50,USD,,4.50", "ten,USD,,4.50")
    reply = client.imports.create(tenant.id, broken, default_type="asset")
    assert isinstance(reply, QueuedReply)
    worker.run(reply.request_id)

    with pytest.raises(OperationFailed) as failure:
        reply.wait()

    assert failure.value.code == "import_row_invalid"
    assert failure.value.error.details["row"] == 4


# Packaging.


def test_client_imports_without_django():
    code = (
        "import sys\n"
        "sys.modules['django'] = None\n"
        "sys.modules['rest_framework'] = None\n"
        "from craneledger.client import CraneLedger, QueuedReply, ApiError\n"
        "CraneLedger(api_key='cl_test_x')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
