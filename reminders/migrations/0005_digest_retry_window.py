from datetime import timedelta

from django.db import migrations, models
from django.db.models import F


def fill(apps, schema_editor):
    """Digests already there get the standard day of retries from when they were
    composed; those failed already count as failed when they were composed (the only
    time known for them)."""
    Digest = apps.get_model("reminders", "Digest")
    Digest.objects.update(retry_until=F("created_at") + timedelta(hours=24))
    Digest.objects.filter(status="failed").update(failed_at=F("created_at"))
    if schema_editor.connection.vendor == "postgresql":
        # Run the deferred foreign-key checks now: PostgreSQL refuses to ALTER a table
        # with trigger events pending in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0004_schedule_defaults_from_policy"),
    ]

    operations = [
        migrations.AddField(
            model_name="digest",
            name="failed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="digest",
            name="retry_until",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="digest",
            name="retry_until",
            field=models.DateTimeField(),
        ),
        migrations.AddConstraint(
            model_name="digest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("failed_at__isnull", False), ("status", "failed")),
                    models.Q(
                        models.Q(("status", "failed"), _negated=True),
                        ("failed_at__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="digest_failed_has_time",
            ),
        ),
    ]
