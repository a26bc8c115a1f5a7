"""Person records made comparable: standardised names, dates, places, phones and identifiers.

The input is one Arrow table of person records as stored (``PERSON_RECORD_COLUMNS``); the
output is a DuckDB table with the columns the comparisons read (``persons.comparisons``). It
runs as SQL in DuckDB so a million records take seconds. Nothing here refuses a record: a
field that cannot be read becomes null, and a record with nothing left to compare is marked
unresolvable (it becomes an entity of its own and is counted in the run's figures).
"""

from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any

import duckdb
import pyarrow as pa

PERSON_RECORD_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("report_id", pa.int64()),
        ("role", pa.string()),
        ("source_id", pa.string()),
        ("forename", pa.string()),
        ("surname", pa.string()),
        ("aliases", pa.string()),  # "Forename Surname|Forename Surname"
        ("dob_as_given", pa.string()),
        ("dob", pa.date32()),  # parsed from ISO 8601 at import, else null
        ("address", pa.string()),
        ("postcode", pa.string()),
        ("phone", pa.string()),
        ("identifiers", pa.string()),  # "PNC|other"
        ("force", pa.string()),  # the force of the report that records the person
    ]
)
PERSON_RECORD_COLUMNS = tuple(PERSON_RECORD_SCHEMA.names)

PREPARED_TABLE = "person_prepared"
# Dates of birth written day first, as officers in England and Wales write them. A month-first
# date reads as a different (or no) date; the "day and month swapped" level recovers it.
_DAY_FIRST_FORMATS = ("%d/%m/%Y", "%d/%m/%y")
_EARLIEST_BIRTH = date(1900, 1, 1)


