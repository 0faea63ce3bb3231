from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


@admin.register(models.FinancialYear)
class FinancialYearAdmin(SimpleHistoryAdmin):
    list_display = ["label", "kind", "actual_from", "is_closed"]


class KeptAsRecordedMixin:
    """Records the admin may read but never change or delete: they are the audit trail."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.YearReopening)
class YearReopeningAdmin(KeptAsRecordedMixin, admin.ModelAdmin):
    list_display = ["year", "reopened_by", "reopened_at", "reason"]


@admin.register(models.Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["name", "sort_order"]


@admin.register(models.LedgerEntry)
class LedgerEntryAdmin(KeptAsRecordedMixin, SimpleHistoryAdmin):
    """Read-only: the ledger is append-only, posted and corrected through the finance pages."""

    list_display = ["year", "kind", "posted_on", "description", "amount", "project"]
    list_filter = ["year", "kind"]

    def has_add_permission(self, request):
        return False


@admin.register(models.ExternalFunding)
class ExternalFundingAdmin(SimpleHistoryAdmin):
    list_display = ["name", "funder", "year", "amount"]


class EventBudgetLineInline(admin.TabularInline):
    model = models.EventBudgetLine
    extra = 0


@admin.register(models.EventBudget)
class EventBudgetAdmin(SimpleHistoryAdmin):
    list_display = ["name", "event_date"]
    inlines = [EventBudgetLineInline]
