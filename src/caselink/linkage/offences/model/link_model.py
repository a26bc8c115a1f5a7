"""The link model as a declarative spec: features, bin weights, offset and how it was made.

Both model families (naive Bayes and logistic regression) end as the same thing: a weight for
every bin of every feature. A pair's score is ``offset + sum of its bins' weights``, a log Bayes
factor (log of P(evidence | same offender) / P(evidence | different offenders)); the weights
are its per-feature contributions. The spec saves to JSON and loads back to the same floats,
so a loaded model reproduces every score exactly.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.offences.evidence import Evidence
from caselink.linkage.offences.jit import compiled
from caselink.linkage.offences.model.features import Bins, Feature, bin_matrix
from caselink.linkage.offences.settings import LinkSettings

# The name stored in every saved model: it names the format, not the module, so it stays put
# when the code moves and models saved earlier still load.
FORMAT = "caselink.linkage.model"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class LinkModel:
    """A trained link model: ``features`` with one weight per bin, an ``offset``, and metadata.

    ``prior_log_odds`` is log(linked / unlinked) among the training candidate pairs, so
    ``score + prior_log_odds`` is the log odds that a candidate pair is linked; the default
    series threshold is the score at which those odds reach 1. ``training`` records the counts,
    the date, the data digest and the family choice; ``settings`` the LinkSettings used.
    """

    family: str
    features: tuple[Feature, ...]
    weights: tuple[tuple[float, ...], ...]
    offset: float
    prior_log_odds: float
    settings: LinkSettings
    training: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.features) != len(self.weights):
            raise ValueError("one weight vector per feature is needed")
        for f, w in zip(self.features, self.weights, strict=True):
            if len(w) != f.n_bins:
                raise ValueError(f"feature {f.name} has {f.n_bins} bins but {len(w)} weights")

    # -- identity ---------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """A content version: the family and a digest of the features, weights and offset.

        Two models with this same version score every pair identically.
        """
        body = json.dumps(
            [self.family, [f.to_dict() for f in self.features], self.weights, self.offset],
            sort_keys=True,
        )
        return f"{self.family}-{hashlib.sha256(body.encode()).hexdigest()[:16]}"

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def threshold(self) -> float:
        """The score at which a pair is as likely linked as not, given the training prior."""
        return -self.prior_log_odds

    def domains(self) -> list[str]:
        """Behaviour domains with a per-domain feature in this model."""
        return [
            f.name[len("behaviours_") : -len("_jaccard")]
            for f in self.features
            if f.name.startswith("behaviours_") and f.name != "behaviours_jaccard"
        ]

    def attributes(self) -> list[str]:
        """Free attributes with a feature in this model."""
        return [
            f.name[len("attribute_") :] for f in self.features if f.name.startswith("attribute_")
        ]

    # -- scoring ----------------------------------------------------------------------------

    def _tables(self) -> list[NDArray[np.float64]]:
        return [np.asarray(w, dtype=np.float64) for w in self.weights]

    def contributions_from_bins(self, bins: Bins) -> NDArray[np.float64]:
        """Per-feature contributions, shape (pairs, features), from a bin matrix."""
        out = np.empty(bins.shape, dtype=np.float64)
        for k, table in enumerate(self._tables()):
            out[:, k] = table[bins[:, k]]
        return out

    def score_bins(self, bins: Bins) -> NDArray[np.float64]:
        """Scores from a bin matrix; features are added in their fixed order, so the same
        weights always give the same floats."""
        return scores_by_model([self], bins, np.zeros(bins.shape[0], np.int64))

    def bins(self, ev: Evidence) -> Bins:
        """The bin matrix of evidence under this model's features."""
        return bin_matrix(self.features, ev)

    def score_evidence(self, ev: Evidence) -> NDArray[np.float64]:
        """Scores of the pairs in ``ev``."""
        return self.score_bins(self.bins(ev))

    def score(self, evidence_table: pa.Table) -> pa.Table:
        """Score an evidence table (as made by ``evidence``): the table with ``score`` and one
        ``contribution_<feature>`` column per feature appended."""
        ev = evidence_from_table(evidence_table)
        b = self.bins(ev)
        contrib = self.contributions_from_bins(b)
        out = evidence_table.append_column("score", pa.array(self.score_bins(b)))
        for k, f in enumerate(self.features):
            out = out.append_column(f"contribution_{f.name}", pa.array(contrib[:, k]))
        return out

    # -- persistence ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready spec: format, family, version, features with bins and weights,
        offset, prior, settings and training metadata."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "family": self.family,
            "version": self.version,
            "offset": self.offset,
            "prior_log_odds": self.prior_log_odds,
            "features": [
                {**f.to_dict(), "bins": f.bin_labels(), "weights": list(w)}
                for f, w in zip(self.features, self.weights, strict=True)
            ],
            "settings": self.settings.to_dict(),
            "training": dict(self.training),
        }

    def to_json(self) -> str:
        """The spec as JSON text (floats written so they read back bit for bit)."""
        return json.dumps(self.to_dict(), indent=1, sort_keys=False, allow_nan=False)

    def save(self, path: Path | str) -> None:
        """Write the JSON spec to ``path``."""
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LinkModel":
        """A model from its spec; refuses another format or a newer format version, and a spec
        whose stated version does not match its weights (a hand-edited file)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a caselink link model (format {data.get('format')!r})")
        if int(data.get("format_version", 0)) > FORMAT_VERSION:
            raise ValueError(
                f"model format version {data['format_version']} is newer than this caselink"
            )
        feats = tuple(Feature.from_dict(f) for f in data["features"])
        weights = tuple(tuple(float(x) for x in f["weights"]) for f in data["features"])
        model = cls(
            family=str(data["family"]),
            features=feats,
            weights=weights,
            offset=float(data["offset"]),
            prior_log_odds=float(data["prior_log_odds"]),
            settings=LinkSettings.from_dict(dict(data["settings"])),
            training=dict(data.get("training", {})),
        )
        if "version" in data and data["version"] != model.version:
            raise ValueError("the model's weights do not match its version (edited by hand?)")
        return model

    @classmethod
    def from_json(cls, text: str) -> "LinkModel":
        """A model from JSON text."""
        return cls.from_dict(json.loads(text))

    @classmethod
    def load(cls, path: Path | str) -> "LinkModel":
        """A model from a JSON file written by ``save``."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def scores_by_model(
    models: Sequence[LinkModel], bins: Bins, model_of_row: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Row q's score under ``models[model_of_row[q]]`` (models of the same features), added
    as ``score_bins`` adds it: the offset, then each feature's weight in feature order. One
    compiled pass over the rows, with no copy of the bins per model."""
    tables = [t for m in models for t in m._tables()]
    starts = np.cumsum([0] + [t.shape[0] for t in tables])[:-1].astype(np.int64)
    out = np.empty(bins.shape[0], dtype=np.float64)
    if bins.shape[0]:
        _weight_sums(
            np.ascontiguousarray(bins),
            np.ascontiguousarray(model_of_row, dtype=np.int64),
            np.concatenate(tables) if tables else np.zeros(0),
            starts,
            np.asarray([m.offset for m in models], dtype=np.float64),
            out,
        )
    return out


@compiled
def _weight_sums(
    bins: Bins,
    model_of_row: NDArray[np.int64],
    weights: NDArray[np.float64],
    starts: NDArray[np.int64],
    offsets: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    n_features = bins.shape[1]
    for q in range(bins.shape[0]):
        m = model_of_row[q]
        total = offsets[m]
        for f in range(n_features):
            total += weights[starts[m * n_features + f] + bins[q, f]]
        out[q] = total


def evidence_from_table(table: pa.Table) -> Evidence:
    """Evidence back from an evidence table (relationship pairs re-coded from their words)."""
    cols: dict[str, Any] = {}
    rel_names: Sequence[str | None] = []
    for name in table.column_names:
        if name in ("report_id_a", "report_id_b"):
            continue
        col = table.column(name)
        if name == "relationship":
            rel_names = col.to_pylist()
            continue
        if pa.types.is_floating(col.type):
            cols[name] = np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)
        else:
            cols[name] = np.asarray(col.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int8)
    levels = sorted({p for name in rel_names if name for p in name.split("|")})
    index = {v: k for k, v in enumerate(levels)}
    n = max(len(levels), 1)
    codes = np.full(table.num_rows, -1, dtype=np.int64)
    for k, name in enumerate(rel_names):
        if name:
            a, b = name.split("|")
            lo, hi = sorted((index[a], index[b]))
            codes[k] = lo * n + hi
    cols["relationship"] = codes
    ids = np.arange(table.num_rows, dtype=np.int64)
    return Evidence(ids, ids, cols, tuple(levels))
