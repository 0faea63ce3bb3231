"""Adding people and organisations to the partner list where they are chosen.

A co-ordinator building an agenda or an action log meets people who are not on the partner list
yet (a new contact officer, a presenter from another body). They are added from the form that
chooses them, not only by the administrator. Adding is idempotent: the same name at the same
organisation is the same person, so a form refused for another reason and sent again adds no
duplicate.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q

from .models import Organisation, Person, Sector


def tidy(text):
    return " ".join((text or "").split())


@transaction.atomic
def find_or_add_organisation(text):
    """The organisation with this name or short name (any case), else a new one."""
    text = tidy(text)
    found = Organisation.objects.filter(Q(name__iexact=text) | Q(short_name__iexact=text)).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return Organisation.objects.create(name=text, sector=Sector.OTHER)
    except IntegrityError:  # added by someone else a moment ago
        return Organisation.objects.get(name__iexact=text)


@transaction.atomic
def find_or_add_person(*, name, organisation_name=""):
    """The person of this name at this organisation (any case), else a new one."""
    name = tidy(name)
    organisation = find_or_add_organisation(organisation_name) if tidy(organisation_name) else None
    found = Person.objects.filter(name__iexact=name, organisation=organisation).first()
    return found or Person.objects.create(name=name, organisation=organisation)
