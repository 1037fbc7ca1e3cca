from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from craneledger.errors import CreditLimitExceeded
from operations.credits import grant


class Command(BaseCommand):
    help = (
        "Add credits to an organization's pool (a negative amount removes "
        "them). An owned sub-organization's credits go to the pool of the "
        "organization that owns it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="Organization id, such as org_...")
        parser.add_argument(
            "amount", type=int, help="Credits to add, or remove if negative."
        )
        parser.add_argument(
            "--note", default="Granted by an operator", help="Log text."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = self._root(options["organization"])
        try:
            pool = grant(root, options["amount"], options["note"])
        except CreditLimitExceeded as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Pool of {root} now holds {pool.balance} credits.")

    def _root(self, organization_id: str) -> str:
        # Looked up through the app registry, since this app does not import
        # the ledger's code.
        organizations = apps.get_model("ledger", "Organization").objects
        node = organizations.filter(pk=organization_id).first()
        if node is None:
            raise CommandError(f"No organization {organization_id!r}.")
        # Owned organizations share their parent's pool; linked ones keep their own.
        while node.parent_id is not None and node.relationship_type == "owned":
            node = organizations.get(pk=node.parent_id)
        return node.id
