from django.db import migrations

from recommendations.roles import sync_role_groups


def grant(apps, schema_editor):
    # Administrators hold every permission of the accounts app, single sign-on links
    # included. The role groups are synced here, after every migration that adds a model
    # of a synced app, so the result does not depend on the order migrations happen to run.
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_single_sign_on_identity"),
        ("accountability", "0002_role_permissions"),
        ("reminders", "0009_session_agenda_reminders"),
        ("intake", "0001_letters_and_review_drafts"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
