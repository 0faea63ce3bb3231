"""Co-ordinators' forms. Outlines are typed one item a line (see OUTLINE_HELP)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory

from wkp.forms import AddPersonMixin
from wkp.models import Organisation, Person
from wkp.widgets import DateInput

from .models import (
    AnnualReport,
    Body,
    CrimeFigure,
    HeadlineMeasure,
    Membership,
    Nominee,
    ReportingBody,
    ReportSection,
    StrategicObjective,
    SubGroupUpdate,
    UpdateSection,
    nominee_organisation_error,
)
from .outline import OutlineError, outline_to_text, parse_outline

OUTLINE_HELP = (
    "One paragraph or point a line. Start a line with “- ” for a bullet point, “-- ” for a "
    "point under the bullet above, “## ” for a sub-heading, and “[1.2.1] ” for a paragraph "
    "number. Write **bold** and *italic* around words."
)


class OutlineField(forms.CharField):
    """Edits a list of outline items as text; cleans to the list."""

    widget = forms.Textarea

    def __init__(self, *args, rows=6, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", OUTLINE_HELP)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"rows": rows})

    def prepare_value(self, value):
        if isinstance(value, list):
            return outline_to_text(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return parse_outline(text)
        except OutlineError as error:
            raise ValidationError(str(error), code="outline") from error

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        """An empty box is no change, so a blank extra formset row is left alone."""
        try:
            return self.to_python(data) != (initial or [])
        except ValidationError:
            return True


class BodyForm(AddPersonMixin, forms.ModelForm):
    add_person_to = ("contact_officer",)

    remit = OutlineField()
    aims = OutlineField()

    class Meta:
        model = Body
        fields = [
            "name",
            "short_name",
            "kind",
            "parent",
            "position",
            "lead_organisation",
            "contact_officer",
            "continue_numbering",
            "remit",
            "aims",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Body.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["lead_organisation"].queryset = Organisation.objects.order_by("name")
        self.fields["contact_officer"].queryset = Person.objects.select_related("organisation")


class RowsOfInstanceFormSet(forms.BaseInlineFormSet):
    """Inline rows that know their parent object: a row's label ("Robbery (Sevenoaks CSP –
    Annual report)") reads the parent, which then costs no query a row."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.instance.pk is not None:
            setattr(form.instance, self.fk.name, self.instance)
        return form


def parts_formset(parent_model, form, *, extra, formset=RowsOfInstanceFormSet):
    """The parts of a record (its sections, measures, figures, nominees) edited on its page:
    an inline formset of `form`'s model, each part deletable."""
    return inlineformset_factory(
        parent_model, form._meta.model, form=form, formset=formset, extra=extra, can_delete=True
    )


ObjectiveFormSet = inlineformset_factory(
    Body,
    StrategicObjective,
    fields=["position", "framework", "reference", "title", "is_responsible", "note"],
    extra=1,
    can_delete=True,
)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["organisation", "unit", "alternates", "position"]
        help_texts = {"organisation": "From the partner list. Leave no nominees for a vacancy."}


