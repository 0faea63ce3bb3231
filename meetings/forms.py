from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import format_html

from wkp.forms import AddPersonMixin, SharedChoicesFormSet
from wkp.models import Organisation, Person
from wkp.rich_text import RichTextField, RichTextWidget
from wkp.sanitise import clean_html
from wkp.templatetags.wkp_format import short_date, uk_date
from wkp.widgets import DateInput, TimeInput

from .agenda import build_agenda, walk
from .clock import repeated_time_note, skipped_time_error
from .models import (
    MAX_AGENDA_DEPTH,
    MEETING_DATES,
    Action,
    AgendaItem,
    Attachment,
    Attendance,
    Declaration,
    ForwardPlanEntry,
    Meeting,
    MinuteEntry,
    Paper,
    Venue,
    is_meeting_date,
)
from .targets import HELP as TARGET_HELP
from .targets import TargetError, format_target, last_day, parse_target
from .uploads import check_upload, safe_name


class VersionedForm(forms.Form):
    """Carries the version the editor saw, so a stale form is refused rather than applied."""

    version = forms.IntegerField(widget=forms.HiddenInput)


def in_meeting_dates(day):
    """The day, if a meeting may have it (MEETING_DATES); a blank stays blank."""
    if day is not None and not is_meeting_date(day):
        first, last = MEETING_DATES
        raise ValidationError(
            f"Enter a date from {short_date(first)} to {short_date(last)}.", code="out_of_range"
        )
    return day


def existing_time(day, time):
    """The time, unless the clocks skip it on that day (meetings.clock); a blank stays blank."""
    if day is not None and time is not None:
        error = skipped_time_error(day, time)
        if error:
            raise ValidationError(error, code="skipped_time")
    return time


