"""Co-ordinators' forms: bad input gives clear errors, never a 500; good input saves."""

from decimal import Decimal

import pytest
from django.urls import reverse

from subgroups.models import AnnualReport, Body, CrimeFigure, Membership, SubGroupUpdate

from .factories import (
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    ReportingBodyFactory,
    SubGroupFactory,
)
from .helpers import figure_row, formset_data, report_post

pytestmark = pytest.mark.django_db


def errors_of(response):
    return response.content.decode()


def post_new_report(client, **report):
    """A new annual report, by a new reporting body, posted through the form."""
    return client.post(
        reverse("subgroups:annualreport_create"), report_post(ReportingBodyFactory(), **report)
    )


def test_annual_report_form_refuses_a_period_ending_before_it_starts(coordinator_client):
    response = post_new_report(coordinator_client, start_year="2006", end_year="2005")

    assert response.status_code == 200
    assert "The period ends before it starts." in errors_of(response)
    assert not AnnualReport.objects.exists()


def test_crime_figure_form_refuses_a_fall_of_more_than_100_percent(coordinator_client):
    response = post_new_report(coordinator_client, figures=[figure_row(change_percent="-100.5")])

    assert response.status_code == 200
    assert "A fall cannot be more than 100%: enter a change of −100 or more." in errors_of(response)
    assert not AnnualReport.objects.exists()


def test_crime_figure_form_accepts_a_fall_of_exactly_100_percent(coordinator_client):
    response = post_new_report(coordinator_client, figures=[figure_row(change_percent="-100")])

    assert response.status_code == 302
    assert CrimeFigure.objects.get().change_percent == Decimal("-100")


def test_crime_figure_form_refuses_a_negative_count(coordinator_client):
    response = post_new_report(coordinator_client, figures=[figure_row(count="-1")])

    assert response.status_code == 200
    assert "A count cannot be below zero." in errors_of(response)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"rank": "14", "rank_of": "13"}, "The place must be between 1 and 13."),
        ({"rank": "3"}, "Say out of how many areas."),
        ({"rate_per_1000": "-5"}, "A rate cannot be negative."),
        ({"change_percent": "1e400"}, "Ensure that there are no more than"),
        ({"count": "lots"}, "Enter a whole number."),
        ({"category": "arson"}, "Select a valid choice."),
    ],
)
def test_crime_figure_form_explains_other_bad_figures(coordinator_client, values, message):
    response = post_new_report(coordinator_client, figures=[figure_row(**values)])

    assert response.status_code == 200
    assert message in errors_of(response)


def test_crime_figure_form_stores_a_rate_per_head_as_per_1000(coordinator_client):
    response = post_new_report(coordinator_client, figures=[figure_row(rate_per_head="0.072")])

    assert response.status_code == 302
    assert CrimeFigure.objects.get().rate_per_1000 == Decimal("72.0")


def test_headline_measure_form_refuses_a_percentage_over_100(coordinator_client):
    measure = {"position": "1", "percentage": "193", "total": "75", "noun": "projects",
               "status": "on target"}  # fmt: skip

    response = post_new_report(coordinator_client, measures=[measure])

    assert response.status_code == 200
    assert "A percentage of a total cannot be above 100." in errors_of(response)


def test_membership_form_refuses_a_nominee_from_another_organisation(coordinator_client):
    subgroup = SubGroupFactory()
    kcc = OrganisationFactory(name="Kent County Council")
    outsider = PersonFactory(name="Malcolm Spalding", organisation__name="Arriva Southern Counties")
    data = {"organisation": str(kcc.pk), "unit": "KCC Transport Policy", "position": "1"}
    data.update(
        formset_data("nominees", [{"person": str(outsider.pk), "role": "", "position": "1"}])
    )

    response = coordinator_client.post(
        reverse("subgroups:membership_create", args=[subgroup.pk]), data
    )

    assert response.status_code == 200
    assert (
        "Malcolm Spalding is listed under Arriva Southern Counties on the partner list, not Kent "
        "County Council." in errors_of(response)
    )
    assert not Membership.objects.exists()


def test_membership_form_refuses_an_organisation_not_on_the_partner_list(coordinator_client):
    subgroup = SubGroupFactory()
    data = {"organisation": "99999", "unit": "", "position": "1"}
    data.update(formset_data("nominees", []))

    response = coordinator_client.post(
        reverse("subgroups:membership_create", args=[subgroup.pk]), data
    )

    assert response.status_code == 200
    assert "Select a valid choice." in errors_of(response)


def test_membership_form_records_a_vacancy_as_to_be_arranged(coordinator_client):
    subgroup = SubGroupFactory()
    trains = OrganisationFactory(name="South Eastern Trains")
    data = {"organisation": str(trains.pk), "unit": "", "position": "9"}
    data.update(formset_data("nominees", [{"person": "", "role": "", "position": "0"}]))

    response = coordinator_client.post(
        reverse("subgroups:membership_create", args=[subgroup.pk]), data
    )

    assert response.status_code == 302
    assert Membership.objects.get().nominees_text == "To be arranged"


