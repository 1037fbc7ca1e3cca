from typing import Any

from django.core.management.base import BaseCommand

from operations.reaper import reap


class Command(BaseCommand):
    help = (
        "Recover lost work once: re-enqueue queued operations no worker claimed "
        "and take back processing ones whose lease expired. The worker cluster "
        "also runs this every minute."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = reap()
        self.stdout.write(f"Reaper: {report}.")
