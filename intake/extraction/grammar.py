"""The grammar of findings: addressees, modal verbs, lead-ins, headings and statements.

Patterns follow PHRASING.md. They are deliberately about sentence *structure* (who
should do what, where a timeframe may stand, what a lead-in ends with) rather than about
any particular report's wording.
"""

from __future__ import annotations

import re

from intake.extraction.timeframes import TIMEFRAME_PATTERN

TF = rf"(?i:{TIMEFRAME_PATTERN})"

# One body a finding can be addressed to. Specific bodies come before the force-name
# pattern: alternation takes the first that matches, and "the Home Office and Greater
# Manchester Police" must split into two bodies, not read as one force name.
_BODY_ALTERNATIVES = [
    r"(?i:the\s+college\s+of\s+policing|the\s+college)",
    r"(?i:the\s+home\s+office|the\s+home\s+secretary|the\s+ministry\s+of\s+justice"
    r"|the\s+department\s+for\s+education|nhs\s+england)",
    r"(?i:(?:the\s+)?(?:npcc|national\s+police\s+chiefs['’]?\s+council)"
    r"(?:(?:['’]s)?\s+lead(?:s)?\s+for\s+[\w\s'’,-]{1,60}?)?)",
    r"(?i:(?:the\s+)?(?:apcc|association\s+of\s+police\s+and\s+crime\s+commissioners))",
    r"(?i:(?:the\s+)?(?:iopc|independent\s+office\s+for\s+police\s+conduct))",
    r"(?i:(?:the\s+)?(?:national\s+crime\s+agency|nca|crown\s+prosecution\s+service|cps"
    r"|national\s+police\s+coordination\s+centre|police\s+digital\s+service))",
    r"(?i:(?:all\s+|the\s+|each\s+|every\s+)?(?:police\s+(?:,\s*fire\s+)?and\s+crime\s+"
    r"commissioners?|pccs?|police,\s+fire\s+and\s+crime\s+commissioners?|(?:elected\s+)?"
    r"local\s+policing\s+bodies|mayors?))",
    r"(?i:(?:all\s+|the\s+|each\s+|every\s+)?chief\s+(?:constables?|officers?)"
    r"(?:\s+of\s+(?:all\s+)?(?:forces|[A-Z][\w\s]{1,40}?))?)",
    # A force by name: "Testshire Constabulary", "Avon and Somerset Constabulary",
    # "the Metropolitan Police Service", "City of London Police", "Police Scotland".
    r"(?:(?i:the)\s+)?(?:[A-Z][\w'’.-]*\s+(?:and\s+|of\s+(?:the\s+)?)?){1,4}"
    r"(?:Police(?:\s+Service)?|Constabulary|Police\s+Force)(?:['’]s\s+chief\s+constable)?",
    r"Police\s+Scotland|Police\s+Service\s+of\s+Northern\s+Ireland",
    r"(?i:(?:all|every|each|other|those|the|some)\s+(?:territorial\s+|police\s+|home\s+office\s+)*"
    r"(?:forces?|constabularies)(?:\s+(?:that|which|who|in|with|where)\b[^.;:]{0,120}?)?)",
    r"(?i:the\s+(?:force|constabulary|service)(?:['’]s\s+(?:chief\s+constable|chief\s+officers"
    r"|leaders|senior\s+leaders))?)",
    r"(?i:the\s+chief\s+constable)",
]
BODY = "(?:" + "|".join(_BODY_ALTERNATIVES) + ")"
BODY_RE = re.compile(BODY)

_JOIN = (
    r"(?:\s*,\s*(?i:and\s+|or\s+|together\s+with\s+|with\s+)?|\s+(?i:and|or|together\s+with|"
    r"working\s+with|with|in\s+(?:consultation|partnership)\s+with)\s+)"
)
SUBJECT = rf"(?P<subject>{BODY}(?:{_JOIN}{BODY})*)"

