"""The input of linkage: one Arrow table of reports, and its checked, columnar form.

Input table (``pyarrow.Table``), one row per report:

==========================  =========================  ====================================
column                      type                       meaning
==========================  =========================  ====================================
report_id                   int64, unique, not null    the caller's stable id of the report
force                       string, not null           the recording force
reference                   string                     the force's reference (for display)
status                      string                     incident, crime, n100, transferred,
                                                       cancelled (null: incident)
cancellation_code           string or null             C1..C4 for transferred/cancelled
offence_code                string or null             Home Office code, e.g. 19C
reported_at                 timestamp, not null        first contact
occurred_from/occurred_to   timestamp or null          the offence window; no end = moment
latitude, longitude         float64 or null            WGS84 degrees
x, y                        float64 or null            projected grid metres (e.g. BNG)
area_code                   string or null (optional)  e.g. an LSOA code
behaviours                  list<string>               "domain:code" behaviours
attributes                  map<string, list<string>>  free mo.* attributes: name -> values
                            or JSON text
offender_sex                string or null             male, female (unknown = null)
offender_age_band           string or null             "25-34", "30", "40+"
offender_height             string or null             centimetres: "170-180", "175"
offender_build              string or null             as described
offender_ethnic_appearance  string or null             as described
relationship                string or null             stranger, acquaintance, ...
==========================  =========================  ====================================

Optional ``persons`` table: ``report_id`` int64, ``entity_id`` string — the resolved person
entities named as suspects in each report; it feeds the "same person named" evidence, which is
missing when no persons table is given or a report names nobody.

Timestamps of any unit are accepted; naive ones are taken as UTC. Columns other than
``report_id``, ``force`` and ``reported_at`` may be absent and then count as unknown.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from caselink.domain.errors import InvalidValue
from caselink.domain.values import parse_range
from caselink.linkage.offences.memory import release_freed
from caselink.linkage.offences.time_gaps import uk_offset_hours

REQUIRED = ("report_id", "force", "reported_at")
STRING_COLUMNS = (
    "reference",
    "status",
    "cancellation_code",
    "offence_code",
    "area_code",
    "offender_sex",
    "offender_age_band",
    "offender_height",
    "offender_build",
    "offender_ethnic_appearance",
    "relationship",
)
FLOAT_COLUMNS = ("latitude", "longitude", "x", "y")
TIME_COLUMNS = ("reported_at", "occurred_from", "occurred_to")
STATUSES = ("incident", "crime", "n100", "transferred", "cancelled")

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Words = NDArray[np.uint64]

_US_PER_DAY = 86_400_000_000


class InvalidInput(InvalidValue, ValueError):
    """An input table linkage cannot use: a domain refusal that is also a ValueError."""


_TS = pa.timestamp("us", tz="UTC")
REPORTS_SCHEMA = pa.schema(
    [
        pa.field("report_id", pa.int64(), nullable=False),
        pa.field("force", pa.string(), nullable=False),
        pa.field("reference", pa.string()),
        pa.field("status", pa.string()),
        pa.field("cancellation_code", pa.string()),
        pa.field("offence_code", pa.string()),
        pa.field("reported_at", _TS, nullable=False),
        pa.field("occurred_from", _TS),
        pa.field("occurred_to", _TS),
        pa.field("latitude", pa.float64()),
        pa.field("longitude", pa.float64()),
        pa.field("x", pa.float64()),
        pa.field("y", pa.float64()),
        pa.field("area_code", pa.string()),
        pa.field("behaviours", pa.list_(pa.string())),
        pa.field("attributes", pa.map_(pa.string(), pa.list_(pa.string()))),
        pa.field("offender_sex", pa.string()),
        pa.field("offender_age_band", pa.string()),
        pa.field("offender_height", pa.string()),
        pa.field("offender_build", pa.string()),
        pa.field("offender_ethnic_appearance", pa.string()),
        pa.field("relationship", pa.string()),
    ]
)
PERSONS_SCHEMA = pa.schema([pa.field("report_id", pa.int64()), pa.field("entity_id", pa.string())])
LABELS_SCHEMA = pa.schema([pa.field("offender_id", pa.string()), pa.field("report_id", pa.int64())])


def reports_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """An input table in REPORTS_SCHEMA from plain rows (dicts); a missing key is null, an
    ``attributes`` dict becomes a map and datetimes must carry their time zone or be UTC."""
    columns: dict[str, list[Any]] = {f.name: [] for f in REPORTS_SCHEMA}
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise InvalidInput("reports", sorted(unknown), "not columns of the input schema")
        for name, values in columns.items():
            value = row.get(name)
            if name == "attributes" and isinstance(value, Mapping):
                value = [(k, [v] if isinstance(v, str) else list(v)) for k, v in value.items()]
            if name == "behaviours" and value is None:
                value = []
            values.append(value)
    return pa.table(
        {f.name: pa.array(columns[f.name], type=f.type) for f in REPORTS_SCHEMA},
        schema=REPORTS_SCHEMA,
    )


@dataclass(frozen=True, slots=True)
class Bitsets:
    """Sets of values per report as bit rows: ``bits[i]`` has bit k set when report i has
    ``vocabulary[k]``; ``groups`` maps a group name (a behaviour domain) to its bit mask."""

    vocabulary: tuple[str, ...]
    bits: Words  # shape (n, words)
    groups: Mapping[str, Words] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportFrame:
    """The reports as checked numpy columns, row i for report ``report_id[i]``.

    Times are float days since 1970-01-01 UTC (NaN unknown); ``cand_lo``/``cand_hi`` is the
    window used to choose candidates (the offence window, or the moment of first contact when
    the offence time is unknown). ``local_lo``/``local_hi`` are the offence window on the UK
    clock in hours. Codes are small integers with -1 for unknown.
    """

    report_id: Ints
    force: NDArray[np.object_]
    force_code: Ints
    reference: NDArray[np.object_]
    status: NDArray[np.object_]
    cancellation_code: NDArray[np.object_]
    area_code: Ints
    reported_at: Floats
    occ_lo: Floats
    occ_hi: Floats
    cand_lo: Floats
    cand_hi: Floats
    local_lo: Floats
    local_hi: Floats
    latitude: Floats
    longitude: Floats
    x: Floats
    y: Floats
    behaviours: Bitsets
    attributes: Mapping[str, Bitsets]
    sex: Ints
    age_lo: Floats
    age_hi: Floats
    height_lo: Floats
    height_hi: Floats
    build: Ints
    ethnic: Ints
    relationship: Ints
    relationship_levels: tuple[str, ...]
    suspects: Mapping[int, frozenset[int]] | None  # row -> entity codes; None: no persons table

    @property
    def n(self) -> int:
        return int(self.report_id.shape[0])

    def rows_of(self, report_ids: Sequence[int] | Ints) -> Ints:
        """Row numbers of the given report ids; unknown ids raise ValueError naming them."""
        ids = np.asarray(report_ids, dtype=np.int64)
        order = np.argsort(self.report_id, kind="stable")
        pos = np.searchsorted(self.report_id, ids, sorter=order)
        pos = np.clip(pos, 0, max(self.n - 1, 0))
        rows = order[pos] if self.n else np.zeros(0, dtype=np.int64)
        found = (self.report_id[rows] == ids) if self.n else np.zeros(ids.shape, dtype=bool)
        if not found.all():
            missing = sorted({int(v) for v in ids[~found]})
            shown = ", ".join(str(v) for v in missing[:20])
            more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
            raise ValueError(f"unknown report ids: {shown}{more}")
        return rows.astype(np.int64)

    def take(self, rows: Ints) -> "ReportFrame":
        """The frame of ``rows`` in that order (row k of the result is row ``rows[k]`` here)."""
        rows = np.asarray(rows, dtype=np.int64)
        changes: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                changes[name] = value[rows]
        changes["behaviours"] = replace(self.behaviours, bits=self.behaviours.bits[rows])
        changes["attributes"] = {
            k: replace(v, bits=v.bits[rows]) for k, v in self.attributes.items()
        }
        if self.suspects is not None:
            old = self.suspects
            changes["suspects"] = {new: old[r] for new, r in enumerate(rows.tolist()) if r in old}
        return replace(self, **changes)

    @classmethod
    def from_arrow(cls, reports: pa.Table, persons: pa.Table | None = None) -> "ReportFrame":
        """Check and convert the input table (and the optional persons table), see the module doc.

        Refuses a table without the required columns, with null or duplicate report ids, or an
        unknown status; coerces numbers and timestamps; unparsable age or height bands count as
        unknown rather than failing a whole national run.
        """
        frame = _build(reports, persons)
        if frame.n >= _LARGE:
            release_freed()  # the conversion's working memory, 0.6 GB for ten national years
        return frame


def as_frame(reports: "pa.Table | ReportFrame", persons: pa.Table | None = None) -> ReportFrame:
    """A ReportFrame from either form; a frame passes through unchanged."""
    if isinstance(reports, ReportFrame):
        if persons is not None:
            return _with_persons(reports, persons)
        return reports
    return ReportFrame.from_arrow(reports, persons)


# a frame worth handing its conversion's memory back after: a query's frame of a few reports
# frees little, and trimming the allocator's heap on every query would cost more than it gives
_LARGE = 100_000


def _column(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    return table.column(name) if name in table.column_names else None


def _strings(table: pa.Table, name: str) -> NDArray[np.object_]:
    col = _column(table, name)
    if col is None:
        return np.full(table.num_rows, None, dtype=object)
    values = col.cast(pa.string()).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=object)


def _floats(table: pa.Table, name: str) -> Floats:
    col = _column(table, name)
    if col is None:
        return np.full(table.num_rows, np.nan)
    # A copy: Arrow's zero-copy view is read-only, and bad coordinates are blanked in place.
    return np.array(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def _days(table: pa.Table, name: str) -> Floats:
    col = _column(table, name)
    if col is None:
        return np.full(table.num_rows, np.nan)
    if not pa.types.is_timestamp(col.type):
        raise InvalidInput(name, str(col.type), "must be a timestamp column")
    tz = col.type.tz
    col = col.cast(pa.timestamp("us", tz=tz)) if tz else col.cast(pa.timestamp("us"))
    micros = col.cast(pa.int64()).to_numpy(zero_copy_only=False)
    # to_numpy gives float with NaN for nulls when there are any
    return np.asarray(micros, dtype=np.float64) / _US_PER_DAY


_UNKNOWN_WORDS = frozenset({"unknown", "not known", "n/k", "nk"})


def _codes(values: NDArray[np.object_], lower: bool = True) -> tuple[Ints, tuple[str, ...]]:
    cleaned = [
        (v.strip().lower() if lower else v.strip()) if isinstance(v, str) and v.strip() else None
        for v in values
    ]
    # "unknown" written in a description field says nothing about the offender
    cleaned = [None if v is not None and v.lower() in _UNKNOWN_WORDS else v for v in cleaned]
    levels = tuple(sorted({v for v in cleaned if v is not None}))
    index = {v: k for k, v in enumerate(levels)}
    codes = np.fromiter(
        (index[v] if v is not None else -1 for v in cleaned), np.int64, len(cleaned)
    )
    return codes, levels


def _bands(values: NDArray[np.object_], name: str, upper: int) -> tuple[Floats, Floats]:
    lo = np.full(values.shape[0], np.nan)
    hi = np.full(values.shape[0], np.nan)
    cache: dict[str, tuple[int, int] | None] = {}
    for k, v in enumerate(values):
        if not isinstance(v, str) or not v.strip():
            continue
        if v not in cache:
            try:
                cache[v] = parse_range(name, v, upper)
            except InvalidValue:
                cache[v] = None  # an unreadable band is unknown, not fatal
        band = cache[v]
        if band is not None:
            lo[k], hi[k] = band
    return lo, hi


def bitsets(rows: Sequence[Sequence[str]], vocabulary: Sequence[str] | None = None) -> Bitsets:
    """Encode each row's set of strings as bits over ``vocabulary`` (default: the sorted values
    seen). Values outside a given vocabulary are dropped, which is how a saved model ignores a
    code it never saw in training."""
    if vocabulary is None:
        vocabulary = sorted({v for row in rows for v in row})
    vocab = tuple(vocabulary)
    index = {v: k for k, v in enumerate(vocab)}
    r_idx: list[int] = []
    b_idx: list[int] = []
    for r, row in enumerate(rows):
        for v in row:
            k = index.get(v)
            if k is not None:
                r_idx.append(r)
                b_idx.append(k)
    at = np.asarray(b_idx, dtype=np.int64)
    return Bitsets(vocab, _bits(len(rows), len(vocab), np.asarray(r_idx, dtype=np.int64), at))


def _bits(n: int, n_values: int, rows: Ints, at: Ints) -> Words:
    # n rows of bits over n_values values, bit at[k] set in row rows[k]
    bits = np.zeros((n, max(1, (n_values + 63) // 64)), dtype=np.uint64)
    if at.shape[0]:
        shifted = np.left_shift(np.uint64(1), (at % 64).astype(np.uint64))
        np.bitwise_or.at(bits, (rows, at // 64), shifted)
    return bits


def _pairs_bitsets(n: int, rows: Ints, values: pa.Array) -> Bitsets:
    # bitsets() from (row, value) pairs held as arrays, the vocabulary sorted
    vocab = pc.unique(values).sort() if len(values) else pa.array([], pa.string())
    at = np.asarray(pc.index_in(values, vocab).to_numpy(zero_copy_only=False), np.int64)
    return Bitsets(tuple(vocab.to_pylist()), _bits(n, len(vocab), rows, at))


def _clean_values(lists: pa.Array) -> tuple[Ints, pa.Array]:
    # every value of a list column, trimmed and lower-cased (as str.strip().lower() would),
    # blanks left out, with the row it came from: a few passes over the column, not a loop
    # over the reports
    parent = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), np.int64)
    cleaned = pc.utf8_lower(pc.utf8_trim_whitespace(pc.list_flatten(lists)))
    given = pc.fill_null(pc.greater(pc.utf8_length(cleaned), 0), False)
    return parent[np.asarray(given.to_numpy(zero_copy_only=False), bool)], cleaned.filter(given)


def _behaviour_bits(table: pa.Table) -> Bitsets:
    col = _column(table, "behaviours")
    if col is not None and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        raise InvalidInput("behaviours", str(col.type), "must be a list of 'domain:code' strings")
    if col is not None and pa.types.is_list(col.type) and pa.types.is_string(col.type.value_type):
        lists = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        sets = _pairs_bitsets(table.num_rows, *_clean_values(lists))
    else:
        rows: list[list[str]] = [[] for _ in range(table.num_rows)]
        if col is not None:
            rows = [
                [str(v).strip().lower() for v in (row or []) if v and str(v).strip()]
                for row in col.to_pylist()
            ]
        sets = bitsets(rows)
    groups: dict[str, Words] = {}
    for k, value in enumerate(sets.vocabulary):
        domain = value.split(":", 1)[0] if ":" in value else "other"
        mask = groups.setdefault(domain, np.zeros(sets.bits.shape[1], dtype=np.uint64))
        mask[k // 64] |= np.uint64(1) << np.uint64(k % 64)
    return Bitsets(sets.vocabulary, sets.bits, dict(sorted(groups.items())))


def _attribute_rows(table: pa.Table) -> list[dict[str, list[str]]]:
    col = _column(table, "attributes")
    if col is None:
        return [{} for _ in range(table.num_rows)]
    out: list[dict[str, list[str]]] = []
    for raw in col.to_pylist():
        parsed: Any = json.loads(raw) if isinstance(raw, str) and raw.strip() else raw
        if parsed is None:
            out.append({})
            continue
        items = parsed.items() if isinstance(parsed, Mapping) else parsed  # Arrow maps: pairs
        row: dict[str, list[str]] = {}
        for name, values in items:
            if values is None:
                continue
            vals = [values] if isinstance(values, str) else list(values)
            cleaned = [str(v).strip().lower() for v in vals if v is not None and str(v).strip()]
            if cleaned:
                row[str(name)] = cleaned
        out.append(row)
    return out


def _map_attribute_bits(col: "pa.Array | pa.ChunkedArray", n: int) -> dict[str, Bitsets]:
    # _attribute_bits of a map<string, list<string>> column, in passes over the column
    maps = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    # the same offsets over the (key, value) entries, as a plain list the list kernels take
    lists = pa.ListArray.from_arrays(maps.offsets, maps.values)
    entry_row = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), np.int64)
    entries = pc.list_flatten(lists)
    value_entry, values = _clean_values(entries.field("value"))
    names = entries.field("key").take(pa.array(value_entry, pa.int64()))
    rows = entry_row[value_entry]
    out: dict[str, Bitsets] = {}
    for name in sorted(pc.unique(names).to_pylist()):
        mine = pc.equal(names, name)
        picked = np.asarray(mine.to_numpy(zero_copy_only=False), bool)
        out[str(name)] = _pairs_bitsets(n, rows[picked], values.filter(mine))
    return out


def _attribute_bits(table: pa.Table) -> dict[str, Bitsets]:
    col = _column(table, "attributes")
    if (
        col is not None
        and pa.types.is_map(col.type)
        and pa.types.is_string(col.type.key_type)
        and pa.types.is_list(col.type.item_type)
        and pa.types.is_string(col.type.item_type.value_type)
    ):
        return _map_attribute_bits(col, table.num_rows)
    rows = _attribute_rows(table)
    names = sorted({name for row in rows for name in row})
    return {name: bitsets([row.get(name, []) for row in rows]) for name in names}


def _suspects(report_id: Ints, persons: pa.Table) -> dict[int, frozenset[int]]:
    for name in ("report_id", "entity_id"):
        if name not in persons.column_names:
            raise InvalidInput("persons", name, "the persons table needs report_id and entity_id")
    rid = np.asarray(persons.column("report_id").cast(pa.int64()).to_numpy(zero_copy_only=False))
    ent = persons.column("entity_id").cast(pa.string()).to_pylist()
    order = np.argsort(report_id, kind="stable")
    pos = np.clip(np.searchsorted(report_id, rid, sorter=order), 0, max(len(report_id) - 1, 0))
    rows = order[pos]
    known = report_id[rows] == rid
    if not known.all():
        missing = sorted({int(v) for v in rid[~known]})[:20]
        raise ValueError(f"persons table names unknown report ids: {missing}")
    entity_code: dict[str, int] = {}
    sets: dict[int, set[int]] = {}
    for row, e in zip(rows.tolist(), ent, strict=True):
        if e is None or not str(e).strip():
            continue
        code = entity_code.setdefault(str(e), len(entity_code))
        sets.setdefault(int(row), set()).add(code)
    return {r: frozenset(s) for r, s in sets.items()}


def _with_persons(frame: ReportFrame, persons: pa.Table) -> ReportFrame:
    from dataclasses import replace

    return replace(frame, suspects=_suspects(frame.report_id, persons))


def _build(table: pa.Table, persons: pa.Table | None) -> ReportFrame:
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise InvalidInput("reports", missing, "the reports table lacks required columns")
    if table.column("report_id").null_count:
        raise InvalidInput("report_id", None, "every report needs an id")
    report_id = np.asarray(
        table.column("report_id").cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    if np.unique(report_id).shape[0] != report_id.shape[0]:
        raise InvalidInput("report_id", "duplicates", "report ids must be unique")
    force = _strings(table, "force")
    if any(f is None for f in force):
        raise InvalidInput("force", None, "every report needs its force")
    status = np.asarray(
        [(s or "incident").strip().lower() for s in _strings(table, "status")], dtype=object
    )
    unknown = sorted(set(status.tolist()) - set(STATUSES))
    if unknown:
        raise InvalidInput("status", unknown, f"must be one of {', '.join(STATUSES)}")
    reported = _days(table, "reported_at")
    if np.isnan(reported).any():
        raise InvalidInput("reported_at", None, "every report needs its first-contact time")
    occ_lo = _days(table, "occurred_from")
    occ_hi = _days(table, "occurred_to")
    occ_hi = np.where(np.isnan(occ_hi), occ_lo, occ_hi)  # no end: a moment (or an open end)
    occ_hi = np.where(np.isnan(occ_lo), np.nan, np.maximum(occ_hi, occ_lo))
    known = ~np.isnan(occ_lo)
    cand_lo = np.where(known, occ_lo, reported)
    cand_hi = np.where(known, occ_hi, reported)
    local_lo = occ_lo * 24 + uk_offset_hours(occ_lo * 24)
    local_hi = occ_hi * 24 + uk_offset_hours(occ_hi * 24)
    lat, lon = _floats(table, "latitude"), _floats(table, "longitude")
    x, y = _floats(table, "x"), _floats(table, "y")
    # half a coordinate pair is no place at all
    ll_bad = np.isnan(lat) | np.isnan(lon) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
    lat[ll_bad], lon[ll_bad] = np.nan, np.nan
    xy_bad = ~(np.isfinite(x) & np.isfinite(y))
    x[xy_bad], y[xy_bad] = np.nan, np.nan
    force_code, _ = _codes(force, lower=False)
    area_code, _ = _codes(_strings(table, "area_code"), lower=False)
    sex_raw = _strings(table, "offender_sex")
    sex = np.fromiter(
        ({"male": 0, "female": 1}.get((s or "").strip().lower(), -1) for s in sex_raw),
        np.int64,
        table.num_rows,
    )
    age_lo, age_hi = _bands(_strings(table, "offender_age_band"), "offender_age_band", 120)
    h_lo, h_hi = _bands(_strings(table, "offender_height"), "offender_height", 250)
    build, _ = _codes(_strings(table, "offender_build"))
    ethnic, _ = _codes(_strings(table, "offender_ethnic_appearance"))
    relationship, rel_levels = _codes(_strings(table, "relationship"))
    return ReportFrame(
        report_id=report_id,
        force=force,
        force_code=force_code,
        reference=_strings(table, "reference"),
        status=status,
        cancellation_code=_strings(table, "cancellation_code"),
        area_code=area_code,
        reported_at=reported,
        occ_lo=occ_lo,
        occ_hi=occ_hi,
        cand_lo=cand_lo,
        cand_hi=cand_hi,
        local_lo=local_lo,
        local_hi=local_hi,
        latitude=lat,
        longitude=lon,
        x=x,
        y=y,
        behaviours=_behaviour_bits(table),
        attributes=_attribute_bits(table),
        sex=sex,
        age_lo=age_lo,
        age_hi=age_hi,
        height_lo=h_lo,
        height_hi=h_hi,
        build=build,
        ethnic=ethnic,
        relationship=relationship,
        relationship_levels=rel_levels,
        suspects=None if persons is None else _suspects(report_id, persons),
    )
