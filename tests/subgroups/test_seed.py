"""The seed's Papers C, D, F, G, I and J display from structured records, on screen and in PDF."""

import html as html_module
import re

import pytest
from django.urls import reverse

from subgroups.models import AnnualReport, Body, CrimeFigure, SubGroupUpdate
from tests.pdftext import pdf_text as full_text

PAPER_C, PAPER_D, PAPER_F = 1, 2, 3  # AnnualReport pks
PAPER_G, PAPER_I, PAPER_J = 1, 2, 3  # SubGroupUpdate pks

EXPECTED = {
    ("update", PAPER_G): [
        "Business Development sub group",
        "At a meeting on 5 July the group discussed its future remit.",
        "Responsible for Strategic Objective 3 in AIF",
        "Sustain and Strengthen the local Economy",
        "West Kent AIF – Action plan",
        "Marketing group to explore",
        "Emphasise work/life balance",
        "Next steps",
        "Identifying means to constructively engage with businesses",
    ],
    ("update", PAPER_I): [
        "West Kent Partnership Housing Sub Group",
        "A meeting was held on 28 June 2006 of the WKP housing sub-group.",
        "There are currently 4,000 applicants on this register",
        "Contributions are likely to be more than £15k.",
        "The view is that this will create more homelessness.",
    ],
    ("update", PAPER_J): [
        "Transport Sub-Group Update",
        "met Friday 23 June 2006 at Tonbridge & Malling Borough Council Offices",
        "1. Representation",
        "KCC Transport Policy",
        "Tim Read (Chairman), James Lewis",
        "Steve Pay/ James Cook",
        "Kent Highways (West)",
        "Arriva Southern Counties",
        "Malcolm Spalding",
        "To be arranged",
        "2. Aims of the Transport Sub-Group",
        "Regional Transport Strategy development",
        "Lobbying activities for motorway, trunk road and rail improvements.",
        "Local Transport Plan for Kent (LTP) 2006-2011",
        "4. Future direction",
        "Environment & Regeneration Directorate",
        "3 July 2006",
    ],
    ("report", PAPER_C): [
        "Tunbridge Wells Community Safety Partnership",
        "Annual Report (2005 – 2006)",
        "Anti-social behaviour",
        "Over 80% of those on the ASB list have shown an improvement in behaviour within 6 months.",
        "Year 2",
        "We have achieved our target of having under 33% repeat victimisation.",
        "Town centre and Pubwatch",
        "British Crime Survey comparator crimes in Tunbridge Wells rose by only 0.3% between "
        "February 2005 and February 2006.",
        "Distraction burglary",
    ],
    ("report", PAPER_D): [
        "Tonbridge & Malling Crime and Disorder Reduction Partnership",
        "End of Year Report 2005/6",
        "report dated 26 June 2006",
        "1.1 Introduction",
        "1.2.1",
        "the Borough is placed 11th out of 13 i.e. the third lowest.",
        "(c) Substance Misuse",
        "The use of the Ion Track detection equipment, mobile CCTV and ANPR equipment",
        "1.4 Conclusions",
        "11th of 13",
    ],
    ("report", PAPER_F): [
        "Sevenoaks District Community Safety Partnership",
        "2005-2006 Progress",
        "93% of 75 projects on target at the end of 2005/6",
        "84% of high level success measures green",
        "with 0.072 crimes per head of population",
        "Progress against Crime Targets",
        "9 Successes for the Sevenoaks District Community Safety Partnership",
        "The 8-12s project in Swanley.",
    ],
}


def normalise(text):
    return " ".join(text.split())


def page_text(response):
    html = response.content.decode()
    html = re.sub(r"<[^>]+>", " ", html)

    # Tags become spaces; punctuation straight after a closing tag closes up again.
    return re.sub(r" ([,.;:])", r"\1", normalise(html_module.unescape(html)))


@pytest.mark.parametrize(("kind", "pk"), list(EXPECTED))
def test_seed_paper_page_shows_the_papers_text_from_records(seed, member_client, kind, pk):
    url_name = "subgroups:update_detail" if kind == "update" else "subgroups:annualreport_detail"

    response = member_client.get(reverse(url_name, args=[pk]))

    assert response.status_code == 200
    text = page_text(response)
    for expected in EXPECTED[(kind, pk)]:
        assert expected in text, expected


