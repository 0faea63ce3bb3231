import pytest
from django.urls import reverse

from .factories import MembershipFactory, PersonFactory, SubGroupFactory
from .helpers import formset_data

pytestmark = pytest.mark.django_db


def test_subgroup_edit_records_history_with_the_user(coordinator_client, coordinator):
    subgroup = SubGroupFactory(name="Transport")
    data = {"name": "Transport", "short_name": "", "kind": "subgroup", "parent": "",
            "position": "4", "lead_organisation": "", "contact_officer": "", "remit": "",
            "aims": "- Regional Transport Strategy development"}  # fmt: skip
    data.update(
        formset_data(
            "objectives",
            [
                {
                    "position": "1",
                    "framework": "West Kent AIF",
                    "reference": "3",
                    "title": "",
                    "is_responsible": "on",
                    "note": "",
                }
            ],  # fmt: skip
        )
    )

    response = coordinator_client.post(reverse("subgroups:body_edit", args=[subgroup.pk]), data)

    assert response.status_code == 302
    latest = subgroup.history.first()
    assert subgroup.history.count() == 2
    assert latest.history_type == "~"
    assert latest.history_user == coordinator
    assert latest.aims == [{"style": "bullet", "text": "Regional Transport Strategy development"}]
    assert subgroup.objectives.get().history.count() == 1


def test_nominee_changes_are_kept_in_history(coordinator_client):
    membership = MembershipFactory()
    person = PersonFactory(organisation=membership.organisation)
    data = {"organisation": str(membership.organisation.pk), "unit": "", "position": "1"}
    data.update(formset_data("nominees", [{"person": str(person.pk), "role": "Chairman",
                                           "position": "1"}]))  # fmt: skip

    coordinator_client.post(reverse("subgroups:membership_edit", args=[membership.pk]), data)

    nominee = membership.nominees.get()
    assert nominee.history.get().role == "Chairman"
    assert membership.history.count() == 2
