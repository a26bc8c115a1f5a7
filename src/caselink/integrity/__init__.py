"""Statistics of recording practice: rates with intervals, funnel limits, p-charts, audit samples,
compliance estimates and screening evaluation. Pure functions over plain values; no I/O.

Every result is a frozen dataclass whose `to_dict()` is ready for JSON (None, never NaN).
The methods and how to read them are described in docs/integrity-statistics.md.
"""

from caselink.integrity.compliance import (
    Compliance,
    Estimate,
    NationalCompliance,
    StratumAudit,
    StratumCompliance,
    compliance,
    stratum_compliance,
)
from caselink.integrity.funnel import (
    Funnel,
    FunnelCurves,
    FunnelPoint,
    UnitCount,
    funnel,
    funnel_curves,
)
from caselink.integrity.intervals import (
    Rate,
    clopper_pearson,
    clopper_pearson_bounds,
    fpc_factor,
    wilson,
    wilson_bounds,
    z_for_level,
)
from caselink.integrity.limits import binomial_limit, binomial_limits, normal_limits
from caselink.integrity.overdispersion import (
    Dispersion,
    assess_dispersion,
    phi_estimate,
    tau2_estimate,
    winsorise,
    z_scores,
)
from caselink.integrity.sampling import (
    AuditSample,
    StratumSample,
    sample_size,
    stratified_sample,
)
from caselink.integrity.screening import Screening, Selection, ranked_hits, screening_at
from caselink.integrity.trend import ChartPoint, PChart, PeriodCount, Signal, p_chart

__all__ = [
    "AuditSample",
    "ChartPoint",
    "Compliance",
    "Dispersion",
    "Estimate",
    "Funnel",
    "FunnelCurves",
    "FunnelPoint",
    "NationalCompliance",
    "PChart",
    "PeriodCount",
    "Rate",
    "Screening",
    "Selection",
    "Signal",
    "StratumAudit",
    "StratumCompliance",
    "StratumSample",
    "UnitCount",
    "assess_dispersion",
    "binomial_limit",
    "binomial_limits",
    "clopper_pearson",
    "clopper_pearson_bounds",
    "compliance",
    "fpc_factor",
    "funnel",
    "funnel_curves",
    "normal_limits",
    "p_chart",
    "phi_estimate",
    "ranked_hits",
    "sample_size",
    "screening_at",
    "stratified_sample",
    "stratum_compliance",
    "tau2_estimate",
    "wilson",
    "wilson_bounds",
    "winsorise",
    "z_for_level",
    "z_scores",
]
