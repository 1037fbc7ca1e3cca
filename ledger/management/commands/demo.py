"""Import the bundled ledger-cli books through the API and check the balances."""

import csv
import logging
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

DATA = Path(settings.BASE_DIR) / "tests" / "data" / "ledger-standard"
CONVERSION_ACCOUNT = "Equity:Conversion"
START_TIMEOUT_SECONDS = 60
IMPORT_TIMEOUT_SECONDS = 600

Balances = dict[tuple[str, str], Decimal]


class Command(BaseCommand):
    help = (
        "Create an organization, import the bundled ledger-cli books "
        "(standard.dat) through the API with the Python client, then print the "
        "trial balance and compare it with the balances ledger-cli computed. "
        "Uses the server at --url, or starts one (with a worker cluster) if none "
        "answers there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="Base URL of the API (default http://127.0.0.1:8000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from craneledger.client import CraneLedger

        url = options["url"].rstrip("/")
        started = time.monotonic()
        # The services log each object they create; the demo prints its own
        # summary instead.
        for name in ("ledger", "operations"):
            logging.getLogger(name).setLevel(logging.WARNING)
        server = None if self._answers(url) else self._start_server(url)
        try:
            org_id, secret = self._create_organization()
            client = CraneLedger(api_key=secret, base_url=url)
            self.stdout.write(f"Importing {DATA / 'postings.csv'} into {org_id}...")
            reply = client.imports.create(
                org_id, DATA / "postings.csv", default_type="asset"
            )
            operation = client.wait(
                reply,
                org_id=org_id,
                timeout=IMPORT_TIMEOUT_SECONDS,
                on_progress=self._show_progress,
            )
            self.stdout.write("")
            self.stdout.write(f"Import result: {operation['result']}")
            trial = client.reports.trial_balance(org_id)
        finally:
            if server is not None:
                self._stop_server(server)

        self._print_trial_balance(trial)
        mismatches = self._compare(trial)
        self.stdout.write(f"Time taken: {time.monotonic() - started:.1f} s")
        if mismatches:
            raise CommandError(f"{mismatches} balances differ from ledger-cli's.")

    def _answers(self, url: str) -> bool:
        try:
            return requests.get(f"{url}/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _start_server(self, url: str) -> subprocess.Popen:
        address = url.split("://", 1)[-1]
        self.stdout.write(
            f"No API answers at {url}; starting one with a worker cluster."
        )
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        server = subprocess.Popen(
            [sys.executable, manage, "serve", address],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._answers(url):
                return server
            time.sleep(0.5)
        self._stop_server(server)
        raise CommandError(f"The API at {url} did not respond within a minute.")

    def _stop_server(self, server: subprocess.Popen) -> None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    def _create_organization(self) -> tuple[str, str]:
        from ledger.services.api_keys import issue_starter_keys
        from ledger.services.organizations import create_organization

        with transaction.atomic():
            organization = create_organization(
                name=f"Imported books {time.strftime('%Y-%m-%d %H:%M:%S')}",
                base_currency="USD",
                metadata={"craneledger_demo": "import"},
            )
            (live, secret), _ = issue_starter_keys(organization)
        self.stdout.write(
            f"Created organization {organization.id} (key {live.preview})."
        )
        return organization.id, secret

    def _show_progress(self, operation: dict[str, Any]) -> None:
        progress = (operation.get("metadata") or {}).get("progress")
        status = operation.get("status", "")
        if not progress or not progress.get("rows_total"):
            self.stdout.write(f"\r{status}...", ending="")
            return
        done, total = progress["rows_done"], progress["rows_total"]
        width = 30
        filled = width * done // total
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows {status}",
            ending="",
        )
        self.stdout.flush()

    def _print_trial_balance(self, trial: dict[str, Any]) -> None:
        self.stdout.write("")
        self.stdout.write("Trial balance")
        self.stdout.write(
            f"{'account':44} {'currency':>8} {'debit':>18} {'credit':>18}"
        )
        for row in trial["rows"]:
            self.stdout.write(
                f"{row['account_name'][:44]:44} {row['currency']:>8} "
                f"{row['debit']:>18} {row['credit']:>18}"
            )
        for total in trial["totals"]:
            self.stdout.write(
                f"{'total':44} {total['currency']:>8} {total['debit']:>18} "
                f"{total['credit']:>18}"
            )
        self.stdout.write(f"Balanced: {trial['is_balanced']}")

    def _compare(self, trial: dict[str, Any]) -> int:
        """Compare with ledger-cli's balances; missing rows count as zero."""
        actual: Balances = {
            (row["account_name"], row["currency"]): Decimal(row["debit"])
            - Decimal(row["credit"])
            for row in trial["rows"]
        }
        expected = read_balances(DATA / "balances.csv", "account")
        expected.update(
            {
                (CONVERSION_ACCOUNT, commodity): amount
                for (commodity,), amount in read_balances(
                    DATA / "conversion.csv"
                ).items()
            }
        )
        keys = set(expected) | {key for key, value in actual.items() if value}
        mismatched = [
            key
            for key in sorted(keys)
            if actual.get(key, Decimal(0)) != expected.get(key, Decimal(0))
        ]
        self.stdout.write("")
        self.stdout.write(
            f"Compared with ledger-cli: {len(keys) - len(mismatched)} matched, "
            f"{len(mismatched)} mismatched."
        )
        for account, commodity in mismatched:
            self.stdout.write(
                f"  {account} {commodity}: Crane Ledger "
                f"{actual.get((account, commodity), Decimal(0))}, ledger-cli "
                f"{expected.get((account, commodity), Decimal(0))}"
            )
        return len(mismatched)


def read_balances(path: Path, *key_columns: str) -> dict[tuple[str, ...], Decimal]:
    with path.open() as handle:
        return {
            tuple(row[column] for column in (*key_columns, "commodity")): Decimal(
                row["amount"]
            )
            for row in csv.DictReader(handle)
        }
