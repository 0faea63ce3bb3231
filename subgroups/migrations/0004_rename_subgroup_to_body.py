from django.db import migrations


class Migration(migrations.Migration):
    """A sub-group becomes a body (one concept for anything that meets). Rows, ids and the
    foreign keys pointing at them stay as they are; the board's bodies join in meetings 0013."""

    dependencies = [
        ("subgroups", "0003_constraint_messages"),
        ("wkp", "0002_roles"),
    ]

    operations = [
        migrations.RenameModel("SubGroup", "Body"),
        migrations.RenameModel("HistoricalSubGroup", "HistoricalBody"),
    ]
