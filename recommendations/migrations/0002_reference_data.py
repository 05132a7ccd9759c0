from django.db import migrations

from recommendations.reference_data import load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
