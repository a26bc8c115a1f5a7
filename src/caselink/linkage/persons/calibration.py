"""Analysts' verdicts on pairs, turned into a correction of the model's match probabilities.

The model's match probability is its own estimate; analysts' verdicts (``same`` = 1,
``different`` = 0, ``unsure`` left out) say how often it is right. A logistic calibration of the
verdict on the pair's match weight,

    calibrated match weight = scale * match weight + shift   (bits),

is fitted by penalised maximum likelihood, the penalty pulling it towards the model's own
(scale 1, shift 0), so that a few verdicts move it a little and many move it as far as they
say. Pure numpy; ``resolution`` scores the labelled pairs and ``clustering.choose_threshold``
uses the calibrated probabilities. docs/persons.md ("Recalibrating from the verdicts") explains
what "enough" verdicts is and what the sample they come from means for the fit.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

LN2 = math.log(2.0)
# Fewer than this many verdicts of either kind and the run keeps the model's own estimate: a
# logistic fit is poorly determined with fewer than about ten of its rarer outcome per
# parameter estimated (Peduzzi et al. 1996), and the verdicts near the threshold mostly inform
# one parameter, where the curve crosses even odds; the penalty below carries the other.
MIN_VERDICTS_EACH = 10
# The penalty: a normal prior on the shift of the log-odds (nats) at the verdicts' mean weight
# and on the change of slope (a fraction of the model's own). 2.5 is the usual weakly
# informative scale for a logistic coefficient (Gelman et al. 2008); a slope may halve or
# double within one standard deviation.
SHIFT_PRIOR_SD = 2.5
SLOPE_PRIOR_SD = 1.0
# A fitted slope at or below this fraction of the model's is no calibration: the verdicts do
# not rise with the match weight, so they contradict the model rather than correct it.
MIN_SCALE = 0.05
# A threshold is stored to six decimals; above this it would round to a certainty.
MODEL_PROBABILITY_CAP = 0.999999


@dataclass(frozen=True, slots=True)
class Calibration:
    """What the verdicts say of the model: calibrated weight = ``scale`` * weight + ``shift``.

    ``used`` is false when there were too few verdicts of a kind, or they do not rise with the
    weight; ``reason`` says which. An unused calibration is the model's own (1, 0)."""

    used: bool
    scale: float
    shift: float  # bits
    same: int
    different: int
    reason: str

    @property
    def verdicts(self) -> int:
        return self.same + self.different

    def weight(self, match_weight: np.ndarray) -> np.ndarray:
        if not self.used:
            return np.asarray(match_weight, dtype=np.float64)
        return self.scale * np.asarray(match_weight, dtype=np.float64) + self.shift

    def probability(self, match_weight: np.ndarray) -> np.ndarray:
        """The calibrated match probability of pairs of these match weights (bits)."""
        return _sigmoid(LN2 * self.weight(match_weight))

    def model_probability(self, calibrated: float) -> float:
        """The model's match probability at which the calibrated one is ``calibrated``: where a
        bound on the calibrated probabilities falls on the model's, which links are drawn by.
        At most ``MODEL_PROBABILITY_CAP``."""
        target = math.log2(calibrated / (1.0 - calibrated))
        weight = (target - self.shift) / self.scale if self.used else target
        weight = min(max(weight, -1000.0), 1000.0)  # 2 ** 1024 overflows a float
        return min(1.0 / (1.0 + math.pow(2.0, -weight)), MODEL_PROBABILITY_CAP)

    def to_dict(self) -> dict[str, Any]:
        return {
            "used": self.used,
            "scale": round(self.scale, 6),
            "shift_bits": round(self.shift, 6),
            "verdicts": self.verdicts,
            "same": self.same,
            "different": self.different,
            "reason": self.reason,
        }

    def line(self) -> str:
        """One line for a terminal or a page."""
        if not self.used:
            return f"the model's own probabilities ({self.reason})"
        return (
            f"recalibrated from {self.verdicts} verdicts ({self.same} same, {self.different} "
            f"different): calibrated match weight = {self.scale:.3f} x weight "
            f"{'+' if self.shift >= 0 else '-'} {abs(self.shift):.2f} bits"
        )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow at extreme log-odds
    return out


def model_own(same: int, different: int, reason: str) -> Calibration:
    return Calibration(False, 1.0, 0.0, same, different, reason)


def fit_calibration(
    match_weights: np.ndarray | list[float], same: np.ndarray | list[bool]
) -> Calibration:
    """Fit the calibration to verdicts: each pair's match weight (bits) and whether it was
    judged the same person. Too few of either kind, or a fit that does not rise with the
    weight, gives the model's own, with the reason.

    The log-odds of "same" are modelled as ln 2 * w (the model's own) + a + b * ln 2 * (w - c),
    c the verdicts' mean weight, with normal priors on a and b centred on 0; the maximum of the
    penalised likelihood is found by Newton's method (the objective is strictly concave).
    """
    w = np.asarray(match_weights, dtype=np.float64)
    y = np.asarray(same, dtype=np.float64)
    if w.shape != y.shape:
        raise ValueError("one verdict per match weight")
    keep = np.isfinite(w)
    w, y = w[keep], y[keep]
    n_same = int(y.sum())
    n_different = int(y.size - n_same)
    if min(n_same, n_different) < MIN_VERDICTS_EACH:
        return model_own(
            n_same,
            n_different,
            f"{n_same} same and {n_different} different verdicts: at least "
            f"{MIN_VERDICTS_EACH} of each are needed to recalibrate",
        )
    centre = float(w.mean())
    offset = LN2 * w
    x = np.column_stack([np.ones_like(w), LN2 * (w - centre)])
    precision = np.diag([1.0 / SHIFT_PRIOR_SD**2, 1.0 / SLOPE_PRIOR_SD**2])

    def objective(theta: np.ndarray) -> float:
        eta = offset + x @ theta
        # log-likelihood of a logistic model, written so large |eta| does not overflow
        loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        return loglik - 0.5 * float(theta @ precision @ theta)

    theta = np.zeros(2)
    value = objective(theta)
    for _ in range(100):
        p = _sigmoid(offset + x @ theta)
        gradient = x.T @ (y - p) - precision @ theta
        hessian = x.T @ (x * (p * (1.0 - p))[:, None]) + precision
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-6:  # halve the step until the objective does not fall
            candidate = theta + size * step
            new = objective(candidate)
            if new >= value:
                break
            size /= 2.0
        else:
            break
        theta, converged = candidate, abs(new - value) < 1e-10
        value = new
        if converged:
            break
    a, b = float(theta[0]), float(theta[1])
    scale = 1.0 + b
    if scale <= MIN_SCALE:
        return model_own(
            n_same,
            n_different,
            "the verdicts do not rise with the match weight: they contradict the model "
            "rather than correct it",
        )
    # ln2 * w + a + b * ln2 * (w - c) = ln2 * ((1 + b) * w + a / ln2 - b * c)
    shift = a / LN2 - b * centre
    return Calibration(True, scale, shift, n_same, n_different, "fitted")
