"""Meetings, their agendas and papers.

An agenda is a tree of items (at most three levels). Papers belong to a meeting and are taken by
one or more items; their letters (A, B, C …) follow agenda order until the agenda is published,
then stay fixed. Items and papers are deleted softly (deleted_at) so they can be restored.
"""

import datetime
import string

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from subgroups.models import Body
from wkp.downloads import file_name
from wkp.models import NamedModel, Organisation, Person, detail_url, optional_link
from wkp.templatetags.wkp_format import short_date

from .deadlines import paper_deadline
from .targets import format_target, last_day

MAX_AGENDA_DEPTH = 3

# The dates a meeting may have. Calendars and paper deadlines do arithmetic on a meeting's date
# (two hours after its start, working days before it) that overflows at Python's limits (years 1
# and 9999): the forms refuse a date outside these, and the calendars and the forward plan leave
# out a row that holds one (restored or loaded data), rather than fail for everyone.
MEETING_DATES = (datetime.date(1900, 1, 1), datetime.date(2199, 12, 31))


def is_meeting_date(day):
    return MEETING_DATES[0] <= day <= MEETING_DATES[1]


class Venue(NamedModel):
    name = models.CharField(max_length=200, unique=True)
    address = models.TextField(blank=True)
    directions = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Dates, times and venues are no secret to anyone who may view meetings."""
        if user.has_perm("meetings.view_meeting"):
            return self
        return self.none()

    def with_agenda_visible_to(self, user):
        """Meetings whose agenda and papers the user may read: drafts are co-ordinators' only."""
        if user.has_perm("meetings.change_meeting"):
            return self.visible_to(user)
        return self.visible_to(user).exclude(status=Meeting.Status.DRAFT)

    def upcoming(self, today):
        return self.filter(date__gte=today).order_by("date", "start_time")

    def past(self, today):
        return self.filter(date__lt=today).order_by("-date", "-start_time")

    def in_date_range(self):
        return self.filter(date__range=MEETING_DATES)


class Meeting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        HELD = "held"
        CANCELLED = "cancelled"

    class SubNumbering(models.TextChoices):
        BULLETS = "bullets", "Bullets (–)"
        DECIMAL = "decimal", "Decimal (1.1, 1.1.1)"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(
        max_length=200,
        blank=True,
        help_text="Leave blank to use the body's name followed by “Meeting”.",
    )
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    venue = optional_link(Venue, on_delete=models.PROTECT, related_name="meetings")
    contact_officer = optional_link(Person, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    replaces_date = models.DateField(
        null=True, blank=True, help_text="The date this meeting replaces, if it was moved."
    )
    note = models.CharField(
        max_length=200, blank=True, help_text="Shown after the date in lists, e.g. “conference”."
    )
    record_note = models.TextField(
        blank=True, help_text="A note for the record, shown on the meeting page only."
    )
    number_from = models.PositiveSmallIntegerField(
        default=1, help_text="The number of the first agenda item."
    )
    sub_numbering = models.CharField(
        max_length=10, choices=SubNumbering.choices, default=SubNumbering.BULLETS
    )
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__isnull=True)
                | Q(start_time__isnull=True)
                | Q(end_time__gt=models.F("start_time")),
                name="meeting_ends_after_it_starts",
                violation_error_message="The meeting must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(number_from__gte=1),
                name="meeting_numbering_starts_at_one_or_more",
                violation_error_message="Agenda numbering starts at 1 or more.",
            ),
        ]

    def __str__(self):
        return f"{self.display_title} – {short_date(self.date)}"

    get_absolute_url = detail_url("meetings:meeting_detail")

    @property
    def display_title(self):
        return self.title or f"{self.body.name} Meeting"

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def has_date_in_range(self):
        return is_meeting_date(self.date)

    def agenda_visible_to(self, user):
        return user.has_perm("meetings.change_meeting") or (
            user.has_perm("meetings.view_meeting") and not self.is_draft
        )

    @property
    def letters_fixed(self):
        """Paper letters are fixed once the agenda has been published."""
        return self.published_at is not None

    @property
    def file_stem(self):
        return f"{self.body.abbreviation}-{self.date:%Y-%m-%d}"


class LiveQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


def names_off_the_list(max_length, help_text, verbose_name=None):
    """Names as the paper writes them, for people the partner list does not hold."""
    return models.CharField(verbose_name, max_length=max_length, blank=True, help_text=help_text)


