"""Writing the dataset: caselink CSV (docs/formats.md) through pyarrow, byte for byte repeatable.

Converting Python strings is what costs time, so columns drawn from a small set of values are
passed as ``Labelled`` (an index per row into a list of labels) and become Arrow strings with one
``take``; times go through numpy's own ISO formatting; identifiers are assembled by Arrow.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from caselink.interchange.csv_writing import safe_text_column

_OPTIONS = pa_csv.WriteOptions(include_header=True, quoting_style="needed")


@dataclass(frozen=True, slots=True)
class Labelled:
    """A text column as an index per row into ``labels``; index -1 or a None label is empty."""

    codes: np.ndarray
    labels: Sequence[str | None]

    def __getitem__(self, rows: np.ndarray) -> "Labelled":
        return Labelled(self.codes[rows], self.labels)

    def to_arrow(self) -> pa.Array:
        """The column as an Arrow string array (nulls where empty)."""
        labels = list(self.labels)
        blank = np.array([v is None for v in labels] + [True])
        codes = np.where(self.codes < 0, len(labels), self.codes)
        dictionary = pa.array([*labels, None], type=pa.string())
        index = pa.array(codes.astype(np.int32), mask=blank[codes])
        return pc.take(dictionary, index)

    def values(self) -> np.ndarray:
        """The column as a numpy object array (None where empty), for tests and small uses."""
        table = np.array([*self.labels, None], dtype=object)
        return np.asarray(table[np.where(self.codes < 0, len(self.labels), self.codes)])


Column: TypeAlias = np.ndarray | list[str | None] | Labelled | pa.Array


def iso_times(values: np.ndarray) -> pa.Array:
    """ISO 8601 text ("2017-04-01T23:15:00") for datetime64 values; null (empty) for NaT."""
    # Arrow's own cast is far faster than numpy's formatting; it writes a space for the "T".
    stamps = pa.array(values.astype("datetime64[s]"), mask=np.isnat(values))
    return pc.replace_substring(pc.cast(stamps, pa.string()), " ", "T")


def numbered(prefix: Labelled, numbers: np.ndarray, width: int, separator: str = "-") -> pa.Array:
    """Identifiers ``<prefix><separator><number zero-padded to width>``, assembled by Arrow."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix.to_arrow(), digits, separator)


def joined(first: pa.Array, second: pa.Array, separator: str) -> pa.Array:
    """Two string columns joined row by row with ``separator``."""
    return pc.binary_join_element_wise(first, second, separator)


def blank_where(values: pa.Array, empty: np.ndarray) -> pa.Array:
    """The column with the rows where ``empty`` is true set to null (an empty cell)."""
    return pc.if_else(pa.array(empty), pa.nulls(len(values), pa.string()), values)


def to_arrow(values: Column) -> pa.Array:
    """Any column shape the generator uses as an Arrow array (see the module docstring)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if isinstance(values, Labelled):
        return values.to_arrow()
    if isinstance(values, np.ndarray):
        kind = values.dtype.kind
        if kind == "f":
            return pa.array(values, mask=np.isnan(values))
        if kind in "iub":
            return pa.array(values)
        if kind == "U":
            return pa.array(values, type=pa.string(), mask=values == "")
        values = values.tolist()
    # From a list, pyarrow converts Python strings about twice as fast as from an object array.
    return pa.array(values, type=pa.string())


def write_table(path: Path, columns: dict[str, Column]) -> int:
    """Write the columns (in the given order) as an RFC 4180 CSV; empty cells for nulls.

    Numbers are written as pyarrow formats them (shortest round trip), which does not vary
    between runs, so the same columns always give the same bytes.
    """
    # Text cells are written safe for a spreadsheet, as every CSV file caselink writes.
    table = pa.table({name: safe_text_column(to_arrow(values)) for name, values in columns.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    pa_csv.write_csv(table, path, write_options=_OPTIONS)
    return int(table.num_rows)
