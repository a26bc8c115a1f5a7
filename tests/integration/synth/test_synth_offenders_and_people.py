"""Repeat offenders, solved reports and person records look like what linkage will face."""

from collections import Counter, defaultdict

from integration.synth.synth_dataset import Dataset


def _key(row: dict[str, str]) -> tuple[str, str]:
    return row["force"], row["reference"]


def test_most_offenders_offend_once_and_some_series_are_long(dataset: Dataset) -> None:
    sizes = Counter(r["offender_id"] for r in dataset.report_offenders)
    per_size = Counter(sizes.values())
    assert per_size[1] / len(sizes) > 0.9
    assert max(sizes.values()) >= 10
    assert sum(n for n in sizes.values() if n > 1) / len(dataset.report_offenders) > 0.1


def test_a_third_of_reports_are_solved_and_series_more_often(dataset: Dataset) -> None:
    sizes = Counter(r["offender_id"] for r in dataset.report_offenders)
    solved = {_key(r) for r in dataset.offenders}
    share = len(solved) / len(dataset.reports)
    assert 0.28 < share < 0.42
    in_series = [_key(r) for r in dataset.report_offenders if sizes[r["offender_id"]] > 1]
    assert sum(k in solved for k in in_series) / len(in_series) > share + 0.1


def test_some_series_include_cancelled_and_n100_reports(dataset: Dataset) -> None:
    sizes = Counter(r["offender_id"] for r in dataset.report_offenders)
    offender = {_key(r): r["offender_id"] for r in dataset.report_offenders}
    statuses = [r["status"] for r in dataset.reports if sizes[offender[_key(r)]] > 2]
    assert "cancelled" in statuses
    assert "n100" in statuses


def test_series_cluster_in_space(dataset: Dataset) -> None:
    offender = {_key(r): r["offender_id"] for r in dataset.report_offenders}
    places: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in dataset.reports:
        if r["latitude"]:
            places[offender[_key(r)]].append((float(r["latitude"]), float(r["longitude"])))
    spreads = [
        max(lat for lat, _ in p) - min(lat for lat, _ in p) for p in places.values() if len(p) >= 4
    ]
    assert spreads
    # Half the series stay within about 15 km north to south.
    assert sorted(spreads)[len(spreads) // 2] < 0.15


def test_relationships_and_named_suspects(dataset: Dataset) -> None:
    relationships = Counter(r["relationship"] for r in dataset.reports)
    assert set(relationships) - {""} == {
        "stranger", "acquaintance", "partner", "ex_partner", "family", "online_contact", "other"
    }  # fmt: skip
    suspects = {_key(p) for p in dataset.persons if p["role"] == "suspect"}
    known = [_key(r) for r in dataset.reports if r["relationship"] not in ("stranger", "")]
    strangers = [_key(r) for r in dataset.reports if r["relationship"] == "stranger"]
    assert sum(k in suspects for k in known) / len(known) > 0.75
    assert 0.01 < sum(k in suspects for k in strangers) / len(strangers) < 0.3


def test_the_same_person_recurs_with_variations(dataset: Dataset) -> None:
    identity = {r["source_id"]: r["identity_id"] for r in dataset.person_identities}
    records: dict[str, list[dict[str, str]]] = defaultdict(list)
    for p in dataset.persons:
        records[identity[p["source_id"]]].append(p)
    recurring = [rs for rs in records.values() if len(rs) > 1]
    assert len(recurring) > 100
    varied = [rs for rs in recurring if len({(p["forename"], p["date_of_birth"]) for p in rs}) > 1]
    assert len(varied) > 0.2 * len(recurring)
    both_roles = [rs for rs in recurring if {"complainant", "suspect"} <= {p["role"] for p in rs}]
    assert both_roles
    assert any(p["aliases"] for p in dataset.persons)
    assert any(p["identifier"] for p in dataset.persons)


def test_serial_offenders_are_named_in_some_cancelled_reports(dataset: Dataset) -> None:
    sizes = Counter(r["offender_id"] for r in dataset.report_offenders)
    offender = {_key(r): r["offender_id"] for r in dataset.report_offenders}
    suspects = {_key(p) for p in dataset.persons if p["role"] == "suspect"}
    named_cancelled = [
        r
        for r in dataset.reports
        if r["status"] == "cancelled" and sizes[offender[_key(r)]] > 1 and _key(r) in suspects
    ]
    assert named_cancelled


def test_descriptions_of_one_offender_agree_more_than_they_differ(dataset: Dataset) -> None:
    offender = {_key(r): r["offender_id"] for r in dataset.report_offenders}
    sexes: dict[str, list[str]] = defaultdict(list)
    for r in dataset.reports:
        if r["offender_sex"]:
            sexes[offender[_key(r)]].append(r["offender_sex"])
    agreeing = [Counter(s).most_common(1)[0][1] / len(s) for s in sexes.values() if len(s) >= 3]
    assert sum(agreeing) / len(agreeing) > 0.9
