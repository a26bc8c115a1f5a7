"""Audit compliance per stratum and nationally."""

import json

import numpy as np
import pytest

from caselink.integrity import StratumAudit, compliance, stratum_compliance, wilson_bounds


def test_stratum_share_and_extrapolated_wrong_count() -> None:
    result = stratum_compliance(StratumAudit("Kent", population=300, audited=33, correct=26))
    lower, upper = wilson_bounds(26, 33, population=300)
    assert result.share_correct.rate == pytest.approx(26 / 33)
    assert (result.share_correct.lower, result.share_correct.upper) == (lower, upper)
    assert result.share_correct.method == "wilson-fpc"
    assert result.wrong.estimate == pytest.approx(300 * 7 / 33)
    assert result.wrong.lower == pytest.approx(300 * (1 - upper))
    assert result.wrong.upper == pytest.approx(300 * (1 - lower))


def test_wrong_count_never_below_what_the_audit_found() -> None:
    # 7 wrong found in a near-census of 33 out of 34: at least 7 are wrong, at most 8.
    result = stratum_compliance(StratumAudit("Surrey", population=34, audited=33, correct=26))
    assert result.wrong.lower is not None
    assert result.wrong.upper is not None
    assert 7 <= result.wrong.lower <= result.wrong.upper <= 8


def test_census_is_exact() -> None:
    result = stratum_compliance(StratumAudit("Gwent", population=20, audited=20, correct=15))
    assert (result.wrong.estimate, result.wrong.lower, result.wrong.upper) == (5, 5, 5)


def test_single_stratum_national_equals_the_stratum() -> None:
    audit = StratumAudit("Kent", population=300, audited=33, correct=26)
    result = compliance([audit])
    stratum = result.strata[0]
    assert result.national.wrong == stratum.wrong
    assert result.national.share_correct.estimate == pytest.approx(26 / 33)


def test_national_total_sums_strata_and_interval_combines_them() -> None:
    audits = [
        StratumAudit("Kent", 300, 33, 26),
        StratumAudit("Surrey", 150, 20, 17),
        StratumAudit("Gwent", 40, 14, 14),
    ]
    result = compliance(audits)
    assert [s.stratum for s in result.strata] == ["Gwent", "Kent", "Surrey"]
    national = result.national
    assert national.population == 490
    assert national.wrong.estimate == pytest.approx(300 * 7 / 33 + 150 * 3 / 20)
    widths = [(s.wrong.upper or 0) - (s.wrong.lower or 0) for s in result.strata]
    national_width = (national.wrong.upper or 0) - (national.wrong.lower or 0)
    # Root-sum-of-squares: wider than any stratum's, narrower than their sum.
    assert max(widths) < national_width < sum(widths)
    # A stratum with every audited record correct still adds uncertainty upwards.
    gwent = result.strata[0]
    assert gwent.wrong.estimate == 0
    assert gwent.wrong.upper is not None
    assert gwent.wrong.upper > 0
    doc = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert doc["national"]["wrong"]["estimate"] == pytest.approx(national.wrong.estimate)


def test_all_correct_national_interval_is_not_degenerate() -> None:
    audits = [StratumAudit(f"F{i}", 100, 20, 20) for i in range(5)]
    national = compliance(audits).national
    assert national.wrong.estimate == 0
    assert national.wrong.lower == 0
    assert national.wrong.upper is not None
    assert national.wrong.upper > 10


def test_unaudited_strata_are_reported_not_guessed() -> None:
    result = compliance([StratumAudit("A", 100, 20, 15), StratumAudit("B", 50, 0, 0)])
    assert result.strata[1].share_correct.rate is None
    assert result.strata[1].wrong.estimate is None
    assert result.national.population == 100
    assert result.national.unaudited_population == 50
    empty = compliance([StratumAudit("B", 50, 0, 0)])
    assert empty.national.wrong.estimate is None
    json.dumps(empty.to_dict(), allow_nan=False)


def test_national_interval_coverage_by_simulation() -> None:
    rng = np.random.default_rng(2014)
    populations = np.array([400, 250, 120, 80, 60, 30])
    wrong_true = np.array([80, 20, 36, 8, 12, 3])  # shares 20%, 8%, 30%, 10%, 20%, 10%
    audited = np.array([33, 30, 25, 20, 14, 14])
    truth = wrong_true.sum()
    covered, reps = 0, 1000
    for _ in range(reps):
        found_wrong = rng.hypergeometric(wrong_true, populations - wrong_true, audited)
        audits = [
            StratumAudit(str(i), int(big_n), int(n), int(n - w))
            for i, (big_n, n, w) in enumerate(zip(populations, audited, found_wrong, strict=True))
        ]
        wrong = compliance(audits).national.wrong
        assert wrong.lower is not None
        assert wrong.upper is not None
        covered += wrong.lower <= truth <= wrong.upper
    assert 0.93 <= covered / reps <= 0.98


def test_rejects_impossible_audits() -> None:
    with pytest.raises(ValueError, match="correct"):
        StratumAudit("A", 10, 11, 5)
    with pytest.raises(ValueError, match="once"):
        compliance([StratumAudit("A", 10, 5, 5), StratumAudit("A", 10, 5, 5)])
