from django.urls import path

from . import views

app_name = "subgroups"

# The four pages of a kind of record that has all of them: each route, and the suffix of its
# view (<Kind><Suffix>View) and of its URL name (<kind>_<suffix>).
CRUD_ROUTES = (
    ("new/", "Create"),
    ("<int:pk>/", "Detail"),
    ("<int:pk>/edit/", "Edit"),
    ("<int:pk>/delete/", "Delete"),
)


def crud_paths(prefix, kind):
    """The CRUD_ROUTES of `kind` under `prefix`: crud_paths("updates/", "Update") is updates/new/
    to views.UpdateCreateView named update_create, updates/<pk>/ to UpdateDetailView named
    update_detail, and edit and delete likewise."""
    return [
        path(
            prefix + route,
            getattr(views, f"{kind}{suffix}View").as_view(),
            name=f"{kind.lower()}_{suffix.lower()}",
        )
        for route, suffix in CRUD_ROUTES
    ]


urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    *crud_paths("", "Body"),
    path(
        "<int:subgroup_pk>/members/new/",
        views.MembershipCreateView.as_view(),
        name="membership_create",
    ),
    path("members/<int:pk>/edit/", views.MembershipEditView.as_view(), name="membership_edit"),
    path(
        "members/<int:pk>/delete/", views.MembershipDeleteView.as_view(), name="membership_delete"
    ),
    *crud_paths("updates/", "Update"),
    *crud_paths("bodies/", "ReportingBody"),
    *crud_paths("reports/", "AnnualReport"),
    path("compare/", views.ComparisonView.as_view(), name="comparison"),
]
