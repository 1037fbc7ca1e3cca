"""Contacts: customers, vendors, employees and other parties."""

import logging
import unicodedata
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from craneledger.errors import BusinessRuleViolation
from craneledger.fields import merge_metadata
from ledger.models import Contact, Organization, Transaction

logger = logging.getLogger(__name__)


class ContactInput(TypedDict, total=False):
    contact_type: str
    name: str
    email: str
    phone: str
    website: str
    tax_number: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    currency: str
    enabled: bool
    metadata: dict[str, str]


def normalize_name(name: str) -> str:
    """Return a name in Unicode NFC, so "é" typed either way is one name."""
    return unicodedata.normalize("NFC", name.strip())


def search_contacts(contacts: QuerySet, term: str) -> QuerySet:
    term = normalize_name(term)
    return contacts.filter(Q(name__icontains=term) | Q(email__icontains=term))


def _check_email_free(
    organization: Organization, email: str, exclude: str = ""
) -> None:
    if not email:
        return
    holder = (
        Contact.objects.filter(organization=organization, email__iexact=email)
        .exclude(pk=exclude)
        .values_list("id", flat=True)
        .first()
    )
    if holder is not None:
        raise BusinessRuleViolation(
            f"Contact {holder} already uses the email {email!r}; emails are "
            "unique within an organization.",
            code="duplicate_email",
            details={
                "fields": {"email": ["Already used by another contact."]},
                "id": holder,
            },
        )


def create_contact(organization: Organization, data: ContactInput) -> Contact:
    fields: dict[str, Any] = dict(data)
    fields["name"] = normalize_name(fields["name"])
    _check_email_free(organization, fields.get("email", ""))
    try:
        with transaction.atomic():
            contact = Contact.objects.create(organization=organization, **fields)
    except IntegrityError:
        # Another request took the email between the check and the insert.
        _check_email_free(organization, fields.get("email", ""))
        raise
    logger.info(
        "Created contact %s in organization %s",
        contact.id,
        organization.id,
        extra={"organization_id": organization.id, "contact_id": contact.id},
    )
    return contact


def update_contact(contact: Contact, changes: ContactInput) -> Contact:
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        fields: dict[str, Any] = dict(changes)
        if "name" in fields:
            fields["name"] = normalize_name(fields["name"])
        if fields.get("email"):
            _check_email_free(locked.organization, fields["email"], exclude=locked.pk)
        if "metadata" in fields:
            fields["metadata"] = merge_metadata(locked.metadata, fields["metadata"])
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    logger.info("Updated contact %s", locked.id, extra={"contact_id": locked.id})
    return locked


def delete_contact(contact: Contact) -> None:
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        used = Transaction.objects.filter(contact=locked).values_list("id", flat=True)
        first_use = used.first()
        if first_use is not None:
            raise BusinessRuleViolation(
                f"Contact {locked.id} is referenced by transaction {first_use} "
                'and cannot be deleted; disable it with {"enabled": false}.',
                code="contact_in_use",
            )
        locked.delete()
    logger.info("Deleted contact %s", contact.id, extra={"contact_id": contact.id})
