from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from wkp.templatetags.wkp_format import short_date
from wkp.widgets import DateInput

from . import ledger, models, services

NOT_POSITIVE = (
    "Enter an amount greater than zero. To take money off, correct or reverse the entry "
    "on the ledger page."
)


class MoneyField(forms.CharField):
    """Pounds and pence as Decimal: refuses floats, NaN, infinity, "1,000.00" and 0.005 with
    messages that say what to type instead."""

    def __init__(self, *, allow_zero=False, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("help_text", "Pounds and pence, without £ or commas, e.g. 1000.00.")
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["inputmode"] = "decimal"
        attrs["maxlength"] = "20"
        attrs["autocomplete"] = "off"
        return attrs

    def prepare_value(self, value):
        return "" if value is None else str(value)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            amount = ledger.to_money(value)
        except ledger.MoneyError as error:
            raise forms.ValidationError(str(error), code="invalid") from error
        if amount < 0 or (amount == 0 and not self.allow_zero):
            raise forms.ValidationError(
                NOT_POSITIVE if not self.allow_zero else "Enter zero or more.",
                code="not_positive",
            )
        return amount


class CrispyMixin:
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", self.submit_label))


# Where a service's refusal belongs on the entry form.
ERROR_FIELDS = {
    "closed": "year",
    "out_of_year": "posted_on",
    "shortfall": "amount",
    "not_positive": "amount",
    "project": "project",
}


class LedgerEntryForm(CrispyMixin, forms.ModelForm):
    submit_label = "Post entry"
    amount = MoneyField(label="Amount (£)")
    override = forms.BooleanField(
        required=False,
        label="Override: allocate beyond the funds available",
        help_text="Only with the board's agreement; say why below. The reason is recorded.",
    )

    class Meta:
        model = models.LedgerEntry
        fields = [
            "year",
            "kind",
            "posted_on",
            "amount",
            "description",
            "source",
            "project",
            "meeting",
            "agenda_item",
            "override",
            "override_reason",
        ]
        widgets = {
            "posted_on": DateInput(),
            "override_reason": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "posted_on": "Date",
            "source": "Source (partner)",
            "override_reason": "Reason for the override",
        }

    def __init__(self, *args, fixed=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posted_on"].initial = timezone.localdate()
        self.fields["year"].empty_label = None
        self.fields["project"].queryset = models.Project.objects.order_by("sort_order", "name")
        self.fields["source"].required = False
        # Approving meeting and item through the foreign keys' own models (finance never
        # imports meetings); labelled by date so the right item can be found.
        meeting_field, item_field = self.fields["meeting"], self.fields["agenda_item"]
        meeting_field.queryset = meeting_field.queryset.order_by("-date")
        meeting_field.label_from_instance = lambda m: short_date(m.date)
        item_field.queryset = item_field.queryset.select_related("meeting").order_by(
            "-meeting__date", "position", "pk"
        )
        item_field.label_from_instance = lambda i: f"{short_date(i.meeting.date)}: {i.title}"
        # A correction keeps the original's year and kind.
        for name in fixed or ():
            self.fields[name].disabled = True

    def clean_override_reason(self):
        return self.cleaned_data.get("override_reason", "").strip()

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == models.LedgerEntry.Kind.ALLOCATION and not cleaned.get("project"):
            self.add_error("project", "Choose the project this allocation is for.")
        if kind and kind != models.LedgerEntry.Kind.ALLOCATION and cleaned.get("project"):
            self.add_error("project", "Only a project allocation names a project.")
        if kind and kind != models.LedgerEntry.Kind.INCOME and cleaned.get("source"):
            self.add_error("source", "Only income has a source.")
        meeting, item = cleaned.get("meeting"), cleaned.get("agenda_item")
        if meeting and item and item.meeting_id != meeting.pk:
            self.add_error("agenda_item", "That agenda item belongs to a different meeting.")
        if item and not meeting:
            cleaned["meeting"] = item.meeting
        if cleaned.get("override") and not cleaned.get("override_reason"):
            self.add_error("override_reason", "Say why the override is needed.")
        year = cleaned.get("year")
        if year is not None:
            try:
                services.check_year_open(year)
            except forms.ValidationError as error:
                self.add_error("year", error)
            posted_on = cleaned.get("posted_on")
            if posted_on:
                try:
                    services.check_date_in_year(year, posted_on)
                except forms.ValidationError as error:
                    self.add_error("posted_on", error)
        return cleaned

    def service_fields(self):
        data = self.cleaned_data
        return {
            "amount": data["amount"],
            "posted_on": data["posted_on"],
            "description": data["description"],
            "source": data.get("source"),
            "project": data.get("project"),
            "meeting": data.get("meeting"),
            "agenda_item": data.get("agenda_item"),
            "override_reason": data.get("override_reason", "") if data.get("override") else "",
        }

    def add_service_error(self, error):
        field = ERROR_FIELDS.get(getattr(error, "code", None))
        self.add_error(field if field in self.fields else None, error)


class ReverseEntryForm(CrispyMixin, forms.Form):
    submit_label = "Post reversing entry"
    posted_on = forms.DateField(label="Date of the reversal", widget=DateInput())
    reason = forms.CharField(label="Reason", max_length=80)


def require_date_if_actual(form, cleaned):
    if cleaned.get("kind") == models.FinancialYear.Kind.ACTUAL and not cleaned.get("actual_from"):
        form.add_error("actual_from", "An actual year needs the date its figures became final.")


class FinancialYearForm(CrispyMixin, forms.ModelForm):
    submit_label = "Add year"

    class Meta:
        model = models.FinancialYear
        fields = ["start_year", "kind", "actual_from"]
        widgets = {"actual_from": DateInput()}
        labels = {"start_year": "Starts in April of", "actual_from": "Figures final on"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_year"].initial = services.next_start_year()

    def clean(self):
        cleaned = super().clean()
        start_year, kind = cleaned.get("start_year"), cleaned.get("kind")
        require_date_if_actual(self, cleaned)
        if start_year and kind:
            try:
                services.check_year_in_sequence(start_year, kind)
            except forms.ValidationError as error:
                self.add_error("start_year", error)
        return cleaned


class FinancialYearUpdateForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = models.FinancialYear
        fields = ["kind", "actual_from"]
        widgets = {"actual_from": DateInput()}
        labels = {"actual_from": "Figures final on"}

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        require_date_if_actual(self, cleaned)
        Kind = models.FinancialYear.Kind
        years = models.FinancialYear.objects.exclude(pk=self.instance.pk)
        start_year = self.instance.start_year
        if kind == Kind.ACTUAL:
            if years.filter(start_year__lt=start_year, kind=Kind.PROJECTED).exists():
                self.add_error("kind", "Make the earlier projected years actual first.")
        elif kind == Kind.PROJECTED:
            cleaned["actual_from"] = None
            if years.filter(start_year__gt=start_year, kind=Kind.ACTUAL).exists():
                self.add_error("kind", "A later year is actual, so this one cannot be projected.")
        return cleaned


class ReopenYearForm(CrispyMixin, forms.Form):
    submit_label = "Reopen year"
    reason = forms.CharField(
        label="Why is the year being reopened?", widget=forms.Textarea(attrs={"rows": 3})
    )


class ProjectForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = models.Project
        fields = ["name", "description", "lead_organisation", "sort_order"]


class EventBudgetLineForm(CrispyMixin, forms.ModelForm):
    """A budget line; the actual stays blank until the cost is known."""

    estimate = MoneyField(label="Estimate (£)", allow_zero=True)
    actual = MoneyField(label="Actual (£)", allow_zero=True, required=False)

    class Meta:
        model = models.EventBudgetLine
        fields = ["description", "estimate", "actual", "sort_order"]


class ExternalFundingForm(CrispyMixin, forms.ModelForm):
    amount = MoneyField(label="Amount (£)")

    class Meta:
        model = models.ExternalFunding
        fields = ["funder", "name", "year", "amount", "secured_on", "sort_order"]
        widgets = {"secured_on": DateInput()}


class EventBudgetForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = models.EventBudget
        fields = ["name", "event_date", "venue"]
        widgets = {"event_date": DateInput()}
