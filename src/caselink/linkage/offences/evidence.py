"""Evidence variables for report pairs, computed column-wise over whole arrays of pairs.

Each variable is defined in docs/linkage.md; in short, for a pair of reports (a, b):

* ``distance_km``: great-circle km (both latitude/longitude) or grid km (both x/y); NaN unknown.
* ``time_apart_days``: E|U - V| with each offence time uniform in its window (closed form).
* ``time_of_day_hours``: expected distance on the 24-hour clock (UK local time), 0..12.
* ``day_of_week_days``: expected distance on the 7-day week, 0..3.5.
* ``behaviours_jaccard``: |A ∩ B| / |A ∪ B| over "domain:code" behaviours; NaN if either has
  none. ``behaviours_<domain>_jaccard`` the same within one domain; NaN if either has none there.
* ``attribute_<name>``: 1 when the value sets share a value, 0 when both are known and
  disjoint, -1 when either is unknown.
* ``offender_sex``, ``offender_build``, ``offender_ethnic_appearance``: 1 same, 0 different,
  -1 unknown; ``offender_age``, ``offender_height``: 1 when the bands overlap, 0 when they do
  not, -1 unknown.
* ``relationship``: the unordered pair of victim–offender relationships, e.g.
  "stranger|stranger" (null when either is unknown).
* ``same_person``: 1 when both reports name a common suspect entity, 0 when both name suspects
  but none in common, -1 when either names nobody or no persons table was given.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.offences.candidates import candidate_rows
from caselink.linkage.offences.frame import Bitsets, ReportFrame, as_frame
from caselink.linkage.offences.geometry import pair_distance_km
from caselink.linkage.offences.jit import compiled
from caselink.linkage.offences.settings import LinkSettings
from caselink.linkage.offences.time_gaps import circular_apart, time_apart

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Array = NDArray[np.float64] | NDArray[np.int8] | NDArray[np.int64]

NUMERIC = ("distance_km", "time_apart_days", "time_of_day_hours", "day_of_week_days")
OFFENDER = (
    "offender_sex",
    "offender_age",
    "offender_height",
    "offender_build",
    "offender_ethnic_appearance",
)


def domain_feature(domain: str) -> str:
    """The evidence column of behaviour similarity within one domain."""
    return f"behaviours_{domain}_jaccard"


def attribute_feature(name: str) -> str:
    """The evidence column of one free categorical attribute."""
    return f"attribute_{name}"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Evidence for pairs (i, j) of ReportFrame rows: one array per variable, aligned.

    ``relationship`` holds a pair code ``min * L + max`` over ``relationship_levels`` (L levels;
    -1 unknown) so it stays numeric until shown; ``relationship_names`` turns it into words.
    """

    i: Ints
    j: Ints
    columns: Mapping[str, Array]
    relationship_levels: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return int(self.i.shape[0])

    def relationship_names(self) -> list[str | None]:
        """The relationship pair of each row in words, "a|b" with a <= b, or None."""
        levels = self.relationship_levels
        n_levels = max(len(levels), 1)
        code = self.columns["relationship"]
        names = {
            lo * n_levels + hi: f"{levels[lo]}|{levels[hi]}"
            for lo in range(len(levels))
            for hi in range(lo, len(levels))
        }
        return [names.get(int(c)) if c >= 0 else None for c in code]


@dataclass(frozen=True, slots=True)
class EvidenceContext:
    # per-report facts reused by every batch of pairs
    domains: tuple[str, ...]
    packed: NDArray[np.uint64]  # (columns, n): each domain's codes packed into its own words
    column_domain: NDArray[np.int64]  # (columns,) the domain of each packed column
    domain_counts: NDArray[np.int32]  # (domains, n)
    total_counts: NDArray[np.int64]  # (n,)
    attributes: tuple[str, ...]
    suspect_keys: NDArray[np.int64] | None  # sorted i * n + j of pairs sharing a suspect
    has_suspect: NDArray[np.bool_] | None


def _popcount(words: NDArray[np.uint64]) -> NDArray[np.int64]:
    out: NDArray[np.int64] = np.bitwise_count(words).sum(axis=-1, dtype=np.int64)
    return out