def paper_content(to, help_text, related_name="papers"):
    """Another record shown as a paper's content: it cannot be deleted while a paper shows it."""
    return optional_link(
        to, on_delete=models.PROTECT, related_name=related_name, help_text=help_text
    )


class Paper(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        TO_FOLLOW = "to_follow", "To follow"
        TABLED = "tabled", "Tabled at the meeting"
        WITHDRAWN = "withdrawn"

    class FileKind(models.TextChoices):
        NONE = "", "None"
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="papers")
    letter = models.CharField(max_length=3, blank=True, editable=False)
    title = models.CharField(max_length=300)
    author_organisation = optional_link(Organisation, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    separate_attachment = models.BooleanField(
        default=False,
        help_text="Circulated as a separate attachment: listed in the pack, not merged into it.",
    )
    attachment_note = models.CharField(
        max_length=200, blank=True, help_text="e.g. “separate Choosing Health attachment”."
    )
    body_html = models.TextField("content", blank=True)
    minutes_of = paper_content(
        Meeting,
        "Include the minutes of an earlier meeting as this paper.",
        related_name="+",  # a meeting's `papers` are those of its own agenda
    )
    subgroup_update = paper_content(
        "subgroups.SubGroupUpdate",
        "A sub-group update recorded on the intranet, shown as this paper's content.",
    )
    annual_report = paper_content(
        "subgroups.AnnualReport",
        "A community-safety or community-plan report, shown as this paper's content.",
    )
    fund_report_as_of = models.DateField(
        "include the WKP financial report as of",
        null=True,
        blank=True,
        help_text="The fund statement from the ledger as it stood on this date.",
    )
    event_budget = paper_content(
        "finance.EventBudget",
        "An event's budget from the finance pages, e.g. the conference's estimated cost.",
    )
    frozen_html = models.TextField(
        blank=True,
        editable=False,
        help_text="The financial content as issued: later ledger edits do not change it.",
    )
    file = models.FileField(upload_to="papers/%Y/", blank=True, max_length=300)
    file_kind = models.CharField(max_length=10, choices=FileKind.choices, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    pdf_tagged = models.BooleanField(null=True, editable=False)
    pdf_has_title = models.BooleanField(null=True, editable=False)
    pdf_has_language = models.BooleanField(null=True, editable=False)
    file_text = models.TextField(blank=True, editable=False)
    file_html = models.TextField(
        blank=True,
        editable=False,
        help_text="An uploaded Word file as sanitised HTML, converted once when it was uploaded.",
    )
    file_checked_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the file was checked (and cleaned) in the upload child; until then it "
        "is not shown or served to members (manage.py process_uploads checks older files).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = LiveQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "letter", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "letter"],
                condition=~Q(letter="") & Q(deleted_at__isnull=True),
                name="paper_letter_unique_in_meeting",
                violation_error_message="Another paper of this meeting has this letter.",
            )
        ]

    def __str__(self):
        return f"{self.label} – {self.title}" if self.letter else self.title

    get_absolute_url = detail_url("meetings:paper_detail")

    @property
    def label(self):
        return f"Paper {self.letter}" if self.letter else "Paper"

    @property
    def upload_is_accessible(self):
        """Whether an uploaded PDF is tagged, titled and says its language (None: no PDF)."""
        if self.file_kind != self.FileKind.PDF:
            return None
        return bool(self.pdf_tagged and self.pdf_has_title and self.pdf_has_language)

    @property
    def is_to_follow(self):
        return self.status == self.Status.TO_FOLLOW

    @property
    def is_withdrawn(self):
        return self.status == self.Status.WITHDRAWN


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        MINUTES = "minutes", "Minutes and matters arising"
        STANDING = "standing", "Standing item"
        PRESENTATION = "presentation"
        REPORT = "report"
        DISCUSSION = "discussion"
        AOB = "aob", "Any other business"
        NEXT_MEETINGS = "next_meetings", "Dates of next meetings"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    parent = optional_link("self", on_delete=models.CASCADE, related_name="children")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REPORT)
    scheduled_time = models.TimeField(null=True, blank=True)
    presenters = models.ManyToManyField(Person, blank=True, related_name="presentations")
    presenters_text = names_off_the_list(
        300, "Names not on the partner list, separated by commas.", "other presenters"
    )
    papers = models.ManyToManyField(
        Paper, blank=True, through="AgendaItemPaper", related_name="agenda_items"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[presenters])

    objects = LiveQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "position", "pk"]

    def __str__(self):
        return self.title

    def depth(self, items_by_id=None):
        """1 for a top-level item; computed from parents (one query each without the map)."""
        level, node = 1, self
        while node.parent_id:
            node = items_by_id[node.parent_id] if items_by_id else node.parent
            level += 1
        return level


