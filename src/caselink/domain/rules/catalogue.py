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

# -- the victim's journey (DOMAIN.md §8) ---------------------------------------------------------

JOURNEY_STEP_TIME = Rule(
    "JNY-1",
    "A step of the journey is dated between the report's first contact and now",
    "National Crime Recording Standard (Home Office Counting Rules): the crime record is an "
    "accurate account of what happened from the first report; nothing is recorded as having "
    "happened before it was reported, or before it happened",
)
JOURNEY_REFERRAL = Rule(
    "JNY-2",
    "A referral names the service offered (SARC, ISVA or other) and the victim's answer",
    "Code of Practice for Victims of Crime in England and Wales (2020), Right 4: to be referred "
    "to services that support victims; a referral is offered and the victim may decline it, a "
    "valid answer; an offer judged not appropriate records why",
)
JOURNEY_DETAILS = Rule(
    "JNY-3",
    "A step carries the details its kind allows, with values from their lists",
    "caselink journey contract (docs/formats.md, journey.csv): the decisions of Victims' Code "
    "Right 6 (release on bail or under investigation, charge or summons), the charging "
    "decisions of the Director's Guidance on Charging and the verdicts of the courts",
)
CHARGE_AFTER_ARREST = Rule(
    "INV-1",
    "A charge follows an arrest, or a CPS decision to charge (the summons route)",
    "Police and Criminal Evidence Act 1984 s.37(7) and the Director's Guidance on Charging "
    "(6th edition, 2020): a suspect in custody is charged after arrest; one not arrested is "
    "summonsed or sent a written charge and requisition on a decision to charge",
)
PROCEEDINGS_AFTER_CHARGE = Rule(
    "INV-2",
    "A first hearing and a verdict follow a charge",
    "Criminal Procedure Rules 2020, Part 7: proceedings begin with a charge or a written charge "
    "and requisition (summons); there is no hearing and no verdict without them",
)
CPS_DECISION_AFTER_FILE = Rule(
    "INV-3",
    "A CPS decision follows a file to the CPS",
    "Director's Guidance on Charging (6th edition, 2020): the CPS gives early advice or a "
    "charging decision on a file the police submit",
)
REVIEW_AFTER_NFA = Rule(
    "INV-4",
    "A Victims' Right to Review request follows a decision not to proceed; a review decision "
    "follows a request",
    "National Police Chiefs' Council, Victims' Right to Review scheme (2015) and CPS Victims' "
    "Right to Review scheme (2014, revised 2016): a victim may ask for a review of a police or "
    "CPS decision not to charge, and the review answers that request",
)
OUTCOME_CONSISTENT = Rule(
    "OUT-1",
    "The outcome is a Home Office outcome type that fits the record",
    "Home Office Counting Rules, General Rules section H (recorded crime outcomes) and the "
    "Crime Outcomes framework (April 2014): outcome 1 is a charge or summons; outcomes 15 and "
    "16 concern an identified suspect; outcomes 14 and 18 are for crimes with none",
)
OUTCOME_CLOSES = Rule(
    "OUT-2",
    "An outcome closes the report until it is reopened",
    "Home Office Counting Rules, General Rules section H: an outcome is assigned when the "
    "investigation is finalised and the crime is reopened if new investigative opportunities "
    "arise; court proceedings and the victim's right to review continue after an outcome",
)
VICTIM_UPDATE_DEADLINE = Rule(
    "VC-1",
    "The victim is told of each key decision in time (enhanced rights: 1 working day)",
    "Code of Practice for Victims of Crime in England and Wales (2020), Right 6: victims of "
    "sexual offences have enhanced rights and are told of a suspect's arrest, interview under "
    "caution, release on bail or under investigation, charge, or no further action within 1 "
    "working day (5 for other victims); weekends and bank holidays are not working days",
)
VICTIM_UPDATE_NAMES_DECISION = Rule(
    "VC-2",
    "An update of the victim names a decision that happened on this report",
    "Code of Practice for Victims of Crime in England and Wales (2020), Right 6: the victim is "
    "told of the decisions taken in their case; a record of telling them names which decision "
    "and when it was taken",
)
NFA_OFFERS_REVIEW = Rule(
    "VC-3",
    "A no-further-action decision states its ground, so the victim can be told it and offered "
    "a review",
    "Code of Practice for Victims of Crime in England and Wales (2020), Right 6, and the "
    "Victims' Right to Review scheme: a victim told of a decision not to proceed is given the "
    "reasons and told how to ask for a review",
)

ALL_RULES: tuple[Rule, ...] = (
    RECORDING_DEADLINE,
    CRIME_NEEDS_OFFENCE,
    N100_RATIONALE,
    CANCELLATION_EVIDENCE,
    CANCELLATION_GROUNDS,
    CANCELLATION_AUTHORITY,
    COMPLAINANT_INFORMED,
    JOURNEY_STEP_TIME,
    JOURNEY_REFERRAL,
    JOURNEY_DETAILS,
    CHARGE_AFTER_ARREST,
    PROCEEDINGS_AFTER_CHARGE,
    CPS_DECISION_AFTER_FILE,
    REVIEW_AFTER_NFA,
    OUTCOME_CONSISTENT,
    OUTCOME_CLOSES,
    VICTIM_UPDATE_DEADLINE,
    VICTIM_UPDATE_NAMES_DECISION,
    NFA_OFFERS_REVIEW,
)
