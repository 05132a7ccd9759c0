from django.db import migrations

from recommendations.roles import sync_role_groups


def grant(apps, schema_editor):
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0007_team_address_and_unowned_reminders"),
        ("publishing", "0002_role_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
