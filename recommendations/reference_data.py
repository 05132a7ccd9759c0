"""Public reference data shipped with the app (data migrations load it).

The 43 territorial police forces of England and Wales, and the graded areas of
the inspection frameworks. Frameworks change per cycle, so a new cycle is a new
data migration, not a code change.
"""

from typing import Any

TERRITORIAL_FORCES = (
    "Avon and Somerset Constabulary",
    "Bedfordshire Police",
    "Cambridgeshire Constabulary",
    "Cheshire Constabulary",
    "City of London Police",
    "Cleveland Police",
    "Cumbria Constabulary",
    "Derbyshire Constabulary",
    "Devon and Cornwall Police",
    "Dorset Police",
    "Durham Constabulary",
    "Dyfed-Powys Police",
    "Essex Police",
    "Gloucestershire Constabulary",
    "Greater Manchester Police",
    "Gwent Police",
    "Hampshire and Isle of Wight Constabulary",
    "Hertfordshire Constabulary",
    "Humberside Police",
    "Kent Police",
    "Lancashire Constabulary",
    "Leicestershire Police",
    "Lincolnshire Police",
    "Merseyside Police",
    "Metropolitan Police Service",
    "Norfolk Constabulary",
    "North Wales Police",
    "North Yorkshire Police",
    "Northamptonshire Police",
    "Northumbria Police",
    "Nottinghamshire Police",
    "South Wales Police",
    "South Yorkshire Police",
    "Staffordshire Police",
    "Suffolk Constabulary",
    "Surrey Police",
    "Sussex Police",
    "Thames Valley Police",
    "Warwickshire Police",
    "West Mercia Police",
    "West Midlands Police",
    "West Yorkshire Police",
    "Wiltshire Police",
)

# (framework name, report kind, [(area, graded?)])
FRAMEWORKS = (
    (
        "PEEL 2023–25",
        "peel",
        (
            ("Police powers and public treatment", True),
            (
                "Preventing and deterring crime and antisocial behaviour, "
                "and reducing vulnerability",
                True,
            ),
            ("Responding to the public", True),
            ("Investigating crime", True),
            ("Protecting vulnerable people", True),
            ("Managing offenders and suspects", True),
            ("Building, supporting and protecting the workforce", True),
            ("Leadership and force management", True),
            ("Victim service assessment", False),
        ),
    ),
    (
        "National child protection inspection (2024 methodology)",
        "ncpi",
        (
            ("Leadership", True),
            ("Partnership working", True),
            ("Initial response", True),
            ("Risk assessment and referral", True),
            ("Investigation", True),
        ),
    ),
)


def load_reference_data(apps: Any) -> None:
    """Create or update the forces and frameworks (`apps`: a migration registry or the real one)."""
    from django.utils.text import slugify

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
