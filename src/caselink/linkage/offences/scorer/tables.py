"""The scorer's arrays, built once a run: ``pair_data`` lays out the reports of a frame and
``model_tables`` a model, one small builder per table (scorer.layout says what each holds).

The behaviour similarities are tabulated by ``Feature.bins`` itself, for every (shared, union)
of the set sizes the frame has, so the compiled bins are the bins of the array path.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.candidates import unit_vectors
from caselink.linkage.offences.evidence import (
    Evidence,
    EvidenceMaker,
    attribute_feature,
    domain_feature,
)
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.geometry import EARTH_RADIUS_KM, chord_cells
from caselink.linkage.offences.model.features import Feature
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.scorer.layout import (
    C_DOMAINS,
    C_TOTAL,
    CODE_BINS,
    CODE_SLOTS,
    FIXED_SLOTS,
    MASK_DOMAINS,
    N_STAGES,
    SLOT_DIST,
    SLOT_DOMAINS,
    SLOT_JACCARD,
    SLOT_REL,
    STAGE_BEHAVIOURS,
    STAGE_CODES,
    STAGE_OF_SLOT,
    Floats,
    Ints,
    ModelTables,
    PairData,
)

# -- the reports -------------------------------------------------------------------------------


def pair_data(frame: ReportFrame, maker: EvidenceMaker, row: Ints) -> PairData:
    """The per-report arrays of ``frame`` with the domains and attributes of ``maker``;
    ``row`` numbers the reports as the caller's frame does."""
    ctx = maker.context
    n = frame.n
    if n >= 2**31:
        raise ValueError("too many reports for one frame")
    words = [frame.attributes[a].bits if a in frame.attributes else None for a in ctx.attributes]
    widths = [0 if w is None else w.shape[1] for w in words]
    bits = frame.behaviours.bits
    columns = np.bincount(ctx.column_domain, minlength=len(ctx.domains))
    domain_start = bits.shape[1] + np.concatenate([[0], np.cumsum(columns)])
    attr_start = domain_start[-1] + np.concatenate([[0], np.cumsum(widths)])
    record = np.concatenate(
        [bits, ctx.packed.T, *[w for w in words if w is not None]], axis=1, dtype=np.uint64
    )
    bit_domain, domain_end = _domain_runs(
        frame.behaviours.vocabulary, ctx.domains, columns, int(bits.shape[1])
    )
    starts, ents = np.zeros(n + 1, np.int64), np.zeros(0, np.int64)
    has_suspect = np.zeros(n, np.int64)
    if frame.suspects is not None:
        lists = [sorted(frame.suspects.get(r, ())) for r in range(n)]
        starts[1:] = np.cumsum([len(v) for v in lists])
        ents = np.asarray([e for v in lists for e in v], dtype=np.int64)
        has_suspect = (np.diff(starts) > 0).astype(np.int64)
    # in the order of the C_ columns
    codes = np.column_stack(
        [
            row,
            ctx.total_counts,
            frame.sex,
            frame.build,
            frame.ethnic,
            frame.relationship,
            has_suspect,
            _known_mask(ctx.domain_counts),
            ctx.domain_counts.T,
        ]
    ).astype(np.int32)
    ux, uy, uz = unit_vectors(frame.latitude, frame.longitude)
    # in the order of the R_ columns
    reals = np.column_stack(
        [
            frame.occ_lo,
            frame.occ_hi,
            frame.age_lo,
            frame.age_hi,
            frame.height_lo,
            frame.height_hi,
            frame.latitude,
            ux,
            uy,
            uz,
            frame.x,
            frame.y,
        ]
    ).astype(np.float64)
    attr_words = np.zeros((n, len(widths) if max(widths, default=0) <= 1 else 0), np.uint64)
    for t, w in enumerate(words):
        if w is not None and attr_words.shape[1]:
            attr_words[:, t] = w[:, 0]
    return PairData(
        words=np.ascontiguousarray(record),
        codes=np.ascontiguousarray(codes),
        reals=np.ascontiguousarray(reals),
        n_bits=int(bits.shape[1]),
        domain_start=domain_start.astype(np.int64),
        attr_start=attr_start.astype(np.int64),
        attr_words=attr_words,
        n_levels=max(len(frame.relationship_levels), 1),
        persons=frame.suspects is not None,
        entity_start=starts,
        entities=ents,
        report_id=frame.report_id,
        lon=frame.longitude,
        local_lo=frame.local_lo,
        local_hi=frame.local_hi,
        bit_domain=bit_domain,
        domain_end=domain_end,
    )


