"""Grade scales for the shipped frameworks, and the frameworks added with them: PEEL
2014–2020 (four points), PEEL 2021/22, and PEEL 2023–25's ninth graded area.

Frameworks already recorded keep the five-point scale the schema migration gave them
(the only one there was), so every judgment already recorded stays on its scale.
"""

from django.db import migrations

from recommendations.reference_data import load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0009_framework_scales_ppog_outcomes_history")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
