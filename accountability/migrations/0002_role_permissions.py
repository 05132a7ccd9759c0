from django.db import migrations

from recommendations.roles import sync_role_groups


def grant(apps, schema_editor):
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0001_sessions_agendas_and_records"),
        ("publishing", "0002_role_permissions"),
        ("reminders", "0009_session_agenda_reminders"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