def _domain_runs(
    vocabulary: Sequence[str], domains: Sequence[str], columns: Ints, n_bits: int
) -> tuple[Ints, Ints]:
    # PairData.bit_domain and domain_end. A sorted vocabulary ("domain:code") holds each
    # domain's codes in one run, as every set of strings sharing a prefix sorts together.
    empty = np.zeros(0, np.int64)
    if np.any(columns != 1):
        return empty, empty
    index = {d: k for k, d in enumerate(domains)}
    of_bit = np.full(64 * n_bits, -1, np.int64)
    for v, name in enumerate(vocabulary):
        of_bit[v] = index.get(name.split(":", 1)[0], -1)
    end = np.zeros(len(domains), np.int64)
    for k in range(len(domains)):
        at = np.flatnonzero(of_bit == k)
        if at.shape[0] and at[-1] - at[0] + 1 != at.shape[0]:
            return empty, empty
        end[k] = at[-1] + 1 if at.shape[0] else 0
    return of_bit, end


def _known_mask(domain_counts: NDArray[np.int32]) -> Ints:
    # C_KNOWN from the (domains, n) code counts
    counts = domain_counts[:MASK_DOMAINS]
    bits = (counts > 0).astype(np.int64) << np.arange(counts.shape[0], dtype=np.int64)[:, None]
    mask: Ints = bits.sum(axis=0, dtype=np.int64)
    return mask


# -- the model ---------------------------------------------------------------------------------


def model_tables(model: LinkModel, frame: ReportFrame, pd: PairData) -> ModelTables:
    """``model`` as arrays, its relationship levels translated to ``frame``'s codes and its
    similarity bins tabulated for the set sizes in ``pd``."""
    domains, attributes = model.domains(), model.attributes()
    first_attribute = SLOT_DOMAINS + len(domains)
    unknown = first_attribute + len(attributes)  # the slot that stays 0
    slot = _feature_slots(model, _slot_numbers(domains, attributes), unknown)
    weights = [np.asarray(w, dtype=np.float64) for w in model.weights]
    best = [max(w) for w in model.weights]
    edges = _slot_edges(model, slot, unknown)
    tables, strides = _similarity_tables(model, slot, unknown, pd, len(domains))
    similarity_weights = _similarity_weights(weights, slot, tables, strides)
    level_bins = _level_bins(model, slot, unknown, frame.relationship_levels)
    weight_start = _starts(weights)
    stages = _stages(slot, len(domains))
    one_word = bool(np.all(np.diff(pd.domain_start) == 1))
    shared_zero, domain_zero = _domain_zero(similarity_weights, len(domains) if one_word else -1)
    code_slots = [*CODE_SLOTS, *range(first_attribute, unknown)]
    code_weights, relationship_weights, code_rest = _code_stage(
        weights, best, slot, stages[STAGE_CODES], code_slots, level_bins
    )
    distance = _distance_feature(model)
    dist_edges = edges[SLOT_DIST] if distance >= 0 else np.zeros(0)  # no distance: no bound
    # the distance's weights and best; without the feature, one weight of 0 and no best
    dw, dw_best = (weights[distance], best[distance]) if distance >= 0 else (np.zeros(1), None)
    chord2_edges = _chord2_edges(dist_edges)
    chord_bins, chord_step, chord_gain = _chord_table(chord2_edges, dw, dw_best)
    return ModelTables(
        slot=np.asarray(slot, dtype=np.int64),
        weight_start=weight_start,
        weights=np.concatenate(weights) if weights else np.zeros(0),
        best=np.asarray(best, dtype=np.float64),
        stage_start=_starts([np.asarray(f) for f in stages]),
        stage_features=np.asarray([f for g in stages for f in g], dtype=np.int64),
        stage_best=np.asarray([sum(best[f] for f in g) for g in stages], dtype=np.float64),
        edge_start=_starts(edges),
        edges=np.concatenate(edges),
        jaccard_start=_starts(tables),
        jaccard_stride=np.asarray(strides, dtype=np.int64),
        jaccard_bins=np.concatenate(tables),
        jaccard_weights=np.concatenate(similarity_weights),
        slot_weight_start=_slot_weight_start(slot, weight_start, unknown),
        shared_zero=shared_zero,
        domain_zero=domain_zero,
        level_bins=level_bins,
        code_weights=code_weights.ravel(),
        relationship_weights=relationship_weights,
        code_rest=float(code_rest),
        distance=distance,
        chord2_edges=chord2_edges,
        grid2_edges=(dist_edges * 1000.0) ** 2,
        distance_near=_distance_near(dw),
        chord_bins=chord_bins,
        chord_step=chord_step,
        chord_gain=chord_gain,
        offset=float(model.offset),
    )


