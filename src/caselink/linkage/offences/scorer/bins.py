"""Each pair's evidence as the bins of a model's features, computed in compiled code.

Evidence follows evidence.py and model/features.py formula for formula, always with the lower row of
the pair first as the array path does, so a pair gets the same bins whichever of its reports
asks. Floating-point functions (sine, arc sine, power) come from the compiled maths library
rather than numpy's, and may differ in the last bit; a bin can only change if some evidence
falls within that bit of a bin edge.

Evidence goes straight into bins, one per evidence slot. What every pair reads of a report lies
in one record (``PairData``), so a candidate's facts come in a few cache lines rather than from
twenty arrays; the behaviour similarities come from tables of (shared, union) made by
``Feature.bins`` itself, so they are the bins of the array path.

The bins come in stages (``code_bins`` and those after it), so that a scorer can stop once a
pair cannot reach the score it needs: the offender description, relationship and attributes,
the behaviours, the time of day, the time apart, the day of the week, and the distance, whose
bin the scorer mostly takes from the chord between the places instead (scorer.bounds holds the
bounds the scorer checks between the stages; scorer.top_pairs says in which order).
``scorer.bin_matrix.PairBinner`` bins batches of pairs for training (tests compare it with
``features.bin_matrix``).
"""

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.candidates import unit_vectors
from caselink.linkage.offences.evidence import (
    OFFENDER,
    Evidence,
    EvidenceMaker,
    attribute_feature,
    band_overlap,
    code_match,
    domain_feature,
    popcount,
)
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.geometry import EARTH_RADIUS_KM, chord_cells, pair_km
from caselink.linkage.offences.jit import compiled, inlined
from caselink.linkage.offences.model.features import Feature
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.time_gaps import circular_apart, time_apart

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Words = NDArray[np.uint64]
Codes = NDArray[np.int32]

# evidence slots; per-domain Jaccard from SLOT_DOMAINS on, then the attributes
SLOT_DIST, SLOT_TIME, SLOT_TOD, SLOT_DOW, SLOT_JACCARD = 0, 1, 2, 3, 4
SLOT_REL, SLOT_PERSON, SLOT_DOMAINS = 10, 11, 12
_FIXED = {
    "distance_km": SLOT_DIST,
    "time_apart_days": SLOT_TIME,
    "time_of_day_hours": SLOT_TOD,
    "day_of_week_days": SLOT_DOW,
    "behaviours_jaccard": SLOT_JACCARD,
    **{name: 5 + k for k, name in enumerate(OFFENDER)},
    "relationship": SLOT_REL,
    "same_person": SLOT_PERSON,
}


# the stages of a pair's bins; a scorer takes them roughly by how much weight each takes off
# the bound for what it costs (the distance, from the chord, right after the codes). The day of
# the week is a stage of its own, after the time apart: as costly as the time of day, it weighs
# far less in a trained model, so most pairs are dropped before it is computed (computed with
# the time of day, it made a national year's scoring 67-78 s instead of 64-68 s).
STAGE_CODES, STAGE_BEHAVIOURS, STAGE_DAY, STAGE_TIME, STAGE_WEEK, STAGE_DISTANCE = range(6)
N_STAGES = 6
_STAGE_OF_SLOT = {
    SLOT_DIST: STAGE_DISTANCE,
    SLOT_TIME: STAGE_TIME,
    SLOT_TOD: STAGE_DAY,
    SLOT_DOW: STAGE_WEEK,
    SLOT_JACCARD: STAGE_BEHAVIOURS,
}


