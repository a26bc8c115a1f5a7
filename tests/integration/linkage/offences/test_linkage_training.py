"""Training, scoring and evaluation end to end on simulated reports."""

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

from caselink.linkage.offences import (
    LinkModel,
    LinkSettings,
    ReportFrame,
    evaluate,
    evidence,
    score,
    train,
)
from caselink.linkage.offences.candidate_index import in_locality_order
from caselink.linkage.offences.candidates import candidate_rows, unit_vectors
from caselink.linkage.offences.evidence import EvidenceMaker
from caselink.linkage.offences.geometry import EARTH_RADIUS_KM
from caselink.linkage.offences.labels import resolve_labels
from caselink.linkage.offences.model.features import bin_matrix
from caselink.linkage.offences.scorer.bin_matrix import PairBinner
from caselink.linkage.offences.scorer.bins import (
    behaviour_bins,
    code_bins,
    distance_bin,
    slot_bins,
)
from caselink.linkage.offences.scorer.bounds import (
    behaviour_gain,
    chord_bin,
    chord_cell,
    chord_cell_of,
    code_gain,
    stage_gain,
)
from caselink.linkage.offences.scorer.layout import (
    R_LAT,
    R_UX,
    R_UZ,
    R_X,
    R_Y,
    SLOT_DIST,
    STAGE_BEHAVIOURS,
    STAGE_CODES,
)
from caselink.linkage.offences.scorer.tables import model_tables, pair_data
from caselink.linkage.offences.scorer.top_pairs import top_pairs
from caselink.linkage.offences.scoring import score_rows, top_per_report
from caselink.linkage.offences.training.pairs import labelled_pairs, model_features
from caselink.linkage.offences.training.selection import cross_validate


def test_training_learns_that_near_and_alike_means_linked(simulated) -> None:
    reports, labels, _ = simulated
    model = train(reports, labels, settings=LinkSettings(family="naive_bayes"))
    assert model.family == "naive_bayes"
    w = dict(zip(model.feature_names, model.weights, strict=True))
    assert w["distance_km"][4] > 1.0 > -1.0 > w["distance_km"][-2]  # 2-3 km vs 40-50 km
    assert w["behaviours_approach_jaccard"][-1] > 0  # the same approach
    t = model.training
    assert t["n_linked_pairs"] > 50
    assert t["n_linked_pairs"] + t["n_unlinked_pairs"] == t["n_pairs"]
    assert len(t["data_digest"]) == 64


@pytest.mark.parametrize("family", ["naive_bayes", "logistic"])
def test_the_model_does_not_depend_on_the_order_of_the_reports(simulated, family: str) -> None:
    reports, labels, _ = simulated
    # a cap this low samples the unlinked pairs: the sample must not follow row order
    settings = LinkSettings(family=family, max_training_pairs=1000)
    model = train(reports, labels, settings=settings)
    order = np.random.default_rng(3).permutation(reports.num_rows)
    shuffled = train(reports.take(order), labels, settings=settings)
    assert model.training["n_unlinked_pairs_held"] < model.training["n_unlinked_pairs"]
    got = dict(zip(shuffled.feature_names, shuffled.weights, strict=True))
    for name, weights in zip(model.feature_names, model.weights, strict=True):
        np.testing.assert_allclose(got[name], weights, rtol=0, atol=1e-9, err_msg=name)
    assert shuffled.training["data_digest"] == model.training["data_digest"]


def test_auto_chooses_a_family_by_cross_validation(simulated) -> None:
    reports, labels, _ = simulated
    model = train(reports, labels)
    selection = model.training["selection"]
    assert model.family == selection["chosen"]
    assert set(selection["by_family"]) == {"naive_bayes", "logistic"}


