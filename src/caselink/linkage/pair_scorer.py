"""Each report's best-scoring candidates, computed pair by pair in compiled code.

This is ``scoring.score_rows(..., keep_top=k)`` without the list of all pairs: for every report
the candidate index gives its candidates, each pair's evidence, bins and score are computed
on the spot, and only the report's k best are held (a small heap). A pair kept is in the k best
of at least one of its two reports, ties broken by the other report's id: the same rule, and
the same pairs, as the array path (tests compare them).

Evidence and score follow evidence.py, features.py and model.py formula for formula, always
with the lower row of the pair first as the array path does, so the same pair gets the same
score from either of its reports. Floating-point functions (sine, arc sine, power) come from
the compiled maths library rather than numpy's, and may differ in the last bit; a score can
only change if some evidence falls within that bit of a bin edge. ``PairBinner`` gives the same
evidence as bins, for training.

Most pairs are not worth finishing. The cheap evidence (behaviours, attributes, offender
description, relationship, same person, time apart) is computed first; if those weights plus
the most the rest could add (the distance bins the chord between the places allows, the best
time-of-day and day-of-week weights) cannot reach the report's current k-th best, the pair is
dropped before any trigonometry.
"""

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.candidate_index import (
    CandidateIndex,
    candidate_index,
    locality_order,
    row_candidates,
)
from caselink.linkage.compiled import compiled
from caselink.linkage.evidence import OFFENDER, EvidenceMaker, attribute_feature, domain_feature
from caselink.linkage.features import Bins, Feature
from caselink.linkage.frame import ReportFrame
from caselink.linkage.geometry import EARTH_RADIUS_KM
from caselink.linkage.model import LinkModel
from caselink.linkage.settings import LinkSettings

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Words = NDArray[np.uint64]

# evidence slots; per-domain Jaccard from _DOMAINS on, then the attributes
_DIST, _TIME, _TOD, _DOW, _JACCARD = 0, 1, 2, 3, 4
_REL, _PERSON, _DOMAINS = 10, 11, 12
_FIXED = {
    "distance_km": _DIST,
    "time_apart_days": _TIME,
    "time_of_day_hours": _TOD,
    "day_of_week_days": _DOW,
    "behaviours_jaccard": _JACCARD,
    **{name: 5 + k for k, name in enumerate(OFFENDER)},
    "relationship": _REL,
    "same_person": _PERSON,
}
_NUMERIC, _MATCH, _LEVELS, _ABSENT = 0, 1, 2, 3
_POINT = 1e-6  # as timing._POINT: below this a window is a moment
_MARGIN = 1e-9  # bounds are sums in another order: allow for the rounding


class PairData(NamedTuple):
    """Per-report facts the evidence of a pair is computed from."""

    report_id: Ints
    row: Ints  # the row in the caller's frame: a pair's evidence is taken from its lower row
    lat: Floats
    lon: Floats
    cos_lat: Floats
    x: Floats
    y: Floats
    occ_lo: Floats
    occ_hi: Floats
    local_lo: Floats
    local_hi: Floats
    bits: Words  # (n, words): every behaviour
    total: Ints
    packed: Words  # (n, columns): each domain's behaviours in words of its own
    column_domain: Ints
    domain_counts: Ints  # (n, domains)
    attr_words: Words  # (n, words of every attribute)
    attr_start: Ints  # attribute a is attr_words[:, attr_start[a]:attr_start[a + 1]]
    sex: Ints
    build: Ints
    ethnic: Ints
    age_lo: Floats
    age_hi: Floats
    height_lo: Floats
    height_hi: Floats
    relationship: Ints
    n_levels: int
    persons: bool
    has_suspect: NDArray[np.bool_]
    entity_start: Ints  # report i names entities[entity_start[i]:entity_start[i + 1]], sorted
    entities: Ints


