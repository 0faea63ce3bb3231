from django.urls import path

from . import views

app_name = "finance"

urlpatterns = [
    path("", views.FinanceHomeView.as_view(), name="index"),
    path("statement/", views.StatementView.as_view(), name="statement_detail"),
    path("statement/csv/", views.statement_csv, name="statement_csv"),
    path("statement/xlsx/", views.statement_xlsx, name="statement_xlsx"),
    path("statement/pdf/", views.statement_pdf, name="statement_pdf"),
    path("years/new/", views.FinancialYearCreateView.as_view(), name="financialyear_create"),
    path(
        "years/<int:start_year>/",
        views.FinancialYearDetailView.as_view(),
        name="financialyear_detail",
    ),
    path(
        "years/<int:start_year>/edit/",
        views.FinancialYearUpdateView.as_view(),
        name="financialyear_update",
    ),
    path(
        "years/<int:start_year>/close/",
        views.FinancialYearCloseView.as_view(),
        name="financialyear_close",
    ),
    path(
        "years/<int:start_year>/reopen/",
        views.FinancialYearReopenView.as_view(),
        name="financialyear_reopen",
    ),
    path("entries/new/", views.LedgerEntryCreateView.as_view(), name="ledgerentry_create"),
    path(
        "entries/<int:pk>/history/",
        views.LedgerEntryHistoryView.as_view(),
        name="ledgerentry_history",
    ),
    path(
        "entries/<int:pk>/correct/",
        views.LedgerEntryCorrectView.as_view(),
        name="ledgerentry_correct",
    ),
    path(
        "entries/<int:pk>/reverse/",
        views.LedgerEntryReverseView.as_view(),
        name="ledgerentry_reverse",
    ),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/<int:pk>/edit/", views.ProjectUpdateView.as_view(), name="project_update"),
    path("budgets/new/", views.EventBudgetCreateView.as_view(), name="eventbudget_create"),
    path("budgets/<int:pk>/", views.EventBudgetDetailView.as_view(), name="eventbudget_detail"),
    path(
        "budgets/<int:pk>/lines/new/",
        views.EventBudgetLineCreateView.as_view(),
        name="eventbudgetline_create",
    ),
    path(
        "external/new/",
        views.ExternalFundingCreateView.as_view(),
        name="externalfunding_create",
    ),
    path(
        "external/<int:pk>/edit/",
        views.ExternalFundingUpdateView.as_view(),
        name="externalfunding_update",
    ),
    path(
        "budgets/lines/<int:pk>/edit/",
        views.EventBudgetLineUpdateView.as_view(),
        name="eventbudgetline_update",
    ),
]
