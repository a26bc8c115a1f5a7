"""Train a link model on solved reports (and analyst feedback)."""

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from caselink.linkage.offences.candidate_index import in_locality_order
from caselink.linkage.offences.frame import ReportFrame, as_frame
from caselink.linkage.offences.labels import resolve_labels
from caselink.linkage.offences.memory import release_freed
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.settings import LinkSettings
from caselink.linkage.offences.training.fitting import FAMILIES, fit_family
from caselink.linkage.offences.training.pairs import (
    data_digest,
    labelled_pairs,
    model_features,
    with_feedback,
)
from caselink.linkage.offences.training.selection import choose_family, cross_validate


def train(
    reports: "pa.Table | ReportFrame",
    labels: pa.Table,
    *,
    settings: LinkSettings | None = None,
    persons: pa.Table | None = None,
    feedback: pa.Table | None = None,
) -> LinkModel:
    """Fit a link model on the candidate pairs among solved reports.

    Linked pairs are candidate pairs of reports sharing an offender; unlinked pairs are the other
    candidate pairs among solved reports. ``feedback`` (report_id_a, report_id_b, linked or
    verdict) adds analysts' confirmed and rejected links, overriding the labels for the same
    pair. With ``settings.family == "auto"`` both families are cross-validated on the training
    reports (offender-split, ``settings.selection_folds`` folds, testing whole offender groups
    of the first folds until they hold ``settings.selection_test_reports`` reports) and the
    better one is fitted on all of them; the figures are kept in
    ``model.training["selection"]``. Unknown report ids in labels or feedback raise ValueError.
    """
    settings = settings or LinkSettings()
    frame = in_locality_order(as_frame(reports, persons), settings)
    labelled = resolve_labels(frame, labels)
    features = model_features(frame, labelled.rows)
    pairs = with_feedback(
        frame, labelled_pairs(frame, labelled, features, settings), feedback, features
    )
    selection: dict[str, Any] | None = None
    family: str = settings.family
    start: LinkModel | None = None  # a fold's fit, where the final fit begins
    if family == "auto":
        cv = cross_validate(
            frame,
            labelled,
            pairs,
            features,
            settings,
            settings.selection_folds,
            settings.seed,
            FAMILIES,
            settings.selection_test_reports,
        )
        family = choose_family(cv["by_family"])
        start = cv["models"][family, cv["folds_tested"] - 1]
        selection = {
            "folds": settings.selection_folds,
            "folds_tested": cv["folds_tested"],
            "test_reports": cv["n_test_reports"],
            "test_pairs": cv["n_pairs"],
            "chosen": family,
            "by_family": cv["by_family"],
        }
    training: dict[str, Any] = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_reports": frame.n,
        "n_labelled_reports": int(labelled.rows.shape[0]),
        "n_offenders": labelled.n_offenders,
        "n_pairs": round(float(pairs.weight.sum())),
        "n_linked_pairs": int(pairs.linked.sum()),
        "n_unlinked_pairs": round(float(pairs.weight[~pairs.linked].sum())),
        "n_unlinked_pairs_held": int((~pairs.linked).sum()),
        "n_feedback_pairs": int(pairs.feedback.sum()),
        "data_digest": data_digest(frame, labelled, pairs),
        "has_persons": frame.suspects is not None,
    }
    if selection is not None:
        training["selection"] = selection
    model = fit_family(family, features, pairs, settings, training, start)
    del frame, pairs
    release_freed()  # what training freed, 0.5 GB for ten national years
    return model