class ModelTables(NamedTuple):
    """A LinkModel as flat arrays: per feature its kind, evidence slot, edges and weights."""

    kind: Ints
    slot: Ints
    edge_start: Ints
    edges: Floats
    weight_start: Ints
    weights: Floats
    best: Floats  # the highest weight of each feature
    costly: NDArray[np.bool_]  # computed only for pairs that pass the bound
    level_bins: Ints  # the frame's relationship pair code -> the levels feature's bin
    distance: int  # the distance feature (-1: none), whose bound comes from the chord
    chord2_edges: Floats  # its edges as squared chords between unit vectors
    grid2_edges: Floats  # and as squared grid metres
    offset: float


def pair_data(frame: ReportFrame, maker: EvidenceMaker, row: Ints) -> PairData:
    """The per-report arrays of ``frame`` with the domains and attributes of ``maker``;
    ``row`` numbers the reports as the caller's frame does."""
    ctx = maker.context
    words = [frame.attributes[a].bits if a in frame.attributes else None for a in ctx.attributes]
    widths = [0 if w is None else w.shape[1] for w in words]
    attr_words = (
        np.concatenate([w for w in words if w is not None], axis=1)
        if any(widths)
        else np.zeros((frame.n, 0), np.uint64)
    )
    starts, ents = np.zeros(frame.n + 1, np.int64), np.zeros(0, np.int64)
    has_suspect = np.zeros(frame.n, bool)
    if frame.suspects is not None:
        lists = [sorted(frame.suspects.get(r, ())) for r in range(frame.n)]
        starts[1:] = np.cumsum([len(v) for v in lists])
        ents = np.asarray([e for v in lists for e in v], dtype=np.int64)
        has_suspect = np.diff(starts) > 0
    return PairData(
        report_id=frame.report_id,
        row=row,
        lat=frame.latitude,
        lon=frame.longitude,
        cos_lat=np.cos(np.radians(frame.latitude)),
        x=frame.x,
        y=frame.y,
        occ_lo=frame.occ_lo,
        occ_hi=frame.occ_hi,
        local_lo=frame.local_lo,
        local_hi=frame.local_hi,
        bits=np.ascontiguousarray(frame.behaviours.bits),
        total=ctx.total_counts,
        packed=np.ascontiguousarray(ctx.packed.T),
        column_domain=ctx.column_domain,
        domain_counts=np.ascontiguousarray(ctx.domain_counts.T.astype(np.int64)),
        attr_words=np.ascontiguousarray(attr_words),
        attr_start=np.concatenate([[0], np.cumsum(widths)]).astype(np.int64),
        sex=frame.sex,
        build=frame.build,
        ethnic=frame.ethnic,
        age_lo=frame.age_lo,
        age_hi=frame.age_hi,
        height_lo=frame.height_lo,
        height_hi=frame.height_hi,
        relationship=frame.relationship,
        n_levels=max(len(frame.relationship_levels), 1),
        persons=frame.suspects is not None,
        has_suspect=has_suspect,
        entity_start=starts,
        entities=ents,
    )