# What may stand before the subject at the start of a finding sentence.
_LEAD_WORDS = (
    r"(?i:(?:in\s+addition|additionally|also|further(?:more)?|finally|therefore"
    r"|as\s+a\s+(?:matter\s+of\s+)?priority)\s*,\s*"
    # Register entries and 2016–17 PEEL pages write "To address this cause of concern the
    # force should …" with no comma; the clause then ends where the addressee starts.
    r"|to\s+address\s+(?:this|the)\s+(?:cause\s+of\s+concern|area\s+for\s+improvement)"
    r"(?:[^,]{0,80}?,\s*|\s+(?=the\s|[A-Z])))"
)
_RECOMMENDER = (
    r"(?i:(?:we|hmicfrs|hmic|the\s+inspectorate|hm\s+inspectorate(?:\s+of\s+constabulary)?"
    r"(?:\s+and\s+fire\s+(?:&|and)\s+rescue\s+services)?|hm\s+inspector(?:\s+of\s+constabulary)?"
    r"|his\s+majesty['’]s\s+inspector(?:ate)?[\w\s]{0,60}?)"
    r"\s+(?:therefore\s+|also\s+|now\s+|further\s+)*recommends?\s+that\s*,?\s*)"
)
_OPEN_QUOTE = r"[“\"‘]?"
RECOMMENDS_RE = re.compile(_RECOMMENDER)

# Modal: "should" for recommendations and AFIs; "needs to"/"must" only count inside an
# AFI list. "should have" is hindsight narrative, never a finding.
_MODAL = (
    r"\s*,?\s*(?:(?i:together|working|in\s+(?:consultation|partnership))\s+with\s+"
    r"(?P<partners>[^,]{1,100}),\s*)?"
    r"(?P<modal>should|needs?\s+to|must)\b(?!\s+(?:not\s+)?have\b)(?!’ve|'ve)"
)

FINDING_START = re.compile(
    _OPEN_QUOTE
    + rf"(?:{_LEAD_WORDS})?(?P<recommends>{_RECOMMENDER})?(?:(?P<tf>{TF})\s*,?\s*)?"
    + SUBJECT
    + _MODAL
)

# A lead-in that ends at the modal: the bullets after it are separate findings (§2).
LEADIN_END = re.compile(
    rf"(?:^|(?<=[,;:])\s*|(?<=\bthat)\s+|(?<=\bthen)\s+|(?<=\bthat,)\s+|(?<=[“\"‘]))"
    rf"(?:(?P<tf>{TF})\s*,?\s*)?"
    + SUBJECT
    + r"\s*,?\s*(?:(?i:together|working)\s+with\s+(?P<partners>[^,]{1,100}),\s*)?should"
    + rf"(?:\s+(?P<adv>immediately)|\s*,?\s*(?P<tf2>{TF})\s*,?)?"
    + r"(?:\s+(?i:also|now))?(?:\s+(?i:make\s+sure|ensure)(?:\s+that)?)?\s*:$"
)
# "As a minimum it should:", "This should include:" – the bullets complete the finding
# just before.
CONTINUATION_LEADIN = re.compile(
    r"(?i:(?:.*\b(?:as\s+a\s+minimum|in\s+particular|for\s+example)\b.*:"
    r"|(?:it|they|this|these|this\s+work|this\s+plan|the\s+plan|the\s+review)\s+should"
    r"(?:\s+also)?(?:\s+(?:include|cover|consider|make\s+sure|ensure)(?:\s+that)?)?\s*:"
    r"|.*\b(?:including|as\s+follows|the\s+following)\s*:))$"
)
# "These reviews should …", "It needs to …": sentences that add to the finding before.
CONTINUATION_SENTENCE = re.compile(
    r"(?i:(?:this|these|that|those|it|they|its|their|such|the\s+(?:plan|review|reviews|training"
    r"|work|process|approach|arrangements))\b[^.]{0,80}?\b(?:should|needs?\s+to|must)\b"
    r"(?!\s+have\b))"
)
# Summary and observation lead-ins whose bullets repeat findings stated elsewhere (§6.5,
# §6.10) or list topics (§6.6): their bullets are skipped.
COUNT_LINE = re.compile(
    r"(?i:.*\b(?:had|has|made|contained|included|comprised)\s+(?P<n>\d+|one|two|three|four|five"
    r"|six|seven|eight|nine|ten|eleven|twelve)\s+(?:associated\s+|related\s+)?recommendations?"
    r"\b.*:)$"
)
# A lead-in that restates findings already made (revisit and closure letters, §6.9).
PAST_LEADIN = re.compile(
    r"(?i:\b(?:we|hmicfrs|hmic)\s+(?:made|gave|set\s+out|issued|said|stated|recommended)\b"
    r"|\bstating\s+that\b|\bwere\s+(?:that|as\s+follows)\b|\bwas\s+(?:that|as\s+follows)\b"
    r"|\boriginal\b|\bprevious(?:ly)?\b|\bhad\s+\w+\s+recommendations?\b)"
)

