"""Training pairs: candidate pairs among solved reports (linked when they share an offender)
and analyst feedback pairs, as bin matrices ready for any model family."""

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.candidates import candidate_batches
from caselink.linkage.evidence import EvidenceMaker
from caselink.linkage.features import Bins, Feature, bin_matrix, default_features
from caselink.linkage.frame import ReportFrame
from caselink.linkage.labels import Labelled, is_linked, pair_keys, resolve_feedback
from caselink.linkage.settings import LinkSettings

Ints = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PairSet:
    """Pairs of frame rows (i < j) with their bins, link status and origin."""

    i: Ints
    j: Ints
    bins: Bins
    linked: NDArray[np.bool_]
    feedback: NDArray[np.bool_]  # True where the status is an analyst's verdict

    def __len__(self) -> int:
        return int(self.i.shape[0])

    def subset(self, keep: NDArray[np.bool_]) -> "PairSet":
        """The pairs where ``keep`` is true."""
        return PairSet(
            self.i[keep], self.j[keep], self.bins[keep], self.linked[keep], self.feedback[keep]
        )


def model_features(frame: ReportFrame, rows: Ints) -> list[Feature]:
    """The features for a model trained on ``rows``: the behaviour domains and attributes of the
    frame and every relationship pair the rows could form."""
    maker = EvidenceMaker(frame)
    present = np.unique(frame.relationship[rows])
    levels = frame.relationship_levels
    names = [levels[c] for c in present.tolist() if c >= 0]
    rel = tuple(sorted(f"{a}|{b}" for k, a in enumerate(names) for b in names[k:]))
    return default_features(maker.domains, maker.attributes, rel)


def labelled_pairs(
    frame: ReportFrame, labelled: Labelled, features: list[Feature], settings: LinkSettings
) -> PairSet:
    """Candidate pairs among the labelled rows, binned in batches so evidence never piles up."""
    maker = EvidenceMaker(frame, domains=_domains(features), attributes=_attributes(features))
    parts_i, parts_j, parts_b = [], [], []
    for i, j in candidate_batches(frame, settings, rows=labelled.rows):
        parts_i.append(i)
        parts_j.append(j)
        parts_b.append(bin_matrix(features, maker(i, j)))
    if not parts_i:
        empty = np.zeros(0, np.int64)
        return PairSet(
            empty,
            empty,
            np.zeros((0, len(features)), np.uint8),
            np.zeros(0, bool),
            np.zeros(0, bool),
        )
    i = np.concatenate(parts_i)
    j = np.concatenate(parts_j)
    bins = np.concatenate(parts_b)
    del parts_b
    # DuckDB streams pairs in no fixed order; sorting makes training reproducible
    order = np.lexsort((j, i))
    i, j, bins = i[order], j[order], bins[order]
    linked = is_linked(pair_keys(frame, i, j), labelled.linked_keys)
    return PairSet(i, j, bins, linked, np.zeros(i.shape[0], bool))


def with_feedback(
    frame: ReportFrame, pairs: PairSet, feedback: pa.Table | None, features: list[Feature]
) -> PairSet:
    """``pairs`` plus the analyst feedback pairs; a verdict replaces the label-derived status of
    the same pair, and the last verdict on a pair wins."""
    if feedback is None or feedback.num_rows == 0:
        return pairs
    fi, fj, verdict = resolve_feedback(frame, feedback)
    keys = pair_keys(frame, fi, fj)
    _, last = np.unique(keys[::-1], return_index=True)
    pick = np.sort(keys.shape[0] - 1 - last)
    fi, fj, verdict, keys = fi[pick], fj[pick], verdict[pick], keys[pick]
    maker = EvidenceMaker(frame, domains=_domains(features), attributes=_attributes(features))
    bins = bin_matrix(features, maker(fi, fj))
    existing = pair_keys(frame, pairs.i, pairs.j)
    base = pairs.subset(~np.isin(existing, keys))
    return PairSet(
        np.concatenate([base.i, fi]),
        np.concatenate([base.j, fj]),
        np.concatenate([base.bins, bins]),
        np.concatenate([base.linked, verdict]),
        np.concatenate([base.feedback, np.ones(fi.shape[0], bool)]),
    )


def data_digest(frame: ReportFrame, labelled: Labelled, pairs: PairSet) -> str:
    """A digest of what the model learnt from: the labelled report ids and the training pairs'
    status, so two models can be seen to come from the same data."""
    h = hashlib.sha256()
    h.update(frame.report_id[labelled.rows].tobytes())
    h.update(np.ascontiguousarray(labelled.linked_keys).tobytes())
    h.update(frame.report_id[pairs.i[pairs.feedback]].tobytes())
    h.update(frame.report_id[pairs.j[pairs.feedback]].tobytes())
    h.update(pairs.linked[pairs.feedback].tobytes())
    return h.hexdigest()


def _domains(features: list[Feature]) -> list[str]:
    return [
        f.name[len("behaviours_") : -len("_jaccard")]
        for f in features
        if f.name.startswith("behaviours_") and f.name != "behaviours_jaccard"
    ]


def _attributes(features: list[Feature]) -> list[str]:
    return [f.name[len("attribute_") :] for f in features if f.name.startswith("attribute_")]
