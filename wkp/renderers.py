"""The form renderer: Django's templates (so templates/django/forms/ may override them), except
for the select, which is written out here.

A minutes form at 200 attendees has about 200,000 options; through the template language each
cost about 50 µs, and the page took seconds to render. Written here, the HTML is the very same
as Django's select.html and select_option.html give (tests/wkp/test_select_widget.py compares
them), every value escaped as the templates escape it.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def attributes(attrs):
    """As django/forms/widgets/attrs.html: False leaves the attribute out, True gives its name."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget):
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(option["value"])}"'
            f"{attributes(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def plain_options(widget):
    """Whether every option uses Django's own option template (a widget may name another)."""
    return all(o["template_name"] == OPTION for _, group, _ in widget["optgroups"] for o in group)


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name == SELECT and widget is not None and plain_options(widget):
            return select_html(widget)
        return super().render(template_name, context, request)
