"""Time an import of the bundled ledger-cli books, parse and post separately.

Run against the database DATABASE_URL names (migrated first), for example:

    CRANELEDGER_VAR_DIR=/tmp/bench .venv/bin/python bench/import_journal.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crane_bench \\
        .venv/bin/python bench/import_journal.py

Each run creates a fresh organization, so repeated runs do not skip rows.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "craneledger.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from ledger.services.imports import apply_import  # noqa: E402
from ledger.services.journal import parse_journal  # noqa: E402
from ledger.services.organizations import create_organization  # noqa: E402

JOURNAL = ROOT / "tests" / "data" / "ledger-standard" / "postings.csv"
RUNS = 5


def main() -> None:
    call_command("migrate", verbosity=0)
    text = JOURNAL.read_text()
    parse_times, apply_times = [], []
    for run in range(RUNS):
        organization = create_organization(name=f"Bench {run}", base_currency="USD")
        started = time.perf_counter()
        plan = parse_journal(text, {"default_type": "asset"})
        parsed = time.perf_counter()
        result = apply_import(organization, plan)
        done = time.perf_counter()
        assert result["transactions_created"] == 1345, result
        parse_times.append(parsed - started)
        apply_times.append(done - parsed)

    totals = [
        parse + apply for parse, apply in zip(parse_times, apply_times, strict=True)
    ]
    print(f"database: {connection.vendor}; {plan.rows_total} rows, 1345 transactions")
    print(
        f"runs: {RUNS}; median parse {statistics.median(parse_times):.3f} s, "
        f"median post {statistics.median(apply_times):.3f} s, "
        f"median total {statistics.median(totals):.3f} s"
    )


if __name__ == "__main__":
    main()