def test_a_loaded_model_scores_every_pair_the_same(simulated, tmp_path) -> None:
    reports, labels, _ = simulated
    model = train(reports, labels, settings=LinkSettings(family="logistic"))
    model.save(tmp_path / "m.json")
    loaded = LinkModel.load(tmp_path / "m.json")
    a = score(reports, model)
    b = score(reports, loaded)
    assert a.equals(b)
    ev = evidence(reports, a.slice(0, 200).select(["report_id_a", "report_id_b"]))
    scored = loaded.score(ev)
    np.testing.assert_array_equal(
        scored.column("score").to_numpy(), a.column("score").to_numpy()[:200]
    )
    parts = np.stack([scored.column(f"contribution_{n}").to_numpy() for n in loaded.feature_names])
    np.testing.assert_allclose(parts.sum(axis=0) + loaded.offset, scored.column("score").to_numpy())


def test_keep_top_keeps_each_reports_best_pairs(simulated) -> None:
    reports, labels, _ = simulated
    model = train(reports, labels, settings=LinkSettings(family="naive_bayes"))
    full = score(reports, model)
    top = score(reports, model, keep_top=3, min_score=-5.0)
    assert 0 < top.num_rows < full.num_rows
    assert min(top.column("score").to_pylist()) >= -5.0
    # every report's best pair in the full list survives
    best = {}
    for a, b, s in zip(
        *(full.column(c).to_pylist() for c in ("report_id_a", "report_id_b", "score")), strict=True
    ):
        for r in (a, b):
            if s >= -5.0 and (r not in best or s > best[r][0]):
                best[r] = (s, (a, b))
    kept = set(
        zip(
            top.column("report_id_a").to_pylist(),
            top.column("report_id_b").to_pylist(),
            strict=True,
        )
    )
    assert {p for _, p in best.values()} <= kept


def test_feedback_joins_and_overrides_the_training_pairs(simulated) -> None:
    reports, labels, _ = simulated
    settings = LinkSettings(family="naive_bayes")
    base = train(reports, labels, settings=settings)
    ids = reports.column("report_id").to_pylist()
    feedback = pa.table(
        {
            "report_id_a": [ids[0], ids[1]],
            "report_id_b": [ids[-1], ids[-2]],
            "verdict": ["confirmed", "rejected"],
        }
    )
    model = train(reports, labels, settings=settings, feedback=feedback)
    assert model.training["n_feedback_pairs"] == 2
    assert model.training["n_linked_pairs"] == base.training["n_linked_pairs"] + 1
    assert model.training["data_digest"] != base.training["data_digest"]
    with pytest.raises(ValueError, match="confirmed or rejected"):
        train(
            reports,
            labels,
            settings=settings,
            feedback=feedback.set_column(2, "verdict", pa.array(["yes", "no"])),
        )


def test_evaluation_splits_offenders_and_reports_its_figures(simulated) -> None:
    reports, labels, _ = simulated
    # a co-offended report joins two offenders into one group
    first_two = labels.slice(0, 2).column("report_id").to_pylist()
    extra = pa.table(
        {"offender_id": ["co-offender"] * 2, "report_id": pa.array(first_two, pa.int64())}
    )
    labels = pa.concat_tables([labels, extra])
    result = evaluate(reports, labels, folds=4, seed=1)
    for key in ("auc", "top1", "top5", "top10", "top50", "n_pairs", "n_linked_pairs", "family"):
        assert key in result
    assert result["auc"] > 0.85
    assert result["top1"] <= result["top5"] <= result["top10"] <= result["top50"] <= 1
    assert result["top10"] > 0.7
    assert 0 < result["n_linked_pairs"] < result["n_pairs"]
    fold_of = result["fold_of"]
    folds_of_offender: dict[str, set[int]] = {}
    for off, rid in zip(
        labels.column("offender_id").to_pylist(),
        labels.column("report_id").to_pylist(),
        strict=True,
    ):
        folds_of_offender.setdefault(off, set()).add(fold_of[rid])
    assert all(len(f) == 1 for f in folds_of_offender.values()), "an offender sits in two folds"
    assert set(fold_of.values()) == {0, 1, 2, 3}
    assert evaluate(reports, labels, folds=4, seed=1)["auc"] == result["auc"]


