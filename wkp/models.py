"""The partner list: organisations in the partnership and the people who represent them.

Also the field and method helpers every app's models share (`optional_link`, `detail_url`,
`NamedModel`)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords


def optional_link(to, *, on_delete, related_name, one_to_one=False, **options):
    """A link a row may be without: nullable in the database and left blank in forms.

    A foreign key (with `one_to_one=True`, a one-to-one field); other options pass through."""
    field = models.OneToOneField if one_to_one else models.ForeignKey
    return field(
        to, null=True, blank=True, on_delete=on_delete, related_name=related_name, **options
    )


def detail_url(view_name, attribute="pk"):
    """A model's `get_absolute_url`: the named view's URL for the object's `attribute`."""

    def get_absolute_url(self):
        return reverse(view_name, args=[getattr(self, attribute)])

    return get_absolute_url


class NamedModel(models.Model):
    """A record known by its `name` (an organisation, a venue, a body, a project): it is shown
    as that name in lists, choice boxes, the admin and its history."""

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class Sector(models.TextChoices):
    COUNTY_COUNCIL = "county", "County council"
    DISTRICT_COUNCIL = "district", "District/borough council"
    POLICE = "police"
    FIRE = "fire", "Fire and rescue"
    HEALTH = "health"
    EDUCATION = "education"
    VOLUNTARY = "voluntary", "Voluntary and community"
    BUSINESS = "business"
    TRANSPORT = "transport", "Transport operator"
    GOVERNMENT = "government", "Government and agencies"
    OTHER = "other"


class OrganisationQuerySet(models.QuerySet):
    def partners(self):
        return self.filter(is_partner=True)


class Organisation(NamedModel):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(
        max_length=30, blank=True, help_text="Abbreviation used in papers, e.g. KCC, TWBC."
    )
    sector = models.CharField(max_length=20, choices=Sector.choices)
    is_partner = models.BooleanField(
        "WKP partner", default=False, help_text="A member organisation of the partnership."
    )
    website = models.URLField(blank=True)
    address = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_name_unique_ci",
                violation_error_message="An organisation with this name already exists.",
            )
        ]

    @property
    def label(self):
        """The short name where there is one, as papers write it (KCC, TWBC)."""
        return self.short_name or self.name


class Person(models.Model):
    name = models.CharField(max_length=200)
    title = models.CharField("title or role", max_length=200, blank=True)
    organisation = optional_link(Organisation, on_delete=models.PROTECT, related_name="people")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    user = optional_link(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="person",
        verbose_name="login account",
        one_to_one=True,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        if self.organisation_id:
            return f"{self.name} ({self.organisation.label})"
        return self.name


class WorkerHeartbeat(models.Model):
    """A background worker's sign of life (`manage.py run_worker` writes it every half minute):
    /healthz reports whether any worker was seen in the last few minutes."""

    # Written by every worker's clock; no cache key is made from it (wkp.table_versions).
    cache_versioned = False

    name = models.CharField(max_length=200, unique=True)  # host and process id
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class RoleGrant(models.Model):
    """A permission the role sync (wkp/roles.py) has given a role group.

    The sync gives each role the permissions it has not given before, so a permission an
    administrator has since taken away stays away."""

    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="+")
    permission = models.ForeignKey("auth.Permission", on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()  # bookkeeping only: nobody edits it
        constraints = [
            models.UniqueConstraint(
                fields=["group", "permission"],
                name="wkp_rolegrant_once",
                violation_error_message="This role was given this permission already.",
            )
        ]

    def __str__(self):
        return f"{self.group} ← {self.permission}"