def test_membership_form_saves_nominees_with_roles_in_order(coordinator_client):
    membership = MembershipFactory(unit="KCC Transport Policy")
    tim = PersonFactory(name="Tim Read", organisation=membership.organisation)
    james = PersonFactory(name="James Lewis", organisation=membership.organisation)
    data = {"organisation": str(membership.organisation.pk), "unit": "KCC Transport Policy",
            "position": "1"}  # fmt: skip
    data.update(
        formset_data(
            "nominees",
            [
                {"person": str(tim.pk), "role": "Chairman", "position": "1"},
                {"person": str(james.pk), "role": "", "position": "2"},
            ],
        )
    )

    response = coordinator_client.post(
        reverse("subgroups:membership_edit", args=[membership.pk]), data
    )

    assert response.status_code == 302
    assert Membership.objects.get().nominees_text == "Tim Read (Chairman), James Lewis"


def test_body_form_refuses_nesting_deeper_than_three_levels(coordinator_client):
    board = SubGroupFactory(name="West Kent Partnership", kind="board")
    top = SubGroupFactory(name="Learning and Skills", parent=board)
    middle = SubGroupFactory(name="Adult", parent=top)
    data = {"name": "Deeper", "short_name": "", "kind": "subgroup", "parent": str(middle.pk),
            "position": "0", "lead_organisation": "", "contact_officer": "", "remit": "",
            "aims": ""}  # fmt: skip
    data.update(formset_data("objectives", []))

    response = coordinator_client.post(reverse("subgroups:body_create"), data)

    assert response.status_code == 200
    assert "Adult is already two levels down; bodies nest at most three deep" in (
        errors_of(response)
    )
    assert not Body.objects.filter(name="Deeper").exists()


def test_update_form_explains_a_subpoint_without_a_bullet(coordinator_client):
    subgroup = SubGroupFactory()
    data = {"subgroup": str(subgroup.pk), "title": "Update", "met_on": "2006-06-23",
            "met_at": "", "meeting": "", "intro": "Intro\n-- orphan", "next_steps": "",
            "issued_by": "", "issued_on": ""}  # fmt: skip
    data.update(formset_data("sections", []))

    response = coordinator_client.post(reverse("subgroups:update_create"), data)

    assert response.status_code == 200
    assert "Line 2: a sub-point (“-- ”) must follow a bullet point (“- ”)." in errors_of(response)


def test_update_form_saves_an_update_with_sections_and_nested_points(coordinator_client):
    subgroup = SubGroupFactory(name="Business Development")
    data = {"subgroup": str(subgroup.pk), "title": "Business Development sub group",
            "met_on": "2006-07-05", "met_at": "", "meeting": "",
            "intro": "At a meeting on 5 July the group discussed its future remit.",
            "next_steps": "Next meeting to focus on\n- Building up projects",
            "issued_by": "", "issued_on": ""}  # fmt: skip
    data.update(
        formset_data(
            "sections",
            [
                {
                    "position": "1",
                    "number": "",
                    "heading": "Business Engagement",
                    "kind": "text",
                    "body": "- Marketing group to explore\n-- Emphasise work/life balance",
                },
            ],  # fmt: skip
        )
    )

    response = coordinator_client.post(reverse("subgroups:update_create"), data)

    update = SubGroupUpdate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == update.get_absolute_url()
    assert update.sections.get().body == [
        {"style": "bullet", "text": "Marketing group to explore"},
        {"style": "sub", "text": "Emphasise work/life balance"},
    ]
    page = coordinator_client.get(update.get_absolute_url()).content.decode()
    assert "<li>Marketing group to explore\n    <ul>" in page
    assert "met Wednesday 5 July 2006" in page


def test_update_form_page_shows_outline_text_for_editing(coordinator_client):
    section_body = [{"style": "bullet", "text": "A"}, {"style": "sub", "text": "B"}]
    subgroup = SubGroupFactory()
    update = SubGroupUpdate.objects.create(
        subgroup=subgroup, title="U", met_on="2006-06-23", intro=[]
    )
    update.sections.create(heading="H", body=section_body)

    response = coordinator_client.get(reverse("subgroups:update_edit", args=[update.pk]))

    assert response.status_code == 200
    assert "- A\n-- B</textarea>" in response.content.decode()


def test_reporting_body_cannot_be_deleted_while_it_has_reports(coordinator_client):
    body = ReportingBodyFactory()
    AnnualReport.objects.create(body=body, title="R", start_year=2005, end_year=2006)

    response = coordinator_client.post(reverse("subgroups:reportingbody_delete", args=[body.pk]))

    assert response.status_code == 302
    assert response["Location"] == body.get_absolute_url()
    assert AnnualReport.objects.filter(body=body).exists()


def test_subgroup_with_groups_of_its_own_cannot_move_within_another(coordinator_client):
    board = SubGroupFactory(name="West Kent Partnership", kind="board")
    learning = SubGroupFactory(name="Learning and Skills", parent=board)
    SubGroupFactory(name="Adult", parent=learning)
    housing = SubGroupFactory(name="Housing", parent=board)
    data = {"name": "Learning and Skills", "short_name": "", "kind": "subgroup",
            "parent": str(housing.pk), "position": "0", "lead_organisation": "",
            "contact_officer": "", "remit": "", "aims": ""}  # fmt: skip
    data.update(formset_data("objectives", []))

    response = coordinator_client.post(reverse("subgroups:body_edit", args=[learning.pk]), data)

    assert response.status_code == 200
    assert "This body has groups of its own, so it cannot sit that deep." in errors_of(response)
    learning.refresh_from_db()
    assert learning.parent == board