class MeetingForm(AddPersonMixin, forms.ModelForm):
    add_person_to = ("contact_officer",)

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Meeting
        fields = [
            "body",
            "title",
            "date",
            "start_time",
            "end_time",
            "venue",
            "contact_officer",
            "replaces_date",
            "note",
            "record_note",
            "number_from",
            "sub_numbering",
        ]
        widgets = {
            "date": DateInput(),
            "replaces_date": DateInput(),
            "start_time": TimeInput(),
            "end_time": TimeInput(),
        }
        error_messages = {
            "date": {"invalid": "Enter a real date, for example 14/07/2006."},
            "start_time": {"invalid": "Enter a real time, for example 10:00."},
            "end_time": {"invalid": "Enter a real time, for example 12:30."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_officer"].queryset = Person.objects.select_related("organisation")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_date(self):
        return in_meeting_dates(self.cleaned_data["date"])

    def clean_replaces_date(self):
        return in_meeting_dates(self.cleaned_data["replaces_date"])

    def clean(self):
        data = super().clean()
        for name in ("start_time", "end_time"):
            try:
                existing_time(data.get("date"), data.get(name))
            except ValidationError as error:
                self.add_error(name, error)
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The meeting must end after it starts.")
        if self.instance.pk and data.get("date") and "date" in self.changed_data:
            self._check_item_times(data["date"])
        return data

    def _check_item_times(self, day):
        """A meeting moved to a day whose clocks skip one of its items' times: refused, as
        that time would be on the item's own form."""
        times = self.instance.items.exclude(scheduled_time=None).values_list(
            "title", "scheduled_time"
        )
        for title, time in times:
            error = skipped_time_error(day, time)
            if error:
                self.add_error("date", f"“{title}” is at {error} Change its time first.")
                return

    def repeated_time_notes(self):
        """Which time is meant, where the clocks show a new start or end time twice."""
        if not {"date", "start_time", "end_time"} & set(self.changed_data):
            return []
        data = self.cleaned_data
        notes = (
            repeated_time_note(data["date"], data[name])
            for name in ("start_time", "end_time")
            if data.get(name)
        )
        return [note for note in notes if note]


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "address", "directions"]


def parent_choices(meeting, items):
    """Items that can take a sub-item, in agenda order and numbered as the agenda shows them."""
    choices = [("", "None: a top-level item")]
    for node in walk(build_agenda(meeting, items, [], {}, {})):
        if node.depth < MAX_AGENDA_DEPTH:
            choices.append((node.item.pk, numbered_label(node)))
    return choices


def numbered_label(node):
    """An item as the agenda numbers it, indented under its parent: "   3.1 Bid appraisal"."""
    indent = "\u00a0\u00a0\u00a0" * (node.depth - 1)
    number = f"{node.number}." if node.depth == 1 else (node.number or "–")
    return f"{indent}{number} {node.item.title}"


class AgendaOrderIterator(forms.models.ModelChoiceIterator):
    """A meeting's items in agenda order, numbered, from the field's queryset in one query (a
    plain list sorted by position put every sub-item among the top-level items)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        items = list(self.queryset)
        for node in walk(build_agenda(self.field.meeting, items, [], {}, {})):
            yield (self.choice(node.item)[0], numbered_label(node))


class AgendaItemField(forms.ModelChoiceField):
    """Choose one of `meeting`'s items (set `meeting` on the field before it is shown)."""

    iterator = AgendaOrderIterator


class AgendaItemsField(forms.ModelMultipleChoiceField):
    iterator = AgendaOrderIterator


class AgendaItemForm(AddPersonMixin, forms.ModelForm):
    add_person_to = ("presenters",)

    version = forms.IntegerField(widget=forms.HiddenInput)
    parent = forms.ModelChoiceField(
        queryset=AgendaItem.objects.none(), required=False, label="Sub-item of"
    )
    papers = forms.ModelMultipleChoiceField(
        queryset=Paper.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = AgendaItem
        fields = [
            "title",
            "kind",
            "description",
            "scheduled_time",
            "presenters",
            "presenters_text",
        ]
        widgets = {
            "scheduled_time": TimeInput(),
            "description": RichTextWidget(attrs={"rows": 3}),
        }
        field_classes = {"description": RichTextField}

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["version"].initial = meeting.version
        items = AgendaItem.objects.live().filter(meeting=meeting)
        if self.instance.pk:
            items = items.exclude(pk=self.instance.pk)
            self.fields.pop("parent")
            self.fields["papers"].initial = list(
                self.instance.paper_links.values_list("paper_id", flat=True)
            )
        else:
            self.fields["parent"].queryset = items.filter(parent__parent__isnull=True)
            self.fields["parent"].choices = parent_choices(meeting, list(items))
        self.fields["papers"].queryset = Paper.objects.live().filter(meeting=meeting)
        self.fields["presenters"].queryset = Person.objects.select_related("organisation")
        self.fields["presenters"].required = False

    def clean_scheduled_time(self):
        return existing_time(self.meeting.date, self.cleaned_data["scheduled_time"])


class PaperForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    upload = forms.FileField(
        required=False,
        label="Upload a PDF or Word (.docx) file",
        help_text="Instead of, or as well as, content typed below.",
    )
    remove_file = forms.BooleanField(required=False, label="Remove the uploaded file")
    # Shown (as a checkbox) only when a save would take embedded content out of an issued paper.
    confirm_removal = forms.BooleanField(
        required=False,
        widget=forms.HiddenInput,
        label="Yes, remove this content: the next version of the pack will show the paper changed",
    )
    items = AgendaItemsField(
        queryset=AgendaItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Taken at agenda items",
    )

    class Meta:
        model = Paper
        fields = [
            "title",
            "author_organisation",
            "status",
            "separate_attachment",
            "attachment_note",
            "body_html",
            "minutes_of",
            "subgroup_update",
            "annual_report",
            "fund_report_as_of",
            "event_budget",
        ]
        widgets = {
            "body_html": RichTextWidget,
            "fund_report_as_of": DateInput(),
        }
        field_classes = {"body_html": RichTextField}
        help_texts = {
            "body_html": "Type, or paste from Word or LibreOffice: headings, lists, bold and "
            "italic, tables and links are kept; anything else (scripts, styles, images) is "
            "removed."
        }

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.checked = None
        self.fields["items"].queryset = AgendaItem.objects.live().filter(meeting=meeting)
        self.fields["items"].meeting = meeting
        # Meetings and annual reports are labelled with their body's name: fetched with them.
        for name in ("minutes_of", "annual_report"):
            if name in self.fields:  # not on a form made from an item's row
                self.fields[name].queryset = self.fields[name].queryset.select_related("body")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # Shown as it will be saved, so that saving it unchanged changes nothing.
            self.initial["body_html"] = clean_html(self.instance.body_html)
            self.fields["items"].initial = list(
                self.instance.item_links.values_list("item_id", flat=True)
            )
        else:
            self.fields.pop("remove_file")

    def removed_content(self):
        """What this save would take out of the paper: embedded reports and the uploaded file."""
        if not self.instance.pk:
            return []
        old, data = self.instance, self.cleaned_data
        removed = []
        if old.fund_report_as_of and not data.get("fund_report_as_of"):
            when = old.fund_report_as_of
            removed.append(f"the WKP financial report as of {uk_date(when)}")
        for name, what in (
            ("event_budget", "the event budget"),
            ("subgroup_update", "the sub-group update"),
            ("annual_report", "the annual report"),
            ("minutes_of", "the minutes of"),
        ):
            if getattr(old, f"{name}_id") and not data.get(name):
                removed.append(f"{what} “{getattr(old, name)}”")
        if old.file and data.get("remove_file") and not data.get("upload"):
            removed.append(f"the uploaded file “{old.file_name}”")
        return removed

    def clean(self):
        cleaned = super().clean()
        removed = self.removed_content() if not self.errors else []
        if removed and self.meeting.published_at and not cleaned.get("confirm_removal"):
            previous = self.meeting.pack_versions.order_by("-number").first()
            number = previous.number + 1 if previous else 1
            self.fields["confirm_removal"].widget = forms.CheckboxInput()
            heading = f"{self.instance.label} – {self.instance.title}"
            raise ValidationError(
                f"Saving would remove {' and '.join(removed)} from {heading}, which members "
                f"have been sent. Version {number} of the pack would then show "
                f"“{heading}: replaced with a new version.” and members would be e-mailed. "
                "Nothing has been saved: tick “Yes, remove this content” to confirm, or put "
                "the content back.",
                code="confirm_removal",
            )
        return cleaned

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.checked = check_upload(upload)
            self.original_name = safe_name(upload.name)
        return upload

    def apply_sources(self, paper):
        """A change of embedded financial content un-freezes it (the next pack re-freezes)."""
        if {"fund_report_as_of", "event_budget"} & set(self.changed_data):
            paper.frozen_html = ""
        return paper

    def apply_upload(self, paper):
        upload = self.cleaned_data.get("upload")
        if self.cleaned_data.get("remove_file") and paper.file:
            paper.file = None
            paper.file_kind = paper.file_name = paper.file_sha256 = paper.file_text = ""
            paper.file_html = ""
            paper.file_size = paper.page_count = paper.file_checked_at = None
            paper.pdf_tagged = paper.pdf_has_title = paper.pdf_has_language = None
        if upload and self.checked:
            store_checked_file(paper, upload, self.checked, self.original_name)
        return paper


def store_checked_file(paper, upload, checked, original_name):
    """Put an upload already checked by content (`check_upload`) on the paper, with what the
    check found: stored under our own name, as the cleaned PDF when something was removed."""
    paper.file = stored_file(upload, checked, "paper")
    paper.file_name = original_name
    paper.file_checked_at = timezone.now()
    for name, value in checked.paper_fields().items():
        setattr(paper, name, value)
    return paper


def stored_file(upload, checked, stem):
    """What to store: the cleaned PDF when something was removed, else the upload itself, under
    our own name."""
    if checked.cleaned is not None:
        return ContentFile(checked.cleaned, name=f"{stem}.{checked.kind}")
    upload.name = f"{stem}.{checked.kind}"
    return upload


class AttachmentForm(forms.ModelForm):
    upload = forms.FileField(label="File (PDF or Word .docx)")

    class Meta:
        model = Attachment
        fields = ["title"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        self.checked = check_upload(upload, convert=False)
        self.original_name = safe_name(upload.name)
        return upload


class AttendanceForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["person", "name", "organisation", "role", "substitute_for"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.select_related("organisation")
        self.fields["person"].queryset = people
        self.fields["substitute_for"].queryset = people

    def clean(self):
        data = super().clean()
        person, organisation = data.get("person"), data.get("organisation")
        if person and not organisation and person.organisation_id:
            data["organisation"] = person.organisation
        if data.get("role") == Attendance.Role.SUBSTITUTE and not data.get("substitute_for"):
            self.add_error("substitute_for", "Say whom this person substituted for.")
        return data


AttendanceFormSet = forms.modelformset_factory(
    Attendance, form=AttendanceForm, extra=3, can_delete=True, formset=SharedChoicesFormSet
)


class MinutesForm(forms.Form):
    """One note and one list of decisions per agenda item, in agenda order."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, minutes, nodes, **kwargs):
        super().__init__(*args, **kwargs)
        self.minutes = minutes
        existing = {entry.item_id: entry for entry in minutes.entries.all()} if minutes.pk else {}
        self.fields["version"].initial = minutes.version
        self.items = []
        for node in nodes:
            item = node.item
            entry = existing.get(item.pk)
            label = f"{node.number}. {item.title}" if node.number else item.title
            self.fields[f"note_{item.pk}"] = RichTextField(
                label=f"{label}: note of the discussion",
                initial=entry.note if entry else "",
                widget=RichTextWidget(attrs={"rows": 3}),
            )
            self.fields[f"decisions_{item.pk}"] = forms.CharField(
                label=f"{label}: decisions",
                required=False,
                initial=entry.decisions if entry else "",
                help_text="One per line, e.g. “RESOLVED that …”, “Agreed”, “Noted”.",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.items.append(item)

    def entries(self):
        return {
            item: (
                self.cleaned_data[f"note_{item.pk}"].strip(),
                self.cleaned_data[f"decisions_{item.pk}"].strip(),
            )
            for item in self.items
        }


class TargetField(forms.CharField):
    """A day or a month, as action logs write them; cleans to (date, is_month)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", TARGET_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            return parse_target(super().clean(value))
        except TargetError as error:
            raise ValidationError(str(error)) from error


class ActionFormMixin(AddPersonMixin):
    """What the new-action and edit-action forms share: the target as a day or a month, the
    owners (people, organisations or as written, at least one), a number unique in the body."""

    add_person_to = ("owner_people",)

    def setup_action_fields(self, meeting):
        self.meeting = meeting
        self.fields["target"] = TargetField(
            label="Target",
            initial=format_target(self.instance.target_date, self.instance.target_is_month),
        )
        self.fields["owner_people"].queryset = Person.objects.select_related("organisation")
        self.fields["owner_organisations"].queryset = Organisation.objects.order_by("name")
        self.fields["owner_organisations"].required = False
        self.fields["number"].required = False
        self.next_number = Action.objects.next_number(meeting.body)
        # Help text is shown as HTML: the body's name is escaped.
        self.fields["number"].help_text = format_html(
            "Leave blank for the next number in the log of {} ({}); give one to keep the number "
            "a carried-in log has.",
            meeting.body,
            self.next_number,
        )

    def clean(self):
        data = super().clean()
        owners = (
            data.get("owner_people") or data.get("owner_organisations") or data.get("owner_text")
        )
        if not owners and not self._errors:
            raise ValidationError(
                "An action needs an owner: a person, an organisation, or the owners as written."
            )
        target, is_month = data.get("target") or (None, False)
        if target and last_day(target, is_month) < self.meeting.date:
            self.add_error("target", "The target is before the meeting that set the action.")
        number = data.get("number")
        if number is not None:
            taken = Action.objects.filter(body=self.meeting.body, number=number).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error(
                    "number",
                    f"Action {number} is already in the log of {self.meeting.body}. Leave the "
                    f"number blank for the next one ({self.next_number}).",
                )
        return data

    def apply_target(self):
        self.instance.target_date, self.instance.target_is_month = self.cleaned_data["target"]


class ActionForm(ActionFormMixin, forms.ModelForm):
    class Meta:
        model = Action
        fields = [
            "number",
            "item",
            "description",
            "owner_people",
            "owner_organisations",
            "owner_text",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"item": AgendaItemField}
        labels = {
            "owner_people": "Owners (people)",
            "owner_organisations": "Owners (organisations)",
        }

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_action_fields(meeting)
        self.fields["item"].queryset = AgendaItem.objects.live().filter(meeting=meeting)
        self.fields["item"].meeting = meeting


class ActionUpdateForm(ActionFormMixin, forms.ModelForm):
    class Meta:
        model = Action
        fields = [
            "number",
            "description",
            "owner_people",
            "owner_organisations",
            "owner_text",
            "status",
            "progress",
            "notes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "owner_people": "Owners (people)",
            "owner_organisations": "Owners (organisations)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_action_fields(self.instance.meeting)
        self.fields["number"].required = True
        self.order_fields(["number", "description", "status", "progress", "target"])

    def save(self, commit=True):
        self.apply_target()
        return super().save(commit=commit)


class ApproveMinutesForm(forms.Form):
    at_meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.none(), label="Approved at the meeting of"
    )

    def __init__(self, *args, meeting, **kwargs):
        """The same body's later meetings that have taken place (every body's, and meetings
        still to come, were offered)."""
        super().__init__(*args, **kwargs)
        self.fields["at_meeting"].queryset = (
            Meeting.objects.filter(
                body_id=meeting.body_id,
                date__gt=meeting.date,
                date__lte=timezone.localdate(),
            )
            .exclude(status=Meeting.Status.CANCELLED)
            .select_related("body")
        )


class AmendMinuteForm(forms.Form):
    """The note is rich text, edited as in the minutes form (a plain box showed its HTML)."""

    note = RichTextField(label="Note of the discussion", widget=RichTextWidget(attrs={"rows": 3}))
    decisions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=MinuteEntry._meta.get_field("decisions").help_text,
    )
    reason = forms.CharField(max_length=300, label="Reason for the amendment")

    def minute_changed(self):
        """Whether the note or the decisions say something new (a reason alone amends nothing)."""
        return bool({"note", "decisions"} & set(self.changed_data))


class DeclarationForm(AddPersonMixin, forms.ModelForm):
    add_person_to = ("person",)

    class Meta:
        model = Declaration
        fields = ["item", "person", "interest"]
        labels = {"item": "Agenda item", "interest": "Interest declared"}
        field_classes = {"item": AgendaItemField}

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = AgendaItem.objects.live().filter(meeting=meeting)
        self.fields["item"].meeting = meeting
        self.fields["person"].queryset = Person.objects.select_related("organisation")


DeclarationFormSet = forms.modelformset_factory(
    Declaration, form=DeclarationForm, extra=2, can_delete=True, formset=SharedChoicesFormSet
)


class ForwardPlanEntryForm(AddPersonMixin, forms.ModelForm):
    add_person_to = ("owner_person",)

    class Meta:
        model = ForwardPlanEntry
        fields = [
            "meeting",
            "title",
            "owner_person",
            "owner_organisation",
            "clear_days",
            "notes",
            "paper",
            "withdrawn",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = (
            Meeting.objects.filter(date__gte=today).select_related("body")
            | Meeting.objects.filter(pk=self.instance.meeting_id)
        ).in_date_range()
        self.fields["owner_person"].queryset = Person.objects.select_related("organisation")
        meeting_id = self.instance.meeting_id or self.data.get("meeting")
        self.fields["paper"].queryset = Paper.objects.live().filter(meeting_id=meeting_id or 0)


# Primary keys are PostgreSQL bigints: a larger number can name nothing and must not reach SQL.
MAX_ID = 2**63 - 1


class SearchForm(forms.Form):
    """The search box and its filters, read from the query string; bad values are refused with a
    message rather than reaching the database."""

    q = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False)
    year = forms.IntegerField(required=False, min_value=1900, max_value=2100)
    meeting = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    subgroup = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, label="Sub-group")
    organisation = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args, kinds, max_query, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Everything"), *kinds]
        self.max_query = max_query

    def clean_q(self):
        return self.cleaned_data["q"][: self.max_query]

    def problems(self):
        """One sentence naming each refused field, for the page."""
        return " ".join(
            f"{self.fields[name].label or name.capitalize()}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        )