class PairData(NamedTuple):
    """Per-report facts the evidence of a pair is computed from, one contiguous record per
    report for what every pair reads (a candidate's facts come in a few cache lines rather than
    from twenty arrays), separate arrays for what only pairs scored in full read."""

    words: Words  # (n, bits | domain columns | attribute words)
    codes: Codes  # (n, C_DOMAINS + domains): see the C_ columns
    reals: Floats  # (n, 12): see the R_ columns
    n_bits: int  # behaviour words at the start of ``words``
    domain_start: Ints  # domain d is words[:, domain_start[d]:domain_start[d + 1]]
    attr_start: Ints  # attribute t is words[:, attr_start[t]:attr_start[t + 1]]
    # where no attribute takes more than one word: column t is attribute t's word (0 for one the
    # frame does not have), apart, so the scorer's bound reads one small row; else no columns
    attr_words: Words
    n_levels: int
    persons: bool
    entity_start: Ints  # report i names entities[entity_start[i]:entity_start[i + 1]], sorted
    entities: Ints
    report_id: Ints
    lon: Floats
    local_lo: Floats
    local_hi: Floats
    # behaviour_gain's scan of the shared codes: the domain of each behaviour bit (-1: none
    # chosen) and where each domain's run of bits ends; empty when a domain's codes are not one
    # run of bits or fill more than one word of their own
    bit_domain: Ints
    domain_end: Ints


# columns of PairData.codes; the frame's row orders a pair (its lower row first)
C_ROW, C_TOTAL, C_SEX, C_BUILD, C_ETHNIC, C_REL, C_SUSPECT, C_KNOWN, C_DOMAINS = range(9)
# C_KNOWN: bit d set where the report has codes of behaviour domain d (of the first
# _MASK_DOMAINS), so a pair's domains known on both sides are one AND away
_MASK_DOMAINS = 12
# columns of PairData.reals; ux, uy, uz: the unit vector of latitude/longitude (NaN: none)
R_LO, R_HI, R_AGE_LO, R_AGE_HI, R_HEIGHT_LO, R_HEIGHT_HI = range(6)
R_LAT, R_UX, R_UY, R_UZ, R_X, R_Y = range(6, 12)


class ModelTables(NamedTuple):
    """A LinkModel as flat arrays. Evidence is computed straight into bins, one per evidence
    slot; feature f takes the bin of slot ``slot[f]`` (the last slot, always 0, for a feature
    the frame cannot give) and its weight from ``weights[weight_start[f] + bin]``."""

    slot: Ints
    weight_start: Ints
    weights: Floats
    best: Floats  # the highest weight of each feature
    stage_start: Ints  # the features of stage s are stage_features[stage_start[s]:...[s + 1]]
    stage_features: Ints
    stage_best: Floats  # the sum of their highest weights
    edge_start: Ints  # the edges of numeric slot s are edges[edge_start[s]:edge_start[s + 1]]
    edges: Floats
    jaccard_start: Ints  # similarity slot s: its bins by [shared * stride + union]
    jaccard_stride: Ints  # (0: no feature takes the slot)
    jaccard_bins: Ints
    jaccard_weights: Floats  # the weight of each bin of jaccard_bins, for its slot's feature
    slot_weight_start: Ints  # weight_start of the feature taking each slot (-1: none)
    # with a table for every domain, C_KNOWN for all of them and each domain in one word:
    # domain d's weight when both sets are known and share nothing (shared_zero[d]), and by
    # the C_KNOWN bits of a pair, the sum of every domain's weight when none shares anything
    # (both empty otherwise; see scorer.bounds.behaviour_gain)
    shared_zero: Floats
    domain_zero: Floats
    level_bins: Ints  # the frame's relationship pair code -> the levels feature's bin
    # STAGE_CODES straight to weights (scorer.bounds.code_gain): the weight of each bin (0
    # unknown, 1 differ, 2 same) of the description slots, the same person and each attribute,
    # 3 by 3 in that order (0 where no feature takes the slot); of each relationship pair code
    # (the last: unknown); and of the stage's features no slot gives, less the stage's best
    code_weights: Floats
    relationship_weights: Floats
    code_rest: float
    distance: int  # the distance feature (-1: none), whose bound comes from the chord
    chord2_edges: Floats  # its edges as squared chords between unit vectors
    grid2_edges: Floats  # and as squared grid metres
    distance_near: Floats  # by that bin: the highest weight of it and its neighbours
    # the distance's bin by the chord, a cell of ``chord_step`` at a time (bounds.chord_cell):
    # -1 for a cell within rounding of an edge; the last entry for chords past every cell
    chord_bins: NDArray[np.int16]
    chord_step: float
    chord_gain: Floats
    offset: float


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
    counts = domain_counts[:_MASK_DOMAINS]
    bits = (counts > 0).astype(np.int64) << np.arange(counts.shape[0], dtype=np.int64)[:, None]
    mask: Ints = bits.sum(axis=0, dtype=np.int64)
    return mask


