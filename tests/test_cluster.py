"""A real API server and qcluster on PostgreSQL survive killed workers.

500 transfers are queued over HTTP while a worker cluster runs them. Twice
during the run, the workers are held inside their ledger transactions and
the cluster is killed with SIGKILL, then started again. With Redis the queue
is also wiped, as a broker restart would. The reaper recovers what was lost,
and every operation must end `completed` exactly once.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connection

from ledger.models import AccountBalance, Entry, Transaction, Transfer
from ledger.services.accounts import create_account
from operations.models import CreditEntry, CreditPool, OperationStatus
from tests.ledger_helpers import Books
from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
TRANSFERS = 500
ACCOUNTS = 4


class Stack:
    """The API server, the cluster and the reaper as separate processes."""

    def __init__(self, tmp_path: Path, redis_url: str | None) -> None:
        settings = connection.settings_dict
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL")
        }
        self.env.update(
            DATABASE_URL=(
                f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
                f"{settings['PORT'] or 5432}/{settings['NAME']}"
            ),
            CRANELEDGER_VAR_DIR=str(tmp_path),
            Q_CLUSTER_NAME=f"test-{uuid.uuid4().hex[:8]}",
            Q_WORKERS="2",
            Q_TIMEOUT="30",
            OPERATIONS_LEASE_SECONDS="5",
            OPERATIONS_REENQUEUE_AFTER_SECONDS="5",
            OPERATIONS_RETRY_BASE_SECONDS="1",
            LOG_LEVEL="WARNING",
        )
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.port = free_port()
        self.cluster: subprocess.Popen | None = None
        self.server: subprocess.Popen | None = None
        self.logs = tmp_path

    def manage(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            process_group=0,
            **kwargs,
        )

    def start_server(self) -> None:
        log = open(self.logs / "server.log", "ab")  # noqa: SIM115
        self.server = self.manage(
            "runserver", f"127.0.0.1:{self.port}", "--noreload", stdout=log, stderr=log
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/health", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.3)
        raise AssertionError("The API server did not start.")

    def start_cluster(self) -> None:
        log = open(self.logs / "cluster.log", "ab")  # noqa: SIM115
        self.cluster = self.manage("qcluster", stdout=log, stderr=log)

    def kill_cluster(self) -> None:
        assert self.cluster is not None
        os.killpg(self.cluster.pid, signal.SIGKILL)
        self.cluster.wait()

    def reap(self) -> None:
        self.manage("reap_operations", stdout=subprocess.DEVNULL).wait(timeout=60)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        for process in (self.cluster, self.server):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def counts() -> dict[str, int]:
    rows = OperationStatus.objects.values_list("status", flat=True)
    result: dict[str, int] = {}
    for status in rows:
        result[status] = result.get(status, 0) + 1
    return result


def wait_until(condition, timeout: float, stack: Stack) -> None:
    deadline = time.monotonic() + timeout
    last_reap = 0.0
    while time.monotonic() < deadline:
        if condition():
            return
        if time.monotonic() - last_reap > 6:
            stack.reap()
            last_reap = time.monotonic()
        time.sleep(0.5)
    raise AssertionError(f"Timed out; operations by status: {counts()}")


def run_scenario(make_tenant, tmp_path: Path, redis_url: str | None) -> None:
    tenant = make_tenant()
    organization = tenant.organization
    accounts = [
        create_account(
            organization, {"code": f"10{n}0", "name": f"Bank {n}", "type": "asset"}
        )
        for n in range(ACCOUNTS)
    ]
    equity = create_account(
        organization, {"code": "3000", "name": "Capital", "type": "equity"}
    )
    books = Books(tenant.client(), tenant.id)
    for account in accounts:
        books.post(
            "2026-01-01",
            "Opening",
            (account.id, "debit", "100000.00"),
            (equity.id, "credit", "100000.00"),
        )
    pool_before = CreditPool.objects.get(organization_id=tenant.id).balance

    stack = Stack(tmp_path, redis_url)
    request_ids: list[str] = []
    try:
        stack.start_server()
        stack.start_cluster()
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {tenant.live_secret}"

        def post_all() -> None:
            for index in range(TRANSFERS):
                body = {
                    "from_account_id": accounts[index % ACCOUNTS].id,
                    "to_account_id": accounts[(index + 1) % ACCOUNTS].id,
                    "amount": f"{1 + index % 50}.{index % 100:02d}",
                    "transferred_at": "2026-02-01",
                    "reference": f"t{index}",
                }
                response = session.post(
                    f"{stack.url}/organizations/{tenant.id}/transfers",
                    json=body,
                    timeout=30,
                )
                assert response.status_code == 202, response.text
                request_ids.append(response.json()["request_id"])

        poster = threading.Thread(target=post_all)
        poster.start()
        for threshold in (120, 300):
            wait_until(
                lambda done=threshold: counts().get("completed", 0) >= done, 180, stack
            )
            # Hold the balance rows so the workers stop inside their ledger
            # transactions, then kill them there: a worker dying mid-write.
            with psycopg.connect(stack.env["DATABASE_URL"]) as blocker:
                blocker.execute(
                    "SELECT 1 FROM ledger_accountbalance WHERE account_id = ANY(%s)"
                    " FOR UPDATE",
                    [[account.id for account in accounts]],
                )
                wait_until(lambda: counts().get("processing", 0) >= 1, 60, stack)
                stack.kill_cluster()
                blocker.rollback()
            if redis_url:
                import redis

                client = redis.Redis.from_url(redis_url)
                client.delete(
                    *client.keys(f"django_q:{stack.env['Q_CLUSTER_NAME']}:*") or ["x"]
                )
            time.sleep(1)
            stack.start_cluster()
        poster.join(timeout=300)
        assert len(request_ids) == TRANSFERS
        wait_until(lambda: counts() == {"completed": TRANSFERS}, 300, stack)
    finally:
        stack.stop()
        connection.close()

    assert (
        OperationStatus.objects.filter(pk__in=request_ids, attempts__gte=1).count()
        == TRANSFERS
    )
    # The operations the kills interrupted ran again, and only once.
    assert OperationStatus.objects.filter(attempts__gt=1).count() >= 2
    assert Transfer.objects.filter(organization=organization).count() == TRANSFERS
    references = set(Transfer.objects.values_list("reference", flat=True))
    assert len(references) == TRANSFERS
    assert (
        Transaction.objects.filter(organization=organization).count()
        == TRANSFERS + ACCOUNTS
    )

    for account in accounts + [equity]:
        entries = Entry.objects.filter(account=account)
        debits = sum(
            entries.filter(entry_type="debit").values_list("amount", flat=True)
        )
        credits = sum(
            entries.filter(entry_type="credit").values_list("amount", flat=True)
        )
        row = AccountBalance.objects.get(account=account)
        assert row.debit_total == Decimal(debits)
        assert row.credit_total == Decimal(credits)
    assert books.trial_balance()["is_balanced"] is True

    charges = CreditEntry.objects.filter(kind="charge", resource="transfers")
    assert charges.count() == TRANSFERS
    assert not CreditEntry.objects.filter(kind="refund").exists()
    pool_after = CreditPool.objects.get(organization_id=tenant.id).balance
    # The trial balance read above costs 5 credits.
    assert pool_after == pool_before - TRANSFERS - 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cluster_survives_kills_orm_broker(make_tenant, tmp_path):
    run_scenario(make_tenant, tmp_path, redis_url=None)


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means no Redis here
        return False


@pytest.mark.postgres
@pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_cluster_survives_kills_redis_broker(make_tenant, tmp_path):
    run_scenario(make_tenant, tmp_path, redis_url="redis://127.0.0.1:6379/0")
