"""JSON lines round trip; pseudonymised documents never carry a complainant's identity."""

import json
import tomllib
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

from caselink.domain.behaviours import Behaviour, Taxonomy
from caselink.domain.person import DateOfBirth, Person, PersonRole
from caselink.domain.report import Report
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.values import Location
from caselink.interchange.jsonl import dumps, read_reports, report_document
from caselink.interchange.pseudonymise import postcode_district, pseudonymised_document

TAXONOMY = Taxonomy.from_mapping(
    tomllib.loads((files("caselink.data") / "behaviour_taxonomy.toml").read_text(encoding="utf-8"))
)
T0 = datetime(2024, 3, 7, 23, 15, tzinfo=UTC)


def sample() -> Report:
    r = Report(
        force="Kent",
        reference="K1",
        reported_at=T0,
        location=Location(51.2712, 0.5213, None, None, "E01"),
        behaviours=frozenset({Behaviour("approach", "blitz")}),
        narrative="Jane Doe said ...",
    )
    r.classify_crime("19C", "olive", T0, ForcePolicy())
    r.request_cancellation(
        CancellationCode.C2, "alibi verified", "CCTV ref 5", "olive", T0, ForcePolicy()
    )
    r.persons = [
        Person(
            role=PersonRole.COMPLAINANT,
            forename="Jane",
            surname="Doe",
            date_of_birth=DateOfBirth.from_text("1990-01-02"),
            address="1 High St",
            postcode="ME1 1AA",
            phone="07700900000",
        ),
        Person(role=PersonRole.SUSPECT, forename="John", surname="Smith", identifiers=("PNC123",)),
    ]
    r.events.clear()
    return r


def test_jsonl_round_trip(tmp_path: Path) -> None:
    original = sample()
    path = tmp_path / "x.jsonl"
    path.write_text(
        dumps(report_document(original)) + "\n" + json.dumps({"type": "event", "seq": 1}) + "\n"
    )
    rows = list(read_reports(path, TAXONOMY).rows)
    assert rows[1].skip == "event_lines"
    back = rows[0].item
    assert back == original


def test_pseudonymised_document_hides_the_complainant() -> None:
    key = b"k" * 32
    doc = pseudonymised_document(sample(), key, sample().findings(ForcePolicy()))
    text = json.dumps(doc)
    for secret in ("Jane", "Doe", "1 High St", "07700900000", "1990-01-02", "K1", "Jane Doe said"):
        assert secret not in text
    assert doc["persons"][0] == {"role": "complainant"}
    suspect = doc["persons"][1]
    assert suspect["surname"]
    assert suspect["surname"] != "Smith"
    assert doc["latitude"] == 51.27
    assert doc["reported_on"] == "2024-03-07"
    again = pseudonymised_document(sample(), key, [])
    assert again["persons"][1]["surname"] == suspect["surname"]  # stable across reports
    other = pseudonymised_document(sample(), b"z" * 32, [])
    assert other["persons"][1]["surname"] != suspect["surname"]  # keyed


def test_a_postcode_gives_out_only_its_district_however_it_is_spaced() -> None:
    for given in ("ME14 1XX", "ME141XX", "me14  1xx", " ME14 1XX "):
        assert postcode_district(given) == "ME14"
    assert postcode_district("SW1A1AA") == "SW1A"
    assert postcode_district("") is None
    assert postcode_district(None) is None
    assert postcode_district("1XX") is None
