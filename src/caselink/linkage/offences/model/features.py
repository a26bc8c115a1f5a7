"""Features of the model: how each evidence variable is cut into bins.

Every model family here is additive over bins: a pair's score is an offset plus one weight per
feature, the weight of the bin its evidence falls in. So every score splits exactly into
per-feature contributions, which is what an analyst reads as reasons.

Bin 0 of every feature is "unknown". A numeric feature with edges e1 < ... < ek has bins
1..k+1: below e1, [e1, e2), ..., at or above ek. A match feature (-1/0/1) has bins unknown,
different, same. The relationship feature has bins unknown, "a pair not seen in training", then
one per pair seen in training.
"""

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.evidence import OFFENDER, Evidence, attribute_feature, domain_feature

Kind = Literal["numeric", "match", "levels"]
# bins are small non-negative integers: uint8 when every feature has at most 256 bins (the
# usual case, halving the memory of a national training set), int16 otherwise
Bins = NDArray[Any]

# Cut points chosen where the literature and analysts read differences (km, days, hours);
# the model learns the weights, so these only need to be fine where evidence changes fast.
DEFAULT_EDGES: Mapping[str, tuple[float, ...]] = {
    "distance_km": (0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 40, 50),
    "time_apart_days": (1, 3, 7, 14, 30, 60, 90, 120, 180, 270, 365),
    "time_of_day_hours": (0.5, 1, 2, 3, 4, 5, 6, 8, 10),
    "day_of_week_days": (0.25, 0.5, 1, 1.5, 2, 2.5, 3),
    # 1e-9 separates "nothing shared" from "something"; 0.999999 isolates identical sets
    "behaviours_jaccard": (1e-9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.999999),
}
DOMAIN_EDGES: tuple[float, ...] = (1e-9, 0.34, 0.67, 0.999999)


@dataclass(frozen=True, slots=True)
class Feature:
    """One model feature: an evidence column and its bins (edges or levels)."""

    name: str
    kind: Kind
    edges: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # edges are floats whatever they were written as, so the spec (and its version digest)
        # reads the same before and after a JSON round trip
        object.__setattr__(self, "edges", tuple(float(e) for e in self.edges))
        if list(self.edges) != sorted(set(self.edges)):
            raise ValueError(f"feature {self.name}: edges must increase")

    @property
    def n_bins(self) -> int:
        if self.kind == "numeric":
            return len(self.edges) + 2
        if self.kind == "match":
            return 3
        return len(self.levels) + 2

    def bin_labels(self) -> list[str]:
        """Plain words for each bin, in bin order (used in reasons and in the saved model)."""
        if self.kind == "match":
            return ["unknown", "different", "same"]
        if self.kind == "levels":
            return ["unknown", "not seen in training", *self.levels]
        e = self.edges
        inner = [f"{_num(a)} to {_num(b)}" for a, b in itertools.pairwise(e)]
        return ["unknown", f"below {_num(e[0])}", *inner, f"{_num(e[-1])} or more"]

    def bins(self, ev: Evidence) -> Bins:
        """The bin of every pair in ``ev`` for this feature; a column ``ev`` lacks is unknown."""
        n = len(ev)
        values = ev.columns.get(self.name)
        if values is None:
            return np.zeros(n, dtype=np.int16)
        if self.kind == "numeric":
            v = np.asarray(values, dtype=np.float64)
            b = np.searchsorted(np.asarray(self.edges), v, side="right") + 1
            b[np.isnan(v)] = 0
            return b.astype(np.int16)
        if self.kind == "match":
            return (np.asarray(values, dtype=np.int16) + 1).astype(np.int16)
        return _level_bins(self.levels, ev)

    def to_dict(self) -> dict[str, Any]:
        """The feature as JSON-ready values."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "numeric":
            out["edges"] = list(self.edges)
        if self.kind == "levels":
            out["levels"] = list(self.levels)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Feature":
        """A feature back from ``to_dict``."""
        kind = data["kind"]
        if kind not in ("numeric", "match", "levels"):
            raise ValueError(f"unknown feature kind {kind!r}")
        return cls(
            str(data["name"]),
            kind,
            tuple(float(e) for e in data.get("edges", ())),
            tuple(str(v) for v in data.get("levels", ())),
        )


def _num(x: float) -> str:
    return f"{x:g}"


def _level_bins(levels: Sequence[str], ev: Evidence) -> Bins:
    # Evidence keeps relationship pairs as codes of the frame's own levels; translate them into
    # this feature's levels through a small table rather than per pair.
    frame_levels = ev.relationship_levels
    n_frame = max(len(frame_levels), 1)
    index = {name: k for k, name in enumerate(levels)}
    table = np.ones(n_frame * n_frame + 1, dtype=np.int16)  # 1 = not seen in training
    for lo in range(len(frame_levels)):
        for hi in range(lo, len(frame_levels)):
            key = f"{frame_levels[lo]}|{frame_levels[hi]}"
            if key in index:
                table[lo * n_frame + hi] = index[key] + 2
    codes = np.asarray(ev.columns["relationship"], dtype=np.int64)
    out = table[np.clip(codes, 0, None)]
    out[codes < 0] = 0
    return out


def default_features(
    domains: Sequence[str], attributes: Sequence[str], relationship_levels: Sequence[str]
) -> list[Feature]:
    """The standard feature list for the behaviour domains and attributes present in training."""
    feats = [Feature(name, "numeric", edges) for name, edges in DEFAULT_EDGES.items()]
    feats += [Feature(domain_feature(d), "numeric", DOMAIN_EDGES) for d in domains]
    feats += [Feature(attribute_feature(a), "match") for a in attributes]
    feats += [Feature(name, "match") for name in OFFENDER]
    feats.append(Feature("relationship", "levels", levels=tuple(relationship_levels)))
    feats.append(Feature("same_person", "match"))
    return feats


def bin_matrix(features: Sequence[Feature], ev: Evidence) -> Bins:
    """Bins of every pair for every feature, shape (pairs, features)."""
    dtype = np.uint8 if all(f.n_bins <= 256 for f in features) else np.int16
    out = np.zeros((len(ev), len(features)), dtype=dtype)
    for k, f in enumerate(features):
        out[:, k] = f.bins(ev)
    return out


def relationship_pairs_seen(ev: Evidence) -> tuple[str, ...]:
    """The relationship pairs present in ``ev`` (sorted), the levels a model trained on it keeps."""
    codes = np.unique(np.asarray(ev.columns["relationship"]))
    names = ev.relationship_levels
    n = max(len(names), 1)
    return tuple(sorted(f"{names[c // n]}|{names[c % n]}" for c in codes.tolist() if c >= 0))