class AgendaItemPaper(models.Model):
    """A paper taken at an agenda item; the pk keeps the order in which papers were attached."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="paper_links")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="item_links")
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "paper"],
                name="item_paper_once",
                violation_error_message="This paper is already taken at this item.",
            ),
        ]

    def __str__(self):
        return f"{self.item} → {self.paper}"


class Attachment(models.Model):
    """A further file of a paper, e.g. the separate Choosing Health document of Paper K."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(max_length=300)
    file = models.FileField(upload_to="attachments/%Y/", blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title


class CalendarToken(models.Model):
    """A secret per user for calendar clients that cannot sign in to subscribe to the feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar token of {self.user}"


def letter_for(index):
    """0 → A, 25 → Z, 26 → AA, 27 → AB …"""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = string.ascii_uppercase[remainder] + letters
    return letters


def index_of_letter(letters):
    """Inverse of letter_for: A → 0, AA → 26."""
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


def pack_path(instance, filename):
    return f"packs/{instance.meeting_id}/{file_name(filename)}"


class PackVersion(models.Model):
    """An issued meeting pack: the stored PDF never changes; a change issues a new version."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="pack_versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=pack_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    page_count = models.PositiveIntegerField()
    page_map = models.JSONField(default=dict, help_text="Paper letter → [first page, last page].")
    papers = models.JSONField(default=dict, help_text="Paper letter → title, status, fingerprint.")
    changes = models.JSONField(default=list)
    agenda = models.JSONField(
        null=True,
        blank=True,
        help_text="The agenda as issued, in order: item id, parent id, number, title "
        "(null for versions issued before it was recorded).",
    )
    fingerprint = models.CharField(max_length=64)
    supplement = models.FileField(upload_to=pack_path, blank=True, max_length=300)
    supplement_sha256 = models.CharField(max_length=64, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = optional_link(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="pack_version_unique",
                violation_error_message="This meeting has a pack of this version already.",
            )
        ]
        ordering = ["meeting", "-number"]

    def __str__(self):
        return f"Pack v{self.number} of {self.meeting}"

    @property
    def file_name(self):
        return f"{self.meeting.file_stem}-pack-v{self.number}.pdf"

    @property
    def supplement_name(self):
        return f"{self.meeting.file_stem}-supplement-{self.number - 1}.pdf"


class PackJob(models.Model):
    """A request to build the next pack version, so members can see that one is on its way."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running", "Being built"
        DONE = "done", "Ready"
        FAILED = "failed"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="pack_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    version = optional_link(PackVersion, on_delete=models.SET_NULL, related_name="+")
    requested_by = optional_link(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A queued job not being built by this time is queued again by a worker's sweep
    # (meetings/tasks.py `requeue_pack_jobs`): after a failed attempt, or a worker that died.
    due_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Pack build for {self.meeting}: {self.get_status_display()}"


class Attendance(models.Model):
    """Who was at a meeting, in what capacity, and for which organisation."""

    class Role(models.TextChoices):
        ATTENDED = "attended"
        APOLOGIES = "apologies"
        SUBSTITUTE = "substitute"
        OFFICER = "officer", "Officer in attendance"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = optional_link(Person, on_delete=models.PROTECT, related_name="attendances")
    name = names_off_the_list(200, "Only for someone not on the partner list.")
    organisation = optional_link(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation they represented.",
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.ATTENDED)
    substitute_for = optional_link(Person, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(name=""),
                name="attendance_names_someone",
                violation_error_message="Choose a person or type a name.",
            )
        ]

    def __str__(self):
        return self.person.name if self.person_id else self.name

    display_name = property(__str__)


class PublishedQuerySet(models.QuerySet):
    """Rows members see once published (each subclass says what `published()` means); whoever
    may change them sees them all, drafts included."""

    def visible_to(self, user):
        meta = self.model._meta
        if user.has_perm(f"{meta.app_label}.change_{meta.model_name}"):
            return self
        if user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            return self.published()
        return self.none()


class MinutesQuerySet(PublishedQuerySet):
    def published(self):
        """Minutes members may read: circulated or approved, of a meeting that is not a draft.

        The one rule for minutes and everything recorded with them (Action.objects.published)."""
        return self.exclude(status=Minutes.Status.DRAFT).exclude(
            meeting__status=Meeting.Status.DRAFT
        )


class Minutes(models.Model):
    """The minutes of one meeting: draft (co-ordinators only), circulated, then approved."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        CIRCULATED = "circulated", "Circulated in draft"
        APPROVED = "approved"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    circulated_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_at_meeting = optional_link(Meeting, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = MinutesQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "minutes"

    def __str__(self):
        return f"Minutes of {self.meeting}"

    @property
    def is_locked(self):
        return self.status == self.Status.APPROVED

    @property
    def is_published(self):
        """Members may read them (the row-level form of MinutesQuerySet.published)."""
        return self.status != self.Status.DRAFT and not self.meeting.is_draft


class MinuteEntry(models.Model):
    """The minute of one agenda item: a note of the discussion and what was decided."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="minute_entries")
    note = models.TextField("note of the discussion", blank=True)
    decisions = models.TextField(
        blank=True, help_text="One per line, e.g. “RESOLVED that the bid be supported.”"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["minutes", "item__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "item"],
                name="one_minute_per_item",
                violation_error_message="This item has a minute already.",
            )
        ]

    def __str__(self):
        return f"Minute of {self.item}"

    @property
    def decision_lines(self):
        return [line.strip() for line in self.decisions.splitlines() if line.strip()]


class MinutesAmendment(models.Model):
    """A correction to approved minutes: what it said, what it says now, why, who and when."""

    entry = models.ForeignKey(MinuteEntry, on_delete=models.CASCADE, related_name="amendments")
    before = models.TextField()
    after = models.TextField()
    reason = models.CharField(max_length=300)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self):
        return f"Amendment to {self.entry}: {self.reason}"


PUBLISHED_MINUTES = (Minutes.Status.CIRCULATED, Minutes.Status.APPROVED)


class ActionQuerySet(PublishedQuerySet):
    def published(self):
        """Actions members may see: recorded in minutes that are circulated or approved, of a
        meeting that is not a draft. An action on draft (or not yet written) minutes is the
        co-ordinators' working draft everywhere: lists, matters arising, packs, e-mail."""
        return self.filter(meeting__minutes__status__in=PUBLISHED_MINUTES).exclude(
            meeting__status=Meeting.Status.DRAFT
        )

    def open(self):
        return self.filter(status=Action.Status.OPEN)

    def outstanding_before(self, meeting):
        """Open actions raised at earlier meetings: the next meeting's matters arising."""
        return self.open().filter(body_id=meeting.body_id, meeting__date__lt=meeting.date)

    def next_number(self, body):
        """The next number in a body's action log: one more than its highest."""
        last = self.filter(body=body).order_by("-number").values_list("number", flat=True).first()
        return (last or 0) + 1

    def owned_by(self, user):
        person = getattr(user, "person", None)
        if person is None:
            return self.none()
        query = Q(owner_people=person)
        if person.organisation_id:
            query |= Q(owner_organisations=person.organisation_id)
        return self.filter(query).distinct()


class Action(models.Model):
    """An entry of a body's action log. Numbers run in one sequence per body across its
    meetings; an action log carried in from elsewhere keeps the numbers it was given."""

    class Status(models.TextChoices):
        OPEN = "open"
        DONE = "done"
        SUPERSEDED = "superseded"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="actions")
    number = models.PositiveIntegerField()
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    item = optional_link(AgendaItem, on_delete=models.SET_NULL, related_name="actions")
    description = models.TextField()
    owner_people = models.ManyToManyField(Person, blank=True, related_name="actions")
    owner_organisations = models.ManyToManyField(Organisation, blank=True, related_name="actions")
    owner_text = names_off_the_list(
        100, "Initials or names as the action log gives them, e.g. “JW / RB”.", "owners as written"
    )
    target_date = models.DateField(null=True, blank=True)
    target_is_month = models.BooleanField(
        default=False, help_text="The target is the month of target_date, not the day."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    progress = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where it stands, shown beside the status, e.g. “Work plan March 2011”.",
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[owner_people, owner_organisations])

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["body", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "number"],
                name="action_number_unique_per_body",
                violation_error_message="That action number is already used by this body.",
            )
        ]

    def __str__(self):
        return f"Action {self.number}: {self.description[:60]}"

    def is_overdue(self, today):
        return (
            self.status == self.Status.OPEN
            and self.target_due is not None
            and (self.target_due < today)
        )

    @property
    def target_label(self):
        return format_target(self.target_date, self.target_is_month)

    @property
    def owners_label(self):
        """Who: people, organisations and the owners as written, as one line."""
        names = [person.name for person in self.owner_people.all()]
        names += [organisation.label for organisation in self.owner_organisations.all()]
        if self.owner_text:
            names.append(self.owner_text)
        return ", ".join(names)

    @property
    def target_due(self):
        """The last day the target allows: the day itself, or the end of the target month."""
        return last_day(self.target_date, self.target_is_month)


