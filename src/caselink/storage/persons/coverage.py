"""Which person records a resolution run covers, and the entity rows it need not store.

A run reads every person record there is and puts each in an entity; most records stand alone
(on a national store, 978,088 entities of 1,015,428 records). Writing a row for each of those
took most of a run's write, so a run stores:

* ``person_run_records``: the ids it read, as ranges of consecutive ids (usually one range);
* ``person_entities``: a row for every record that shares its entity with another record, or
  has a probability, or whose entity is not named after itself.

A covered record without a row stood alone: its entity is ``domain.person.entity_name`` of its
own id and it has no probability. A record outside the ranges is not covered (recorded since,
say), which the complainant rule treats differently from a record the run kept apart.
"""

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import ColumnElement, String, and_, cast, literal

from caselink.domain.person import ENTITY_PREFIX
from caselink.storage.tables import person_run_records, persons


def covered_ranges(person_ids: pa.Array | pa.ChunkedArray) -> list[tuple[int, int]]:
    """The ids as ranges of consecutive ids, (first, last) with both in, in order."""
    ids = np.unique(np.asarray(person_ids.to_numpy(), dtype=np.int64))
    if not ids.size:
        return []
    breaks = np.flatnonzero(np.diff(ids) != 1)
    firsts = np.concatenate((ids[:1], ids[breaks + 1]))
    lasts = np.concatenate((ids[breaks], ids[-1:]))
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def rows_to_store(entities: pa.Table) -> pa.Table:
    """The entity rows (``person_id``, ``entity_id``, ``match_probability``) a run must store:
    all but those of records alone in an entity named after them, without a probability."""
    names = entities.column("entity_id").cast(pa.string())
    counted = pc.value_counts(names)
    size = pc.take(counted.field("counts"), pc.index_in(names, value_set=counted.field("values")))
    own = pc.binary_join_element_wise(
        ENTITY_PREFIX, entities.column("person_id").cast(pa.string()), ""
    )
    alone = pc.and_(
        pc.and_(pc.equal(names, own), pc.is_null(entities.column("match_probability"))),
        pc.equal(size, 1),
    )
    return entities.filter(pc.invert(pc.fill_null(alone, False)))


def alone_id(entity_id: str) -> int | None:
    """The record an entity is named after, when the name is ``entity_name``'s."""
    digits = entity_id.removeprefix(ENTITY_PREFIX)
    return int(digits) if digits != entity_id and digits.isdigit() else None


def named_after(person_id: Any) -> ColumnElement[str]:
    """SQL for ``entity_name`` of a person id column: the entity of a record that stood alone."""
    return literal(ENTITY_PREFIX, String) + cast(person_id, String)


def covers(run_id: int) -> ColumnElement[bool]:
    """Join condition: ``person_run_records`` holds run ``run_id``'s range of ``persons.id``."""
    c = person_run_records.c
    return and_(c.run_id == run_id, persons.c.id.between(c.first_id, c.last_id))


class Coverage:
    """A run's ranges of person ids, to ask of single ids which the run covers."""

    def __init__(self, ranges: Sequence[tuple[int, int]]) -> None:
        self._firsts = [first for first, _ in ranges]
        self._lasts = [last for _, last in ranges]

    def __contains__(self, person_id: object) -> bool:
        if not isinstance(person_id, int):
            return False
        at = bisect_right(self._firsts, person_id) - 1
        return at >= 0 and person_id <= self._lasts[at]