def _slot_numbers(domains: Sequence[str], attributes: Sequence[str]) -> dict[str, int]:
    """The evidence slot of each feature name a frame can give: the fixed slots, then one for
    each behaviour domain from SLOT_DOMAINS on, then one for each attribute."""
    slots = dict(FIXED_SLOTS)
    slots |= {domain_feature(d): SLOT_DOMAINS + k for k, d in enumerate(domains)}
    first_attribute = SLOT_DOMAINS + len(domains)
    slots |= {attribute_feature(a): first_attribute + k for k, a in enumerate(attributes)}
    return slots


def _feature_slots(model: LinkModel, slots: dict[str, int], unknown: int) -> list[int]:
    """ModelTables.slot: each feature's evidence slot, or ``unknown`` for a feature the frame
    cannot give (a name without a slot, or levels other than the relationship's). A feature
    is known exactly when its slot is not ``unknown``."""
    out = []
    for f in model.features:
        known = f.name in slots and not (f.kind == "levels" and f.name != "relationship")
        out.append(slots[f.name] if known else unknown)
    return out


def _slot_edges(model: LinkModel, slot: list[int], unknown: int) -> list[Floats]:
    """The bin edges of each slot (ModelTables.edges): a known numeric feature's, none for
    the other slots."""
    edges: list[Floats] = [np.zeros(0)] * (unknown + 1)
    for f, s in zip(model.features, slot, strict=True):
        if f.kind == "numeric" and s != unknown:
            edges[s] = np.asarray(f.edges, dtype=np.float64)
    return edges


# similarity tables cover sets of up to this many codes (a table of 16 MB at most)
_TABLE_COUNT = 1023


def _similarity_tables(
    model: LinkModel, slot: list[int], unknown: int, pd: PairData, n_domains: int
) -> tuple[list[Ints], list[int]]:
    """ModelTables.jaccard_bins and jaccard_stride: for each similarity slot a known numeric
    feature takes (all behaviours', each domain's), the feature's bin for every (shared, union)
    of the set sizes in ``pd``, and the table's stride; empty tables and stride 0 otherwise."""
    similarity = [SLOT_JACCARD, *range(SLOT_DOMAINS, SLOT_DOMAINS + n_domains)]
    tables: list[Ints] = [np.zeros(0, np.int64)] * (unknown + 1)
    strides = [0] * (unknown + 1)
    for f, s in zip(model.features, slot, strict=True):
        if f.kind == "numeric" and s != unknown and s in similarity:
            count = C_TOTAL if s == SLOT_JACCARD else C_DOMAINS + s - SLOT_DOMAINS
            largest = int(pd.codes[:, count].max(initial=0))
            tables[s], strides[s] = _similarity_bins(f, largest)
    return tables, strides


def _similarity_bins(feature: Feature, largest: int) -> tuple[Ints, int]:
    # the feature's bin for every (shared, union) of two sets of at most ``largest`` codes,
    # through Feature.bins itself, so a table gives exactly the bins of the array path
    if largest > _TABLE_COUNT:
        raise ValueError(
            f"a report has {largest} behaviour codes in one set; at most {_TABLE_COUNT} are"
            " supported"
        )
    stride = 2 * largest + 1
    shared, union = np.divmod(np.arange((largest + 1) * stride, dtype=np.int64), stride)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(union > 0, shared / union, np.nan)
    none = np.zeros(0, np.int64)
    bins = feature.bins(Evidence(none, none, {feature.name: ratio}))
    return bins.astype(np.int64), stride


def _similarity_weights(
    weights: list[Floats], slot: list[int], tables: list[Ints], strides: list[int]
) -> list[Floats]:
    """ModelTables.jaccard_weights: the weight of each bin of each slot's similarity table,
    for the feature taking the slot."""
    out = [np.zeros(t.shape[0]) for t in tables]
    for w, s in zip(weights, slot, strict=True):
        if strides[s] > 0:
            out[s] = w[tables[s]]
    return out


def _level_bins(model: LinkModel, slot: list[int], unknown: int, levels: Sequence[str]) -> Ints:
    """ModelTables.level_bins: the relationship feature's bin by the frame's relationship pair
    code (lower level * levels + higher), 1 (different) for a pair the feature has no bin for;
    a single 0 without the feature."""
    level_bins = np.zeros(1, np.int64)
    n_levels = max(len(levels), 1)
    for f, s in zip(model.features, slot, strict=True):
        if f.kind == "levels" and s != unknown:
            index = {name: b + 2 for b, name in enumerate(f.levels)}
            level_bins = np.ones(n_levels * n_levels + 1, np.int64)
            for lo in range(len(levels)):
                for hi in range(lo, len(levels)):
                    level_bins[lo * n_levels + hi] = index.get(f"{levels[lo]}|{levels[hi]}", 1)
    return level_bins


