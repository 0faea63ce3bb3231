from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from . import health, two_factor, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "accounts/login/",
        login_not_required(views.SignInView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("accounts/two-factor/", two_factor.verify, name="two_factor"),
    path("accounts/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accessibility/", views.AccessibilityStatementView.as_view(), name="accessibility"),
    path("partners/", views.PartnerListView.as_view(), name="partner_list"),
    path("partners/<int:pk>/", views.PartnerDetailView.as_view(), name="partner_detail"),
    path("meetings/", include("meetings.urls")),
    path("finance/", include("finance.urls")),
    path("subgroups/", include("subgroups.urls")),
    path("admin/", admin.site.urls),
]
