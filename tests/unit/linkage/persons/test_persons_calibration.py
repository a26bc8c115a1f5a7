"""Recalibrating the model's match probabilities from analysts' verdicts, and the threshold
chosen from the calibrated probabilities."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.linkage.persons.calibration import (
    MIN_SCALE,
    MIN_VERDICTS_EACH,
    MODEL_PROBABILITY_CAP,
    Calibration,
    fit_calibration,
)
from caselink.linkage.persons.clustering import THRESHOLD_CEILING, choose_threshold


def _verdicts(scale: float, shift: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs spread around a threshold, judged the same as often as the true calibration says."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-6.0, 18.0, n)
    truth = 1.0 / (1.0 + np.exp2(-(scale * weights + shift)))
    return weights, rng.random(n) < truth


def test_many_verdicts_recover_how_wrong_the_model_is() -> None:
    # the model is overconfident: a pair it gives 8 bits is really at even odds
    weights, same = _verdicts(1.0, -8.0, 4000, seed=1)
    fitted = fit_calibration(weights, same)
    assert fitted.used
    assert fitted.scale == pytest.approx(1.0, abs=0.1)
    assert fitted.shift == pytest.approx(-8.0, abs=0.8)
    assert fitted.probability(np.array([8.0]))[0] == pytest.approx(0.5, abs=0.06)


def test_verdicts_that_agree_with_the_model_leave_it_nearly_as_it_is() -> None:
    weights, same = _verdicts(1.0, 0.0, 2000, seed=2)
    fitted = fit_calibration(weights, same)
    assert fitted.used
    assert fitted.scale == pytest.approx(1.0, abs=0.15)
    assert fitted.shift == pytest.approx(0.0, abs=0.6)


def test_too_few_of_a_kind_keeps_the_models_own_and_says_why() -> None:
    weights = np.arange(40, dtype=float)
    same = np.arange(40) >= 40 - (MIN_VERDICTS_EACH - 1)  # one "same" too few
    fitted = fit_calibration(weights, same)
    assert not fitted.used
    assert (fitted.same, fitted.different) == (MIN_VERDICTS_EACH - 1, 40 - MIN_VERDICTS_EACH + 1)
    assert f"at least {MIN_VERDICTS_EACH} of each" in fitted.reason
    assert fitted.probability(np.array([3.0]))[0] == pytest.approx(1 / (1 + 2**-3))
    assert "model's own" in fitted.line()


def test_verdicts_falling_with_the_weight_are_refused() -> None:
    # the surest pairs judged different and the weakest the same: no correction of the model
    weights = np.arange(30, dtype=float)
    fitted = fit_calibration(weights, weights < 15)
    assert not fitted.used
    assert "do not rise" in fitted.reason


def test_separated_verdicts_give_a_finite_steep_calibration() -> None:
    # every pair below 10 bits judged different, every one above the same: the maximum
    # likelihood would be a step; the penalty keeps it finite, crossing even odds near 10 bits
    weights = np.linspace(2.0, 18.0, 40)
    fitted = fit_calibration(weights, weights > 10.0)
    assert fitted.used
    assert fitted.scale > 1.0
    crossing = -fitted.shift / fitted.scale
    assert 8.0 < crossing < 12.0


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.floats(-40.0, 60.0, allow_nan=False), st.booleans()),
        min_size=0,
        max_size=120,
    )
)
def test_any_verdicts_give_a_rising_calibration_or_the_models_own(
    rows: list[tuple[float, bool]],
) -> None:
    weights = np.array([w for w, _ in rows], dtype=float)
    same = np.array([s for _, s in rows], dtype=bool)
    fitted = fit_calibration(weights, same)
    assert fitted.same == int(same.sum())
    assert fitted.different == len(rows) - int(same.sum())
    grid = np.linspace(-60.0, 80.0, 50)
    p = fitted.probability(grid)
    assert np.all(np.isfinite(p))
    assert np.all((p >= 0.0) & (p <= 1.0))
    assert np.all(np.diff(p) >= 0.0)  # never falls as the model's weight rises
    if fitted.used:
        assert min(fitted.same, fitted.different) >= MIN_VERDICTS_EACH
        assert fitted.scale > MIN_SCALE
        assert math.isfinite(fitted.shift)
    else:
        assert (fitted.scale, fitted.shift) == (1.0, 0.0)


@settings(max_examples=60)
@given(
    st.floats(0.2, 3.0),
    st.floats(-20.0, 20.0),
    st.floats(0.51, 0.999),
)
def test_the_model_probability_of_a_calibrated_one_inverts_it(
    scale: float, shift: float, calibrated: float
) -> None:
    calibration = Calibration(True, scale, shift, 10, 10, "fitted")
    model = calibration.model_probability(calibrated)
    assert 0.0 < model <= MODEL_PROBABILITY_CAP
    if model < MODEL_PROBABILITY_CAP:
        weight = math.log2(model / (1.0 - model))
        assert calibration.probability(np.array([weight]))[0] == pytest.approx(calibrated, abs=1e-6)


@settings(max_examples=80)
@given(
    st.lists(st.floats(0.5, 1.0), min_size=1, max_size=200),
    st.lists(st.floats(0.0, 1.0), min_size=200, max_size=200),
    st.floats(0.6, 0.999),
)
def test_a_calibration_saying_the_model_is_overconfident_never_lowers_the_threshold(
    probabilities: list[float], factors: list[float], target: float
) -> None:
    p = np.array(probabilities)
    lower = p * np.array(factors[: p.size])  # at most what the model says, pair by pair
    lower = np.minimum.accumulate(lower[np.argsort(-p, kind="stable")])  # still rising with p
    order = np.argsort(-p, kind="stable")
    calibrated = np.empty_like(p)
    calibrated[order] = lower
    own = choose_threshold(p, target)
    corrected = choose_threshold(p, target, calibrated)
    assert corrected.threshold >= own.threshold
    assert corrected.links <= own.links
    for choice in (own, corrected):
        if choice.threshold < THRESHOLD_CEILING:
            assert choice.expected_precision >= target


def test_a_calibration_saying_the_model_is_underconfident_lowers_the_threshold() -> None:
    p = np.array([0.999] * 50 + [0.95] * 10 + [0.8] * 5 + [0.6] * 5)
    own = choose_threshold(p, 0.99)
    surer = choose_threshold(p, 0.99, np.minimum(1.0, p + 0.15))
    assert surer.threshold < own.threshold
    assert surer.expected_precision >= 0.99


def test_tied_probabilities_are_taken_together() -> None:
    # the running mean meets the target after the first 0.6 but not after both: a threshold
    # of 0.6 takes both, so it is not chosen
    choice = choose_threshold([1.0] * 8 + [0.6, 0.6], target=0.95)
    assert choice.threshold > 0.6
    assert choice.expected_precision >= 0.95