# similarity tables cover sets of up to this many codes (a table of 16 MB at most)
_TABLE_COUNT = 1023


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


def model_tables(model: LinkModel, frame: ReportFrame, pd: PairData) -> ModelTables:
    """``model`` as arrays, its relationship levels translated to ``frame``'s codes and its
    similarity bins tabulated for the set sizes in ``pd``."""
    domains, attributes = model.domains(), model.attributes()
    slots = dict(_FIXED)
    slots |= {domain_feature(d): SLOT_DOMAINS + k for k, d in enumerate(domains)}
    first_attribute = SLOT_DOMAINS + len(domains)
    slots |= {attribute_feature(a): first_attribute + k for k, a in enumerate(attributes)}
    unknown = SLOT_DOMAINS + len(domains) + len(attributes)  # the slot that stays 0
    n_slots = unknown + 1
    similarity = [SLOT_JACCARD, *range(SLOT_DOMAINS, SLOT_DOMAINS + len(domains))]
    largest = [int(pd.codes[:, C_TOTAL].max(initial=0))] + [
        int(pd.codes[:, C_DOMAINS + d].max(initial=0)) for d in range(len(domains))
    ]
    slot, weights, best = [], [], []
    slot_edges: list[NDArray[np.float64]] = [np.zeros(0)] * n_slots
    tables: list[Ints] = [np.zeros(0, np.int64)] * n_slots
    strides = [0] * n_slots
    level_bins = np.zeros(1, np.int64)
    levels = frame.relationship_levels
    n_levels = max(len(levels), 1)
    distance = -1
    for k, (f, w) in enumerate(zip(model.features, model.weights, strict=True)):
        known = f.name in slots and not (f.kind == "levels" and f.name != "relationship")
        s = slots[f.name] if known else unknown
        slot.append(s)
        weights.append(np.asarray(w, dtype=np.float64))
        best.append(max(w))
        if f.kind == "numeric" and known:
            slot_edges[s] = np.asarray(f.edges, dtype=np.float64)
            if s in similarity:
                tables[s], strides[s] = _similarity_bins(f, largest[similarity.index(s)])
        if f.kind == "levels" and known:
            index = {name: b + 2 for b, name in enumerate(f.levels)}
            level_bins = np.ones(n_levels * n_levels + 1, np.int64)
            for lo in range(len(levels)):
                for hi in range(lo, len(levels)):
                    level_bins[lo * n_levels + hi] = index.get(f"{levels[lo]}|{levels[hi]}", 1)
        if f.name == "distance_km" and f.kind == "numeric":
            distance = k
    jaccard_weights = [np.zeros(t.shape[0]) for t in tables]
    for k, s in enumerate(slot):
        if s in similarity and strides[s] > 0:
            jaccard_weights[s] = weights[k][tables[s]]
    weight_start = _starts(weights)
    slot_weight_start = np.full(n_slots, -1, np.int64)
    for k, s in enumerate(slot):
        if s != unknown:
            slot_weight_start[s] = weight_start[k]
    one_word = bool(np.all(np.diff(pd.domain_start) == 1))
    shared_zero, domain_zero = _domain_zero(jaccard_weights, len(domains) if one_word else -1)
    stage_of = _STAGE_OF_SLOT | {SLOT_DOMAINS + k: STAGE_BEHAVIOURS for k in range(len(domains))}
    stage_of |= {SLOT_DOMAINS + len(domains) + k: STAGE_CODES for k in range(len(attributes))}
    stage = [stage_of.get(s, STAGE_CODES) for s in slot]
    stages = [[f for f in range(len(slot)) if stage[f] == g] for g in range(N_STAGES)]
    code_slots = [5, 6, 7, 8, 9, SLOT_PERSON, *range(first_attribute, unknown)]
    code_weights = np.zeros((len(code_slots), 3))
    relationship_weights = np.zeros(level_bins.shape[0] + 1)
    code_rest = -sum(best[f] for f in stages[STAGE_CODES])
    for c in stages[STAGE_CODES]:
        if slot[c] in code_slots:
            code_weights[code_slots.index(slot[c])] = weights[c][:3]
        elif slot[c] == SLOT_REL:
            relationship_weights = np.append(weights[c][level_bins], weights[c][0])
        else:  # a slot the frame cannot give: always bin 0
            code_rest += weights[c][0]
    dist_edges = slot_edges[SLOT_DIST] if distance >= 0 else np.zeros(0)  # no distance: no bound
    chord = 2 * np.sin(np.minimum(dist_edges / (2 * EARTH_RADIUS_KM), math.pi / 2))
    # a bin from the chord may be one off the bin from the sine, by rounding at an edge
    dw = weights[distance] if distance >= 0 else np.zeros(1)
    near = np.asarray(
        [-math.inf, *(dw[max(b - 1, 1) : b + 2].max() for b in range(1, dw.shape[0]))]
    )
    chord_bins, chord_step, low, high = chord_cells(chord * chord)
    # by cell, the most the distance's weight can be, less its best (0 without the feature)
    chord_gain = np.maximum(dw[low], dw[high]) - best[distance] if distance >= 0 else np.zeros(1)
    return ModelTables(
        slot=np.asarray(slot, dtype=np.int64),
        weight_start=weight_start,
        weights=np.concatenate(weights) if weights else np.zeros(0),
        best=np.asarray(best, dtype=np.float64),
        stage_start=_starts([np.asarray(f) for f in stages]),
        stage_features=np.asarray([f for g in stages for f in g], dtype=np.int64),
        stage_best=np.asarray([sum(best[f] for f in g) for g in stages], dtype=np.float64),
        edge_start=_starts(slot_edges),
        edges=np.concatenate(slot_edges),
        jaccard_start=_starts(tables),
        jaccard_stride=np.asarray(strides, dtype=np.int64),
        jaccard_bins=np.concatenate(tables),
        jaccard_weights=np.concatenate(jaccard_weights),
        slot_weight_start=slot_weight_start,
        shared_zero=shared_zero,
        domain_zero=domain_zero,
        level_bins=level_bins,
        code_weights=code_weights.ravel(),
        relationship_weights=relationship_weights,
        code_rest=float(code_rest),
        distance=distance,
        chord2_edges=chord * chord,
        grid2_edges=(dist_edges * 1000.0) ** 2,
        distance_near=near,
        chord_bins=chord_bins,
        chord_step=chord_step,
        chord_gain=chord_gain,
        offset=float(model.offset),
    )


