from django.urls import include, path

from .views import calendar, downloads, editor, follow, minutes, reading

app_name = "meetings"

# One meeting: <pk>/…
meeting_patterns = [
    path("", reading.meeting_detail, name="meeting_detail"),
    path("edit/", editor.MeetingUpdateView.as_view(), name="meeting_edit"),
    path("publish/", editor.meeting_publish, name="meeting_publish"),
    path("meeting.ics", calendar.meeting_ics, name="meeting_ics"),
    path("seen/", follow.meeting_seen, name="meeting_seen"),
    # The agenda editor
    path("agenda/", editor.agenda_edit, name="agenda_edit"),
    path("agenda/reorder/", editor.agenda_reorder, name="agenda_reorder"),
    path("agenda/add/", editor.item_add, name="item_add"),
    path("agenda/copy/", editor.agenda_copy, name="agenda_copy"),
    path("agenda/undo/", editor.agenda_undo, name="agenda_undo"),
    path("items/new/", editor.item_create, name="item_create"),
    path("papers/new/", editor.paper_create, name="paper_create"),
    # Minutes and actions
    path("minutes/", minutes.minutes_detail, name="minutes_detail"),
    path("minutes/edit/", minutes.minutes_edit, name="minutes_edit"),
    path("minutes/circulate/", minutes.minutes_circulate, name="minutes_circulate"),
    path("minutes/approve/", minutes.minutes_approve, name="minutes_approve"),
    path("minutes.pdf", minutes.minutes_pdf, name="minutes_pdf"),
    path("actions/new/", minutes.action_create, name="action_create"),
    # The agenda pack
    path("pack.pdf", downloads.pack_download, name="pack_download"),
    path("pack/v<int:number>.pdf", downloads.pack_download, name="pack_version_download"),
    path(
        "pack/v<int:number>-supplement.pdf",
        downloads.supplement_download,
        name="supplement_download",
    ),
    path("pack/issue/", downloads.pack_issue, name="pack_issue"),
]

# One agenda item: items/<pk>/…
item_patterns = [
    path("edit/", editor.item_edit, name="item_edit"),
    path("row/", editor.item_row_save, name="item_row_save"),
    path("paper/", editor.item_paper_add, name="item_paper_add"),
    path("<str:action>/", editor.item_action, name="item_action"),
]

# One paper: papers/<pk>/…
paper_patterns = [
    path("", reading.paper_detail, name="paper_detail"),
    path("edit/", editor.paper_edit, name="paper_edit"),
    path("delete/", editor.paper_delete, name="paper_delete"),
    path("restore/", editor.paper_restore, name="paper_restore"),
    path("file/", reading.paper_file, name="paper_file"),
    path("pdf/", downloads.paper_pdf_download, name="paper_pdf"),
    path("attachments/new/", editor.attachment_create, name="attachment_create"),
]

urlpatterns = [
    path("", reading.MeetingListView.as_view(), name="meeting_list"),
    path("new/", editor.MeetingCreateView.as_view(), name="meeting_create"),
    path("venues/new/", editor.VenueCreateView.as_view(), name="venue_create"),
    path("calendar/", calendar.calendar_subscribe, name="calendar_subscribe"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("<int:pk>/", include(meeting_patterns)),
    path("minutes/entries/<int:pk>/amend/", minutes.minute_amend, name="minute_amend"),
    path("actions/", minutes.action_list, name="action_list"),
    path("search/", follow.search_view, name="search"),
    path("forward-plan/", follow.forward_plan, name="forward_plan"),
    path("forward-plan/new/", follow.forward_plan_create, name="forward_plan_create"),
    path("forward-plan/<int:pk>/edit/", follow.forward_plan_edit, name="forward_plan_edit"),
    path("notices/", follow.notice_preferences, name="notice_preferences"),
    path("actions/<int:pk>/edit/", minutes.action_edit, name="action_edit"),
    path("items/<int:pk>/", include(item_patterns)),
    path("papers/", reading.PaperListView.as_view(), name="paper_list"),
    path("papers/<int:pk>/", include(paper_patterns)),
    path("attachments/<int:pk>/file/", reading.attachment_file, name="attachment_file"),
]