def model_tables(model: LinkModel, frame: ReportFrame) -> ModelTables:
    """``model`` as arrays, its relationship levels translated to ``frame``'s codes."""
    domains, attributes = model.domains(), model.attributes()
    slots = dict(_FIXED)
    slots |= {domain_feature(d): _DOMAINS + k for k, d in enumerate(domains)}
    slots |= {attribute_feature(a): _DOMAINS + len(domains) + k for k, a in enumerate(attributes)}
    kinds = {"numeric": _NUMERIC, "match": _MATCH, "levels": _LEVELS}
    kind, slot, edges, weights, best = [], [], [], [], []
    level_bins = np.zeros(1, np.int64)
    levels = frame.relationship_levels
    n_levels = max(len(levels), 1)
    distance = -1
    for k, (f, w) in enumerate(zip(model.features, model.weights, strict=True)):
        known = f.name in slots and not (f.kind == "levels" and f.name != "relationship")
        kind.append(kinds[f.kind] if known else _ABSENT)
        slot.append(slots.get(f.name, -1) if known else -1)
        edges.append(np.asarray(f.edges, dtype=np.float64))
        weights.append(np.asarray(w, dtype=np.float64))
        best.append(max(w))
        if f.kind == "levels" and known:
            index = {name: b + 2 for b, name in enumerate(f.levels)}
            level_bins = np.ones(n_levels * n_levels + 1, np.int64)
            for lo in range(len(levels)):
                for hi in range(lo, len(levels)):
                    level_bins[lo * n_levels + hi] = index.get(f"{levels[lo]}|{levels[hi]}", 1)
        if f.name == "distance_km" and f.kind == "numeric":
            distance = k
    costly = np.asarray([s in (_DIST, _TOD, _DOW) for s in slot], dtype=bool)  # -1: absent
    dist_edges = edges[distance] if distance >= 0 else np.zeros(0)  # no distance: no bound
    chord = 2 * np.sin(np.minimum(dist_edges / (2 * EARTH_RADIUS_KM), math.pi / 2))
    return ModelTables(
        kind=np.asarray(kind, dtype=np.int64),
        slot=np.asarray(slot, dtype=np.int64),
        edge_start=np.concatenate([[0], np.cumsum([e.shape[0] for e in edges])]).astype(np.int64),
        edges=np.concatenate(edges) if edges else np.zeros(0),
        weight_start=np.concatenate([[0], np.cumsum([w.shape[0] for w in weights])]).astype(
            np.int64
        ),
        weights=np.concatenate(weights) if weights else np.zeros(0),
        best=np.asarray(best, dtype=np.float64),
        costly=costly,
        level_bins=level_bins,
        distance=distance,
        chord2_edges=chord * chord,
        grid2_edges=(dist_edges * 1000.0) ** 2,
        offset=float(model.offset),
    )


# -- evidence, as evidence.py computes it ---------------------------------------------------


