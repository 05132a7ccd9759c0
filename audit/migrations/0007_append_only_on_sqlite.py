"""SQLite gets the append-only protection PostgreSQL has had since 0002 (issue 12 item 9).

Before this, the embedded SQLite run let any UPDATE or DELETE through, and removing
a user silently rewrote their audit rows.

SQLite drops a table's triggers when Django rebuilds the table, which its schema
editor does for most field changes on SQLite. A later migration that alters
AuditEvent's columns must drop these triggers first and create them again after
(tests/security/test_audit.py checks them on a freshly migrated SQLite database).
"""

from django.db import migrations

TRIGGERS = {
    "audit_event_no_update": "UPDATE",
    "audit_event_no_delete": "DELETE",
}


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, operation in TRIGGERS.items():
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON audit_auditevent "
            f"BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: {operation} refused'); "
            "END"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_audit_keeps_user_id_and_display_name"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
