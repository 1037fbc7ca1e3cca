"""`make demo` end to end: a server, the client, the bundled books, a clean match."""

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_demo_matches_ledger_cli(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")
    }
    env["CRANELEDGER_VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--no-input"], ["createcachetable"]):
        subprocess.run(manage + command, env=env, check=True, capture_output=True)

    url = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        manage + ["demo", "--url", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "starting one with a worker cluster" in result.stdout
    assert re.search(
        r"Compared with ledger-cli: 101 matched, 0 mismatched", result.stdout
    )
    assert "Balanced: True" in result.stdout