@compiled
def _popcount(w: np.uint64) -> int:
    w = w - ((w >> np.uint64(1)) & np.uint64(0x5555555555555555))
    w = (w & np.uint64(0x3333333333333333)) + ((w >> np.uint64(2)) & np.uint64(0x3333333333333333))
    w = (w + (w >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((w * np.uint64(0x0101010101010101)) >> np.uint64(56))


@compiled
def _jaccard(inter: int, ca: int, cb: int) -> float:
    if ca > 0 and cb > 0:
        return inter / (ca + cb - inter)
    return math.nan


@compiled
def _cube6(x: float) -> float:
    return math.pow(abs(x), 3.0) / 6.0


@compiled
def _time_apart(a: float, b: float, c: float, d: float) -> float:
    if math.isnan(a) or math.isnan(b) or math.isnan(c) or math.isnan(d):
        return math.nan
    w1, w2 = b - a, d - c
    out = abs((a + b) / 2 - (c + d) / 2)
    if b > c and d > a:
        p1, p2 = w1 < _POINT, w2 < _POINT
        if not p1 and not p2:
            am, bm, cm, dm = a - c, b - c, c - c, d - c
            out = (_cube6(bm - cm) - _cube6(am - cm) - _cube6(bm - dm) + _cube6(am - dm)) / (
                w1 * w2
            )
        elif p1 and not p2:
            lo, hi = a - c, a - d
            out = (lo * abs(lo) / 2 - hi * abs(hi) / 2) / (d - c)
        elif p2 and not p1:
            lo, hi = c - a, c - b
            out = (lo * abs(lo) / 2 - hi * abs(hi) / 2) / (b - a)
    return out


@compiled
def _wrap(x: float, period: float) -> float:
    return x - period * math.floor(x / period)


@compiled
def _circ_p(x: float, period: float) -> float:
    h = period / 2
    v = abs(_wrap(x, period) - h)
    return -((h - v) ** 2) * (h + 2 * v) / 12


@compiled
def _circ_q(x: float, period: float) -> float:
    h = period / 2
    u = _wrap(x, period) - h
    return u * (h - abs(u)) / 2


@compiled
def _circular(a: float, b: float, c: float, d: float, period: float) -> float:
    if math.isnan(a) or math.isnan(b) or math.isnan(c) or math.isnan(d):
        return math.nan
    w1, w2 = b - a, d - c
    quarter = period / 4
    p1, p2 = w1 < _POINT, w2 < _POINT
    if p1 and p2:
        r = _wrap(a - c, period)
        out = min(r, period - r)
    elif p1:
        out = quarter + (_circ_q(a - c, period) - _circ_q(a - d, period)) / w2
    elif p2:
        out = quarter + (_circ_q(b - c, period) - _circ_q(a - c, period)) / w1
    else:
        corners = (
            _circ_p(b - c, period)
            - _circ_p(a - c, period)
            - _circ_p(b - d, period)
            + _circ_p(a - d, period)
        )
        out = quarter + corners / (w1 * w2)
    return min(max(out, 0.0), period / 2)


@compiled
def _match_codes(a: int, b: int) -> float:
    if a >= 0 and b >= 0:
        return 1.0 if a == b else 0.0
    return -1.0


@compiled
def _overlap(lo_a: float, hi_a: float, lo_b: float, hi_b: float) -> float:
    if math.isnan(lo_a) or math.isnan(lo_b):
        return -1.0
    return 1.0 if lo_a <= hi_b and lo_b <= hi_a else 0.0


@compiled
def _cheap_evidence(pd: PairData, a: int, b: int, ev: Floats, inter: Ints) -> None:
    ev[_TIME] = _time_apart(pd.occ_lo[a], pd.occ_hi[a], pd.occ_lo[b], pd.occ_hi[b])
    shared = 0
    for w in range(pd.bits.shape[1]):
        shared += _popcount(pd.bits[a, w] & pd.bits[b, w])
    ev[_JACCARD] = _jaccard(shared, pd.total[a], pd.total[b])
    n_domains = pd.domain_counts.shape[1]
    if pd.packed.shape[1] == n_domains:  # one word per domain: the usual case
        for d in range(n_domains):
            inter[d] = _popcount(pd.packed[a, d] & pd.packed[b, d])
    else:
        for d in range(n_domains):
            inter[d] = 0
        for c in range(pd.packed.shape[1]):
            inter[pd.column_domain[c]] += _popcount(pd.packed[a, c] & pd.packed[b, c])
    for d in range(n_domains):
        ev[_DOMAINS + d] = _jaccard(inter[d], pd.domain_counts[a, d], pd.domain_counts[b, d])
    for t in range(pd.attr_start.shape[0] - 1):
        known_a = known_b = same = False
        for w in range(pd.attr_start[t], pd.attr_start[t + 1]):
            known_a |= pd.attr_words[a, w] != 0
            known_b |= pd.attr_words[b, w] != 0
            same |= (pd.attr_words[a, w] & pd.attr_words[b, w]) != 0
        ev[_DOMAINS + n_domains + t] = (1.0 if same else 0.0) if known_a and known_b else -1.0
    ev[5] = _match_codes(pd.sex[a], pd.sex[b])
    ev[6] = _overlap(pd.age_lo[a], pd.age_hi[a], pd.age_lo[b], pd.age_hi[b])
    ev[7] = _overlap(pd.height_lo[a], pd.height_hi[a], pd.height_lo[b], pd.height_hi[b])
    ev[8] = _match_codes(pd.build[a], pd.build[b])
    ev[9] = _match_codes(pd.ethnic[a], pd.ethnic[b])
    ra, rb = pd.relationship[a], pd.relationship[b]
    ev[_REL] = float(min(ra, rb) * pd.n_levels + max(ra, rb)) if ra >= 0 and rb >= 0 else -1.0
    ev[_PERSON] = -1.0
    if pd.persons and pd.has_suspect[a] and pd.has_suspect[b]:
        ev[_PERSON] = 0.0
        p, q = pd.entity_start[a], pd.entity_start[b]
        while p < pd.entity_start[a + 1] and q < pd.entity_start[b + 1]:
            if pd.entities[p] == pd.entities[q]:
                ev[_PERSON] = 1.0
                break
            if pd.entities[p] < pd.entities[q]:
                p += 1
            else:
                q += 1


@compiled
def _costly_evidence(pd: PairData, a: int, b: int, ev: Floats) -> None:
    deg = math.pi / 180.0
    dist = math.nan
    if not (math.isnan(pd.lat[a]) or math.isnan(pd.lat[b])):
        dphi = pd.lat[b] * deg - pd.lat[a] * deg
        dlmb = (pd.lon[b] - pd.lon[a]) * deg
        h = math.sin(dphi / 2) ** 2 + pd.cos_lat[a] * pd.cos_lat[b] * math.sin(dlmb / 2) ** 2
        dist = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))
    if math.isnan(dist):
        dist = math.hypot(pd.x[b] - pd.x[a], pd.y[b] - pd.y[a]) / 1000.0
    ev[_DIST] = dist
    la, ha, lb, hb = pd.local_lo[a], pd.local_hi[a], pd.local_lo[b], pd.local_hi[b]
    ev[_TOD] = _circular(la, ha, lb, hb, 24.0)
    ev[_DOW] = _circular(la, ha, lb, hb, 168.0) / 24.0


