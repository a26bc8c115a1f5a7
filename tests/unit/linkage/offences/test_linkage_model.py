"""Binning, shrinkage, scoring and the JSON spec of a model."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from caselink.linkage.offences import LinkModel, LinkSettings
from caselink.linkage.offences.evidence import Evidence
from caselink.linkage.offences.model.features import Feature
from caselink.linkage.offences.model.logistic import fit_logistic, one_hot
from caselink.linkage.offences.model.naive_bayes import fit_naive_bayes, shrunk_log_bayes_factors


def _evidence(values: dict[str, list[float]]) -> Evidence:
    n = len(next(iter(values.values())))
    ids = np.arange(n, dtype=np.int64)
    cols = {k: np.asarray(v) for k, v in values.items()}
    return Evidence(ids, ids, cols)


def test_numeric_bins_put_unknown_first_and_edges_in_the_upper_bin() -> None:
    f = Feature("distance_km", "numeric", (1.0, 5.0))
    ev = _evidence({"distance_km": [np.nan, 0.2, 1.0, 4.9, 5.0, 80.0]})
    assert f.bins(ev).tolist() == [0, 1, 2, 2, 3, 3]
    assert f.bin_labels() == ["unknown", "below 1", "1 to 5", "5 or more"]
    assert f.n_bins == 4


def test_match_bins_and_a_missing_column_is_unknown() -> None:
    f = Feature("offender_sex", "match")
    ev = _evidence({"offender_sex": np.array([-1, 0, 1], dtype=np.int8)})
    assert f.bins(ev).tolist() == [0, 1, 2]
    assert Feature("same_person", "match").bins(ev).tolist() == [0, 0, 0]


def test_shrinkage_pulls_thin_bins_toward_zero() -> None:
    n_l = np.array([3.0, 97.0, 0.0])
    n_u = np.array([1000.0, 89000.0, 10000.0])
    raw = shrunk_log_bayes_factors(n_l, n_u, 0.0)
    assert raw[0] == pytest.approx(np.log((3 / 100) / (1000 / 100000)))
    assert raw[2] == -np.inf  # none seen where 10 were expected, unshrunk
    shrunk = shrunk_log_bayes_factors(n_l, n_u, 2.0)
    assert 0 < shrunk[0] < raw[0]
    assert -np.inf < shrunk[2] < -1.0  # still firm evidence against
    heavy = shrunk_log_bayes_factors(n_l, n_u, 1e9)
    np.testing.assert_allclose(heavy, 0.0, atol=1e-4)
    # the formula itself: (n_L + m) / (N_L n_U / N_U + m)
    want = np.log(n_l + 2.0) - np.log(100 * n_u / 100000 + 2.0)
    np.testing.assert_allclose(shrunk, want)


def test_a_rare_bin_with_nothing_linked_stays_near_zero() -> None:
    # 3 unlinked of 5,500 and no linked of 126: about 0.07 linked were expected, so no evidence
    got = shrunk_log_bayes_factors(np.array([0.0, 126.0]), np.array([3.0, 5497.0]), 2.0)
    assert abs(got[0]) < 0.05


def _model() -> LinkModel:
    feats = [Feature("distance_km", "numeric", (1.0, 5.0)), Feature("offender_sex", "match")]
    rng = np.random.default_rng(3)
    n = 4000
    linked = rng.random(n) < 0.1
    dist_bin = np.where(linked, rng.choice(4, n, p=[0.1, 0.6, 0.2, 0.1]), rng.choice(4, n))
    sex_bin = rng.choice(3, n)
    bins = np.stack([dist_bin, sex_bin], axis=1).astype(np.int16)
    weights, offset, _ = fit_naive_bayes(feats, bins, linked, 10.0)
    return LinkModel(
        family="naive_bayes",
        features=tuple(feats),
        weights=tuple(tuple(w) for w in weights),
        offset=offset,
        prior_log_odds=float(np.log(linked.mean() / (1 - linked.mean()))),
        settings=LinkSettings(),
        training={"n_pairs": n},
    )


def test_json_round_trip_reproduces_scores_bit_for_bit(tmp_path) -> None:
    model = _model()
    path = tmp_path / "model.json"
    model.save(path)
    loaded = LinkModel.load(path)
    assert loaded == model
    assert loaded.version == model.version
    ev = _evidence(
        {
            "distance_km": np.random.default_rng(0).exponential(3, 1000),
            "offender_sex": np.random.default_rng(1).choice([-1, 0, 1], 1000).astype(np.int8),
        }
    )
    np.testing.assert_array_equal(loaded.score_evidence(ev), model.score_evidence(ev))
    spec = json.loads(path.read_text())
    assert spec["format"] == "caselink.linkage.model"
    assert spec["family"] == "naive_bayes"
    assert spec["features"][0]["bins"][0] == "unknown"
    assert spec["settings"]["max_km"] == 50.0


def test_a_hand_edited_spec_is_refused() -> None:
    spec = _model().to_dict()
    spec["features"][0]["weights"][1] += 1.0
    with pytest.raises(ValueError, match="version"):
        LinkModel.from_dict(spec)
    spec = _model().to_dict()
    spec["format"] = "something else"
    with pytest.raises(ValueError, match="format"):
        LinkModel.from_dict(spec)


def test_score_is_offset_plus_contributions() -> None:
    model = _model()
    ev = _evidence({"distance_km": [0.5, 7.0], "offender_sex": np.array([1, -1], np.int8)})
    bins = model.bins(ev)
    contrib = model.contributions_from_bins(bins)
    np.testing.assert_allclose(model.score_bins(bins), model.offset + contrib.sum(axis=1))


def test_settings_refuse_nonsense_and_unknown_keys() -> None:
    with pytest.raises(ValueError, match="max_km"):
        LinkSettings(max_km=0)
    with pytest.raises(ValueError, match="family"):
        LinkSettings(family="forest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown link settings"):
        LinkSettings.from_dict({"max_kms": 3})


def test_logistic_fits_rare_links_to_convergence() -> None:
    # one linked pair in several thousand by weight, as among real candidate pairs: the fit
    # must reach the optimum, not stop while the linked pairs' gradient is still small
    rng = np.random.default_rng(5)
    features = [Feature(f"f{k}", "numeric", (1.0, 2.0, 3.0)) for k in range(3)]
    n = 60_000
    bins = rng.integers(0, 4, size=(n, 3)).astype(np.uint8)
    true = np.array([[0.0, -2.0, 1.0, 3.0], [0.0, 1.5, -1.0, 2.5], [0.0, 0.5, 0.5, -2.0]])
    logit = -6.0 + true[0][bins[:, 0]] + true[1][bins[:, 1]] + true[2][bins[:, 2]]
    linked = rng.random(n) < 1 / (1 + np.exp(-logit))
    weight = np.where(linked, 1.0, 2000.0)  # a thinned sample of the unlinked pairs
    weights, intercept, facts = fit_logistic(features, bins, linked, 1e6, n, 0, weight)
    model = LogisticRegression(C=1e6, solver="lbfgs", max_iter=10_000, tol=1e-12)
    model.fit(one_hot(features, bins), linked, sample_weight=weight)
    best = model.decision_function(one_hot(features, bins))
    got = intercept + sum(np.asarray(weights[k])[bins[:, k]] for k in range(3))
    # a fixed tolerance stopped after 12 steps, up to 8.6 off the optimum
    np.testing.assert_allclose(got, best, atol=0.1)
    assert facts["converged"]


def test_logistic_started_from_its_own_fit_stays_there() -> None:
    # a warm start hands the solver the centred weights turned back into its coefficients:
    # started from its own optimum, the fit takes a step or two and scores every pair the same
    rng = np.random.default_rng(8)
    features = [Feature(f"f{k}", "numeric", (1.0, 2.0)) for k in range(3)]
    n = 20_000
    bins = rng.integers(0, 3, size=(n, 3)).astype(np.uint8)
    logit = -3.0 + 1.5 * (bins[:, 0] == 2) - 1.0 * (bins[:, 1] == 1) + 0.8 * (bins[:, 2] == 2)
    linked = rng.random(n) < 1 / (1 + np.exp(-logit))
    weights, intercept, cold = fit_logistic(features, bins, linked, 1.0, n, 0)
    again, intercept2, warm = fit_logistic(
        features, bins, linked, 1.0, n, 0, None, (weights, intercept)
    )
    assert warm["warm_start"]
    assert not cold["warm_start"]
    assert warm["iterations"] <= 3 < cold["iterations"]

    def score(w: list[list[float]], c: float) -> np.ndarray:
        return c + sum(np.asarray(w[k])[bins[:, k]] for k in range(3))

    np.testing.assert_allclose(score(again, intercept2), score(weights, intercept), atol=1e-3)


def test_a_fit_starts_only_from_a_model_of_its_family_and_features() -> None:
    from caselink.linkage.offences.training.fitting import fit_family
    from caselink.linkage.offences.training.pairs import PairSet

    rng = np.random.default_rng(2)
    features = [Feature("f0", "numeric", (1.0,))]
    n = 500
    bins = rng.integers(0, 3, size=(n, 1)).astype(np.uint8)
    linked = rng.random(n) < 0.2
    pairs = PairSet(np.arange(n), np.arange(n) + n, bins, linked, np.zeros(n, bool), np.ones(n))
    settings = LinkSettings()
    bayes = fit_family("naive_bayes", features, pairs, settings)
    with pytest.raises(ValueError, match="same family"):
        fit_family("logistic", features, pairs, settings, start=bayes)
    logistic = fit_family("logistic", features, pairs, settings)
    warm = fit_family("logistic", features, pairs, settings, start=logistic)
    assert warm.training["fit"]["warm_start"]
