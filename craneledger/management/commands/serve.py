import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

STOP_TIMEOUT_SECONDS = 15


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
            "api": [
                sys.executable,
                manage,
                "runserver",
                options["addrport"],
                "--noreload",
            ],
            "worker cluster": [sys.executable, manage, "qcluster"],
        }
        # Stop the children on SIGTERM as on Ctrl-C, and take SIGINT even when
        # started in the background, where a shell sets it to be ignored.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            f"API on http://{options['addrport']} and a worker cluster are "
            "starting; press Ctrl-C to stop both."
        )

        exit_code = 0
        try:
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"The {name} exited with {child.returncode}.")
                        exit_code = child.returncode or 1
                        raise SystemExit
                time.sleep(0.5)
        except (KeyboardInterrupt, SystemExit):
            self.stdout.write("Stopping the API and the worker cluster...")
        finally:
            self._stop(children)
        sys.exit(exit_code)

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        # Ctrl-C reaches the whole process group; SIGTERM covers a stop that
        # came through this process alone. qcluster finishes running tasks.
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop in time; killing it.")
                child.kill()
                child.wait()
