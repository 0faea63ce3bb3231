"""Workflows that write several sub-group rows at once (DESIGN.md "Where logic lives")."""

from django.db import transaction


@transaction.atomic
def save_with_parts(*, form, formsets):
    """Save a record's form and its inline formsets (a body's objectives, a membership's
    nominees, an update's or report's sections…) together: all or nothing.

    `form` and `formsets` are bound and valid. An existing record's row is locked first, so two
    co-ordinators saving the same record at once write its parts one after the other instead
    of interleaving them."""
    if form.instance.pk:
        rows = type(form.instance).objects.select_for_update().filter(pk=form.instance.pk)
        list(rows.values_list("pk", flat=True))
    record = form.save()
    for formset in formsets:
        formset.instance = record
        formset.save()
    return record
