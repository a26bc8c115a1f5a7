"""Statistics of the justice path: what happens to reports of rape and serious sexual offences
after the recording decision. Pure functions over plain counts and arrays; no database, no files.

- `attrition`: reports → recorded crimes → suspect identified → referred to the CPS → charged →
  convicted, per force and nationally, with funnels of the charge rate and the outcome-16 share;
- `outcome_mix`: each Home Office outcome type's (or police.uk category's) share of closures;
- `time_to_charge`: Kaplan–Meier days from recording to charge, cases not charged censored
  (`days_to_charge` applies the censoring rule to recording and charge times);
- `duty_compliance` and `referral_rates`: Victims' Code updates on time, SARC and ISVA referrals;
- `missed_chances`: written-off or no-suspect reports in a linked series where another member
  has a suspect, ranked for review.

Rates and intervals come from `caselink.integrity` (`wilson`, `funnel`): one implementation for
the whole system. Every result is a frozen dataclass whose `to_dict()` is ready for JSON (None,
never NaN) and carries its counts and a `definitions` dict saying what each figure counts, its
denominator, its interval and, for time to charge, the censoring rule. The figures and how to
read them are described in docs/outcomes-statistics.md.
"""

from caselink.outcomes.attrition import (
    STAGES,
    Attrition,
    AttritionCounts,
    Stage,
    UnitAttrition,
    attrition,
    stages,
)
from caselink.outcomes.missed_chances import (
    MissedChance,
    MissedChances,
    SeriesReport,
    SuspectMember,
    missed_chances,
)
from caselink.outcomes.outcome_mix import (
    OutcomeMix,
    OutcomeShare,
    UnitMix,
    UnitOutcomes,
    outcome_funnel,
    outcome_mix,
    outcome_order,
)
from caselink.outcomes.shares import Share, share
from caselink.outcomes.time_to_charge import (
    ChargedWithin,
    ChargeTimes,
    SurvivalCurve,
    TimeToCharge,
    UnitChargeTimes,
    days_to_charge,
    days_to_charge_seconds,
    kaplan_meier,
    london_days,
    time_to_charge,
)
from caselink.outcomes.victims_code import (
    DutyCompliance,
    DutyCounts,
    DutyFigures,
    ReferralCounts,
    ReferralFigures,
    Referrals,
    UnitDuties,
    UnitReferrals,
    duty_compliance,
    duty_figures,
    referral_figures,
    referral_rates,
)

__all__ = [
    "STAGES",
    "Attrition",
    "AttritionCounts",
    "ChargeTimes",
    "ChargedWithin",
    "DutyCompliance",
    "DutyCounts",
    "DutyFigures",
    "MissedChance",
    "MissedChances",
    "OutcomeMix",
    "OutcomeShare",
    "ReferralCounts",
    "ReferralFigures",
    "Referrals",
    "SeriesReport",
    "Share",
    "Stage",
    "SurvivalCurve",
    "SuspectMember",
    "TimeToCharge",
    "UnitAttrition",
    "UnitChargeTimes",
    "UnitDuties",
    "UnitMix",
    "UnitOutcomes",
    "UnitReferrals",
    "attrition",
    "days_to_charge",
    "days_to_charge_seconds",
    "duty_compliance",
    "duty_figures",
    "kaplan_meier",
    "london_days",
    "missed_chances",
    "outcome_funnel",
    "outcome_mix",
    "outcome_order",
    "referral_figures",
    "referral_rates",
    "share",
    "stages",
    "time_to_charge",
]
