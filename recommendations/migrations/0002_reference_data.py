from django.db import migrations
from django.utils.text import slugify

from recommendations.reference_data import FRAMEWORKS, TERRITORIAL_FORCES


def load_reference_data(apps, schema_editor):
    Force = apps.get_model("recommendations", "Force")
    Framework = apps.get_model("recommendations", "Framework")
    AssessmentArea = apps.get_model("recommendations", "AssessmentArea")
    for name in TERRITORIAL_FORCES:
        Force.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "is_territorial": True}
        )
    for framework_name, report_kind, areas in FRAMEWORKS:
        framework, _ = Framework.objects.update_or_create(
            name=framework_name, defaults={"report_kind": report_kind}
        )
        for position, (area_name, is_graded) in enumerate(areas, start=1):
            AssessmentArea.objects.update_or_create(
                framework=framework,
                name=area_name,
                defaults={"position": position, "is_graded": is_graded},
            )


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
