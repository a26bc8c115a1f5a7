"""A synthetic dataset's persons.csv read straight into person resolution's input records.

For measuring and testing person resolution on the synthetic data without a store: the records
are numbered from 1 in file order, and a date of birth is read only when written as ISO 8601
(as the importer reads it, ``domain.person.DateOfBirth``); what was given is kept beside it.
"""

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from caselink.interchange.caselink_csv import PERSON_COLUMNS


def person_records(persons_csv: Path) -> pa.Table:
    """persons.csv as the records ``persons resolve`` reads from a store (``person_id``,
    ``role``, ``source_id``, names, ``dob_as_given``, ``dob``, address, ``identifiers``,
    ``force``)."""
    t = pcsv.read_csv(
        persons_csv,
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(PERSON_COLUMNS, pa.string())
        ),
    )
    given = t["date_of_birth"]
    iso = pc.if_else(pc.match_substring_regex(given, r"^\d{4}-\d{2}-\d{2}$"), given, None)
    return pa.table(
        {
            "person_id": pa.array(range(1, t.num_rows + 1), pa.int64()),
            "role": t["role"],
            "source_id": t["source_id"],
            "forename": t["forename"],
            "surname": t["surname"],
            "aliases": t["aliases"],
            "dob_as_given": given,
            "dob": pc.strptime(iso, format="%Y-%m-%d", unit="s").cast(pa.date32()),
            "address": t["address"],
            "postcode": t["postcode"],
            "phone": t["phone"],
            "identifiers": t["identifier"],
            "force": t["force"],
        }
    )
