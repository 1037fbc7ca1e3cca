from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ledger.currency_data import iso_currency
from ledger.models import Organization
from ledger.models.organizations import RelationshipType
from ledger.services.api_keys import issue_starter_keys
from ledger.services.organizations import create_organization


class Command(BaseCommand):
    help = (
        "Create an organization with one live and one test API key, and print "
        "its id and the keys. The keys are shown this one time only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Display name of the organization.")
        parser.add_argument(
            "--base-currency",
            default="USD",
            help="ISO 4217 code of the currency the books are kept in (default USD).",
        )
        parser.add_argument(
            "--parent", help="Id of the parent organization, for a sub-organization."
        )
        parser.add_argument(
            "--relationship",
            choices=RelationshipType.values,
            default=RelationshipType.OWNED,
            help="How the parent relates to this organization (default owned).",
        )
        parser.add_argument(
            "--fiscal-year-start-month",
            type=int,
            default=1,
            help="Month the fiscal year starts in, 1 to 12 (default 1).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        currency = options["base_currency"].upper()
        if iso_currency(currency) is None:
            raise CommandError(f"{currency!r} is not an ISO 4217 currency code.")
        month = options["fiscal_year_start_month"]
        if not 1 <= month <= 12:
            raise CommandError(f"--fiscal-year-start-month {month} is not 1 to 12.")
        name = options["name"].strip()
        if not name:
            raise CommandError("The name cannot be blank.")
        parent = None
        if options["parent"]:
            parent = Organization.objects.filter(pk=options["parent"]).first()
            if parent is None:
                raise CommandError(f"No organization {options['parent']!r}.")

        with transaction.atomic():
            organization = create_organization(
                name=name,
                base_currency=currency,
                parent=parent,
                relationship_type=options["relationship"] if parent else None,
                fiscal_year_start_month=month,
            )
            keys = issue_starter_keys(organization)

        self.stdout.write(f"Organization: {organization.id} ({organization.name})")
        for api_key, secret in keys:
            self.stdout.write(f"{api_key.mode.capitalize()} API key: {secret}")
        self.stdout.write("Store the keys now: only their hashes are kept.")