def test_unknown_report_ids_in_labels_are_an_error(simulated) -> None:
    reports, labels, _ = simulated
    bad = pa.concat_tables(
        [
            labels,
            pa.table(
                {"offender_id": ["X", "Y"], "report_id": pa.array([999_999, 888_888], pa.int64())}
            ),
        ]
    )
    with pytest.raises(ValueError, match="888888, 999999"):
        evaluate(reports, bad)
    with pytest.raises(ValueError, match="999999"):
        train(reports, bad)


def test_a_sample_of_unlinked_pairs_trains_and_every_test_pair_is_still_counted(simulated) -> None:
    reports, labels, _ = simulated
    full = LinkSettings(family="naive_bayes")
    sampled = LinkSettings(family="naive_bayes", max_training_pairs=1000)
    whole = train(reports, labels, settings=full).training
    thin = train(reports, labels, settings=sampled).training
    assert thin["n_unlinked_pairs_held"] <= 1000 < whole["n_unlinked_pairs_held"]
    assert thin["n_linked_pairs"] == whole["n_linked_pairs"]  # linked pairs are never dropped
    # the sample stands for all the unlinked pairs
    assert thin["n_unlinked_pairs"] == pytest.approx(whole["n_unlinked_pairs"], rel=0.1)
    a = evaluate(reports, labels, folds=4, seed=1, settings=full)
    b = evaluate(reports, labels, folds=4, seed=1, settings=sampled)
    assert (b["n_pairs"], b["n_linked_pairs"]) == (a["n_pairs"], a["n_linked_pairs"])
    assert b["auc"] == pytest.approx(a["auc"], abs=0.02)
    assert b["top10"] == pytest.approx(a["top10"], abs=0.05)


def test_pruning_while_streaming_keeps_exactly_each_reports_top_pairs(simulated) -> None:
    reports, labels, _ = simulated
    model = train(reports, labels, settings=LinkSettings(family="naive_bayes"))
    full = score(reports, model)
    # small batches make the scorer prune, and drop pairs below both reports' bars, midway
    streamed = score(reports, model, settings=replace(model.settings, batch_pairs=1000), keep_top=1)
    assert full.num_rows > 4 * 1000  # more pairs than the scorer may hold: it had to prune
    ranked: dict[int, list[tuple[float, int, tuple[int, int]]]] = {}
    for a, b, s in zip(
        *(full.column(c).to_pylist() for c in ("report_id_a", "report_id_b", "score")), strict=True
    ):
        ranked.setdefault(a, []).append((-s, b, (a, b)))
        ranked.setdefault(b, []).append((-s, a, (a, b)))
    expected = {min(options)[2] for options in ranked.values()}  # best, ties by the other's id
    kept = set(
        zip(
            streamed.column("report_id_a").to_pylist(),
            streamed.column("report_id_b").to_pylist(),
            strict=True,
        )
    )
    assert kept == expected


@pytest.mark.parametrize(("family", "keep_top"), [("naive_bayes", 1), ("logistic", 4)])
def test_the_compiled_scorer_keeps_the_same_pairs_with_the_same_scores(
    simulated, family: str, keep_top: int
) -> None:
    reports, labels, _ = simulated
    # a suspect named in several reports, so "same person" takes all three values
    ids = labels.column("report_id").to_pylist()
    who = labels.column("offender_id").to_pylist()
    persons = pa.table(
        {
            "report_id": pa.array(ids[::2], pa.int64()),
            "entity_id": pa.array([f"p{o}" for o in who[::2]], pa.string()),
        }
    )
    model = train(reports, labels, settings=LinkSettings(family=family), persons=persons)
    frame = ReportFrame.from_arrow(reports, persons)
    i, j, s = score_rows(frame, model)  # every pair, scored as arrays
    keep = top_per_report(i, j, s, keep_top, frame.report_id)
    want = dict(zip(zip(i[keep].tolist(), j[keep].tolist(), strict=True), s[keep], strict=True))
    ci, cj, cs = top_pairs(frame, model, model.settings, keep_top)
    got = dict(zip(zip(ci.tolist(), cj.tolist(), strict=True), cs, strict=True))
    assert len(want) > 200
    assert set(got) == set(want)
    assert len(got) == ci.shape[0]  # each pair once, though both its reports may keep it
    assert (ci < cj).all()
    assert max(abs(got[p] - want[p]) for p in want) < 1e-9
    # a floor on the score keeps the pairs above it, each still in a report's best
    fi, fj, fs = top_pairs(frame, model, model.settings, keep_top, min_score=0.0)
    assert set(zip(fi.tolist(), fj.tolist(), strict=True)) <= set(got)
    assert (fs >= 0).all()
    assert fs.shape[0] > 0


