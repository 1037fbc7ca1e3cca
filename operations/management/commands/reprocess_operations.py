import datetime
import re
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from operations.models import OperationState, OperationStatus
from operations.reprocess import reprocess_one

AGE = re.compile(r"^(\d+)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_age(value: str) -> datetime.timedelta:
    match = AGE.match(value)
    if not match:
        raise CommandError(
            f"--older-than {value!r} is not an age such as 30s, 10m, 2h or 1d."
        )
    return datetime.timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


class Command(BaseCommand):
    help = (
        "Re-run failed or stuck operations: failed ones from the start, "
        "processing ones whose lease expired, queued ones by enqueueing again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--status",
            choices=[
                OperationState.FAILED,
                OperationState.PROCESSING,
                OperationState.QUEUED,
            ],
            default=OperationState.FAILED,
            help="Which operations to re-run (default failed).",
        )
        parser.add_argument("--resource", help="Only this resource, such as contacts.")
        parser.add_argument("--action", help="Only this action, such as create.")
        parser.add_argument(
            "--older-than",
            type=parse_age,
            help="Only operations created longer ago than this (30s, 10m, 2h, 1d).",
        )
        parser.add_argument(
            "--id",
            action="append",
            dest="ids",
            default=[],
            help="Only this request id (repeat the option for more).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would run and change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Ids name the operations outright; --status narrows only a search.
        rows = OperationStatus.objects.all()
        if not options["ids"]:
            rows = rows.filter(status=options["status"])
        if options["resource"]:
            rows = rows.filter(resource=options["resource"])
        if options["action"]:
            rows = rows.filter(action=options["action"])
        if options["older_than"]:
            rows = rows.filter(created_at__lt=timezone.now() - options["older_than"])
        if options["ids"]:
            rows = rows.filter(pk__in=options["ids"])
        ids = list(rows.order_by("created_at").values_list("id", flat=True))

        label = "" if options["ids"] else f"{options['status']} "
        self.stdout.write(f"{len(ids)} {label}operations match.")
        if options["dry_run"] or not ids:
            for operation_id in ids:
                self.stdout.write(f"  {operation_id}")
            return

        outcomes: Counter = Counter()
        for done, operation_id in enumerate(ids, start=1):
            outcomes[reprocess_one(operation_id)] += 1
            self._progress(done, len(ids))
        self.stdout.write("")
        for outcome, count in sorted(outcomes.items()):
            self.stdout.write(f"{count} {outcome}")

    def _progress(self, done: int, total: int, width: int = 30) -> None:
        filled = width * done // total
        bar = "#" * filled + "." * (width - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total}", ending="")
        self.stdout.flush()