# -- bins and scores, as features.py and model.py compute them ------------------------------


@compiled
def _bin(kind: int, value: float, edges: Floats, first: int, last: int, level_bins: Ints) -> int:
    # the bin of one feature's evidence value; numeric edges are edges[first:last]
    if kind == _ABSENT:
        return 0
    if kind == _NUMERIC:
        if math.isnan(value):
            return 0
        b = 1
        for e in range(first, last):
            if edges[e] <= value:
                b += 1
        return b
    if kind == _MATCH:
        return int(value) + 1
    if value < 0:
        return 0
    return int(level_bins[int(value)])


@compiled
def _distance_best(mt: ModelTables, pd: PairData, ix: CandidateIndex, a: int, b: int) -> float:
    # the most the distance weight can be, from the chord (or grid distance) without the sine:
    # the bin the squared chord falls in, give or take one for rounding at an edge
    f = mt.distance
    if ix.has_ll[a] and ix.has_ll[b] and not (math.isnan(pd.lon[a]) or math.isnan(pd.lon[b])):
        d2 = (ix.ux[b] - ix.ux[a]) ** 2 + (ix.uy[b] - ix.uy[a]) ** 2 + (ix.uz[b] - ix.uz[a]) ** 2
        edges2 = mt.chord2_edges
    elif ix.has_xy[a] and ix.has_xy[b] and not (ix.has_ll[a] and ix.has_ll[b]):
        d2 = (pd.x[b] - pd.x[a]) ** 2 + (pd.y[b] - pd.y[a]) ** 2
        edges2 = mt.grid2_edges
    else:
        return float(mt.best[f])
    b0 = 1
    for e in range(edges2.shape[0]):
        if edges2[e] <= d2:
            b0 += 1
    w0 = mt.weight_start[f]
    top = -math.inf
    for bb in range(max(b0 - 1, 1), min(b0 + 2, mt.weight_start[f + 1] - w0)):
        top = max(top, mt.weights[w0 + bb])
    return top


@compiled
def _worse(s1: float, id1: int, s2: float, id2: int) -> bool:
    return s1 < s2 or (s1 == s2 and id1 > id2)


@compiled
def _push(hs: Floats, ho: Ints, hid: Ints, size: int, s: float, o: int, oid: int) -> int:
    # a heap with the worst kept link at the root; returns the new size
    k = hs.shape[0]
    if size < k:
        p = size
        size += 1
        while p > 0:
            parent = (p - 1) // 2
            if not _worse(s, oid, hs[parent], hid[parent]):
                break
            hs[p], ho[p], hid[p] = hs[parent], ho[parent], hid[parent]
            p = parent
        hs[p], ho[p], hid[p] = s, o, oid
        return size
    if not _worse(hs[0], hid[0], s, oid):
        return size
    p = 0
    while True:
        c = 2 * p + 1
        if c >= k:
            break
        if c + 1 < k and _worse(hs[c + 1], hid[c + 1], hs[c], hid[c]):
            c += 1
        if not _worse(hs[c], hid[c], s, oid):
            break
        hs[p], ho[p], hid[p] = hs[c], ho[c], hid[c]
        p = c
    hs[p], ho[p], hid[p] = s, o, oid
    return size


