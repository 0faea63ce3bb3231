from django.urls import include, path

from . import views

app_name = "finance"

# One financial year, by the year it starts in: years/<start_year>/…
year_patterns = [
    path("", views.FinancialYearDetailView.as_view(), name="financialyear_detail"),
    path("edit/", views.FinancialYearUpdateView.as_view(), name="financialyear_update"),
    path("close/", views.FinancialYearCloseView.as_view(), name="financialyear_close"),
    path("reopen/", views.FinancialYearReopenView.as_view(), name="financialyear_reopen"),
]

# One ledger entry: entries/<pk>/…
entry_patterns = [
    path("history/", views.LedgerEntryHistoryView.as_view(), name="ledgerentry_history"),
    path("correct/", views.LedgerEntryCorrectView.as_view(), name="ledgerentry_correct"),
    path("reverse/", views.LedgerEntryReverseView.as_view(), name="ledgerentry_reverse"),
]

# Event budgets and their lines: budgets/…
budget_patterns = [
    path("new/", views.EventBudgetCreateView.as_view(), name="eventbudget_create"),
    path("<int:pk>/", views.EventBudgetDetailView.as_view(), name="eventbudget_detail"),
    path(
        "<int:pk>/lines/new/",
        views.EventBudgetLineCreateView.as_view(),
        name="eventbudgetline_create",
    ),
    path(
        "lines/<int:pk>/edit/",
        views.EventBudgetLineUpdateView.as_view(),
        name="eventbudgetline_update",
    ),
]

# Funding secured from outside the fund: external/…
external_funding_patterns = [
    path("new/", views.ExternalFundingCreateView.as_view(), name="externalfunding_create"),
    path(
        "<int:pk>/edit/", views.ExternalFundingUpdateView.as_view(), name="externalfunding_update"
    ),
]

urlpatterns = [
    path("", views.FinanceHomeView.as_view(), name="index"),
    path("statement/", views.StatementView.as_view(), name="statement_detail"),
    path("statement/csv/", views.statement_csv, name="statement_csv"),
    path("statement/xlsx/", views.statement_xlsx, name="statement_xlsx"),
    path("statement/pdf/", views.statement_pdf, name="statement_pdf"),
    path("years/new/", views.FinancialYearCreateView.as_view(), name="financialyear_create"),
    path("years/<int:start_year>/", include(year_patterns)),
    path("entries/new/", views.LedgerEntryCreateView.as_view(), name="ledgerentry_create"),
    path("entries/<int:pk>/", include(entry_patterns)),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/<int:pk>/edit/", views.ProjectUpdateView.as_view(), name="project_update"),
    path("budgets/", include(budget_patterns)),
    path("external/", include(external_funding_patterns)),
]