def _domain_zero(jaccard_weights: list[Floats], n_domains: int) -> tuple[Floats, Floats]:
    # ModelTables.shared_zero and domain_zero (both empty where they cannot be used, or where
    # n_domains is -1)
    tables = jaccard_weights[SLOT_DOMAINS : SLOT_DOMAINS + max(n_domains, 0)]
    if not 0 <= n_domains <= _MASK_DOMAINS or any(t.shape[0] == 0 for t in tables):
        return np.zeros(0), np.zeros(0)
    unknown = np.asarray([t[0] for t in tables])  # (0, 0): either set empty
    # (shared 0, union 1): a ratio of 0, the bin of every pair of known sets sharing nothing
    zero = np.asarray([t[1] if t.shape[0] > 1 else 0.0 for t in tables])
    masks = np.arange(1 << n_domains, dtype=np.int64)
    both = (masks[:, None] >> np.arange(n_domains)) & 1 == 1
    return zero, np.where(both, zero, unknown).sum(axis=1)


def _starts(parts: Sequence[NDArray[Any]]) -> Ints:
    return np.concatenate([[0], np.cumsum([p.shape[0] for p in parts])]).astype(np.int64)


# -- evidence, as evidence.py computes it, straight into bins -------------------------------


@inlined
def _numeric_bin(edges: Floats, first: int, last: int, value: float) -> int:
    # as features.py: 0 unknown, else 1 + the number of edges[first:last] at or below the value
    if math.isnan(value):
        return 0
    b = 1
    for e in range(first, last):
        if edges[e] <= value:
            b += 1
    return b


