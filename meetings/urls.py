from django.urls import path
from django.views.generic import TemplateView

app_name = "meetings"

urlpatterns = [
    path("", TemplateView.as_view(template_name="meetings/meeting_list.html"), name="meeting_list"),
    path(
        "papers/", TemplateView.as_view(template_name="meetings/paper_list.html"), name="paper_list"
    ),
]
