from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from ledger.models import ApiKey, Organization
from ledger.services.api_keys import issue_starter_keys, revoke_api_key
from ledger.services.organizations import create_organization

DEMO_MARKER = "craneledger_demo"


class Command(BaseCommand):
    help = (
        "Create the demo organization and print its API keys, or report the "
        "existing one. With --rotate-keys, revoke its keys and print new ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rotate-keys",
            action="store_true",
            help="Revoke the demo organization's active keys and print new ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        demo = Organization.objects.filter(**{f"metadata__{DEMO_MARKER}": "true"})
        organization = demo.order_by("created_at").first()

        if organization is None:
            with transaction.atomic():
                organization = create_organization(
                    name="Demo Company",
                    base_currency="USD",
                    metadata={DEMO_MARKER: "true"},
                )
                keys = issue_starter_keys(organization)
            self.stdout.write(f"Created demo organization {organization.id}.")
            self._print_keys(organization, keys)
            return

        if options["rotate_keys"]:
            with transaction.atomic():
                for api_key in ApiKey.objects.filter(
                    organization=organization, revoked_at__isnull=True
                ):
                    revoke_api_key(api_key)
                keys = issue_starter_keys(organization)
            self.stdout.write(f"Revoked the old keys of {organization.id}.")
            self._print_keys(organization, keys)
            return

        active = ApiKey.objects.filter(
            organization=organization, revoked_at__isnull=True
        )
        previews = ", ".join(key.preview for key in active) or "none"
        self.stdout.write(
            f"Reusing demo organization {organization.id}. Its active keys "
            f"({previews}) were shown once, when they were created; only their "
            "hashes are kept. For new keys, run `.venv/bin/python manage.py "
            "demo_organization --rotate-keys`, which revokes all of them."
        )

    def _print_keys(self, organization: Organization, keys: list) -> None:
        self.stdout.write(f"Organization: {organization.id}")
        for api_key, secret in keys:
            self.stdout.write(f"{api_key.mode.capitalize()} API key: {secret}")
        self.stdout.write(
            "Store the keys now: they are shown once. Try:\n"
            f'  curl -H "Authorization: Bearer {keys[0][1]}" '
            f"http://127.0.0.1:8000/organizations/{organization.id}"
        )
