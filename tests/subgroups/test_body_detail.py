import pytest
from django.urls import reverse

from subgroups.models import Body

from .factories import SubGroupFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Body.Kind.SUBGROUP, "No membership has been recorded for the Housing sub-group."),
        (Body.Kind.BOARD, "No membership has been recorded for Housing."),
    ],
)
def test_body_page_calls_only_a_sub_group_a_sub_group(member_client, kind, expected):
    body = SubGroupFactory(name="Housing", kind=kind)
    page = member_client.get(reverse("subgroups:body_detail", args=[body.pk])).text
    assert expected in page
