"""wkp/renderers.py writes selects out in Python instead of through Django's select and option
templates (issue 18: a minutes form at 200 attendees has about 200,000 options). The HTML must
be the very same as Django's own."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.utils import override_settings
from django.utils.safestring import mark_safe

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
    marked = forms.ChoiceField(
        choices=[(mark_safe("<b>"), mark_safe("<i>safe</i>")), ("a&b", "Tom & Jerry")],
        widget=forms.Select(attrs={"data-x": 'a"b', "disabled": True, "hidden": False}),
    )


def test_every_select_renders_as_djangos_own_template_would():
    data = {"one": "2", "many": ["1", "4"], "typed": "3", "null": "true", "marked": "a&b"}
    ours = str(Form(data))
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        djangos = str(Form(data, renderer=DjangoTemplates()))
    assert ours.count("<option") == 3 * 5 + 3 + 2
    assert "Kent &quot;County&quot; &lt;Council&gt;" in ours
    assert '<option value="2" selected>' in ours
    assert '<option value="a&amp;b" selected>Tom &amp; Jerry</option>' in ours
    assert ' data-x="a&quot;b" disabled id="id_marked">' in ours
    assert ours == djangos


def test_the_project_renders_selects_without_the_template_language(monkeypatch):
    """The comparison above would pass if both went through Django's templates."""

    def refuse(*args, **kwargs):
        raise AssertionError("a select went through the template language")

    form = Form({"one": "2"})
    template = form.renderer.get_template("django/forms/widgets/select.html")
    monkeypatch.setattr(type(template), "render", refuse)
    assert '<option value="2" selected>' in str(form["one"])
