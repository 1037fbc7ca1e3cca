"""A Python client for the Crane Ledger REST API.

It needs only the standard library and `requests`, never Django, so it runs
anywhere the server's code is not installed:

    from craneledger.client import CraneLedger

    client = CraneLedger(api_key="cl_live_...", base_url="http://127.0.0.1:8000")
    reply = client.contacts.create(org_id, {"name": "Acme", "contact_type": "customer"})
    contact = client.wait(reply)["result"]
"""

from craneledger.client.client import CraneLedger
from craneledger.client.errors import (
    ApiConnectionError,
    ApiError,
    AuthenticationError,
    AuthorizationError,
    BusinessRuleError,
    ConflictError,
    CraneLedgerError,
    CreditLimitError,
    IdempotencyError,
    InvalidResponseError,
    NotFoundError,
    OperationCanceled,
    OperationError,
    OperationFailed,
    RateLimitError,
    ServerError,
    ValidationError,
    WaitTimeout,
)
from craneledger.client.replies import ListPage, Operation, QueuedReply

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "AuthenticationError",
    "AuthorizationError",
    "BusinessRuleError",
    "ConflictError",
    "CraneLedger",
    "CraneLedgerError",
    "CreditLimitError",
    "IdempotencyError",
    "InvalidResponseError",
    "ListPage",
    "NotFoundError",
    "Operation",
    "OperationCanceled",
    "OperationError",
    "OperationFailed",
    "QueuedReply",
    "RateLimitError",
    "ServerError",
    "ValidationError",
    "WaitTimeout",
]
