import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The merged Body replaces meetings.Body, which goes."""

    dependencies = [
        ("meetings", "0014_body_merge_data"),
    ]

    operations = [
        migrations.RemoveField("meeting", "body"),
        migrations.RemoveField("historicalmeeting", "body"),
        migrations.RenameField("meeting", "new_body", "body"),
        migrations.RenameField("historicalmeeting", "new_body", "body"),
        migrations.AlterField(
            model_name="meeting",
            name="body",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="meetings",
                to="subgroups.body",
            ),
        ),
        migrations.AlterField(
            model_name="action",
            name="body",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="actions",
                to="subgroups.body",
            ),
        ),
        migrations.AlterModelOptions(name="action", options={"ordering": ["body", "number"]}),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.UniqueConstraint(
                fields=("body", "number"),
                name="action_number_unique_per_body",
                violation_error_message="That action number is already used by this body.",
            ),
        ),
        migrations.DeleteModel("HistoricalBody"),
        migrations.DeleteModel("Body"),
    ]