@inlined
def _similarity_bin(
    table: Ints, start: Ints, stride: Ints, s: int, shared: int, ca: int, cb: int
) -> int:
    # the Jaccard bin of two sets of ca and cb codes sharing ``shared``, from slot s's table,
    # which covers every pair of sets of the frame (0 where no feature takes the slot).
    # Unknown (0) if either set is empty.
    width = stride[s]
    if ca <= 0 or cb <= 0 or width == 0:
        return 0
    return int(table[start[s] + shared * width + ca + cb - shared])


@inlined
def description_bins(pd: PairData, a: int, b: int) -> tuple[int, int, int, int, int]:
    """The bins of the offender description slots (5 to 9) of the pair (a, b): sex, age band,
    height band, build and ethnic appearance, each 0 unknown, 1 different, 2 the same."""
    ra, rb, ca, cb = pd.reals[a], pd.reals[b], pd.codes[a], pd.codes[b]
    return (
        code_match(ca[C_SEX], cb[C_SEX]) + 1,
        band_overlap(ra[R_AGE_LO], ra[R_AGE_HI], rb[R_AGE_LO], rb[R_AGE_HI]) + 1,
        band_overlap(ra[R_HEIGHT_LO], ra[R_HEIGHT_HI], rb[R_HEIGHT_LO], rb[R_HEIGHT_HI]) + 1,
        code_match(ca[C_BUILD], cb[C_BUILD]) + 1,
        code_match(ca[C_ETHNIC], cb[C_ETHNIC]) + 1,
    )


@inlined
def code_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    """STAGE_CODES of the pair (a, b) into sb, by evidence slot, ``a`` the lower row
    (``pair_order``): the offender description, relationship, same person and attributes. The
    functions of the other stages that follow take the same arguments."""
    sb[5], sb[6], sb[7], sb[8], sb[9] = description_bins(pd, a, b)
    ca, cb = pd.codes[a], pd.codes[b]
    la, lb = ca[C_REL], cb[C_REL]
    known = la >= 0 and lb >= 0
    sb[SLOT_REL] = mt.level_bins[min(la, lb) * pd.n_levels + max(la, lb)] if known else 0
    sb[SLOT_PERSON] = person_bin(pd, a, b)
    first = SLOT_DOMAINS + pd.domain_start.shape[0] - 1
    for t in range(pd.attr_start.shape[0] - 1):
        sb[first + t] = attribute_bin(pd, a, b, t)


@inlined
def person_bin(pd: PairData, a: int, b: int) -> int:
    """The same person named as suspect in both: 0 unknown (no resolution, or a report naming
    no suspect), 1 no, 2 yes."""
    ca, cb = pd.codes[a], pd.codes[b]
    if not (pd.persons and ca[C_SUSPECT] and cb[C_SUSPECT]):
        return 0
    p, q = pd.entity_start[a], pd.entity_start[b]
    while p < pd.entity_start[a + 1] and q < pd.entity_start[b + 1]:
        if pd.entities[p] == pd.entities[q]:
            return 2
        if pd.entities[p] < pd.entities[q]:
            p += 1
        else:
            q += 1
    return 1


@inlined
def attribute_bin(pd: PairData, a: int, b: int, t: int) -> int:
    """Attribute t of the pair: 0 unknown on either side, 1 no code shared, 2 a code shared.
    Without a branch on the codes; a word each is read from ``attr_words`` (a tenth faster for
    the scorer's bound than the nested loop)."""
    if pd.attr_words.shape[1] == pd.attr_start.shape[0] - 1:
        xa, xb = pd.attr_words[a, t], pd.attr_words[b, t]
        return int((xa != 0) * (xb != 0) * (1 + ((xa & xb) != 0)))
    wa, wb = pd.words[a], pd.words[b]
    known_a = known_b = same = 0
    for w in range(pd.attr_start[t], pd.attr_start[t + 1]):
        known_a |= wa[w] != 0
        known_b |= wb[w] != 0
        same |= (wa[w] & wb[w]) != 0
    return known_a * known_b * (1 + same)


