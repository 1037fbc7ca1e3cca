"""The mode table: writes run inside the request (direct) or on workers (queued).

The table is the one place that decides; viewsets ask it through mode_of().
OPERATION_MODES in settings overrides single entries, such as
{"contacts.create": "direct"}.
"""

from django.conf import settings

DIRECT = "direct"
QUEUED = "queued"

DEFAULT_MODES: dict[str, str] = {
    "contacts.create": QUEUED,
    "contacts.update": QUEUED,
    "contacts.delete": QUEUED,
    "bills.create": QUEUED,
    "transfers.create": QUEUED,
    "categories.create": QUEUED,
    "taxes.create": QUEUED,
    "items.create": QUEUED,
    "imports.create": QUEUED,
}


def mode_of(resource: str, action: str) -> str:
    """Return "queued" or "direct" for a write; anything unlisted is direct."""
    key = f"{resource}.{action}"
    overrides: dict[str, str] = getattr(settings, "OPERATION_MODES", {})
    return overrides.get(key) or DEFAULT_MODES.get(key, DIRECT)
