import csv

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .downloads import attachment
from .models import Organisation, Person
from .spreadsheet import escape_formula


def csv_cell(value):
    """Spreadsheet programs run cells that start like a formula; neutralise them."""
    return escape_formula("" if value is None else str(value))


def csv_response(filename, header, rows):
    response = attachment(b"", filename, content_type="text/csv; charset=utf-8")
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ("name", "title", "email", "phone", "user")
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_name", "sector", "is_partner", "website")
    list_filter = ("sector", "is_partner")
    search_fields = ("name", "short_name")
    inlines = [PersonInline]
    actions = ["export_csv"]

    @admin.action(description="Export selected organisations as CSV")
    def export_csv(self, request, queryset):
        return csv_response(
            "wkp-organisations.csv",
            ["Name", "Short name", "Sector", "WKP partner", "Website", "Address"],
            (
                [
                    org.name,
                    org.short_name,
                    org.get_sector_display(),
                    "Yes" if org.is_partner else "No",
                    org.website,
                    org.address,
                ]
                for org in queryset
            ),
        )


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ("name", "title", "organisation", "email", "phone")
    list_filter = ("organisation__sector", "organisation__is_partner")
    search_fields = ("name", "title", "email", "organisation__name", "organisation__short_name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation", "user")
    actions = ["export_csv"]

    @admin.action(description="Export selected people as CSV")
    def export_csv(self, request, queryset):
        return csv_response(
            "wkp-people.csv",
            ["Name", "Title or role", "Organisation", "Email", "Phone"],
            (
                [p.name, p.title, p.organisation.name if p.organisation else "", p.email, p.phone]
                for p in queryset.select_related("organisation")
            ),
        )
