from django import forms
from django.core.exceptions import ValidationError

from wkp.models import Person
from wkp.rich_text import RichTextField, RichTextWidget

from .models import (
    Action,
    AgendaItem,
    Attachment,
    Attendance,
    Declaration,
    ForwardPlanEntry,
    Meeting,
    Paper,
    Venue,
)
from .uploads import check_upload, safe_name


class VersionedForm(forms.Form):
    """Carries the version the editor saw, so a stale form is refused rather than applied."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class MeetingForm(forms.ModelForm):
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
            "date": forms.DateInput(attrs={"type": "date"}),
            "replaces_date": forms.DateInput(attrs={"type": "date"}),
            "start_time": forms.TimeInput(attrs={"type": "time"}),
            "end_time": forms.TimeInput(attrs={"type": "time"}),
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

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The meeting must end after it starts.")
        return data


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "address", "directions"]


class AgendaItemForm(forms.ModelForm):
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
            "scheduled_time": forms.TimeInput(attrs={"type": "time"}),
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
            self.fields["parent"].queryset = items.filter(
                parent__parent__isnull=True
            ).select_related("parent")
        self.fields["papers"].queryset = Paper.objects.live().filter(meeting=meeting)
        self.fields["presenters"].queryset = Person.objects.select_related("organisation")
        self.fields["presenters"].required = False


class PaperForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    upload = forms.FileField(
        required=False,
        label="Upload a PDF or Word (.docx) file",
        help_text="Instead of, or as well as, content typed below.",
    )
    remove_file = forms.BooleanField(required=False, label="Remove the uploaded file")
    items = forms.ModelMultipleChoiceField(
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
            "fund_report_as_of": forms.DateInput(attrs={"type": "date"}),
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
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["items"].initial = list(
                self.instance.item_links.values_list("item_id", flat=True)
            )
        else:
            self.fields.pop("remove_file")

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
            paper.file_size = paper.page_count = None
            paper.pdf_tagged = paper.pdf_has_title = paper.pdf_has_language = None
        if upload and self.checked:
            upload.name = f"paper.{self.checked.kind}"
            paper.file = upload
            paper.file_kind = self.checked.kind
            paper.file_name = self.original_name
            paper.file_size = self.checked.size
            paper.file_sha256 = self.checked.sha256
            paper.page_count = self.checked.page_count
            paper.file_text = self.checked.text
            paper.pdf_tagged = self.checked.tagged
            paper.pdf_has_title = self.checked.has_title
            paper.pdf_has_language = self.checked.has_language
        return paper


class AttachmentForm(forms.ModelForm):
    upload = forms.FileField(label="File (PDF or Word .docx)")

    class Meta:
        model = Attachment
        fields = ["title"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        self.checked = check_upload(upload)
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
    Attendance, form=AttendanceForm, extra=3, can_delete=True
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


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["item", "description", "owner_people", "owner_organisations", "target_date"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "target_date": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {
            "owner_people": "Owners (people)",
            "owner_organisations": "Owners (organisations)",
        }

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["item"].queryset = AgendaItem.objects.live().filter(meeting=meeting)
        self.fields["owner_people"].queryset = Person.objects.select_related("organisation")
        self.fields["owner_people"].required = False
        self.fields["owner_organisations"].required = False

    def clean(self):
        data = super().clean()
        if not data.get("owner_people") and not data.get("owner_organisations"):
            raise ValidationError("An action needs an owner: a person or an organisation.")
        target = data.get("target_date")
        if target and target < self.meeting.date:
            self.add_error("target_date", "The target date is before the meeting that set it.")
        return data


class ActionUpdateForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["status", "target_date", "notes"]
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_target_date(self):
        target = self.cleaned_data.get("target_date")
        if target and target < self.instance.meeting.date:
            raise ValidationError("The target date is before the meeting that set it.")
        return target


class ApproveMinutesForm(forms.Form):
    at_meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.none(), label="Approved at the meeting of"
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at_meeting"].queryset = Meeting.objects.filter(
            date__gt=meeting.date
        ).select_related("body")


class AmendMinuteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    decisions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(max_length=300, label="Reason for the amendment")


class DeclarationForm(forms.ModelForm):
    class Meta:
        model = Declaration
        fields = ["item", "person", "interest"]
        labels = {"item": "Agenda item", "interest": "Interest declared"}

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = AgendaItem.objects.live().filter(meeting=meeting)
        self.fields["person"].queryset = Person.objects.select_related("organisation")


DeclarationFormSet = forms.modelformset_factory(
    Declaration, form=DeclarationForm, extra=2, can_delete=True
)


class ForwardPlanEntryForm(forms.ModelForm):
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
        self.fields["meeting"].queryset = Meeting.objects.filter(date__gte=today).select_related(
            "body"
        ) | Meeting.objects.filter(pk=self.instance.meeting_id)
        self.fields["owner_person"].queryset = Person.objects.select_related("organisation")
        meeting_id = self.instance.meeting_id or self.data.get("meeting")
        self.fields["paper"].queryset = Paper.objects.live().filter(meeting_id=meeting_id or 0)