# Headings.
HEADING_COC = re.compile(
    r"(?i:(?P<accelerated>accelerated\s+)?causes?\s+of\s+concern(?:\s+(?P<number>\d{1,2}))?"
    r"(?:\s*[:–—-]\s*(?P<rest>.+?))?)[.:]?"
)
HEADING_REC = re.compile(
    r"(?i:(?:our\s+|new\s+|national\s+|the\s+)?recommendations?(?:\s+(?P<number>\d{1,2}))?"
    r"(?:\s+(?:for|to)\s+[\w\s,'’]{1,60})?(?:\s*[:–—-]\s*(?P<rest>.+?))?)[.:]?"
)
HEADING_AFI = re.compile(
    r"(?i:(?:new\s+)?areas?\s+for\s+improvement(?:\s+(?P<number>\d{1,2}))?"
    r"(?:\s*[:–—-]\s*(?P<rest>.+?))?)[.:]?"
)
HEADING_BACKGROUND = re.compile(
    r"(?i:background|context|previous\s+(?:causes?\s+of\s+concern|findings|inspections?|"
    r"recommendations|reports?)|history|our\s+(?:previous|earlier|original)\b.*|"
    r"progress\s+(?:since|against|on|made)\b.*|what\s+we\s+(?:said|found)\s+(?:in|previously)\b.*|"
    r"the\s+original\s+cause\s+of\s+concern|summary\s+of\s+(?:previous|earlier)\b.*)[.:]?"
)
HEADING_METHOD = re.compile(
    r"(?i:(?:our\s+)?methodology|our\s+approach|about\s+(?:this|the|our)\s+(?:report|inspection|letter|"
    r"inspections)|about\s+us|how\s+we\s+(?:inspect|grade|carried\s+out|did\s+this)\b.*|"
    r"grad(?:e|ing)s?(?:\s+(?:definitions|judgments|judgements|explained))?|"
    r"what\s+(?:the|our)\s+grades\s+mean|scope|terms\s+of\s+reference|glossary|"
    r"(?:annex|appendix)\s+\w+\b.*methodology.*|how\s+we\s+monitor\b.*|our\s+monitoring\b.*|"
    r"next\s+steps|what\s+happens\s+next)[.:]?"
)
# Words that make a short line a sentence rather than a title.
_VERBISH = re.compile(
    r"(?i:\b(?:should|must|needs?|isn['’]t|doesn['’]t|hasn['’]t|aren['’]t|don['’]t|is|are|was|"
    r"were|has|have|had|does|do|did|can|cannot|will|would|we|our|it|this|that)\b)"
)

