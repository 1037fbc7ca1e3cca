from ledger.models.api_keys import ApiKey
from ledger.models.organizations import Organization

__all__ = ["ApiKey", "Organization"]
