import django.db.models.deletion
from django.db import migrations, models


def body_fk(**kwargs):
    return models.ForeignKey(
        null=True, on_delete=django.db.models.deletion.PROTECT, to="subgroups.body", **kwargs
    )


def historical_body_fk():
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        null=True,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to="subgroups.body",
    )


class Migration(migrations.Migration):
    """Meetings and actions gain a foreign key to the merged Body (filled in 0014), and the
    action log gains what carried-in logs hold: owners as written, month targets, progress."""

    dependencies = [
        ("meetings", "0012_meeting_visits"),
        ("subgroups", "0005_body_fields"),
    ]

    operations = [
        migrations.AddField("meeting", "new_body", body_fk(related_name="+")),
        migrations.AddField("historicalmeeting", "new_body", historical_body_fk()),
        migrations.AddField("action", "body", body_fk(related_name="actions")),
        migrations.AddField("historicalaction", "body", historical_body_fk()),
        migrations.AlterField(
            model_name="meeting",
            name="title",
            field=models.CharField(
                blank=True,
                help_text="Leave blank to use the body's name followed by “Meeting”.",
                max_length=200,
            ),
        ),
        migrations.AlterField(
            model_name="historicalmeeting",
            name="title",
            field=models.CharField(
                blank=True,
                help_text="Leave blank to use the body's name followed by “Meeting”.",
                max_length=200,
            ),
        ),
        migrations.AlterField("action", "number", models.PositiveIntegerField()),
        migrations.AlterField("historicalaction", "number", models.PositiveIntegerField()),
    ]
