from django.db import migrations

from recommendations.roles import sync_role_groups


def grant(apps, schema_editor):
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0001_responses_and_public_page"),
        ("recommendations", "0010_framework_scales_reference_data"),
        ("reminders", "0006_scanrecord_skipped"),
        ("accounts", "0006_email_link_set_password"),
        ("audit", "0010_audit_people_events"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
