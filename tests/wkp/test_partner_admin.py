import csv
import io

import pytest
from django.urls import reverse

from wkp.models import Organisation, Person


@pytest.fixture
def kcc(db):
    org = Organisation.objects.create(
        name="Kent County Council", short_name="KCC", sector="county", is_partner=True
    )
    Person.objects.create(name="Tim Read", title="KCC Transport Policy", organisation=org)
    return org


def organisation_form(**overrides):
    data = {
        "name": "Sevenoaks District Council",
        "short_name": "SDC",
        "sector": "district",
        "is_partner": "on",
        "website": "https://www.sevenoaks.gov.uk",
        "address": "",
        "people-TOTAL_FORMS": "0",
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_admin_partner_list_filters_and_searches(admin_client, kcc):
    Organisation.objects.create(name="Arriva Southern Counties", sector="transport")
    url = reverse("admin:wkp_organisation_changelist")

    assert "Arriva Southern Counties" in admin_client.get(url).content.decode()
    found = admin_client.get(url, {"q": "KCC"}).content.decode()
    assert "Kent County Council" in found and "Arriva" not in found
    partners = admin_client.get(url, {"is_partner__exact": "1"}).content.decode()
    assert "Kent County Council" in partners and "Arriva" not in partners
    transport = admin_client.get(url, {"sector__exact": "transport"}).content.decode()
    assert "Arriva" in transport and "Kent County Council" not in transport


def test_admin_organisation_page_shows_people_inline(admin_client, kcc):
    html = admin_client.get(reverse("admin:wkp_organisation_change", args=[kcc.pk])).content
    assert b"Tim Read" in html
    assert b"people-0-name" in html


def test_admin_adds_organisation_with_a_person_inline(admin_client, db):
    data = organisation_form(
        **{
            "people-TOTAL_FORMS": "1",
            "people-0-name": "Derek McKenzie",
            "people-0-title": "",
            "people-0-email": "derek@example.org",
            "people-0-phone": "",
        }
    )
    response = admin_client.post(reverse("admin:wkp_organisation_add"), data)
    assert response.status_code == 302
    org = Organisation.objects.get(short_name="SDC")
    assert list(org.people.values_list("name", flat=True)) == ["Derek McKenzie"]


def test_admin_rejects_duplicate_name_in_any_case(admin_client, kcc):
    response = admin_client.post(
        reverse("admin:wkp_organisation_add"), organisation_form(name="kent county council")
    )
    assert response.status_code == 200
    assert "An organisation with this name already exists." in response.content.decode()
    assert Organisation.objects.count() == 1


def test_admin_rejects_invalid_website_and_email(admin_client, db):
    data = organisation_form(
        website="not a url",
        **{
            "people-TOTAL_FORMS": "1",
            "people-0-name": "Someone",
            "people-0-email": "not-an-email",
        },
    )
    response = admin_client.post(reverse("admin:wkp_organisation_add"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid URL." in html
    assert "Enter a valid email address." in html
    assert not Organisation.objects.exists()


def test_admin_keeps_history_of_changes(admin_client, kcc):
    data = organisation_form(
        name="Kent County Council",
        short_name="KCC",
        sector="county",
        website="https://www.kent.gov.uk",
        **{
            "people-TOTAL_FORMS": "1",
            "people-INITIAL_FORMS": "1",
            "people-0-id": str(kcc.people.get().pk),
            "people-0-organisation": str(kcc.pk),
            "people-0-name": "Tim Read",
            "people-0-title": "Chairman",
        },
    )
    response = admin_client.post(reverse("admin:wkp_organisation_change", args=[kcc.pk]), data)
    assert response.status_code == 302
    assert kcc.history.count() == 2
    latest = kcc.history.first()
    assert latest.website == "https://www.kent.gov.uk"
    assert latest.history_user.username == "admin"
    history_page = admin_client.get(reverse("admin:wkp_organisation_history", args=[kcc.pk]))
    assert history_page.status_code == 200
    assert "admin" in history_page.content.decode()
    assert kcc.people.get().history.first().title == "Chairman"


def test_admin_exports_people_as_csv_with_formulas_neutralised(admin_client, kcc):
    Person.objects.create(name="=HYPERLINK(evil)", organisation=kcc)
    response = admin_client.post(
        reverse("admin:wkp_person_changelist"),
        {"action": "export_csv", "_selected_action": [p.pk for p in Person.objects.all()]},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Title or role", "Organisation", "Email", "Phone"]
    assert ["Tim Read", "KCC Transport Policy", "Kent County Council", "", ""] in rows
    assert ["'=HYPERLINK(evil)", "", "Kent County Council", "", ""] in rows


def test_admin_exports_organisations_as_csv(admin_client, kcc):
    response = admin_client.post(
        reverse("admin:wkp_organisation_changelist"),
        {"action": "export_csv", "_selected_action": [kcc.pk]},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:4] == ["Kent County Council", "KCC", "County council", "Yes"]
