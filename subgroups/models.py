"""Bodies that meet (boards, their sub-groups, conferences, other partnerships) and the reports
of other bodies to the board.

A sub-group is a body with a parent (the board; or a sub-group, for a group within it such as
Learning and Skills → Adult, 14-19). Bodies have a remit, aims, strategic objectives and a
membership table (organisation or unit → nominees from the partner list, or a
vacancy). Their dated updates report to a board meeting. Reporting bodies (CDRPs, community safety
partnerships, community plans) submit annual reports in themed sections with headline measures
and crime figures held as numbers so that districts can be compared.

Text is held as outlines (see outline.py): lists of paragraphs and bullet points, never raw HTML.
The board meeting is referred to by string ("meetings.Meeting"): this app never imports meetings.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from wkp.downloads import file_name
from wkp.models import NamedModel, Organisation, Person, detail_url, optional_link
from wkp.templatetags.wkp_format import short_date

from .formatting import format_number
from .outline import OutlineError, validate_items

VACANCY_TEXT = "To be arranged"


def validate_outline(value):
    try:
        validate_items(value)
    except OutlineError as error:
        raise ValidationError(str(error)) from error


def outline_field(verbose_name, **kwargs):
    return models.JSONField(
        verbose_name, default=list, blank=True, validators=[validate_outline], **kwargs
    )


def reported_to_board(related_name):
    """The board meeting a sub-group update or annual report went to, if recorded (the meeting
    is named by string: this app never imports meetings)."""
    return optional_link(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        related_name=related_name,
        verbose_name="board meeting reported to",
    )


class BodyQuerySet(models.QuerySet):
    def subgroups(self):
        return self.filter(kind=Body.Kind.SUBGROUP)

    def top_level_subgroups(self):
        """Sub-groups that report to a board (or to nobody), not groups within a sub-group."""
        return self.subgroups().exclude(parent__kind=Body.Kind.SUBGROUP)


MAX_BODY_DEPTH = 3

# A body's names go into file names, HTTP headers, page headers and e-mail subjects, where a line
# break either breaks the response or starts a new header: C0 and C1 controls, and the Unicode
# line and paragraph separators.
no_control_characters = RegexValidator(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029]",
    inverse_match=True,
    message="Take out the line breaks, tabs and other control characters: this name is used in "
    "file names, page headers and e-mail subjects.",
    code="control_characters",
)


class Body(NamedModel):
    """Anything that meets: the board, its sub-groups (bodies with a parent), a conference,
    another partnership. Each has its own meetings, standing items, contact officer, action log
    and agenda numbering."""

    class Kind(models.TextChoices):
        BOARD = "board", "Partnership board"
        SUBGROUP = "subgroup", "Sub-group"
        EVENT = "event", "Conference or event"
        PARTNERSHIP = "partnership", "Other partnership"

    name = models.CharField(
        max_length=200,
        unique=True,
        validators=[no_control_characters],
        error_messages={"unique": "A body with this name already exists: choose another name."},
    )
    short_name = models.CharField(
        max_length=20,
        blank=True,
        validators=[no_control_characters],
        help_text="Used in file names and page headers, for example “WKP”.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUBGROUP)
    parent = optional_link(
        "self",
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The body it reports to: a sub-group's board, or a group's sub-group "
        "(e.g. Adult within Learning and Skills).",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order among its siblings, as the agenda lists them."
    )
    lead_organisation = optional_link(
        Organisation,
        on_delete=models.PROTECT,
        related_name="led_subgroups",
        help_text="The organisation that chairs or co-ordinates the group.",
    )
    contact_officer = optional_link(
        Person,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Named on the agenda of each new meeting unless the meeting names another.",
    )
    continue_numbering = models.BooleanField(
        "number agendas on from the last meeting",
        default=False,
        help_text="Each new meeting's first item follows the last item of the previous meeting "
        "(33–37, then 38 …).",
    )
    remit = outline_field("remit")
    aims = outline_field("aims")
    history = HistoricalRecords()

    objects = BodyQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "bodies"
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="body_not_own_parent",
                violation_error_message="A body cannot be its own parent.",
            )
        ]

    get_absolute_url = detail_url("subgroups:body_detail")

    @property
    def is_subgroup(self):
        return self.kind == self.Kind.SUBGROUP

    @property
    def abbreviation(self):
        """For file names: the short name, else the initials of the name ("WKP"). The short name
        is made safe here too, as a row saved before it was checked may hold anything."""
        if short := file_name(self.short_name, default=""):
            return short
        initials = "".join(word[0] for word in self.name.split() if word[:1].isalnum())
        return initials.upper() or "MEETING"

    def clean(self):
        if self.parent_id is None:
            return
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": "A body cannot be its own parent."})
        depth, ancestor = 1, self.parent
        while ancestor is not None and depth <= MAX_BODY_DEPTH:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": f"{self.parent} is within {self.name}, so it cannot be its parent."}
                )
            depth += 1
            ancestor = ancestor.parent
        if depth > MAX_BODY_DEPTH:
            raise ValidationError(
                {
                    "parent": f"{self.parent} is already two levels down; bodies nest at most "
                    "three deep (board, sub-group, group)."
                }
            )
        if self.pk and depth == MAX_BODY_DEPTH and self.children.exists():
            raise ValidationError(
                {"parent": "This body has groups of its own, so it cannot sit that deep."}
            )


class StrategicObjective(models.Model):
    """A strategic objective (of the West Kent AIF) that a sub-group holds or works towards."""

    subgroup = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField(default=0)
    framework = models.CharField(max_length=100, default="West Kent AIF")
    reference = models.CharField(max_length=20, help_text="e.g. 3, 3.6, 4.3")
    title = models.CharField(max_length=200, blank=True)
    is_responsible = models.BooleanField(
        "sub-group is responsible", default=False, help_text="Untick where it only contributes."
    )
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["subgroup", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subgroup", "framework", "reference"],
                name="subgroup_objective_unique",
                violation_error_message="This objective is already listed for the sub-group.",
            )
        ]

    def __str__(self):
        label = f"Strategic Objective {self.reference}"
        return f"{label} – {self.title}" if self.title else label


class Membership(models.Model):
    """One row of a sub-group's representation table: an organisation (or one of its units)."""

    subgroup = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    position = models.PositiveSmallIntegerField(default=0)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="subgroup_memberships"
    )
    unit = models.CharField(
        "department or unit",
        max_length=200,
        blank=True,
        help_text="As the table names it, e.g. “KCC Transport Policy”, “Kent Highways (West)”. "
        "Leave blank to show the organisation's name.",
    )
    alternates = models.BooleanField(
        "nominees attend in turn",
        default=False,
        help_text="Show nominees as “Steve Pay/ James Cook” rather than a list.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["subgroup", "position", "pk"]

    def __str__(self):
        return f"{self.display_name} on the {self.subgroup} sub-group"

    def get_absolute_url(self):
        return self.subgroup.get_absolute_url()

    @property
    def display_name(self):
        return self.unit or self.organisation.name

    def nominee_list(self):
        """The nominees in order (uses prefetched rows when present)."""
        return sorted(self.nominees.all(), key=lambda nominee: (nominee.position, nominee.pk))

    @property
    def nominees_text(self):
        """As the paper writes it: “Tim Read (Chairman), James Lewis” or “To be arranged”."""
        nominees = self.nominee_list()
        if not nominees:
            return VACANCY_TEXT
        separator = "/ " if self.alternates else ", "
        return separator.join(str(nominee) for nominee in nominees)

    @property
    def is_vacant(self):
        return not self.nominee_list()


class Nominee(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="nominees")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="subgroup_nominations"
    )
    role = models.CharField(max_length=100, blank=True, help_text="e.g. Chairman")
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "person"],
                name="nominee_once_per_membership",
                violation_error_message="This person is already a nominee on this row.",
            )
        ]
        ordering = ["membership", "position", "pk"]

    def __str__(self):
        return f"{self.person.name} ({self.role})" if self.role else self.person.name

    def clean(self):
        if not (self.person_id and self.membership_id):
            return
        if self.person.organisation_id != self.membership.organisation_id:
            raise ValidationError(
                {"person": nominee_organisation_error(self.person, self.membership.organisation)}
            )