class Declaration(models.Model):
    """A declaration of interest made at a meeting, on one agenda item."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="declarations")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="declarations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="declarations")
    interest = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "item__position", "pk"]

    def __str__(self):
        return f"{self.person.name}: {self.interest}"


class NoticeQuerySet(models.QuerySet):
    def published(self):
        """Notices members may be sent: never about a draft meeting."""
        return self.exclude(meeting__status=Meeting.Status.DRAFT)


class Notice(models.Model):
    """Something members are told about by e-mail: an issued pack, circulated minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; one paragraph per line.")
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject


class NoticePreference(models.Model):
    class Frequency(models.TextChoices):
        EVERY = "every", "An e-mail for every notice"
        DIGEST = "digest", "One daily digest"
        NONE = "none", "No e-mails"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.EVERY)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user}: {self.get_frequency_display()}"


class NoticeDelivery(models.Model):
    """The outbox: one notice for one member, sent exactly once.

    Rows are written with the notice, for the members who wanted e-mail at that moment, in the
    way they wanted it then (an e-mail of its own or the next digest). A member who had chosen
    "none" gets no row, so a later change of mind never brings old notices back.
    """

    # Written by the workers as they send; no cache key is made from it (wkp.table_versions).
    cache_versioned = False

    class Mode(models.TextChoices):
        EVERY = "every", "An e-mail of its own"
        DIGEST = "digest", "The next digest"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_deliveries"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "user"],
                name="one_delivery_per_recipient",
                violation_error_message="This notice is on its way to this person already.",
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "mode"],
                condition=Q(sent_at__isnull=True),
                name="notice_delivery_unsent",
            )
        ]

    def __str__(self):
        return f"{self.notice} to {self.user} ({self.get_mode_display()})"


