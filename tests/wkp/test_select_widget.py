"""templates/django/forms/widgets/select.html writes Django's option template in place (issue
18: a minutes form at 200 attendees has tens of thousands of options). The HTML must be the
very same as Django's own."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.utils import override_settings

CHOICES = [
    ("", "---------"),
    ("Councils", [(1, "Sevenoaks & Tonbridge"), (2, 'Kent "County" <Council>')]),
    (3, "Kent Police"),
    (4, "West Kent PCT"),
]


class Form(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    typed = forms.TypedChoiceField(
        choices=CHOICES, coerce=int, widget=forms.Select(attrs={"aria-describedby": "help"})
    )
    null = forms.NullBooleanField()


def test_every_select_renders_as_djangos_own_template_would():
    data = {"one": "2", "many": ["1", "4"], "typed": "3", "null": "true"}
    ours = str(Form(data))
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        djangos = str(Form(data, renderer=DjangoTemplates()))
    assert ours.count("<option") == 3 * 5 + 3
    assert "Kent &quot;County&quot; &lt;Council&gt;" in ours
    assert '<option value="2" selected>' in ours
    assert ours == djangos