def nominee_organisation_error(person, organisation):
    where = person.organisation.name if person.organisation_id else "no organisation"
    return (
        f"{person.name} is listed under {where} on the partner list, not {organisation.name}. "
        "Choose someone from this row's organisation, or add them to the partner list first."
    )


class SubGroupUpdate(models.Model):
    """A sub-group's report to a board meeting (Papers G, I, J of July 2006)."""

    subgroup = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="updates")
    title = models.CharField(max_length=200, help_text="As the paper is headed.")
    met_on = models.DateField("date the sub-group met")
    met_at = models.CharField("where it met", max_length=200, blank=True)
    intro = outline_field("introduction")
    next_steps = outline_field("next steps")
    meeting = reported_to_board(related_name="subgroup_updates")
    issued_by = models.TextField(
        blank=True, help_text="Who issued the paper (name and address), as it is signed off."
    )
    issued_on = models.DateField("date of the paper", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-met_on", "subgroup__name"]
        get_latest_by = "met_on"

    def __str__(self):
        return f"{self.title} ({short_date(self.met_on)})"

    get_absolute_url = detail_url("subgroups:update_detail")


class UpdateSection(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Text only"
        MEMBERSHIP = "membership", "Text, then the sub-group's membership table"
        AIMS = "aims", "Text, then the sub-group's aims"

    update = models.ForeignKey(SubGroupUpdate, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    number = models.CharField(max_length=12, blank=True, help_text="e.g. 1 (optional)")
    heading = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEXT)
    body = outline_field("text")
    history = HistoricalRecords()

    class Meta:
        ordering = ["update", "position", "pk"]

    def __str__(self):
        return f"{self.number}. {self.heading}" if self.number else self.heading


class ReportingBody(NamedModel):
    class Kind(models.TextChoices):
        CDRP = "cdrp", "Crime and Disorder Reduction Partnership"
        CSP = "csp", "Community Safety Partnership"
        COMMUNITY_PLAN = "community_plan", "Community plan"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    district = models.CharField(
        max_length=100, help_text="The area it covers, as comparisons name it, e.g. Sevenoaks."
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="reporting_bodies",
        help_text="The council that hosts it.",
    )
    website = models.URLField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["district", "name"]
        verbose_name_plural = "reporting bodies"

    get_absolute_url = detail_url("subgroups:reportingbody_detail")


class AnnualReportQuerySet(models.QuerySet):
    def for_period(self, start_year, end_year):
        return self.filter(start_year=start_year, end_year=end_year)


def period_label(start_year, end_year):
    """2005–2006, or 2006 for a calendar year."""
    if start_year == end_year:
        return str(start_year)
    return f"{start_year}–{end_year}"


def period_key(start_year, end_year):
    """The form used in URLs: 2005-2006."""
    return f"{start_year}-{end_year}"


class PeriodMixin:
    """For what covers the years `start_year` to `end_year`: its period's label and URL key."""

    @property
    def period_label(self):
        return period_label(self.start_year, self.end_year)

    @property
    def period_key(self):
        return period_key(self.start_year, self.end_year)


class AnnualReport(PeriodMixin, models.Model):
    """A reporting body's report for a period (Papers C, D and F of July 2006)."""

    body = models.ForeignKey(ReportingBody, on_delete=models.PROTECT, related_name="reports")
    title = models.CharField(max_length=200, help_text="As the report is headed.")
    start_year = models.PositiveSmallIntegerField(
        "period starts (year)", validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        "period ends (year)", validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    report_date = models.DateField("date of the report", null=True, blank=True)
    intro = outline_field("introduction")
    meeting = reported_to_board(related_name="annual_reports")
    history = HistoricalRecords()

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")),
                name="annualreport_period_in_order",
                violation_error_message="The period ends before it starts.",
            ),
            models.UniqueConstraint(
                fields=["body", "start_year", "end_year"],
                name="annualreport_one_per_body_period",
                violation_error_message="This body already has a report for this period.",
            ),
        ]
        ordering = ["-end_year", "body__district"]

    def __str__(self):
        return f"{self.body} – {self.title}"

    get_absolute_url = detail_url("subgroups:annualreport_detail")

    @property
    def measures_placed(self):
        """Whether a section shows the headline measures (else they follow the sections)."""
        return any(section.show_measures for section in self.sections.all())

    @property
    def figures_placed(self):
        return any(section.show_figures for section in self.sections.all())

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": "The period ends before it starts."})


class ReportSection(models.Model):
    """A themed section: its text, and optionally “Progress” and “Plans”/“Year 2” parts."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    number = models.CharField(max_length=12, blank=True, help_text="e.g. 1.2 (optional)")
    heading = models.CharField(max_length=200, blank=True)
    body_label = models.CharField(
        "label of the first part", max_length=50, blank=True, help_text="e.g. Progress"
    )
    body = outline_field("first part")
    plans_label = models.CharField(
        "label of the second part",
        max_length=50,
        blank=True,
        help_text="As the report words it: Plans, Plan, Year 2 …",
    )
    plans = outline_field("second part")
    show_measures = models.BooleanField("show the headline measures here", default=False)
    show_figures = models.BooleanField("show the crime figures here", default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "position", "pk"]

    def __str__(self):
        return " ".join(part for part in (self.number, self.heading) if part) or "Section"

    def clean(self):
        if self.plans and not self.plans_label:
            raise ValidationError({"plans_label": "Give the second part a label, e.g. Plans."})


class HeadlineMeasure(models.Model):
    """A headline performance measure: “93% of 75 projects on target”."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveSmallIntegerField(default=0)
    percentage = models.DecimalField(
        "per cent",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    total = models.PositiveIntegerField("out of (count)", null=True, blank=True)
    noun = models.CharField("of what", max_length=100, help_text="e.g. projects")
    status = models.CharField("are", max_length=100, help_text="e.g. on target, green")
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percentage__gte=0) & Q(percentage__lte=100),
                name="headlinemeasure_percentage_0_100",
                violation_error_message="A percentage of a total lies between 0 and 100.",
            )
        ]

    def __str__(self):
        return self.text

    @property
    def text(self):
        of = f"of {self.total:,} {self.noun}" if self.total is not None else f"of {self.noun}"
        return f"{format_number(self.percentage)}% {of} {self.status}"


