"""Form pieces shared by the apps."""

from django import forms

from .people import find_or_add_person, tidy


class AddPersonMixin:
    """Lets a co-ordinator add someone not yet on the partner list where a person is chosen.

    `add_person_to` names the form's person fields (a foreign key or a many-to-many). Each gets
    two boxes after it: a new person's name and their organisation (matched by name or short
    name, else added). The person is added once the rest of the form is valid, and joins the
    chosen people (or becomes the chosen person).
    """

    add_person_to = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._person_required = {}
        order = []
        for name in self.fields:
            order.append(name)
            if name in self.add_person_to:
                order += [f"{name}_new", f"{name}_new_organisation"]
        for target in self.add_person_to:
            field = self.fields[target]
            self._person_required[target] = field.required
            field.required = False
            many = isinstance(field, forms.ModelMultipleChoiceField)
            self.fields[f"{target}_new"] = forms.CharField(
                max_length=200,
                required=False,
                label="… or add someone not on the partner list"
                if not many
                else "… and add someone not on the partner list",
                help_text="Their name, for example “Jane Wood”.",
            )
            self.fields[f"{target}_new_organisation"] = forms.CharField(
                max_length=200,
                required=False,
                label="Their organisation",
                help_text="Its name or short name as on the partner list; a new one is added.",
            )
        self.order_fields(order)

    def clean(self):
        data = super().clean()
        for target in self.add_person_to:
            name = tidy(data.get(f"{target}_new"))
            organisation = tidy(data.get(f"{target}_new_organisation"))
            chosen = data.get(target)
            if organisation and not name:
                self.add_error(f"{target}_new", "Give the new person's name too.")
            elif self._person_required[target] and not chosen and not name:
                self.add_error(target, "Choose someone from the list, or add someone new.")
        if self._errors:
            return data
        for target in self.add_person_to:
            # Consumed here, so views can pass cleaned_data on to a service as it is.
            name = tidy(data.pop(f"{target}_new", ""))
            organisation = data.pop(f"{target}_new_organisation", "")
            if not name:
                continue
            person = find_or_add_person(name=name, organisation_name=organisation)
            if isinstance(self.fields[target], forms.ModelMultipleChoiceField):
                data[target] = [*(data.get(target) or []), person]
            else:
                data[target] = person
        return data


class SharedChoicesFormSet(forms.BaseModelFormSet):
    """A formset whose rows offer the same lists (people, organisations, agenda items) fetch each
    list once for the formset, not once a row: a page of 200 attendees is not 600 queries.

    A row's list fields must not depend on the row (the same queryset for every form). Choices are
    shared for display only: a submitted value is still checked against the field's queryset."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        shared = self.__dict__.setdefault("_shared_choices", {})
        for name, field in form.fields.items():
            # A hidden field (the row's own id) shows no list: nothing to fetch.
            if isinstance(field, forms.ModelChoiceField) and not field.widget.is_hidden:
                if name not in shared:
                    shared[name] = list(iter(field.choices))  # iter: no COUNT for list's length
                field.choices = shared[name]
        return form


def with_more_rows(post, formsets, *, more=5, at_most=200):
    """The form as sent, with `more` blank rows more in the formset whose "more_rows" button was
    pressed (its prefix is the button's value), so a long list needs no saves between and nothing
    typed is lost; None when no such button was pressed. The new rows carry their fields'
    defaults (an attendance row's role), as a blank row the page showed would: else they read
    as changed, and wrong."""
    formset = next((f for f in formsets if f.prefix == post.get("more_rows")), None)
    total = post.get(f"{formset.prefix}-TOTAL_FORMS", "") if formset else ""
    if not total.isdigit():
        return None
    data = post.copy()
    rows = min(int(total) + more, at_most)
    data[f"{formset.prefix}-TOTAL_FORMS"] = str(rows)
    blank = formset.empty_form
    defaults = {name: blank[name].value() for name in blank.fields}
    for index in range(int(total), rows):
        for name, value in defaults.items():
            if isinstance(value, str | int) and value not in ("", False):
                data[f"{formset.prefix}-{index}-{name}"] = str(value)
    return data