def nickname_pairs() -> list[tuple[str, str]]:
    """The shipped (full name, short form) pairs, lower case: Robert/Bob, Margaret/Peggy, …"""
    text = (files("caselink.linkage.persons") / "nicknames.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.splitlines()[1:] if line.strip()]
    return [(name.strip(), nick.strip()) for name, nick in rows]


@dataclass(frozen=True, slots=True)
class PreparedFigures:
    """What preparation found: how many records, and how many it could not use fully."""

    records: int
    resolvable: int
    unresolvable: int  # nothing to compare: no name, date, place, phone or identifier
    thin: int  # one name part and nothing else: resolved on what they have
    dob_given: int
    dob_unreadable: int  # a date of birth was written but could not be read as a date

    def to_dict(self) -> dict[str, int]:
        return {
            "records": self.records,
            "resolvable": self.resolvable,
            "unresolvable": self.unresolvable,
            "thin": self.thin,
            "dob_given": self.dob_given,
            "dob_unreadable": self.dob_unreadable,
        }


def one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The first row of a query, every result fetched (DuckDB refuses work beside an open one)."""
    rows = con.execute(sql).fetchall()
    return tuple(rows[0]) if rows else ()


def check_records(records: pa.Table) -> pa.Table:
    """The records with exactly the expected columns and types (missing text columns as null)."""
    missing = [n for n in ("person_id", "role") if n not in records.column_names]
    if missing:
        raise ValueError(f"person records need the columns {missing}")
    columns = []
    for field in PERSON_RECORD_SCHEMA:
        if field.name in records.column_names:
            columns.append(records.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(records.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=PERSON_RECORD_SCHEMA)


def _name(expr: str) -> str:
    # Letters only, accents folded, lower case; empty becomes null.
    return f"nullif(regexp_replace(strip_accents(lower(trim({expr}))), '[^\\pL]', '', 'g'), '')"


def preparation_sql(today: date) -> str:
    """The SQL that turns ``person_input`` into ``person_prepared`` (testable without running)."""
    short = _DAY_FIRST_FORMATS[1]
    forename = _name("split_part(trim(coalesce(forename, '')), ' ', 1)")
    surname = _name("coalesce(surname, '')")
    alias_forename = _name("split_part(trim(x), ' ', 1)")
    alias_surname = _name("regexp_replace(trim(x), '^\\S+\\s*', '')")
    return f"""
CREATE OR REPLACE TABLE {PREPARED_TABLE} AS
WITH nick AS (
    SELECT nickname, list(name ORDER BY name) AS full_names FROM person_nicknames GROUP BY 1
),
-- Aliases one per row: inside a list lambda DuckDB compiled each pattern again for every
-- element, most of the preparation's time on a million records; here it compiles them once.
alias_parts AS (
    SELECT person_id, unnest(parts) AS x, generate_subscripts(parts, 1) AS i
    FROM (
        SELECT person_id, string_split(aliases, '|') AS parts FROM person_input
        WHERE nullif(trim(aliases), '') IS NOT NULL
    )
),
alias_lists AS (
    SELECT person_id, list(alias ORDER BY i) AS alias_names
    FROM (
        SELECT person_id, i,
            nullif(concat_ws(' ', {alias_forename}, {alias_surname}), '') AS alias
        FROM alias_parts
    )
    WHERE contains(alias, ' ')
    GROUP BY person_id
),
base AS (
    SELECT
        person_id AS unique_id,
        role,
        nullif(lower(trim(coalesce(force, ''))), '') AS force_std,
        {forename} AS forename_std,
        {surname} AS surname_std,
        nullif(trim(coalesce(dob_as_given, '')), '') AS dob_text,
        regexp_replace(trim(coalesce(dob_as_given, '')), '[.\\- ]', '/', 'g') AS dob_slashed,
        dob AS dob_iso,
        nullif(trim(regexp_replace(lower(coalesce(address, '')), '[^a-z0-9]+', ' ', 'g')), '')
            AS address_std,
        nullif(regexp_replace(upper(coalesce(postcode, '')), '[^A-Z0-9]', '', 'g'), '')
            AS postcode_raw,
        nullif(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), '') AS phone_digits,
        list_filter(
            list_transform(string_split(coalesce(identifiers, ''), '|'),
                lambda x: regexp_replace(upper(x), '\\s', '', 'g')),
            lambda x: x <> '') AS identifier_list,
        a.alias_names
    FROM person_input LEFT JOIN alias_lists a USING (person_id)
),
dated AS (
    SELECT *,
        coalesce(dob_iso, CASE
            WHEN regexp_full_match(dob_slashed, '\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}')
                THEN CAST(try_strptime(dob_slashed, '{_DAY_FIRST_FORMATS[0]}') AS DATE)
            -- A two-digit year read as the future is last century's.
            WHEN regexp_full_match(dob_slashed, '\\d{{1,2}}/\\d{{1,2}}/\\d{{2}}')
                THEN CAST(CAST(try_strptime(dob_slashed, '{short}') AS DATE)
                    - CASE WHEN CAST(try_strptime(dob_slashed, '{short}') AS DATE)
                        > DATE '{today.isoformat()}' THEN INTERVAL 100 YEAR
                        ELSE INTERVAL 0 YEAR END AS DATE)
        END) AS dob_read,
        CASE WHEN regexp_full_match(coalesce(dob_text, ''), '(\\d{{1,2}}[/.\\- ])?(1[89]|20)\\d\\d')
            THEN CAST(right(dob_text, 4) AS INTEGER) END AS partial_year
    FROM base
),
checked AS (
    SELECT *,
        CASE WHEN dob_read BETWEEN DATE '{_EARLIEST_BIRTH.isoformat()}'
            AND DATE '{today.isoformat()}' THEN dob_read END AS dob_date
    FROM dated
)
SELECT
    c.unique_id,
    c.role,
    c.force_std,
    c.forename_std,
    c.surname_std,
    CASE WHEN c.forename_std IS NOT NULL AND c.surname_std IS NOT NULL
        THEN c.forename_std || ' ' || c.surname_std END AS full_name,
    CASE WHEN c.forename_std IS NOT NULL
        THEN list_distinct(list_concat([c.forename_std], coalesce(n.full_names, [])))
        END AS forename_alts,
    coalesce(n.full_names[1], c.forename_std) AS forename_key,
    CAST(strftime(c.dob_date, '%Y-%m-%d') AS VARCHAR) AS dob,
    coalesce(year(c.dob_date), CASE WHEN c.dob_text IS NOT NULL
        AND c.partial_year BETWEEN {_EARLIEST_BIRTH.year} AND {today.year}
        THEN c.partial_year END) AS dob_year,
    c.dob_text IS NOT NULL AS dob_given,
    CASE WHEN length(c.postcode_raw) BETWEEN 5 AND 7
        THEN left(c.postcode_raw, length(c.postcode_raw) - 3) || ' ' || right(c.postcode_raw, 3)
        ELSE c.postcode_raw END AS postcode_std,
    c.address_std,
    CASE
        WHEN c.phone_digits LIKE '0044%' THEN '0' || c.phone_digits[5:]
        WHEN c.phone_digits LIKE '44%' AND length(c.phone_digits) = 12
            THEN '0' || c.phone_digits[3:]
        ELSE c.phone_digits END AS phone_std,
    CASE WHEN len(c.identifier_list) > 0 THEN c.identifier_list END AS identifiers,
    c.identifier_list[1] AS first_identifier,
    CASE WHEN len(c.alias_names) > 0 THEN c.alias_names END AS alias_names,
    c.alias_names[1] AS first_alias