@inlined
def behaviour_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    # the Jaccard similarity of all behaviours and of each domain's, from the tables (there is
    # no slower path to fall back on: compiled into the scorer, even one never taken made
    # this twice as slow)
    wa, wb, ca, cb = pd.words[a], pd.words[b], pd.codes[a], pd.codes[b]
    shared = 0
    for w in range(pd.n_bits):
        shared += popcount(wa[w] & wb[w])
    table, start, stride = mt.jaccard_bins, mt.jaccard_start, mt.jaccard_stride
    sb[SLOT_JACCARD] = _similarity_bin(
        table, start, stride, SLOT_JACCARD, shared, ca[C_TOTAL], cb[C_TOTAL]
    )
    for d in range(pd.domain_start.shape[0] - 1):
        shared = 0
        for w in range(pd.domain_start[d], pd.domain_start[d + 1]):
            shared += popcount(wa[w] & wb[w])
        s = SLOT_DOMAINS + d
        sb[s] = _similarity_bin(
            table, start, stride, s, shared, ca[C_DOMAINS + d], cb[C_DOMAINS + d]
        )


@inlined
def day_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    # the time of day
    edges, at = mt.edges, mt.edge_start
    la, ha, lb, hb = pd.local_lo[a], pd.local_hi[a], pd.local_lo[b], pd.local_hi[b]
    tod = circular_apart(la, ha, lb, hb, 24.0)
    sb[SLOT_TOD] = _numeric_bin(edges, at[SLOT_TOD], at[SLOT_TOD + 1], tod)


@inlined
def week_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    # the day of the week
    edges, at = mt.edges, mt.edge_start
    la, ha, lb, hb = pd.local_lo[a], pd.local_hi[a], pd.local_lo[b], pd.local_hi[b]
    dow = circular_apart(la, ha, lb, hb, 168.0) / 24.0
    sb[SLOT_DOW] = _numeric_bin(edges, at[SLOT_DOW], at[SLOT_DOW + 1], dow)


@inlined
def time_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    # the time apart
    ra, rb = pd.reals[a], pd.reals[b]
    time = time_apart(ra[R_LO], ra[R_HI], rb[R_LO], rb[R_HI])
    at = mt.edge_start
    sb[SLOT_TIME] = _numeric_bin(mt.edges, at[SLOT_TIME], at[SLOT_TIME + 1], time)


@inlined
def distance_bin(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    ra, rb = pd.reals[a], pd.reals[b]
    dist = pair_km(ra[R_LAT], pd.lon[a], rb[R_LAT], pd.lon[b], ra[R_X], ra[R_Y], rb[R_X], rb[R_Y])
    at = mt.edge_start
    sb[SLOT_DIST] = _numeric_bin(mt.edges, at[SLOT_DIST], at[SLOT_DIST + 1], dist)


@compiled
def all_bins(pd: PairData, mt: ModelTables, a: int, b: int, sb: Ints) -> None:
    """Every bin of the pair (a, b) into sb."""
    code_bins(pd, mt, a, b, sb)
    behaviour_bins(pd, mt, a, b, sb)
    day_bins(pd, mt, a, b, sb)
    time_bins(pd, mt, a, b, sb)
    week_bins(pd, mt, a, b, sb)
    distance_bin(pd, mt, a, b, sb)


@inlined
def bins_score(mt: ModelTables, sb: Ints) -> float:
    """The score of a pair from all its bins: the offset, then each feature's weight in feature
    order, as ``LinkModel.score_bins`` adds them."""
    total = mt.offset
    for f in range(mt.slot.shape[0]):
        total += mt.weights[mt.weight_start[f] + sb[mt.slot[f]]]
    return total


@inlined
def pair_order(pd: PairData, i: int, j: int) -> tuple[int, int]:
    """Rows i and j with the lower row of the caller's frame first, the order evidence takes."""
    return (i, j) if pd.codes[i, C_ROW] < pd.codes[j, C_ROW] else (j, i)


def slot_bins(mt: ModelTables) -> Ints:
    """A working array for one pair's bins, by evidence slot."""
    return np.zeros(mt.edge_start.shape[0] - 1, np.int64)
