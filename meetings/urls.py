from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("venues/new/", views.VenueCreateView.as_view(), name="venue_create"),
    path("calendar/", views.calendar_subscribe, name="calendar_subscribe"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="meeting_edit"),
    path("<int:pk>/agenda/", views.agenda_edit, name="agenda_edit"),
    path("<int:pk>/agenda/reorder/", views.agenda_reorder, name="agenda_reorder"),
    path("<int:pk>/items/new/", views.item_create, name="item_create"),
    path("<int:pk>/papers/new/", views.paper_create, name="paper_create"),
    path("<int:pk>/publish/", views.meeting_publish, name="meeting_publish"),
    path("<int:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("<int:pk>/pack.pdf", views.pack_download, name="pack_download"),
    path("<int:pk>/pack/v<int:number>.pdf", views.pack_download, name="pack_version_download"),
    path(
        "<int:pk>/pack/v<int:number>-supplement.pdf",
        views.supplement_download,
        name="supplement_download",
    ),
    path("<int:pk>/pack/issue/", views.pack_issue, name="pack_issue"),
    path("<int:pk>/minutes/", views.minutes_detail, name="minutes_detail"),
    path("<int:pk>/minutes/edit/", views.minutes_edit, name="minutes_edit"),
    path("<int:pk>/minutes/circulate/", views.minutes_circulate, name="minutes_circulate"),
    path("<int:pk>/minutes/approve/", views.minutes_approve, name="minutes_approve"),
    path("<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("minutes/entries/<int:pk>/amend/", views.minute_amend, name="minute_amend"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/<str:action>/", views.item_action, name="item_action"),
    path("papers/", views.PaperListView.as_view(), name="paper_list"),
    path("papers/<int:pk>/", views.paper_detail, name="paper_detail"),
    path("papers/<int:pk>/edit/", views.paper_edit, name="paper_edit"),
    path("papers/<int:pk>/delete/", views.paper_delete, name="paper_delete"),
    path("papers/<int:pk>/restore/", views.paper_restore, name="paper_restore"),
    path("papers/<int:pk>/file/", views.paper_file, name="paper_file"),
    path("papers/<int:pk>/pdf/", views.paper_pdf_download, name="paper_pdf"),
    path("papers/<int:pk>/attachments/new/", views.attachment_create, name="attachment_create"),
    path("attachments/<int:pk>/file/", views.attachment_file, name="attachment_file"),
]
