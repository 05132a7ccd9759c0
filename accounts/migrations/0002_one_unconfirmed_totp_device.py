"""At most one unconfirmed TOTP device per person (issue 12 item 6).

django-otp's table is not ours to put a Meta constraint on, so this is a partial
unique index in SQL, which PostgreSQL and SQLite both support. Duplicates left by
the old get_or_create race are removed first: unconfirmed devices were never
usable, so nothing is lost. If django-otp ever rebuilds its table on SQLite,
this index must be made again (tests/accounts checks it exists).
"""

from django.db import migrations

DEDUPLICATE = """
DELETE FROM otp_totp_totpdevice
WHERE NOT confirmed
  AND id NOT IN (
    SELECT MIN(id) FROM otp_totp_totpdevice WHERE NOT confirmed GROUP BY user_id
  )
"""
CREATE = """
CREATE UNIQUE INDEX accounts_one_unconfirmed_totp_per_user
ON otp_totp_totpdevice (user_id) WHERE NOT confirmed
"""
DROP = "DROP INDEX IF EXISTS accounts_one_unconfirmed_totp_per_user"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunSQL(DEDUPLICATE, migrations.RunSQL.noop),
        migrations.RunSQL(CREATE, DROP),
    ]
