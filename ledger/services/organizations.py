"""Create and change organizations, and resolve which ones an API key reaches."""

import datetime
import logging
from typing import Any, TypedDict

from django.conf import settings
from django.db import transaction

from craneledger.errors import BusinessRuleViolation
from craneledger.fields import merge_metadata
from ledger.models import Organization, Transaction
from ledger.models.organizations import RelationshipType
from ledger.services.currencies import find_currency
from operations.credits import grant

logger = logging.getLogger(__name__)


class OrganizationChanges(TypedDict, total=False):
    name: str
    base_currency: str
    fiscal_year_start_month: int
    tax_number: str
    books_closed_through: datetime.date | None
    metadata: dict[str, str]


def create_organization(
    *,
    name: str,
    base_currency: str,
    parent: Organization | None = None,
    relationship_type: str | None = None,
    fiscal_year_start_month: int = 1,
    tax_number: str = "",
    metadata: dict[str, str] | None = None,
) -> Organization:
    if parent is not None and relationship_type is None:
        relationship_type = RelationshipType.OWNED
    with transaction.atomic():
        organization = Organization.objects.create(
            name=name,
            base_currency=base_currency,
            parent=parent,
            relationship_type=relationship_type if parent is not None else None,
            fiscal_year_start_month=fiscal_year_start_month,
            tax_number=tax_number,
            metadata=metadata or {},
        )
        find_currency(organization, base_currency)
        has_own_pool = parent is None or relationship_type == RelationshipType.LINKED
        if has_own_pool and settings.CREDITS_INITIAL_GRANT:
            grant(organization.id, settings.CREDITS_INITIAL_GRANT, "Initial grant")
    logger.info(
        "Created organization %s (parent %s)",
        organization.id,
        parent.id if parent else "none",
        extra={"organization_id": organization.id},
    )
    return organization


def update_organization(
    organization: Organization, changes: OrganizationChanges
) -> Organization:
    # Lock the row so that two concurrent metadata merges cannot each read the
    # old value and the second silently drop the first one's keys.
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        fields: dict[str, Any] = dict(changes)
        new_base = fields.get("base_currency", locked.base_currency)
        if new_base != locked.base_currency:
            if Transaction.objects.filter(organization=locked).exists():
                raise BusinessRuleViolation(
                    f"Organization {locked.id} has transactions in base currency "
                    f"{locked.base_currency}, so the base currency cannot change.",
                    code="base_currency_in_use",
                )
            find_currency(locked, new_base)
        if "metadata" in fields:
            fields["metadata"] = merge_metadata(locked.metadata, fields["metadata"])
        changed = {f: v for f, v in fields.items() if getattr(locked, f) != v}
        for field, value in changed.items():
            setattr(locked, field, value)
        if changed:
            locked.save()

    logger.info(
        "Updated organization %s: %s",
        locked.id,
        ", ".join(sorted(fields)) or "no fields",
        extra={"organization_id": locked.id},
    )
    return locked


def reachable_organization_ids(organization_id: str) -> set[str]:
    """Return the organization and every organization it owns, at any depth."""
    reached = {organization_id}
    frontier = {organization_id}
    while frontier:
        children = set(
            Organization.objects.filter(
                parent_id__in=frontier, relationship_type=RelationshipType.OWNED
            ).values_list("id", flat=True)
        )
        frontier = children - reached
        reached |= frontier
    return reached