class CrimeCategory(models.TextChoices):
    ALL = "all", "All recorded crime"
    BCS_COMPARATOR = "bcs", "British Crime Survey comparator crimes"
    VEHICLE_THEFT = "theft_of_vehicle", "Theft of a motor vehicle"
    THEFT_FROM_VEHICLE = "theft_from_vehicle", "Theft from a motor vehicle"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage"
    COMMON_ASSAULT = "common_assault", "Common assault"
    ROBBERY = "robbery"
    DISTRACTION_BURGLARY = "distraction_burglary", "Distraction burglary"
    DOMESTIC_BURGLARY = "domestic_burglary", "Domestic burglary (dwellings)"
    OTHER_BURGLARY = "other_burglary", "Burglary other than dwellings"
    VIOLENCE = "violence", "Violence against the person"
    VEHICLE_CRIME = "vehicle_crime", "Vehicle crime"


def figure_field(verbose_name, minimum):
    """A crime figure that may be unknown, to one decimal place and no less than `minimum`."""
    return models.DecimalField(
        verbose_name,
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(minimum))],
    )


class CrimeFigure(models.Model):
    """One crime statistic as numbers. Rates are per 1,000 population, whatever the source said."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="figures")
    position = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(max_length=30, choices=CrimeCategory.choices)
    area = models.CharField(
        max_length=100,
        blank=True,
        help_text="Leave blank for the body's own district; name any other area, e.g. "
        "“Kent: highest district rate”.",
    )
    period = models.CharField(
        max_length=100,
        blank=True,
        help_text="When it differs from the report's, e.g. February 2005 to February 2006.",
    )
    count = models.PositiveIntegerField("number of crimes", null=True, blank=True)
    previous_count = models.PositiveIntegerField(
        "number in the previous period", null=True, blank=True
    )
    change_count = models.IntegerField("change in number", null=True, blank=True)
    change_percent = figure_field("change (per cent)", minimum=-100)
    rate_per_1000 = figure_field("crimes per 1,000 population", minimum=0)
    rank = models.PositiveSmallIntegerField(
        "place in the county", null=True, blank=True, help_text="By number of crimes; 1st = most."
    )
    rank_of = models.PositiveSmallIntegerField("out of", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(change_percent__isnull=True) | Q(change_percent__gte=-100),
                name="crimefigure_change_at_least_minus_100",
                violation_error_message="A fall cannot be more than 100%%.",
            ),
            models.CheckConstraint(
                condition=Q(rate_per_1000__isnull=True) | Q(rate_per_1000__gte=0),
                name="crimefigure_rate_not_negative",
                violation_error_message="A rate cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True)
                | (Q(rank_of__isnull=False) & Q(rank__gte=1)) & Q(rank__lte=F("rank_of")),
                name="crimefigure_rank_within_of",
                violation_error_message="The place must be between 1 and the number of areas.",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} ({self.report})"

    def clean(self):
        errors = {}
        if self.rank is not None:
            if self.rank_of is None:
                errors["rank_of"] = "Say out of how many areas."
            elif not 1 <= self.rank <= self.rank_of:
                errors["rank"] = f"The place must be between 1 and {self.rank_of}."
        if self.change_percent is not None and self.change_percent < -100:
            errors["change_percent"] = "A fall cannot be more than 100%."
        if errors:
            raise ValidationError(errors)

    @property
    def is_own_area(self):
        return not self.area