def _slot_weight_start(slot: list[int], weight_start: Ints, unknown: int) -> Ints:
    """ModelTables.slot_weight_start: where the weights of the feature taking each slot start
    (-1: no feature takes it)."""
    out = np.full(unknown + 1, -1, np.int64)
    for k, s in enumerate(slot):
        if s != unknown:
            out[s] = weight_start[k]
    return out


def _domain_zero(jaccard_weights: list[Floats], n_domains: int) -> tuple[Floats, Floats]:
    """ModelTables.shared_zero and domain_zero (both empty where they cannot be used, or where
    n_domains is -1)."""
    tables = jaccard_weights[SLOT_DOMAINS : SLOT_DOMAINS + max(n_domains, 0)]
    if not 0 <= n_domains <= MASK_DOMAINS or any(t.shape[0] == 0 for t in tables):
        return np.zeros(0), np.zeros(0)
    unknown = np.asarray([t[0] for t in tables])  # (0, 0): either set empty
    # (shared 0, union 1): a ratio of 0, the bin of every pair of known sets sharing nothing
    zero = np.asarray([t[1] if t.shape[0] > 1 else 0.0 for t in tables])
    masks = np.arange(1 << n_domains, dtype=np.int64)
    both = (masks[:, None] >> np.arange(n_domains)) & 1 == 1
    return zero, np.where(both, zero, unknown).sum(axis=1)


def _stages(slot: list[int], n_domains: int) -> list[list[int]]:
    """The features of each stage, in feature order (ModelTables.stage_features): by their
    slot's stage (STAGE_OF_SLOT; the domains' slots STAGE_BEHAVIOURS, the others
    STAGE_CODES)."""
    stage_of = STAGE_OF_SLOT | {SLOT_DOMAINS + k: STAGE_BEHAVIOURS for k in range(n_domains)}
    stage = [stage_of.get(s, STAGE_CODES) for s in slot]
    return [[f for f in range(len(slot)) if stage[f] == g] for g in range(N_STAGES)]


def _code_stage(
    weights: list[Floats],
    best: list[float],
    slot: list[int],
    features: list[int],
    code_slots: list[int],
    level_bins: Ints,
) -> tuple[Floats, Floats, float]:
    """ModelTables.code_weights (a row of CODE_BINS weights for each of ``code_slots``, 0
    where no feature takes the slot), relationship_weights and code_rest, from the
    ``features`` of STAGE_CODES."""
    code_weights = np.zeros((len(code_slots), CODE_BINS))
    relationship_weights = np.zeros(level_bins.shape[0] + 1)
    code_rest = -sum(best[f] for f in features)
    for c in features:
        if slot[c] in code_slots:
            code_weights[code_slots.index(slot[c])] = weights[c][:CODE_BINS]
        elif slot[c] == SLOT_REL:
            relationship_weights = np.append(weights[c][level_bins], weights[c][0])
        else:  # a slot the frame cannot give: always bin 0
            code_rest += weights[c][0]
    return code_weights, relationship_weights, code_rest


def _distance_feature(model: LinkModel) -> int:
    """ModelTables.distance: the numeric distance feature (-1: none)."""
    distance = -1
    for k, f in enumerate(model.features):
        if f.name == "distance_km" and f.kind == "numeric":
            distance = k
    return distance


def _chord2_edges(dist_edges: Floats) -> Floats:
    """ModelTables.chord2_edges: distance edges (km) as squared chords between unit vectors."""
    chord = 2 * np.sin(np.minimum(dist_edges / (2 * EARTH_RADIUS_KM), math.pi / 2))
    out: Floats = chord * chord
    return out


def _distance_near(dw: Floats) -> Floats:
    """ModelTables.distance_near: by the distance's bin, the highest weight of it and its
    neighbours, one of which a bin from the chord within rounding of an edge is."""
    return np.asarray(
        [-math.inf, *(dw[max(b - 1, 1) : b + 2].max() for b in range(1, dw.shape[0]))]
    )


def _chord_table(
    chord2_edges: Floats, dw: Floats, dw_best: float | None
) -> tuple[NDArray[np.int16], float, Floats]:
    """ModelTables.chord_bins, chord_step and chord_gain: the distance's bin by cell of the
    chord (``geometry.chord_cells``), and by cell the most the distance's weight (``dw``) can
    be, less its best (zero without the feature: ``dw_best`` None)."""
    chord_bins, chord_step, low, high = chord_cells(chord2_edges)
    gain = np.maximum(dw[low], dw[high]) - dw_best if dw_best is not None else np.zeros(1)
    return chord_bins, chord_step, gain


def _starts(parts: Sequence[NDArray[Any]]) -> Ints:
    return np.concatenate([[0], np.cumsum([p.shape[0] for p in parts])]).astype(np.int64)
