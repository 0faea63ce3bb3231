from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    role_content = True  # co-ordinators manage it, members view it (wkp/roles.py)

    def ready(self):
        from wkp import registry

        from .backup import PACKS_CHECK
        from .dashboard import dashboard_for

        registry.add_home_section(
            registry.HomeSection("meetings/home_sections.html", dashboard_for)
        )
        registry.add_backup_check(PACKS_CHECK)
        registry.add_demo_step("meetings.demo.issue_demo_packs")

        # Audit metadata only: each agenda item's history row names the agenda change it
        # belongs to, which is what "Undo the last change" reverses (services.undo_last_change).
        from simple_history.signals import pre_create_historical_record

        from .agenda import tag_agenda_history
        from .models import AgendaItem

        pre_create_historical_record.connect(
            tag_agenda_history, sender=AgendaItem.history.model, dispatch_uid="tag_agenda_history"
        )

    def worker_sweep(self):
        """Run by every background worker every half minute (wkp run_worker)."""
        from .tasks import requeue_pack_jobs

        requeue_pack_jobs()
