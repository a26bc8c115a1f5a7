"""The rules caselink applies, as data: an identifier, a title and the standard each implements.

Errors and flags cite these, so a user refused by a rule can look up the standard behind it.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    citation: str


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a rule noticed about a report that is recorded, not refused (e.g. a late
    decision).
    """

    rule: Rule
    message: str


RECORDING_DEADLINE = Rule(
    "REC-1",
    "Recording decision within 24 hours",
    "Home Office Counting Rules, National Crime Recording Standard: the crime-recording "
    "decision is made within 24 hours of the report",
)
CRIME_NEEDS_OFFENCE = Rule(
    "REC-2",
    "A recorded crime carries its Home Office offence code",
    "Home Office Counting Rules: each crime is recorded under a notifiable offence classification",
)
N100_RATIONALE = Rule(
    "REC-3",
    "An N100 carries the reason the rape report was not recorded as a rape crime",
    "Home Office Counting Rules, classification N100: every reported rape is either a recorded "
    "rape crime or an N100 with its rationale",
)
CANCELLATION_EVIDENCE = Rule(
    "CAN-1",
    "A cancellation or transfer states its reason code and its evidence",
    "Home Office Counting Rules, General Rules section C (cancelled or transferred crimes): "
    "C1 transfer names the receiving force or authority, C2 rests on additional verifiable "
    "information, C3 names the crime already recorded, C4 explains the error",
)
CANCELLATION_GROUNDS = Rule(
    "CAN-2",
    "Grounds that are not grounds to cancel",
    "HMIC, Crime-recording: making the victim count (2014) and HMIC/HMCPSI, Forging the links "
    "(2012): withdrawal of support, lack of evidence, doubt about credibility, no further "
    "action and delay in reporting are not additional verifiable information",
)
CANCELLATION_AUTHORITY = Rule(
    "CAN-3",
    "Cancelling a rape or an N100 needs the Force Crime Registrar's authorisation",
    "Home Office Counting Rules, General Rules section C: the Force Crime Registrar (or a "
    "Designated Decision Maker) decides cancellations; force policy reserves rape to the registrar",
)
COMPLAINANT_INFORMED = Rule(
    "CAN-4",
    "The complainant is told of a cancellation",
    "HMIC, Crime-recording: making the victim count (2014), recommendation on informing "
    "victims; Code of Practice for Victims of Crime",
)

ALL_RULES: tuple[Rule, ...] = (
    RECORDING_DEADLINE,
    CRIME_NEEDS_OFFENCE,
    N100_RATIONALE,
    CANCELLATION_EVIDENCE,
    CANCELLATION_GROUNDS,
    CANCELLATION_AUTHORITY,
    COMPLAINANT_INFORMED,
)
