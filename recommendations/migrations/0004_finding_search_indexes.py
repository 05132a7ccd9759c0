"""PostgreSQL-only indexes for the findings list: trigram text search, reference search, sort.

They are created with SQL rather than declared in Finding.Meta.indexes because
SQLite (the embedded `scripts/run` database) has neither pg_trgm nor GIN, and a
Meta index would make Django try to create them there too. On SQLite this
migration does nothing.

Why these three (measured with EXPLAIN ANALYZE on 50,000 findings, see
docs/performance.md):
- `icontains` compiles to `UPPER(text) LIKE UPPER('%…%')` on PostgreSQL, so the
  trigram index is on the expression `UPPER(text)`: an index on plain `text`
  would serve `ILIKE` but is never used by `UPPER(text) LIKE`.
- The search is `text icontains q OR reference iexact q`; PostgreSQL can combine
  two indexes with a BitmapOr only if both sides have one, hence `UPPER(reference)`.
- The list's default order is (due_on, reference); with this index a page is an
  index scan that stops after 25 rows instead of sorting every finding.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "finding_text_trgm_idx": (
        "CREATE INDEX IF NOT EXISTS finding_text_trgm_idx ON recommendations_finding "
        "USING gin (UPPER(text) gin_trgm_ops)"
    ),
    "finding_reference_upper_idx": (
        "CREATE INDEX IF NOT EXISTS finding_reference_upper_idx ON recommendations_finding "
        "(UPPER(reference))"
    ),
    "finding_due_reference_idx": (
        "CREATE INDEX IF NOT EXISTS finding_due_reference_idx ON recommendations_finding "
        "(due_on, reference)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in INDEXES.values():
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0003_role_groups"),
    ]

    operations = [
        # A no-op on other databases (Django checks the vendor itself).
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