FROM checked c LEFT JOIN nick n ON n.nickname = c.forename_std
"""


def _evidence_count_sql() -> str:
    return """
    (forename_std IS NOT NULL)::INT + (surname_std IS NOT NULL)::INT
    + (dob_year IS NOT NULL)::INT + (postcode_std IS NOT NULL OR address_std IS NOT NULL)::INT
    + (phone_std IS NOT NULL AND length(phone_std) >= 9)::INT
    + (identifiers IS NOT NULL)::INT + (alias_names IS NOT NULL)::INT
    """


def prepare(
    con: duckdb.DuckDBPyConnection, records: pa.Table, *, today: date
) -> tuple[PreparedFigures, pa.Table]:
    """Load ``records`` into ``con`` and build ``person_prepared`` from them.

    Returns the figures and the ids of the unresolvable records (``unique_id``), which are left
    out of ``person_prepared``. ``today`` bounds dates of birth (none after it, none before
    1900) and decides the century of two-digit years.
    """
    records = check_records(records)
    con.register("person_input_arrow", records)
    con.execute("CREATE OR REPLACE TEMP TABLE person_input AS SELECT * FROM person_input_arrow")
    con.unregister("person_input_arrow")
    pairs = pa.table(
        {
            "name": [p[0] for p in nickname_pairs()],
            "nickname": [p[1] for p in nickname_pairs()],
        }
    )
    con.register("person_nicknames", pairs)
    con.execute(preparation_sql(today))
    con.unregister("person_nicknames")
    con.execute(f"ALTER TABLE {PREPARED_TABLE} ADD COLUMN evidence INTEGER")
    con.execute(f"UPDATE {PREPARED_TABLE} SET evidence = {_evidence_count_sql()}")
    row = one_row(
        con,
        f"""SELECT count(*),
            count(*) FILTER (WHERE evidence = 0),
            count(*) FILTER (WHERE evidence = 1 AND (forename_std IS NOT NULL
                OR surname_std IS NOT NULL)),
            count(*) FILTER (WHERE dob_given),
            count(*) FILTER (WHERE dob_given AND dob_year IS NULL)
        FROM {PREPARED_TABLE}""",
    )
    total, none, thin, given, unreadable = (int(v) for v in row)
    unresolvable = con.sql(
        f"SELECT unique_id FROM {PREPARED_TABLE} WHERE evidence = 0 ORDER BY unique_id"
    ).to_arrow_table()
    con.execute(f"DELETE FROM {PREPARED_TABLE} WHERE evidence = 0")
    con.execute("DROP TABLE person_input")
    figures = PreparedFigures(total, total - none, none, thin, given, unreadable)
    return figures, unresolvable
