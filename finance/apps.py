from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "finance"
    role_content = True  # co-ordinators manage it, members view it (wkp/roles.py)

    def ready(self):
        from wkp.registry import add_backup_check

        from .backup import LEDGER_CHECK

        add_backup_check(LEDGER_CHECK)
