"""A form never shows a database constraint's name ("Constraint “…” is violated."): every
CheckConstraint and UniqueConstraint of our apps says what is wrong in words of its own."""

import pytest
from django.apps import apps

from finance.forms import FinancialYearForm
from finance.models import FinancialYear
from meetings.forms import MeetingForm
from tests.factories import MeetingFactory
from tests.original_migrations import OUR_APPS


def test_every_constraint_has_a_message_of_its_own():
    unnamed = [
        f"{model._meta.label}: {constraint.name}"
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        for constraint in model._meta.constraints
        if constraint.violation_error_message == constraint.default_violation_error_message
        or constraint.name in constraint.get_violation_error_message()
    ]
    assert unnamed == []


def error_messages(form):
    return [message for messages in form.errors.values() for message in messages]


@pytest.mark.django_db
def test_a_financial_year_starting_in_year_0_is_refused_in_words():
    form = FinancialYearForm({"start_year": 0, "kind": FinancialYear.Kind.PROJECTED})

    assert not form.is_valid()
    assert error_messages(form) == ["A financial year starts in a year from 1990 to 2200."]


@pytest.mark.django_db
def test_a_meeting_numbered_from_0_is_refused_in_words():
    meeting = MeetingFactory()
    unbound = MeetingForm(instance=meeting)
    data = {name: unbound[name].value() for name in unbound.fields}
    data = {name: value for name, value in data.items() if value is not None}

    form = MeetingForm({**data, "number_from": 0}, instance=meeting)

    assert not form.is_valid()
    assert error_messages(form) == ["Agenda numbering starts at 1 or more."]