def _stage_gains(
    frame: ReportFrame, model: LinkModel, i: np.ndarray, j: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    # what the scorer takes for the behaviour and code stages of each pair without their bins,
    # and each stage's gain from its bins
    rows = np.arange(frame.n, dtype=np.int64)
    pd = pair_data(frame, EvidenceMaker(frame, model.domains(), model.attributes()), rows)
    mt = model_tables(model, frame, pd)
    sb = slot_bins(mt)
    # the same without the scan of shared codes by domain run: every domain tried in turn
    unscanned = pd._replace(bit_domain=np.zeros(0, np.int64), domain_end=np.zeros(0, np.int64))
    # and the attributes read word by word, as where one takes more than a word (here each
    # takes one, read apart)
    assert pd.attr_words.shape[1] == pd.attr_start.shape[0] - 1 > 0
    by_word = pd._replace(attr_words=np.zeros((frame.n, 0), np.uint64))
    gains: dict[str, tuple[list[float], list[float]]] = {
        "behaviours": ([], []),
        "behaviours, every domain tried": ([], []),
        "codes": ([], []),
        "codes, attributes word by word": ([], []),
    }
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        gains["behaviours"][0].append(behaviour_gain(pd, mt, a, b))
        gains["behaviours, every domain tried"][0].append(behaviour_gain(unscanned, mt, a, b))
        behaviour_bins(pd, mt, a, b, sb)
        gains["behaviours"][1].append(stage_gain(mt, STAGE_BEHAVIOURS, sb))
        gains["behaviours, every domain tried"][1].append(stage_gain(mt, STAGE_BEHAVIOURS, sb))
        gains["codes"][0].append(code_gain(pd, mt, a, b))
        gains["codes, attributes word by word"][0].append(code_gain(by_word, mt, a, b))
        code_bins(pd, mt, a, b, sb)
        gains["codes"][1].append(stage_gain(mt, STAGE_CODES, sb))
        gains["codes, attributes word by word"][1].append(stage_gain(mt, STAGE_CODES, sb))
    return {k: (np.asarray(got), np.asarray(want)) for k, (got, want) in gains.items()}


def test_compiled_bins_equal_the_array_paths(simulated) -> None:
    reports, labels, _ = simulated
    ids = labels.column("report_id").to_pylist()
    persons = pa.table(
        {
            "report_id": pa.array(ids[::3], pa.int64()),
            "entity_id": pa.array([f"p{k % 40}" for k in range(len(ids[::3]))], pa.string()),
        }
    )
    frame = ReportFrame.from_arrow(reports, persons)
    model = train(frame, labels, settings=LinkSettings(family="naive_bayes"))
    i, j = candidate_rows(frame, model.settings)
    maker = EvidenceMaker(frame, model.domains(), model.attributes())
    want = bin_matrix(model.features, maker(i, j))
    got = PairBinner(frame, model.features, model.settings)(i, j)
    assert want.shape[0] > 1000
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    # the scorer's table of domains known on both sides gives the behaviours' weight exactly,
    # and its weights of the codes stage give that stage's
    for got, want in _stage_gains(frame, model, i[::7], j[::7]).values():
        assert len(set(want.round(6).tolist())) > 20
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_the_distance_bin_from_the_chord_is_the_bin_unless_within_rounding_of_an_edge(
    simulated,
) -> None:
    reports, labels, _ = simulated
    frame = ReportFrame.from_arrow(reports)
    model = train(frame, labels, settings=LinkSettings(family="naive_bayes"))
    i, j = candidate_rows(frame, model.settings)
    rows = np.arange(frame.n, dtype=np.int64)
    pd = pair_data(frame, EvidenceMaker(frame, model.domains(), model.attributes()), rows)
    mt = model_tables(model, frame, pd)
    sb = slot_bins(mt)
    sure_bins, cell_bins = [], []
    unit = pd.reals[:, R_UX : R_UZ + 1]
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        got, sure = chord_bin(pd.reals, a, b, mt.chord2_edges, mt.grid2_edges)
        distance_bin(pd, mt, a, b, sb)
        if sure:
            assert got == sb[SLOT_DIST]
            sure_bins.append(got)
        # and from the table of cells of the chord, where a cell is not within rounding of an edge
        d2 = float(((unit[a] - unit[b]) ** 2).sum())
        if not np.isnan(d2) and chord_cell(mt, d2) >= 0:
            assert chord_cell(mt, d2) == sb[SLOT_DIST]
            cell_bins.append(sb[SLOT_DIST])
        if not np.isnan(d2):
            # the scorer's bound on the distance's weight by cell: that weight where the cell
            # tells the bin, never below it
            cell = chord_cell_of(mt, d2)
            weight = mt.weights[mt.weight_start[mt.distance] + sb[SLOT_DIST]]
            gain = weight - mt.best[mt.distance]
            assert mt.chord_gain[cell] >= gain - 1e-12
            if chord_cell(mt, d2) >= 0:
                assert mt.chord_gain[cell] == pytest.approx(gain, abs=1e-12)
    assert len(sure_bins) > 0.99 * i.shape[0]
    assert len(set(sure_bins)) > 8
    assert len(cell_bins) > 0.9 * i.shape[0]
    assert len(set(cell_bins)) > 8
    # two places exactly an edge apart, north and south or on the grid, are not sure
    edge = float(model.features[model.feature_names.index("distance_km")].edges[3])
    lat = np.array([51.5, 51.5 + np.degrees(edge / EARTH_RADIUS_KM)])
    reals = np.full((2, pd.reals.shape[1]), np.nan)
    reals[:, R_LAT] = lat
    reals[:, R_UX : R_UZ + 1] = np.column_stack(unit_vectors(lat, np.zeros(2)))
    assert not chord_bin(reals, 0, 1, mt.chord2_edges, mt.grid2_edges)[1]
    assert (
        chord_cell(mt, float(((reals[0, R_UX : R_UZ + 1] - reals[1, R_UX : R_UZ + 1]) ** 2).sum()))
        == -1
    )
    grid = np.full((2, pd.reals.shape[1]), np.nan)
    grid[:, R_X], grid[:, R_Y] = [400_000.0, 400_000.0 + edge * 1000.0], 200_000.0
    assert not chord_bin(grid, 0, 1, mt.chord2_edges, mt.grid2_edges)[1]
    unplaced = np.full_like(grid, np.nan)  # no distance: unknown, surely
    assert chord_bin(unplaced, 0, 1, mt.chord2_edges, mt.grid2_edges) == (0, True)


def test_compiled_bins_equal_the_array_paths_for_large_behaviour_sets(simulated) -> None:
    # a vocabulary past one word, a domain past 64 codes and sets of hundreds of codes: the
    # compiled bins come from tables grown to cover them, and must still agree
    reports, labels, _ = simulated
    big = [f"big:c{k:03d}" for k in range(300)]
    rng = np.random.default_rng(5)
    rows = reports.column("behaviours").to_pylist()
    for r in range(60):
        size = 300 if r % 3 == 0 else int(rng.integers(1, 120))
        rows[r] = [*rows[r], *rng.choice(big, size=size, replace=False).tolist()]
    at = reports.schema.get_field_index("behaviours")
    reports = reports.set_column(at, "behaviours", pa.array(rows, pa.list_(pa.string())))
    frame = ReportFrame.from_arrow(reports)
    model = train(frame, labels, settings=LinkSettings(family="naive_bayes"))
    assert "behaviours_big_jaccard" in model.feature_names
    i, j = candidate_rows(frame, model.settings)
    maker = EvidenceMaker(frame, model.domains(), model.attributes())
    want = bin_matrix(model.features, maker(i, j))
    got = PairBinner(frame, model.features, model.settings)(i, j)
    big_column = model.feature_names.index("behaviours_big_jaccard")
    assert len(set(want[:, big_column].tolist())) > 2  # the big domain's bins are exercised
    np.testing.assert_array_equal(got, want)
    # with a domain of several words the scorer's bound on the behaviours only has to hold
    bound, exact = _stage_gains(frame, model, i[::7], j[::7])["behaviours"]
    assert (bound >= exact - 1e-9).all()
    assert (bound <= 0).all()


def test_a_behaviour_set_past_what_the_tables_hold_is_refused_by_name(simulated) -> None:
    reports, labels, _ = simulated
    rows = reports.column("behaviours").to_pylist()
    rows[0] = [*rows[0], *(f"big:c{k:04d}" for k in range(1100))]
    at = reports.schema.get_field_index("behaviours")
    reports = reports.set_column(at, "behaviours", pa.array(rows, pa.list_(pa.string())))
    with pytest.raises(ValueError, match="behaviour codes in one set"):
        train(reports, labels, settings=LinkSettings(family="naive_bayes"))


def test_selection_tests_only_the_folds_it_needs_and_counts_the_same_on_any_threads(
    simulated,
) -> None:
    reports, labels, _ = simulated
    settings = LinkSettings(max_training_pairs=1000)  # a sample: test pairs are found again
    frame = in_locality_order(ReportFrame.from_arrow(reports), settings)
    labelled = resolve_labels(frame, labels)
    features = model_features(frame, labelled.rows)
    pairs = labelled_pairs(frame, labelled, features, settings)
    families = ("naive_bayes", "logistic")

    def run(min_reports: int | None, threads: int) -> dict:
        return cross_validate(
            frame,
            labelled,
            pairs,
            features,
            replace(settings, threads=threads),
            3,
            0,
            families,
            min_reports,
        )

    every = run(None, 2)
    assert every["folds_tested"] == 3
    assert every["n_test_reports"] == labelled.rows.shape[0]
    assert run(None, 1)["by_family"] == every["by_family"]
    in_fold = {r for r, f in every["fold_of"].items() if f == 0}
    one = run(len(in_fold), 2)
    assert one["folds_tested"] == 1
    # fold 0 alone: its reports, and every candidate pair of two of them
    assert one["n_test_reports"] == len(in_fold) < labelled.rows.shape[0]
    assert set(one["test_reports"].tolist()) == in_fold
    i, j = candidate_rows(frame, settings)
    a, b = frame.report_id[i].tolist(), frame.report_id[j].tolist()
    assert one["n_pairs"] == sum(x in in_fold and y in in_fold for x, y in zip(a, b, strict=True))
    assert 0.5 < one["by_family"]["naive_bayes"]["auc"] <= 1
    assert run(len(in_fold) + 1, 2)["folds_tested"] == 2
    # fewer reports than a fold holds: whole offender groups of fold 0, each tested against
    # all its candidates in the fold
    part = run(len(in_fold) // 3, 2)
    tested = set(part["test_reports"].tolist())
    assert part["folds_tested"] == 1
    assert len(in_fold) // 3 <= part["n_test_reports"] == len(tested) < len(in_fold)
    assert tested < in_fold
    offenders = labels.column("offender_id").to_pylist()
    ids = labels.column("report_id").to_pylist()
    with_tested = {o for o, r in zip(offenders, ids, strict=True) if r in tested}
    assert {r for o, r in zip(offenders, ids, strict=True) if o in with_tested} <= tested
    assert part["n_pairs"] == sum(
        x in in_fold and y in in_fold and (x in tested or y in tested)
        for x, y in zip(a, b, strict=True)
    )
    assert part["n_pairs"] < one["n_pairs"]
    assert run(len(in_fold) // 3, 1)["by_family"] == part["by_family"]
