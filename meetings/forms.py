from django import forms
from django.core.exceptions import ValidationError

from wkp.models import Person
from wkp.sanitise import MAX_DEPTH, clean_html, nesting_depth

from .models import AgendaItem, Attachment, Meeting, Paper, Venue
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
        if self.instance.pk and data.get("version") != self.instance.version:
            raise ValidationError(
                "Someone else changed this meeting since you opened it. Your change was not "
                "saved: the form now shows the latest version."
            )
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
            "description": forms.Textarea(attrs={"rows": 3}),
        }

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
            "subgroup_update",
            "annual_report",
            "fund_report_as_of",
            "event_budget",
        ]
        widgets = {
            "body_html": forms.Textarea(attrs={"rows": 12}),
            "fund_report_as_of": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "body_html": "Paragraphs, headings, lists, tables and links are kept; anything "
            "else (scripts, styles, images) is removed when saved."
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

    def clean_body_html(self):
        value = self.cleaned_data.get("body_html", "")
        if nesting_depth(value) > 100:
            raise ValidationError(
                f"The content is nested too deeply to print (more than {MAX_DEPTH} levels)."
            )
        return clean_html(value)

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.checked = check_upload(upload)
            self.original_name = safe_name(upload.name)
        return upload

    def clean(self):
        data = super().clean()
        if self.instance.pk and data.get("version") != self.instance.version:
            raise ValidationError(
                "Someone else changed this paper since you opened it. Your change was not "
                "saved: the form now shows the latest version."
            )
        return data

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
