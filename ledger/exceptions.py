"""Errors the accounting services raise, each mapped to one HTTP status.

The base classes in craneledger.errors carry the status and the envelope
type; these name the accounting cases so callers and tests can catch them.
"""

from typing import Any

from craneledger.errors import BusinessRuleViolation, InvalidRequest, NotFound


def field_errors(fields: dict[str, str]) -> dict[str, Any]:
    return {"fields": {path: [message] for path, message in fields.items()}}


class InvalidField(InvalidRequest):
    """Raised when one field of a request is invalid; the path names it."""

    def __init__(
        self, path: str, message: str, *, code: str = "invalid_fields"
    ) -> None:
        super().__init__(
            f"{path}: {message}", code=code, details=field_errors({path: message})
        )
        self.path = path


class UnbalancedTransaction(InvalidRequest):
    """Raised when debits and credits differ in at least one currency."""

    default_code = "unbalanced_transaction"


class BooksClosed(BusinessRuleViolation):
    """Raised when a posting is dated on or before `books_closed_through`."""

    default_code = "books_closed"


class TransactionImmutable(BusinessRuleViolation):
    """Raised on an attempt to change, delete or re-post a posted transaction."""

    default_code = "transaction_not_pending"


class AccountInUse(BusinessRuleViolation):
    """Raised when deleting, or changing the type of, an account with entries."""

    default_code = "account_has_entries"


class AccountArchived(BusinessRuleViolation):
    """Raised when an entry would post to an archived (inactive) account."""

    default_code = "account_archived"


class ObjectNotFound(NotFound):
    """Raised when an object named in a request body does not exist here."""
