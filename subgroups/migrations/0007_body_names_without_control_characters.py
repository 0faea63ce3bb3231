"""A body's name and short name may hold no control characters (line breaks, tabs): they go
into file names, HTTP headers and e-mail subjects. Validators only, so nothing changes in the
database; rows saved before keep what they hold, and every file name made from them is made safe
(wkp/downloads.py)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("subgroups", "0006_search_vectors"),
    ]

    operations = [
        migrations.AlterField(
            model_name="body",
            name="name",
            field=models.CharField(
                error_messages={
                    "unique": "A body with this name already exists: choose another name."
                },
                max_length=200,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]",
                        code="control_characters",
                        inverse_match=True,
                        message="Take out the line breaks, tabs and other control characters: this name is used in file names, page headers and e-mail subjects.",
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="body",
            name="short_name",
            field=models.CharField(
                blank=True,
                help_text="Used in file names and page headers, for example “WKP”.",
                max_length=20,
                validators=[
                    django.core.validators.RegexValidator(
                        "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]",
                        code="control_characters",
                        inverse_match=True,
                        message="Take out the line breaks, tabs and other control characters: this name is used in file names, page headers and e-mail subjects.",
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="historicalbody",
            name="name",
            field=models.CharField(
                db_index=True,
                error_messages={
                    "unique": "A body with this name already exists: choose another name."
                },
                max_length=200,
                validators=[
                    django.core.validators.RegexValidator(
                        "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]",
                        code="control_characters",
                        inverse_match=True,
                        message="Take out the line breaks, tabs and other control characters: this name is used in file names, page headers and e-mail subjects.",
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="historicalbody",
            name="short_name",
            field=models.CharField(
                blank=True,
                help_text="Used in file names and page headers, for example “WKP”.",
                max_length=20,
                validators=[
                    django.core.validators.RegexValidator(
                        "[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]",
                        code="control_characters",
                        inverse_match=True,
                        message="Take out the line breaks, tabs and other control characters: this name is used in file names, page headers and e-mail subjects.",
                    )
                ],
            ),
        ),
    ]