class Scratch(NamedTuple):
    """Working arrays of one thread: candidates, evidence, bins and the heap."""

    candidates: Ints
    evidence: Floats
    intersections: Ints
    bins: Ints
    heap_score: Floats
    heap_other: Ints
    heap_id: Ints

    @classmethod
    def make(cls, pd: PairData, mt: ModelTables, keep_top: int) -> "Scratch":
        domains = pd.domain_counts.shape[1]
        return cls(
            np.empty(pd.report_id.shape[0], np.int64),
            np.empty(_DOMAINS + domains + pd.attr_start.shape[0], np.float64),
            np.zeros(domains, np.int64),
            np.zeros(mt.kind.shape[0], np.int64),
            np.empty(keep_top, np.float64),
            np.empty(keep_top, np.int64),
            np.empty(keep_top, np.int64),
        )


@compiled
def _top_of_rows(
    ix: CandidateIndex,
    pd: PairData,
    mt: ModelTables,
    rows: Ints,
    min_score: float,
    top_score: Floats,
    top_other: Ints,
    scratch: Scratch,
) -> int:
    # Each row's best candidates into top_score/top_other[row] (other = -1: empty slot).
    # Returns how many pairs were scored in full. Without reference counting, so nothing here
    # allocates: the caller hands over the scratch arrays.
    n_features = mt.kind.shape[0]
    kind, slot, first, edges, level_bins = mt.kind, mt.slot, mt.edge_start, mt.edges, mt.level_bins
    weights, at, costly = mt.weights, mt.weight_start, mt.costly
    k = top_score.shape[1]
    out, ev, inter, bins = scratch.candidates, scratch.evidence, scratch.intersections, scratch.bins
    hs, ho, hid = scratch.heap_score, scratch.heap_other, scratch.heap_id
    costly_best = 0.0
    for f in range(n_features):
        if mt.costly[f] and f != mt.distance:
            costly_best += mt.best[f]
    full = 0
    for i in rows:
        size = 0
        m = row_candidates(ix, i, out)
        for q in range(m):
            j = out[q]
            a, b = (i, j) if pd.row[i] < pd.row[j] else (j, i)
            _cheap_evidence(pd, a, b, ev, inter)
            bound = mt.offset + costly_best
            for f in range(n_features):
                if not costly[f]:
                    value = ev[slot[f]] if slot[f] >= 0 else 0.0
                    bins[f] = _bin(kind[f], value, edges, first[f], first[f + 1], level_bins)
                    bound += weights[at[f] + bins[f]]
            if mt.distance >= 0:
                bound += _distance_best(mt, pd, ix, a, b)
            if bound < min_score - _MARGIN or (size == k and bound < hs[0] - _MARGIN):
                continue
            _costly_evidence(pd, a, b, ev)
            s = mt.offset
            for f in range(n_features):
                if costly[f]:
                    value = ev[slot[f]]
                    bins[f] = _bin(kind[f], value, edges, first[f], first[f + 1], level_bins)
                s += weights[at[f] + bins[f]]
            full += 1
            if s < min_score:
                continue
            size = _push(hs, ho, hid, size, s, j, pd.report_id[j])
        for r in range(k):
            top_score[i, r] = hs[r] if r < size else -math.inf
            top_other[i, r] = ho[r] if r < size else -1
    return full


