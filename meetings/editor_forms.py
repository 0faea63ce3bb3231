"""The agenda editor's in-place forms: an item's row, the "add here" row and "Add paper".

Kept apart from forms.py so the full-page forms can change without touching the editor's rows.
Every form carries the meeting's version, so two co-ordinators never overwrite each other.
"""

from django import forms
from django.core.exceptions import ValidationError

from wkp.models import Person
from wkp.templatetags.wkp_format import uk_date

from .forms import PaperForm, existing_time, store_checked_file
from .models import AgendaItem, Meeting, Paper
from .uploads import check_upload, safe_name

PLACEMENTS = {"same", "under", "up"}
NOT_ON_AGENDA = "The item to add this {} is not on this agenda: reload the page and try again."


class InlineItemForm(forms.ModelForm):
    """Title, time, kind and presenters of one item, edited in its row (or a new item)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = AgendaItem
        fields = ["title", "kind", "scheduled_time", "presenters", "presenters_text"]
        widgets = {
            "scheduled_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "presenters": forms.SelectMultiple(attrs={"size": 3}),
        }
        labels = {"scheduled_time": "Time", "presenters_text": "Other presenters"}
        help_texts = {"presenters_text": ""}

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["version"].initial = meeting.version
        self.fields["presenters"].queryset = Person.objects.select_related("organisation")
        self.fields["presenters"].required = False
        self.fields["presenters"].help_text = ""
        self.fields["title"].widget.attrs["autocomplete"] = "off"
        _style(self)

    def clean_scheduled_time(self):
        return existing_time(self.meeting.date, self.cleaned_data["scheduled_time"])


def _style(form):
    """Bootstrap classes, since these rows are laid out by hand rather than by crispy."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs["class"] = "form-control"


class NewItemForm(InlineItemForm):
    """The "add here" row: where the new item goes is given by `parent` and `after`."""

    # Hidden, so their refusals are shown above the row (editor_add_row.html).
    parent = forms.ModelChoiceField(
        queryset=AgendaItem.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": NOT_ON_AGENDA.format("under")},
    )
    after = forms.ModelChoiceField(
        queryset=AgendaItem.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": NOT_ON_AGENDA.format("after")},
    )
    placement = forms.CharField(required=False, widget=forms.HiddenInput)
    paper_upload = forms.FileField(required=False, label="Its paper (PDF or Word, optional)")
    paper_title = forms.CharField(
        required=False, max_length=300, label="Paper title, if not the item's"
    )
    paper_to_follow = forms.BooleanField(required=False, label="To follow")
    paper_separate = forms.BooleanField(required=False, label="Separate attachment")
    paper_note = forms.CharField(required=False, max_length=200, label="Attachment note")

    def __init__(self, *args, meeting, **kwargs):
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, meeting=meeting, **kwargs)
        items = AgendaItem.objects.live().filter(meeting=meeting)
        self.fields["parent"].queryset = items
        self.fields["after"].queryset = items
        self.checked = None
        _style(self)

    def clean_paper_upload(self):
        upload = self.cleaned_data.get("paper_upload")
        if upload:
            self.checked = check_upload(upload)
        return upload

    def paper(self):
        """The new item's paper (unsaved), if a file was chosen or the paper is to follow."""
        data = self.cleaned_data
        upload = data.get("paper_upload")
        if not upload and not data.get("paper_to_follow"):
            return None
        paper = Paper(
            title=data.get("paper_title") or data["title"],
            separate_attachment=data.get("paper_separate", False),
            attachment_note=data.get("paper_note", ""),
            status=Paper.Status.TO_FOLLOW
            if data.get("paper_to_follow")
            else Paper.Status.AVAILABLE,
        )
        if upload:
            store_checked_file(paper, upload, self.checked, safe_name(upload.name))
        return paper

    def clean(self):
        data = super().clean()
        placement = data.get("placement") or "same"
        if placement not in PLACEMENTS:
            raise ValidationError("Choose where the new item goes.")
        parent, after = data.get("parent"), data.get("after")
        if placement == "under":
            if after is None:
                raise ValidationError("There is no item above this one to add a sub-item under.")
            parent, after = after, None
        elif placement == "up":
            if parent is None:
                raise ValidationError("This is already the top level of the agenda.")
            parent, after = parent.parent, parent
        data["parent"], data["after"] = parent, after
        return data


class ItemPaperForm(PaperForm):
    """A paper made from an item's row: upload a file, or say it is to follow."""

    meeting_version = forms.IntegerField(widget=forms.HiddenInput)
    to_follow = forms.BooleanField(required=False, label="To follow (the paper will come later)")

    class Meta(PaperForm.Meta):
        fields = ["title", "separate_attachment", "attachment_note"]
        help_texts = {}

    def __init__(self, *args, item, **kwargs):
        kwargs.setdefault("prefix", "paper")
        super().__init__(*args, meeting=item.meeting, **kwargs)
        self.item = item
        for name in ("items", "version"):
            self.fields.pop(name, None)
        self.fields["upload"].label = "Upload a PDF or Word (.docx) file"
        self.fields["upload"].help_text = ""
        self.initial["title"] = self.initial.get("title") or item.title
        self.fields["meeting_version"].initial = item.meeting.version
        self.fields["attachment_note"].help_text = ""
        _style(self)

    def clean(self):
        data = super().clean()
        if not data.get("upload") and not data.get("to_follow") and not self.errors:
            raise ValidationError(
                "Choose a file to upload or tick “To follow”; to type the paper, use "
                "“Type the paper”."
            )
        return data

    def build_paper(self):
        paper = self.save(commit=False)
        paper.status = (
            Paper.Status.TO_FOLLOW if self.cleaned_data["to_follow"] else (Paper.Status.AVAILABLE)
        )
        self.apply_upload(paper)
        return paper


class CopyAgendaForm(forms.Form):
    """Start from what exists: another meeting's agenda, whole or its standing items."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    source = forms.ModelChoiceField(
        queryset=Meeting.objects.none(), label="Copy the agenda of", empty_label=None
    )
    what = forms.ChoiceField(
        choices=[("all", "All items, with their sub-items"), ("standing", "Only standing items")],
        initial="all",
        widget=forms.RadioSelect,
        label="Which items",
    )

    def __init__(self, *args, meeting, **kwargs):
        kwargs.setdefault("prefix", "copy")
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = meeting.version
        self.fields["source"].queryset = (
            Meeting.objects.exclude(pk=meeting.pk)
            .filter(items__deleted_at__isnull=True)
            .distinct()
            .select_related("body")
            .order_by("-date")
        )
        self.fields["source"].label_from_instance = lambda m: (
            f"{uk_date(m.date)} – {m.display_title}"
        )
        self.fields["source"].widget.attrs["class"] = "form-select"
        self.fields["what"].widget.attrs["class"] = "form-check-input"