def pdf_text(pdf_bytes):
    return normalise(full_text(pdf_bytes))


@pytest.mark.parametrize(("kind", "pk"), list(EXPECTED))
def test_seed_paper_pdf_from_the_same_partial_has_the_same_text(seed, kind, pk):
    # The PDF a member gets: the meeting paper made from the record (meetings' pack code).
    from meetings.models import Paper
    from meetings.pack import paper_pdf

    record = "subgroup_update_id" if kind == "update" else "annual_report_id"
    pdf = paper_pdf(Paper.objects.get(**{record: pk}))

    text = pdf_text(pdf)

    for expected in EXPECTED[(kind, pk)]:
        assert expected in text, expected


def test_seed_crime_figures_are_data_not_prose(seed):
    figures = {(f.report_id, f.category, f.area): f for f in CrimeFigure.objects.all()}

    assert str(figures[(PAPER_C, "bcs", "")].change_percent) == "0.3"
    assert str(figures[(PAPER_C, "criminal_damage", "")].change_percent) == "-4.1"
    assert str(figures[(PAPER_C, "robbery", "")].change_percent) == "0.0"
    burglary = figures[(PAPER_C, "distraction_burglary", "")]
    assert (burglary.previous_count, burglary.count, str(burglary.change_percent)) == (
        78, 32, "-59.0",
    )  # fmt: skip
    assert figures[(PAPER_C, "theft_from_vehicle", "")].count == 588
    assert figures[(PAPER_C, "domestic_burglary", "")].count == 378
    overall_d = figures[(PAPER_D, "all", "")]
    assert (str(overall_d.rate_per_1000), overall_d.rank, overall_d.rank_of) == ("70.0", 11, 13)
    assert figures[(PAPER_D, "domestic_burglary", "")].change_count == -22
    assert figures[(PAPER_D, "other_burglary", "")].count == 607
    assert str(figures[(PAPER_F, "all", "")].rate_per_1000) == "72.0"


def test_seed_subgroups_nest_one_level_with_the_transport_membership(seed):
    learning = Body.objects.get(name="Learning and Skills")
    transport = Body.objects.get(name="Transport")

    assert sorted(child.name for child in learning.children.all()) == ["14-19", "Adult"]
    assert [m.nominees_text for m in transport.memberships.all()][-1] == "To be arranged"
    assert transport.lead_organisation.short_name == "KCC"
    assert set(Body.objects.top_level_subgroups().values_list("name", flat=True)) == {
        "Business Development", "Learning and Skills", "Housing", "Transport", "Health",
    }  # fmt: skip


def test_seed_updates_and_reports_point_at_the_july_meeting_when_meetings_are_loaded(seed):
    from django.conf import settings

    expected = 1 if (settings.BASE_DIR / "fixtures" / "10_meetings.json").exists() else None

    assert set(SubGroupUpdate.objects.values_list("meeting_id", flat=True)) == {expected}
    assert set(AnnualReport.objects.values_list("meeting_id", flat=True)) == {expected}


def test_seed_subgroup_pages_show_remit_objectives_membership_and_updates(seed, member_client):
    business = Body.objects.get(name="Business Development")
    transport = Body.objects.get(name="Transport")
    learning = Body.objects.get(name="Learning and Skills")

    business_text = page_text(member_client.get(business.get_absolute_url()))
    transport_text = page_text(member_client.get(transport.get_absolute_url()))
    learning_text = page_text(member_client.get(learning.get_absolute_url()))
    home_text = page_text(member_client.get(reverse("subgroups:index")))

    assert (
        "Responsible for Strategic Objective 3 (West Kent AIF) – Sustain and Strengthen the "
        "local Economy" in business_text
    )
    assert "Lobby as appropriate on economic issues for West Kent" in business_text
    assert "Business Development sub group, met Wednesday 5 July 2006" in business_text
    assert "Lead organisation Kent County Council" in transport_text
    assert "South Eastern Trains To be arranged" in transport_text
    assert "Development of major scheme proposals" in transport_text
    assert "Groups within it Adult, 14-19" in learning_text
    assert "Learning and Skills Adult 14-19 Housing: 1 update Transport (led by KCC): 1 update" in (
        home_text
    )
