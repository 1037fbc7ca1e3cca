from django.apps import AppConfig


class CraneLedgerConfig(AppConfig):
    name = "craneledger"
    verbose_name = "Crane Ledger"