class NomineeForm(AddPersonMixin, forms.ModelForm):
    add_person_to = ("person",)

    class Meta:
        model = Nominee
        fields = ["person", "role", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.select_related("organisation")


class BaseNomineeFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        organisation_id = self.instance.organisation_id
        if organisation_id is None:
            return
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        for form in self.forms:
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            person = form.cleaned_data.get("person")
            if person and person.organisation_id != organisation_id and organisation:
                form.add_error("person", nominee_organisation_error(person, organisation))


NomineeFormSet = parts_formset(Membership, NomineeForm, formset=BaseNomineeFormSet, extra=3)


class MeetingChoicesMixin:
    """The board meeting chosen by label ("West Kent Partnership Meeting – 14 July 2006"): the
    labels name each meeting's body, fetched with the meetings rather than one query a row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        field.queryset = field.queryset.select_related("body")


class SubGroupUpdateForm(MeetingChoicesMixin, forms.ModelForm):
    intro = OutlineField(label="Introduction")
    next_steps = OutlineField(rows=4)

    class Meta:
        model = SubGroupUpdate
        fields = [
            "subgroup",
            "title",
            "met_on",
            "met_at",
            "meeting",
            "intro",
            "next_steps",
            "issued_by",
            "issued_on",
        ]
        widgets = {
            "met_on": DateInput(),
            "issued_on": DateInput(),
            "issued_by": forms.Textarea(attrs={"rows": 3}),
        }


class UpdateSectionForm(forms.ModelForm):
    body = OutlineField(label="Text", rows=8)

    class Meta:
        model = UpdateSection
        fields = ["position", "number", "heading", "kind", "body"]


UpdateSectionFormSet = parts_formset(SubGroupUpdate, UpdateSectionForm, extra=2)


class ReportingBodyForm(forms.ModelForm):
    class Meta:
        model = ReportingBody
        fields = ["name", "kind", "district", "organisation", "website"]


class AnnualReportForm(MeetingChoicesMixin, forms.ModelForm):
    intro = OutlineField(label="Introduction")

    class Meta:
        model = AnnualReport
        fields = ["body", "title", "start_year", "end_year", "report_date", "meeting", "intro"]
        widgets = {"report_date": DateInput()}


class ReportSectionForm(forms.ModelForm):
    body = OutlineField(label="First part", rows=8)
    plans = OutlineField(label="Second part", rows=5)

    class Meta:
        model = ReportSection
        fields = [
            "position",
            "number",
            "heading",
            "body_label",
            "body",
            "plans_label",
            "plans",
            "show_measures",
            "show_figures",
        ]


ReportSectionFormSet = parts_formset(AnnualReport, ReportSectionForm, extra=2)


class HeadlineMeasureForm(forms.ModelForm):
    class Meta:
        model = HeadlineMeasure
        fields = ["position", "percentage", "total", "noun", "status"]
        error_messages = {
            "percentage": {
                "min_value": "A percentage of a total cannot be below 0.",
                "max_value": "A percentage of a total cannot be above 100.",
            },
            "total": {"min_value": "A count cannot be below zero."},
        }


HeadlineMeasureFormSet = parts_formset(AnnualReport, HeadlineMeasureForm, extra=1)

COUNT_ERROR = {"min_value": "A count cannot be below zero."}


class CrimeFigureForm(forms.ModelForm):
    rate_per_head = forms.DecimalField(
        label="or crimes per head",
        required=False,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=6,
        help_text="E.g. 0.072; it is stored as 72 per 1,000.",
        error_messages={"min_value": "A rate cannot be negative."},
    )

    class Meta:
        model = CrimeFigure
        fields = [
            "position",
            "category",
            "area",
            "period",
            "count",
            "previous_count",
            "change_count",
            "change_percent",
            "rate_per_1000",
            "rate_per_head",
            "rank",
            "rank_of",
        ]
        error_messages = {
            "count": COUNT_ERROR,
            "previous_count": COUNT_ERROR,
            "change_percent": {
                "min_value": "A fall cannot be more than 100%%: enter a change of −100 or more."
            },
            "rate_per_1000": {"min_value": "A rate cannot be negative."},
            "rank": {"min_value": "The place in the county starts at 1."},
            "rank_of": {"min_value": "The number of areas cannot be below zero."},
        }

    def clean(self):
        cleaned = super().clean()
        per_head = cleaned.get("rate_per_head")
        if per_head is not None:
            per_1000 = (per_head * 1000).quantize(Decimal("0.1"))
            given = cleaned.get("rate_per_1000")
            if given is not None and given != per_1000:
                self.add_error(
                    "rate_per_head",
                    f"This is {per_1000} per 1,000, but {given} per 1,000 is also given; "
                    "give one of the two.",
                )
            elif per_1000 >= Decimal("1000000"):
                self.add_error("rate_per_head", "This rate is too large.")
            else:
                cleaned["rate_per_1000"] = per_1000
        return cleaned


CrimeFigureFormSet = parts_formset(AnnualReport, CrimeFigureForm, extra=3)
