"""`manage.py serve` starts the API and a worker cluster, and Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent


def processes_with(marker: str) -> list[int]:
    """List the processes whose environment contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ:
            found.append(int(entry.name))
    return found


def wait_for_health(url: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.3)
    return 0


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_ctrl_c_stops_api_and_cluster(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CRANELEDGER_VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--no-input"], ["createcachetable"]):
        subprocess.run(manage + command, env=env, check=True, capture_output=True)

    port = free_port()
    server = subprocess.Popen(
        manage + ["serve", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        process_group=0,
    )
    try:
        status = wait_for_health(f"http://127.0.0.1:{port}/health", timeout=60)
        assert status == 200
        time.sleep(2)
        assert len(processes_with(str(tmp_path))) >= 3

        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=40)[0].decode()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)

    assert server.returncode == 0, output
    assert "did not stop in time" not in output
    leftovers = processes_with(str(tmp_path))
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert leftovers == []
