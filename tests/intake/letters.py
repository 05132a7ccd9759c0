# ruff: noqa: E501 (a letter's paragraphs are one line each, as pasted)
"""Letters written for these tests in the shape of HMICFRS letters (PHRASING.md §1.1), and
a force whose tracked findings they refer to. No text is copied from real letters."""

from __future__ import annotations

from datetime import date

from recommendations.models import Finding, FindingKind, Status
from tests.factories import make_finding, make_report

CLOSURE = """Letter information
From: HM Inspector of Constabulary
To: Chief Constable, Testshire Constabulary
Sent on: 12 June 2025

Dear Chief Constable,

Closure of the cause of concern about custody

In our report published on 4 March 2025, we issued a cause of concern about the safety of detainees.

Cause of concern
Testshire Constabulary isn’t making sure that detainees are safe in custody

Recommendations
Within three months, the force should:
• review the observation levels set for every detainee; and
• make sure custody sergeants complete risk assessments before a detainee is placed in a cell.

We revisited the force in May 2025. The force now audits custody every week, and sergeants complete risk assessments promptly. I am satisfied that the force has done enough, and I have now closed this cause of concern.

Yours sincerely

HM Inspector of Constabulary
"""

REVISIT = """Letter information
From: HM Inspector of Constabulary
To: Chief Constable, Testshire Constabulary
Sent on: 2 May 2025

Dear Chief Constable,

Revisit of the cause of concern about custody

On 4 March 2025, we issued a cause of concern about the safety of detainees. It was:

“Testshire Constabulary isn’t making sure that detainees are safe in custody
Within three months, the force should:
• review the observation levels set for every detainee; and
• make sure custody sergeants complete risk assessments before a detainee is placed in a cell.”

We revisited the force between 14 and 16 April 2025. Observation levels are now reviewed at every shift change. Risk assessments are not yet completed before every detention.

Yours sincerely

HM Inspector of Constabulary
"""

# A revisit of a cause of concern nobody tracks yet: nothing to match, so created.
REVISIT_UNTRACKED = """Dear Chief Constable,

Revisit of the cause of concern about missing children

On 10 January 2025, we issued a cause of concern about how Testshire Constabulary responds to missing children. It was:

“Testshire Constabulary doesn’t respond to reports of missing children quickly enough
The force should immediately:
• grade every report of a missing child by its risk.”

We revisited the force in June 2025 and found that grading has improved.

Yours sincerely
"""

ACCELERATED = """Letter information
From: HM Inspector of Constabulary
To: Chief Constable, Testshire Constabulary
Sent on: 14 April 2025
Published on: 22 April 2025

Dear Chief Constable,

Accelerated cause of concern: answering emergency calls

Testshire Constabulary doesn’t answer enough emergency calls within the national standard

We found that too many callers waited too long.

The force should immediately:
• call back everyone who abandons a 999 call.

By 31 July 2025, the force should make sure:
• it has enough call handlers on each shift to meet demand.

We will revisit the force to check its progress.

Yours sincerely
"""


def tracked_custody_findings(force) -> dict[str, Finding]:
    """The custody cause of concern and its two recommendations, as the OPCC tracks them:
    the first recommendation assured (so HMICFRS can close it), the second in progress."""
    report = make_report(
        force=force, title="PEEL 2025: Testshire (illustrative)", published_on=date(2025, 3, 4)
    )
    coc = make_finding(
        report=report,
        kind=FindingKind.CAUSE_OF_CONCERN,
        reference="CoC1",
        text="Testshire Constabulary isn’t making sure that detainees are safe in custody",
        status=Status.IN_PROGRESS,
    )
    observation = make_finding(
        report=report,
        parent=coc,
        reference="R1",
        text="Within three months, the force should review the observation levels set for "
        "every detainee",
        status=Status.ASSURED,
    )
    assessments = make_finding(
        report=report,
        parent=coc,
        reference="R2",
        text="Within three months, the force should make sure custody sergeants complete "
        "risk assessments before a detainee is placed in a cell",
        status=Status.IN_PROGRESS,
    )
    unrelated = make_finding(
        report=report,
        reference="R3",
        text="The force should improve how it records the grounds for stop and search",
    )
    return {
        "report": report,
        "coc": coc,
        "observation": observation,
        "assessments": assessments,
        "unrelated": unrelated,
    }
