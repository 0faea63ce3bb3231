from django.urls import path
from django.views.generic import TemplateView

app_name = "subgroups"

urlpatterns = [
    path("", TemplateView.as_view(template_name="subgroups/index.html"), name="index"),
]
