"""Training pairs: candidate pairs among solved reports (linked when they share an offender)
and analyst feedback pairs, as bin matrices ready for any model family.

Linked pairs are rare and all kept. Unlinked pairs can number hundreds of millions nationally, so
beyond ``LinkSettings.max_training_pairs`` they are sampled (pair_sampling): a pair is kept when a
hash of its two report ids falls below the sampling rate, the highest power of a half that keeps
at most the cap, and each kept pair weighs 1 / rate. The sample is the same whatever order the
pairs come in, and both model families fit weighted counts, so estimates stay unbiased.
"""

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.offences.evidence import EvidenceMaker
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.labels import Labelled, pair_keys, resolve_feedback
from caselink.linkage.offences.model.features import Bins, Feature, bin_matrix, default_features
from caselink.linkage.offences.pair_sampling import Thinning
from caselink.linkage.offences.scorer.bin_matrix import PairBinner
from caselink.linkage.offences.settings import LinkSettings
from caselink.linkage.offences.training.sample import sampled_pairs

Ints = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PairSet:
    """Pairs of frame rows (i < j) with their bins, link status and origin."""

    i: Ints
    j: Ints
    bins: Bins
    linked: NDArray[np.bool_]
    feedback: NDArray[np.bool_]  # True where the status is an analyst's verdict
    weight: NDArray[np.float64]  # how many candidate pairs each stands for (1 unless sampled)

    def __len__(self) -> int:
        return int(self.i.shape[0])

    @property
    def complete(self) -> bool:
        """Whether every candidate pair is here (no unlinked pair was sampled out)."""
        return bool((self.weight == 1.0).all())

    def subset(self, keep: NDArray[np.bool_]) -> "PairSet":
        """The pairs where ``keep`` is true."""
        return PairSet(
            self.i[keep],
            self.j[keep],
            self.bins[keep],
            self.linked[keep],
            self.feedback[keep],
            self.weight[keep],
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
    """Candidate pairs among the labelled rows, binned: every linked pair, and the unlinked
    ones sampled down to ``settings.max_training_pairs`` (see the module doc)."""
    thinning = Thinning(1.0, frame.report_id, labelled.row_group, labelled.linked_keys)
    i, j, rate = sampled_pairs(
        frame, settings, labelled.rows, thinning, settings.max_training_pairs
    )
    # pairs come in no promised order, and the frame's rows in the order of the candidate
    # index: sorting by report id makes training reproducible whatever the order of either (a
    # logistic fit stops within its tolerance at a point that depends on the order of its rows).
    # One key made of the two reports' ranks by id sorts faster than two ids.
    rank = np.empty(frame.n, np.int64)
    rank[np.argsort(frame.report_id)] = np.arange(frame.n)
    a, b = rank[i], rank[j]
    order = np.argsort(np.minimum(a, b) * frame.n + np.maximum(a, b))
    i, j = i[order], j[order]
    linked = labelled.linked(i, j)
    bins = PairBinner(frame, features, settings)(i, j)
    weight = np.where(linked, 1.0, 1.0 / rate)
    return PairSet(i, j, bins, linked, np.zeros(i.shape[0], bool), weight)


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
    bins = bin_matrix(features, evidence_maker(frame, features)(fi, fj))
    existing = pair_keys(frame, pairs.i, pairs.j)
    base = pairs.subset(~np.isin(existing, keys))
    return PairSet(
        np.concatenate([base.i, fi]),
        np.concatenate([base.j, fj]),
        np.concatenate([base.bins, bins]),
        np.concatenate([base.linked, verdict]),
        np.concatenate([base.feedback, np.ones(fi.shape[0], bool)]),
        np.concatenate([base.weight, np.ones(fi.shape[0])]),
    )


def data_digest(frame: ReportFrame, labelled: Labelled, pairs: PairSet) -> str:
    """A digest of what the model learnt from: the labelled report ids and the training pairs'
    status, so two models can be seen to come from the same data."""
    h = hashlib.sha256()
    # by report id, in id order: the same data in another row order gives the same digest
    h.update(np.sort(frame.report_id[labelled.rows]).tobytes())
    a, b = np.divmod(labelled.linked_keys, frame.n)
    ida, idb = frame.report_id[a], frame.report_id[b]
    lo, hi = np.minimum(ida, idb), np.maximum(ida, idb)
    order = np.lexsort((hi, lo))
    h.update(np.ascontiguousarray(lo[order]).tobytes())
    h.update(np.ascontiguousarray(hi[order]).tobytes())
    h.update(frame.report_id[pairs.i[pairs.feedback]].tobytes())
    h.update(frame.report_id[pairs.j[pairs.feedback]].tobytes())
    h.update(pairs.linked[pairs.feedback].tobytes())
    return h.hexdigest()


def evidence_maker(frame: ReportFrame, features: list[Feature]) -> EvidenceMaker:
    """The evidence ``features`` need, for pairs of ``frame``'s rows."""
    return EvidenceMaker(frame, domains=_domains(features), attributes=_attributes(features))


def _domains(features: list[Feature]) -> list[str]:
    return [
        f.name[len("behaviours_") : -len("_jaccard")]
        for f in features
        if f.name.startswith("behaviours_") and f.name != "behaviours_jaccard"
    ]


def _attributes(features: list[Feature]) -> list[str]:
    return [f.name[len("attribute_") :] for f in features if f.name.startswith("attribute_")]