def _context(
    frame: ReportFrame, domains: Sequence[str] | None, attributes: Sequence[str] | None
) -> EvidenceContext:
    sets = frame.behaviours
    chosen = tuple(sorted(sets.groups)) if domains is None else tuple(domains)
    # Pack each domain's codes into words of its own, so a pair needs one AND and one popcount
    # per domain instead of masking every word of the whole vocabulary.
    columns: list[NDArray[np.uint64]] = []
    column_domain: list[int] = []
    for k, d in enumerate(chosen):
        codes = [v for v, name in enumerate(sets.vocabulary) if name.split(":", 1)[0] == d]
        for start in range(0, max(len(codes), 1), 64):
            word = np.zeros(frame.n, dtype=np.uint64)
            for t, v in enumerate(codes[start : start + 64]):
                bit = (sets.bits[:, v // 64] >> np.uint64(v % 64)) & np.uint64(1)
                word |= bit << np.uint64(t)
            columns.append(word)
            column_domain.append(k)
    packed = np.stack(columns) if columns else np.zeros((0, frame.n), np.uint64)
    col_dom = np.asarray(column_domain, dtype=np.int64)
    per_column = np.bitwise_count(packed).astype(np.int64)
    counts = np.zeros((len(chosen), frame.n), dtype=np.int64)
    np.add.at(counts, col_dom, per_column)
    names = tuple(sorted(frame.attributes)) if attributes is None else tuple(attributes)
    suspect_keys = None
    has_suspect = None
    if frame.suspects is not None:
        has_suspect = np.zeros(frame.n, dtype=bool)
        by_entity: dict[int, list[int]] = {}
        for row, entities in frame.suspects.items():
            has_suspect[row] = bool(entities)
            for e in entities:
                by_entity.setdefault(e, []).append(row)
        keys: list[NDArray[np.int64]] = []
        for rows in by_entity.values():
            if len(rows) > 1:
                r = np.asarray(sorted(rows), dtype=np.int64)
                a, b = np.triu_indices(r.shape[0], k=1)
                keys.append(r[a] * frame.n + r[b])
        suspect_keys = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    return EvidenceContext(
        chosen,
        packed,
        col_dom,
        counts.astype(np.int32),
        _popcount(sets.bits),
        names,
        suspect_keys,
        has_suspect,
    )


@compiled
def popcount(w: np.uint64) -> int:
    """The number of bits set in one word."""
    w = w - ((w >> np.uint64(1)) & np.uint64(0x5555555555555555))
    w = (w & np.uint64(0x3333333333333333)) + ((w >> np.uint64(2)) & np.uint64(0x3333333333333333))
    w = (w + (w >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((w * np.uint64(0x0101010101010101)) >> np.uint64(56))


@compiled
def jaccard(shared: int, count_a: int, count_b: int) -> float:
    """|A ∩ B| / |A ∪ B| of two sets of these sizes sharing ``shared``; NaN if either is empty."""
    if count_a <= 0 or count_b <= 0:
        return math.nan
    return shared / (count_a + count_b - shared)


@compiled
def _similarities(
    bits: NDArray[np.uint64],
    total_counts: Ints,
    packed: NDArray[np.uint64],
    column_domain: Ints,
    domain_counts: NDArray[np.int32],
    i: Ints,
    j: Ints,
    out: NDArray[np.float64],
    shared: Ints,
) -> None:
    # out[0]: the Jaccard of all behaviours; out[1 + d]: of domain d's, for each pair
    # (shared: room for one count per domain; compiled code here does not allocate)
    n_domains = out.shape[0] - 1
    for k in range(i.shape[0]):
        a, b = i[k], j[k]
        total = 0
        for w in range(bits.shape[1]):
            total += popcount(bits[a, w] & bits[b, w])
        out[0, k] = jaccard(total, total_counts[a], total_counts[b])
        shared[:] = 0
        for c in range(packed.shape[0]):
            shared[column_domain[c]] += popcount(packed[c, a] & packed[c, b])
        for d in range(n_domains):
            out[1 + d, k] = jaccard(shared[d], int(domain_counts[d, a]), int(domain_counts[d, b]))


def _match(known: NDArray[np.bool_], same: NDArray[np.bool_]) -> NDArray[np.int8]:
    return np.where(known, same.astype(np.int8), np.int8(-1)).astype(np.int8)


def _attribute(sets: Bitsets | None, i: Ints, j: Ints) -> NDArray[np.int8]:
    if sets is None:
        return np.full(i.shape[0], -1, dtype=np.int8)
    a, b = sets.bits[i], sets.bits[j]
    known = np.asarray(a.any(axis=1) & b.any(axis=1), dtype=bool)
    return _match(known, np.asarray((a & b).any(axis=1), dtype=bool))


@compiled
def _times(lo: Floats, hi: Floats, llo: Floats, lhi: Floats, i: Ints, j: Ints, out: Floats) -> None:
    # time apart (days), time of day (hours) and day of week (days) of each pair
    for k in range(i.shape[0]):
        a, b = i[k], j[k]
        out[0, k] = time_apart(lo[a], hi[a], lo[b], hi[b])
        out[1, k] = circular_apart(llo[a], lhi[a], llo[b], lhi[b], 24.0)
        out[2, k] = circular_apart(llo[a], lhi[a], llo[b], lhi[b], 168.0) / 24.0


@compiled
def code_match(a: int, b: int) -> int:
    """1 same, 0 different, -1 when either code is unknown (negative). Without a branch, so a
    scorer can run it over a tile of pairs."""
    return (a >= 0) * (b >= 0) * (1 + (a == b)) - 1


@compiled
def band_overlap(lo_a: float, hi_a: float, lo_b: float, hi_b: float) -> int:
    """1 when two bands overlap, 0 when they do not, -1 when either is unknown. Without a
    branch (a NaN compares false)."""
    return (lo_a == lo_a) * (lo_b == lo_b) * (1 + ((lo_a <= hi_b) & (lo_b <= hi_a))) - 1


@compiled
def _description_columns(
    sex: Ints,
    age_lo: Floats,
    age_hi: Floats,
    height_lo: Floats,
    height_hi: Floats,
    build: Ints,
    ethnic: Ints,
    rel: Ints,
    n_levels: int,
    i: Ints,
    j: Ints,
    out: NDArray[np.int8],
    rel_out: Ints,
) -> None:
    # the OFFENDER columns, in their order, and the relationship pair code of each pair
    for k in range(i.shape[0]):
        a, b = i[k], j[k]
        out[0, k] = code_match(sex[a], sex[b])
        out[1, k] = band_overlap(age_lo[a], age_hi[a], age_lo[b], age_hi[b])
        out[2, k] = band_overlap(height_lo[a], height_hi[a], height_lo[b], height_hi[b])
        out[3, k] = code_match(build[a], build[b])
        out[4, k] = code_match(ethnic[a], ethnic[b])
        ra, rb = rel[a], rel[b]
        rel_out[k] = min(ra, rb) * n_levels + max(ra, rb) if ra >= 0 and rb >= 0 else -1


def _compute(frame: ReportFrame, ctx: EvidenceContext, i: Ints, j: Ints) -> dict[str, Array]:
    cols: dict[str, Array] = {}
    with np.errstate(invalid="ignore"):
        cols["distance_km"] = pair_distance_km(
            frame.latitude, frame.longitude, frame.x, frame.y, i, j
        )
    times = np.empty((3, i.shape[0]))
    _times(frame.occ_lo, frame.occ_hi, frame.local_lo, frame.local_hi, i, j, times)
    cols["time_apart_days"], cols["time_of_day_hours"], cols["day_of_week_days"] = times
    jac = np.empty((1 + len(ctx.domains), i.shape[0]))
    _similarities(
        frame.behaviours.bits,
        ctx.total_counts,
        ctx.packed,
        ctx.column_domain,
        ctx.domain_counts,
        i,
        j,
        jac,
        np.zeros(len(ctx.domains), np.int64),
    )
    cols["behaviours_jaccard"] = jac[0]
    for k, domain in enumerate(ctx.domains):
        cols[domain_feature(domain)] = jac[1 + k]
    for name in ctx.attributes:
        cols[attribute_feature(name)] = _attribute(frame.attributes.get(name), i, j)
    described = np.empty((len(OFFENDER), i.shape[0]), np.int8)
    relationship = np.empty(i.shape[0], np.int64)
    _description_columns(
        frame.sex,
        frame.age_lo,
        frame.age_hi,
        frame.height_lo,
        frame.height_hi,
        frame.build,
        frame.ethnic,
        frame.relationship,
        max(len(frame.relationship_levels), 1),
        i,
        j,
        described,
        relationship,
    )
    cols.update(zip(OFFENDER, described, strict=True))
    cols["relationship"] = relationship
    if ctx.suspect_keys is None or ctx.has_suspect is None:
        cols["same_person"] = np.full(i.shape[0], -1, dtype=np.int8)
    else:
        lo_r, hi_r = np.minimum(i, j), np.maximum(i, j)
        keys = lo_r * frame.n + hi_r
        pos = np.clip(
            np.searchsorted(ctx.suspect_keys, keys), 0, max(ctx.suspect_keys.shape[0] - 1, 0)
        )
        hit = (
            ctx.suspect_keys[pos] == keys
            if ctx.suspect_keys.shape[0]
            else np.zeros(keys.shape, bool)
        )
        cols["same_person"] = _match(ctx.has_suspect[i] & ctx.has_suspect[j], hit)
    return cols


class EvidenceMaker:
    """Computes evidence for any number of pair batches of one frame, sharing the per-report
    work. ``domains`` and ``attributes`` fix which per-domain and attribute columns appear
    (default: those present in the frame; a model passes the ones it was trained with)."""

    def __init__(
        self,
        frame: ReportFrame,
        domains: Sequence[str] | None = None,
        attributes: Sequence[str] | None = None,
    ) -> None:
        self.frame = frame
        self._ctx = _context(frame, domains, attributes)

    @property
    def domains(self) -> tuple[str, ...]:
        return self._ctx.domains

    @property
    def attributes(self) -> tuple[str, ...]:
        return self._ctx.attributes

    @property
    def context(self) -> "EvidenceContext":
        """The per-report arrays every batch shares (the compiled scorer reads them too)."""
        return self._ctx

    def __call__(self, i: Ints, j: Ints) -> Evidence:
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        return Evidence(i, j, _compute(self.frame, self._ctx, i, j), self.frame.relationship_levels)


def evidence_table(frame: ReportFrame, ev: Evidence) -> pa.Table:
    """Evidence as an Arrow table with report_id_a, report_id_b first; NaN becomes null."""
    data: dict[str, pa.Array] = {
        "report_id_a": pa.array(frame.report_id[ev.i]),
        "report_id_b": pa.array(frame.report_id[ev.j]),
    }
    for name, values in ev.columns.items():
        if name == "relationship":
            data[name] = pa.array(ev.relationship_names(), type=pa.string())
        elif values.dtype == np.float64:
            data[name] = pa.array(values, from_pandas=True)
        else:
            data[name] = pa.array(values)
    return pa.table(data)


def evidence(
    reports: "pa.Table | ReportFrame",
    pairs: pa.Table | None = None,
    settings: LinkSettings | None = None,
    persons: pa.Table | None = None,
) -> pa.Table:
    """Evidence variables for pairs of reports, as an Arrow table (see the module doc).

    ``pairs`` is a table with report_id_a and report_id_b (default: all candidate pairs under
    ``settings``). Unknown report ids raise ValueError. One row per pair, in the given order.
    """
    frame = as_frame(reports, persons)
    if pairs is None:
        i, j = candidate_rows(frame, settings)
    else:
        i = frame.rows_of(pairs.column("report_id_a").to_numpy())
        j = frame.rows_of(pairs.column("report_id_b").to_numpy())
    return evidence_table(frame, EvidenceMaker(frame)(i, j))
