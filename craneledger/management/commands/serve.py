import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

STOP_TIMEOUT_SECONDS = 20


class Command(BaseCommand):
    help = (
        "Run the API (Django's development server) and a django-q2 worker "
        "cluster together until Ctrl-C, which stops both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            default="127.0.0.1:8000",
            help="Address and port of the API (default 127.0.0.1:8000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        commands = {
            "API": [
                sys.executable,
                manage,
                "runserver",
                options["addrport"],
                "--noreload",
            ],
            "worker cluster": [sys.executable, manage, "qcluster"],
        }
        # Stop on SIGTERM as on Ctrl-C, and take SIGINT even when started in
        # the background, where a shell sets it to be ignored.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # Each child runs in its own process group, so Ctrl-C in the terminal
        # reaches this process alone and each child gets exactly one stop
        # signal from it. qcluster can hang when a second signal arrives while
        # it handles the first.
        children = {
            name: subprocess.Popen(command, process_group=0)
            for name, command in commands.items()
        }
        self.stdout.write(
            f"API on http://{options['addrport']} and a worker cluster are "
            "starting; press Ctrl-C to stop both."
        )

        exit_code = 0
        try:
            exit_code = self._wait_for_exit(children)
        except (KeyboardInterrupt, SystemExit):
            self.stdout.write("Stopping the API and the worker cluster...")
        finally:
            self._stop(children)
        sys.exit(exit_code)

    def _wait_for_exit(self, children: dict[str, subprocess.Popen]) -> int:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"The {name} exited with {child.returncode}.")
                    return child.returncode or 1
            time.sleep(0.5)

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        # Signal each child's main process only: qcluster relays the stop to
        # its own processes and hangs if they are signalled directly as well.
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop in time; killing it.")
            # Kill whatever is left of the group, such as qcluster's workers.
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.wait()
