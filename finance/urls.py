from django.urls import path
from django.views.generic import TemplateView

app_name = "finance"

urlpatterns = [
    path("", TemplateView.as_view(template_name="finance/index.html"), name="index"),
]
