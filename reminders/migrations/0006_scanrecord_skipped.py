from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0005_digest_retry_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="scanrecord",
            name="skipped",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
