"""Public reference data shipped with the app (data migrations load it).

The 43 territorial police forces of England and Wales, and the graded areas and
grade scales of the inspection frameworks. Frameworks change per cycle, so a new
cycle is data (a data migration, or OPCC staff on the Inspection frameworks page),
not a code change.
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

FIVE_POINT = ("outstanding", "good", "adequate", "requires_improvement", "inadequate")
FOUR_POINT = ("outstanding", "good", "requires_improvement", "inadequate")

# (framework name, report kind, grade scale best first, [(area, graded?)]), areas in the
# order the reports give them. The names are HMICFRS's headings; OPCC staff can correct
# or extend them on the Inspection frameworks page.
FRAMEWORKS = (
    (
        # 2014 to 2018/19 (no PEEL reports were published in 2020): a grade per pillar on
        # four points. Leadership was assessed but not graded in some years.
        "PEEL 2014–2020",
        "peel",
        FOUR_POINT,
        (
            ("Effectiveness", True),
            ("Efficiency", True),
            ("Legitimacy", True),
            ("Leadership", False),
        ),
    ),
    (
        "PEEL 2021/22",
        "peel",
        FIVE_POINT,
        (
            ("Providing a service to the victims of crime", False),
            ("Engaging with and treating the public with fairness and respect", True),
            ("Preventing crime and anti-social behaviour", True),
            ("Responding to the public", True),
            ("Investigating crime", True),
            ("Protecting vulnerable people", True),
            ("Managing offenders and suspects", True),
            ("Disrupting serious organised crime", True),
            ("Developing a positive workplace", True),
            ("Good use of resources", True),
        ),
    ),
    (
        # Eight areas are graded in every force's report; some also grade recording data
        # about crime (crime data integrity), so a report can carry nine judgments.
        "PEEL 2023–25",
        "peel",
        FIVE_POINT,
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
            ("Recording data about crime", True),
            ("Victim service assessment", False),
        ),
    ),
    (
        "National child protection inspection (2024 methodology)",
        "ncpi",
        FIVE_POINT,
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
    """Create or update the forces and frameworks (`apps`: a migration registry or the real one).

    Data migrations written before frameworks had a grade scale call this too, with models
    that have no `grades` field yet: the scale is then left to the later migration. A scale
    never loses a grade that a report's judgment already holds.
    """
    from django.utils.text import slugify

    Force = apps.get_model("recommendations", "Force")
    Framework = apps.get_model("recommendations", "Framework")
    AssessmentArea = apps.get_model("recommendations", "AssessmentArea")
    GradedJudgment = apps.get_model("recommendations", "GradedJudgment")
    has_scale = any(field.name == "grades" for field in Framework._meta.get_fields())
    for name in TERRITORIAL_FORCES:
        Force.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "is_territorial": True}
        )
    for framework_name, report_kind, scale, areas in FRAMEWORKS:
        framework, _ = Framework.objects.update_or_create(
            name=framework_name, defaults={"report_kind": report_kind}
        )
        if has_scale:
            used = set(
                GradedJudgment.objects.filter(area__framework=framework).values_list(
                    "grade", flat=True
                )
            )
            framework.grades = [g for g in FIVE_POINT if g in scale or g in used]
            framework.save(update_fields=["grades"])
        for position, (area_name, is_graded) in enumerate(areas, start=1):
            AssessmentArea.objects.update_or_create(
                framework=framework,
                name=area_name,
                defaults={"position": position, "is_graded": is_graded},
            )
