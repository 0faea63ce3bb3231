"""Finding and following: search, e-mail notices, the forward plan and "seen"."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from subgroups.reports import subgroup_choices
from wkp import table_versions
from wkp.http_methods import require_form_methods
from wkp.models import Organisation
from wkp.templatetags.wkp_format import short_date, uk_date
from wkp.views import nothing_changed

from .. import search
from ..access import get_meeting_for_user_or_404, paper_visible_to
from ..forms import ForwardPlanEntryForm, SearchForm
from ..models import Body, ForwardPlanEntry, Meeting, MeetingVisit, NoticePreference


@require_safe
@permission_required("meetings.view_meeting", raise_exception=True)
def search_view(request):
    form = SearchForm(request.GET, kinds=search.KINDS.items(), max_query=search.MAX_QUERY)
    results, problem = [], ""
    if form.is_valid():
        query, kind = form.cleaned_data["q"], form.cleaned_data["kind"] or None
        filters = {
            name: form.cleaned_data[name]
            for name in ("year", "meeting", "subgroup", "organisation")
        }
        if query.strip():
            try:
                results = search.search(request.user, query, kind=kind, **filters)
            except search.SearchTooSlow:
                problem = (
                    "The search took too long and was stopped. Use fewer or more distinctive "
                    "words, or narrow it by year or meeting."
                )
    else:
        query, kind = request.GET.get("q", "")[: search.MAX_QUERY], None
        filters = {}
        problem = f"The search was not run. {form.problems()}"
    return render(
        request,
        "meetings/search.html",
        {
            "query": query,
            "results": results,
            "problem": problem,
            "filters_html": _search_filters(request.user, kind, filters),
            "nav_section": "search",
        },
    )


SEARCH_FILTERS = "meetings/partials/search_filters.html"


def _search_filters(user, kind, filters):
    """The filters' choices (years, meetings, sub-groups, organisations), kept under the
    versions of the tables they list (wkp.table_versions) and the choices made: one query while
    none changes."""
    versions = table_versions.versions(Meeting, Body, Organisation)
    chosen = (kind, tuple(sorted(filters.items())), user.has_perm("meetings.view_meeting"))

    def build():
        meetings = Meeting.objects.visible_to(user).select_related("body").order_by("-date")[:60]
        years = sorted({d.year for d in Meeting.objects.dates("date", "year")}, reverse=True)
        selects = [
            _select("kind", "In", "Everything", search.KINDS.items(), kind),
            _select("year", "Year", "Any year", ((y, y) for y in years), filters.get("year")),
            _select(
                "meeting",
                "Meeting",
                "Any meeting",
                ((m.pk, f"{short_date(m.date)} – {m.display_title}") for m in meetings),
                filters.get("meeting"),
            ),
            _select(
                "subgroup",
                "Sub-group",
                "Any sub-group",
                subgroup_choices(),
                filters.get("subgroup"),
            ),
            _select(
                "organisation",
                "Organisation",
                "Any organisation",
                Organisation.objects.order_by("name").values_list("pk", "name"),
                filters.get("organisation"),
            ),
        ]
        return render_to_string(SEARCH_FILTERS, {"selects": selects})

    html = table_versions.cached(
        "search-filters", versions, chosen, build, templates=(SEARCH_FILTERS,)
    )
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered


def _select(name, label, anything, choices, chosen):
    """One filter's select: its (value, text) choices, the chosen one marked."""
    options = [(value, text, value == chosen) for value, text in choices]
    return {"name": name, "label": label, "anything": anything, "options": options}


@require_form_methods
@permission_required("meetings.view_meeting", raise_exception=True)
def notice_preferences(request):
    # A GET never writes: the default preference is shown unsaved until the member chooses.
    preference = NoticePreference.objects.filter(user=request.user).first() or NoticePreference(
        user=request.user
    )
    if request.method == "POST":
        frequency = request.POST.get("frequency")
        if frequency == preference.frequency:
            messages.info(request, "Nothing was changed, so nothing was saved.")
            return redirect("meetings:notice_preferences")
        if frequency in NoticePreference.Frequency.values:
            preference.frequency = frequency
            preference.save()
            messages.success(request, f"Saved: {preference.get_frequency_display().lower()}.")
            return redirect("meetings:notice_preferences")
        messages.error(request, "Choose one of the options.")
    return render(
        request,
        "meetings/notice_preferences.html",
        {
            "preference": preference,
            "choices": NoticePreference.Frequency.choices,
            "has_email": bool(request.user.email),
            "nav_section": "meetings",
        },
    )


@require_safe
@permission_required("meetings.view_forwardplanentry", raise_exception=True)
def forward_plan(request):
    today = timezone.localdate()
    entries = ForwardPlanEntry.objects.in_date_range().select_related(
        "meeting__body", "owner_person", "owner_organisation", "paper__meeting"
    )
    if request.GET.get("all") != "1":
        entries = entries.filter(meeting__date__gte=today)
    entries = list(entries)
    for entry in entries:
        # A paper the reader may not open (a draft meeting's, a deleted or withdrawn one) is
        # not named: members must not learn that a draft paper exists.
        entry.paper_shown = entry.paper is not None and paper_visible_to(request.user, entry.paper)
    return render(
        request,
        "meetings/forward_plan.html",
        {
            "entries": entries,
            "today": today,
            "can_edit": request.user.has_perm("meetings.change_forwardplanentry"),
            "nav_section": "meetings",
        },
    )


def _forward_plan_form(request, entry):
    form = ForwardPlanEntryForm(request.POST or None, instance=entry, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        if entry.pk and nothing_changed(request, form):
            return redirect("meetings:forward_plan")
        form.save()
        due = form.instance.due
        messages.success(request, f"“{form.instance.title}” is due on {uk_date(due)}.")
        return redirect("meetings:forward_plan")
    return render(
        request,
        "meetings/forward_plan_form.html",
        {"form": form, "entry": entry, "nav_section": "meetings"},
    )


@require_form_methods
@permission_required("meetings.add_forwardplanentry", raise_exception=True)
def forward_plan_create(request):
    return _forward_plan_form(request, ForwardPlanEntry())


@require_form_methods
@permission_required("meetings.change_forwardplanentry", raise_exception=True)
def forward_plan_edit(request, pk):
    return _forward_plan_form(request, get_object_or_404(ForwardPlanEntry, pk=pk))


@require_POST
def meeting_seen(request, pk):
    """Record that the user has now seen the meeting (sent by the page, or its button)."""
    meeting = get_meeting_for_user_or_404(request.user, pk)
    MeetingVisit.objects.update_or_create(
        user=request.user, meeting=meeting, defaults={"seen_at": timezone.now()}
    )
    if request.headers.get("X-Requested-With") == "fetch":
        # No content: nothing for a cache to keep, so no no-store to hold the page out of the
        # back/forward cache (wkp.middleware.PrivateCacheMiddleware).
        return HttpResponse(status=204)
    return redirect(meeting.get_absolute_url())