class ForwardPlanEntryQuerySet(models.QuerySet):
    def outstanding(self):
        return self.filter(paper__isnull=True, withdrawn=False)

    def in_date_range(self):
        """Entries whose deadline can be worked out (see MEETING_DATES)."""
        return self.filter(meeting__date__range=MEETING_DATES)


class ForwardPlanEntry(models.Model):
    """A paper or item expected at a future meeting, with its owner and deadline."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="forward_plan")
    title = models.CharField(max_length=300)
    owner_person = optional_link(Person, on_delete=models.PROTECT, related_name="+")
    owner_organisation = optional_link(Organisation, on_delete=models.PROTECT, related_name="+")
    clear_days = models.PositiveSmallIntegerField(
        default=5, help_text="Clear working days between the deadline and the meeting."
    )
    notes = models.TextField(blank=True)
    paper = optional_link(
        Paper,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The paper, once it has arrived.",
    )
    withdrawn = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = ForwardPlanEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "forward plan entries"
        ordering = ["meeting__date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_person__isnull=False) | Q(owner_organisation__isnull=False),
                name="forward_plan_entry_has_an_owner",
                violation_error_message="Say who owes the paper: a person or an organisation.",
            )
        ]

    def __str__(self):
        return f"{self.title} for {self.meeting}"

    def is_overdue(self, today):
        return self.paper_id is None and not self.withdrawn and self.due < today

    @property
    def due(self):
        return paper_deadline(self.meeting.date, self.clear_days)

    @property
    def owner_label(self):
        parts = [self.owner_person.name] if self.owner_person_id else []
        if self.owner_organisation_id:
            parts.append(self.owner_organisation.label)
        return ", ".join(parts)


class MeetingVisit(models.Model):
    """When a user last looked at a meeting, to show them what changed since."""

    # Written on every look or send; no cache key is made from it (wkp.table_versions).
    cache_versioned = False

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_visits"
    )
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="visits")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "meeting"],
                name="one_visit_per_user_meeting",
                violation_error_message="This person's visit to this meeting is recorded already.",
            )
        ]

    def __str__(self):
        return f"{self.user} saw {self.meeting} at {self.seen_at:%Y-%m-%d %H:%M}"
