from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from ledger.handlers import register_handlers
        from ledger.money import use_exact_context

        use_exact_context()
        register_handlers()