def top_pairs(
    frame: ReportFrame,
    model: LinkModel,
    settings: LinkSettings,
    keep_top: int,
    min_score: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Ints, Ints, Floats]:
    """Every pair in the ``keep_top`` best of either of its reports, as rows (i < j) and score;
    with ``min_score``, only pairs scoring at least that. ``progress(done, total)`` is called
    as groups of reports finish."""
    perm = locality_order(frame, settings)
    local = frame.take(perm)
    ix = candidate_index(local, settings)
    pd = pair_data(local, EvidenceMaker(local, model.domains(), model.attributes()), perm)
    mt = model_tables(model, local)
    n = frame.n
    top_score = np.full((n, keep_top), -np.inf)
    top_other = np.full((n, keep_top), -1, np.int64)
    floor = -math.inf if min_score is None else float(min_score)
    # Blocks of neighbouring rows (the frame is in locality order), taken by whichever thread
    # is free: rows of one block share most of their candidates, whose facts stay in cache.
    block = max(1, min(1024, -(-n // (16 * settings.threads))))
    done = 0

    def work(start: int) -> int:
        rows = np.arange(start, min(start + block, n), dtype=np.int64)
        scratch = Scratch.make(pd, mt, keep_top)
        _top_of_rows(ix, pd, mt, rows, floor, top_score, top_other, scratch)
        return int(rows.shape[0])

    with ThreadPoolExecutor(max_workers=settings.threads) as pool:
        for finished in pool.map(work, range(0, n, block)):
            done += finished
            if progress is not None:
                progress(done, n)
    held = top_other >= 0
    i = perm[np.repeat(np.arange(n, dtype=np.int64), keep_top)[held.ravel()]]
    j = perm[top_other[held]]
    s = top_score[held]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    # a pair in both its reports' lists appears twice, with the same score
    _, first = np.unique(lo * n + hi, return_index=True)
    return lo[first], hi[first], s[first]


@compiled
def _bins_of_pairs(
    pd: PairData, mt: ModelTables, i: Ints, j: Ints, out: NDArray[np.generic], scratch: Scratch
) -> None:
    ev, inter = scratch.evidence, scratch.intersections
    for q in range(i.shape[0]):
        _cheap_evidence(pd, i[q], j[q], ev, inter)
        _costly_evidence(pd, i[q], j[q], ev)
        for f in range(mt.kind.shape[0]):
            value = ev[mt.slot[f]] if mt.slot[f] >= 0 else 0.0
            out[q, f] = _bin(
                mt.kind[f], value, mt.edges, mt.edge_start[f], mt.edge_start[f + 1], mt.level_bins
            )


class PairBinner:
    """``features.bin_matrix(features, EvidenceMaker(frame)(i, j))`` in compiled code, for
    batch after batch of pairs of one frame: the same bins (tests compare them)."""

    def __init__(
        self, frame: ReportFrame, features: Sequence[Feature], settings: LinkSettings
    ) -> None:
        # a model whose weights are all zero: only its features' bins are wanted
        model = LinkModel(
            family="bins",
            features=tuple(features),
            weights=tuple((0.0,) * f.n_bins for f in features),
            offset=0.0,
            prior_log_odds=0.0,
            settings=settings,
        )
        maker = EvidenceMaker(frame, model.domains(), model.attributes())
        self._pd = pair_data(frame, maker, np.arange(frame.n, dtype=np.int64))
        self._mt = model_tables(model, frame)
        self._dtype = np.uint8 if all(f.n_bins <= 256 for f in features) else np.int16
        self._threads = max(1, settings.threads)

    def __call__(self, i: Ints, j: Ints) -> Bins:
        i = np.ascontiguousarray(i, dtype=np.int64)
        j = np.ascontiguousarray(j, dtype=np.int64)
        out = np.zeros((i.shape[0], self._mt.kind.shape[0]), dtype=self._dtype)
        step = max(1, -(-i.shape[0] // self._threads))

        def work(start: int) -> None:
            end = min(start + step, i.shape[0])
            scratch = Scratch.make(self._pd, self._mt, 1)
            _bins_of_pairs(self._pd, self._mt, i[start:end], j[start:end], out[start:end], scratch)

        with ThreadPoolExecutor(max_workers=self._threads) as pool:
            list(pool.map(work, range(0, i.shape[0], step)))
        return out
