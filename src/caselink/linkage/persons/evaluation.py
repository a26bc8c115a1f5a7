"""How well a run's entities match the true identities: pairwise and cluster figures.

Pairs are counted, never listed: within a group of n records there are n(n-1)/2 pairs, so
true positives are the pairs inside each (entity, identity) cell, predicted pairs those inside
each entity, true pairs those inside each identity. A million records take a second.
"""

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _pairs(counts: np.ndarray) -> int:
    c = counts.astype(np.int64)
    return int((c * (c - 1) // 2).sum())


def _codes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return np.asarray(encoded.indices, dtype=np.int64)


def evaluate(entities: pa.Table, truth: pa.Table) -> dict[str, Any]:
    """Compare ``entities`` (person_id, entity_id) with ``truth`` (person_id, identity_id).

    Only records present in both count. Returns pairwise precision, recall and F1; and at the
    cluster level how many entities are exactly a true identity (cluster precision), how many
    identities were recovered exactly (cluster recall), and how many entities merge people and
    how many identities are split.
    """
    joined = entities.select(["person_id", "entity_id"]).join(
        truth.select(["person_id", "identity_id"]), "person_id", join_type="inner"
    )
    joined = joined.filter(
        pc.and_(pc.is_valid(joined["entity_id"]), pc.is_valid(joined["identity_id"]))
    )
    n = joined.num_rows
    if n == 0:
        return {"records": 0}
    entity = _codes(joined["entity_id"])
    identity = _codes(joined["identity_id"])
    n_identity = int(identity.max()) + 1
    cell = entity * n_identity + identity
    _, cell_counts = np.unique(cell, return_counts=True)
    entity_sizes = np.bincount(entity)
    identity_sizes = np.bincount(identity)
    tp = _pairs(cell_counts)
    predicted = _pairs(entity_sizes)
    true = _pairs(identity_sizes)
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    # An entity is exact when all its records are one identity and all that identity's
    # records are in it.
    cells = np.unique(cell)
    cell_entity = cells // n_identity
    cell_identity = cells % n_identity
    _, counts = np.unique(cell, return_counts=True)
    identities_per_entity = np.bincount(cell_entity, minlength=len(entity_sizes))
    entities_per_identity = np.bincount(cell_identity, minlength=n_identity)
    exact = (counts == entity_sizes[cell_entity]) & (counts == identity_sizes[cell_identity])
    n_exact = int(exact.sum())
    return {
        "records": n,
        "true_pairs": true,
        "predicted_pairs": predicted,
        "true_positive_pairs": tp,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "entities": len(entity_sizes),
        "identities": n_identity,
        "exact_entities": n_exact,
        "cluster_precision": round(n_exact / len(entity_sizes), 6),
        "cluster_recall": round(n_exact / n_identity, 6),
        "merged_entities": int((identities_per_entity > 1).sum()),
        "split_identities": int((entities_per_identity > 1).sum()),
    }
