from django.urls import path

from . import views

app_name = "subgroups"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("new/", views.BodyCreateView.as_view(), name="body_create"),
    path("<int:pk>/", views.BodyDetailView.as_view(), name="body_detail"),
    path("<int:pk>/edit/", views.BodyEditView.as_view(), name="body_edit"),
    path("<int:pk>/delete/", views.BodyDeleteView.as_view(), name="body_delete"),
    path(
        "<int:subgroup_pk>/members/new/",
        views.MembershipCreateView.as_view(),
        name="membership_create",
    ),
    path("members/<int:pk>/edit/", views.MembershipEditView.as_view(), name="membership_edit"),
    path(
        "members/<int:pk>/delete/", views.MembershipDeleteView.as_view(), name="membership_delete"
    ),
    path("updates/new/", views.UpdateCreateView.as_view(), name="update_create"),
    path("updates/<int:pk>/", views.UpdateDetailView.as_view(), name="update_detail"),
    path("updates/<int:pk>/edit/", views.UpdateEditView.as_view(), name="update_edit"),
    path("updates/<int:pk>/delete/", views.UpdateDeleteView.as_view(), name="update_delete"),
    path("bodies/new/", views.ReportingBodyCreateView.as_view(), name="reportingbody_create"),
    path("bodies/<int:pk>/", views.ReportingBodyDetailView.as_view(), name="reportingbody_detail"),
    path("bodies/<int:pk>/edit/", views.ReportingBodyEditView.as_view(), name="reportingbody_edit"),
    path(
        "bodies/<int:pk>/delete/",
        views.ReportingBodyDeleteView.as_view(),
        name="reportingbody_delete",
    ),
    path("reports/new/", views.AnnualReportCreateView.as_view(), name="annualreport_create"),
    path("reports/<int:pk>/", views.AnnualReportDetailView.as_view(), name="annualreport_detail"),
    path("reports/<int:pk>/edit/", views.AnnualReportEditView.as_view(), name="annualreport_edit"),
    path(
        "reports/<int:pk>/delete/",
        views.AnnualReportDeleteView.as_view(),
        name="annualreport_delete",
    ),
    path("compare/", views.ComparisonView.as_view(), name="comparison"),
]