# A cause-of-concern statement: a named body, then a failing.
STATEMENT = re.compile(
    _OPEN_QUOTE
    + rf"(?:{BODY}|(?i:it|its\s+\w+(?:\s+\w+)?|there))\b[^.:]{{0,160}}?"
    + r"(?i:\b(?:needs?\s+to|isn['’]t|aren['’]t|doesn['’]t|don['’]t|hasn['’]t|haven['’]t|is\s+not|"
    r"are\s+not|does\s+not|do\s+not|has\s+not|have\s+not|cannot|can['’]t|must|lacks?|fails?\s+to|"
    r"is\s+failing|are\s+failing|isn['’]t\s+yet|is\s+too|are\s+too|has\s+too|should)\b)"
)
# Narrative, not a cause-of-concern statement: statements never speak in the first person.
NARRATIVE = re.compile(
    r"^(?i:during|following|since|between|after|earlier|previously|as\s+part|in\s+(?:our|this|\d{4})"
    r"|on\s+\d|this\s+letter|when\s+we|last)\b|\b(?i:we|our|us)\b|\bI\b"
)
COC_PHRASE = re.compile(
    r"(?i:\b(?:is|are|represents?|constitutes?|presents?)\s+(?:therefore\s+)?(?:an?\s+)?"
    r"(?:accelerated\s+)?causes?\s+of\s+concern\b)"
)
COC_PHRASE_NOT_NEW = re.compile(
    r"(?i:\bno\s+longer\b|\b(?:is|are)\s+not\s+an?\b|\bremains?\b|\bwe\s+(?:raised|identified|"
    r"issued|gave|reported|closed)\b|\b(?:19|20)\d\d\b|\bpreviously\b|\boriginal\b|\bwhether\b"
    r"|\bif\b)"
)
CLOSURE = re.compile(
    r"(?i:\b(?:we|I)\s+(?:have|am|are)\s+(?:now\s+)?(?:decided\s+to\s+)?clos(?:ed|ing)\b"
    r"|\b(?:is|are|has\s+been|have\s+been)\s+(?:now\s+)?closed\b|\bwe\s+will\s+now\s+close\b)"
)
REVISIT = re.compile(r"(?i:\brevisit(?:ed|s)?\b)")
ACCELERATED = re.compile(r"(?i:\baccelerated\s+causes?\s+of\s+concern\b)")
LETTER_START = re.compile(r"(?i:letter\s+information\b|dear\b)")
LETTER_END = re.compile(r"(?i:yours\s+(?:sincerely|faithfully)\b)")
NEW_FINDINGS = re.compile(
    r"(?i:\bnew\b.{0,40}\b(?:recommendations?|causes?\s+of\s+concern|areas?\s+for\s+improvement)"
    r"|\b(?:we|I)\s+(?:are|am|have)\s+(?:now\s+)?(?:making|made|issuing|issued)\s+(?:a\s+|an\s+|the\s+"
    r"following\s+)?(?:new|further|additional)\b)"
)
PUBLISHED = re.compile(
    r"(?im:^\s*(?:published(?:\s+on)?|publication\s+date|date\s+of\s+publication|"
    r"first\s+published)\s*:?\s*(?P<date>\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+,?\s+\d{4}|"
    r"\d{1,2}/\d{1,2}/\d{4})\s*\.?\s*$)"
)
ISSUE_DATE_SENTENCE = re.compile(
    r"(?i:causes?\s+of\s+concern|recommendations?)[^.]*?\b(?:issued|raised|gave|identified|"
    r"published|made|wrote|set\s+out|sent)\b|\b(?:issued|raised|gave|identified|published|"
    r"made|wrote|set\s+out|sent)\b[^.]*?(?i:causes?\s+of\s+concern|recommendations?)"
)
FULL_DATE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+,?\s+\d{4}\b")


_TRAILING_JOIN = re.compile(
    r"(?i:[\s,]+(?:and|or|together\s+with|working\s+with|with|in\s+(?:consultation|partnership)"
    r"\s+with)?)+$"
)


def addressees(subject: str) -> list[str]:
    """The bodies named in a finding's subject, as written ("chief constables")."""
    out: list[str] = []
    matches = list(BODY_RE.finditer(subject))
    for i, m in enumerate(matches):
        # Each body runs to the next one, so a qualifier ("all forces that have not yet
        # done so") stays with its body; the joining words are then trimmed.
        end = matches[i + 1].start() if i + 1 < len(matches) else len(subject)
        name = _TRAILING_JOIN.sub("", " ".join(subject[m.start() : end].split()))
        first, _, rest = name.partition(" ")
        if first.lower() in {"the", "all", "every", "each", "chief", "those", "other", "police"}:
            name = first.lower() + (" " + rest if rest else "")
        if name not in out:
            out.append(name)
    return out


def looks_like_title(text: str) -> bool:
    """A short line with no sentence verb: a topic heading."""
    words = text.split()
    if not words or len(words) > 14 or len(text) > 120:
        return False
    if text.endswith("?"):
        return True
    if text[-1] in ".;,:" or not (text[0].isupper() or text[0].isdigit()):
        return False
    return not _VERBISH.search(text)
