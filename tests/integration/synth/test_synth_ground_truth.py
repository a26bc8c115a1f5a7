"""The ground truth agrees with itself and with the files it describes."""

from collections import Counter

from integration.synth.synth_dataset import Dataset


def _key(row: dict[str, str]) -> tuple[str, str]:
    return row["force"], row["reference"]


def test_references_are_unique_within_each_force(dataset: Dataset) -> None:
    keys = [_key(r) for r in dataset.reports]
    assert len(keys) == len(set(keys)) == dataset.summary.reports


def test_every_report_has_exactly_one_true_offender(dataset: Dataset) -> None:
    truth = Counter(_key(r) for r in dataset.report_offenders)
    assert set(truth) == {_key(r) for r in dataset.reports}
    assert set(truth.values()) == {1}
    assert all(r["offender_id"] for r in dataset.report_offenders)


def test_solved_labels_agree_with_the_truth(dataset: Dataset) -> None:
    truth = {_key(r): r["offender_id"] for r in dataset.report_offenders}
    assert dataset.offenders, "some reports must be solved"
    for row in dataset.offenders:
        assert truth[_key(row)] == row["offender_id"]
    assert len(dataset.offenders) == dataset.summary.solved_reports


def test_person_truth_covers_every_person_record(dataset: Dataset) -> None:
    ids = [p["source_id"] for p in dataset.persons]
    assert len(ids) == len(set(ids))
    truth = {r["source_id"]: r["identity_id"] for r in dataset.person_identities}
    assert set(truth) == set(ids)
    assert len(set(truth.values())) == dataset.summary.identities


def test_persons_attach_to_existing_reports_and_every_report_has_a_complainant(
    dataset: Dataset,
) -> None:
    reports = {_key(r) for r in dataset.reports}
    complainants = Counter(_key(p) for p in dataset.persons if p["role"] == "complainant")
    assert {_key(p) for p in dataset.persons} <= reports
    assert set(complainants) == reports
    assert set(complainants.values()) == {1}


def test_validity_truth_covers_every_write_off_and_n100(dataset: Dataset) -> None:
    audited = {
        _key(r)
        for r in dataset.reports
        if r["status"] in ("cancelled", "transferred", "n100") or r["recording_rationale"]
    }
    assert {_key(r) for r in dataset.validity} == audited
    by_key = {_key(r): r for r in dataset.reports}
    for row in dataset.validity:
        report = by_key[_key(row)]
        assert row["status"] == report["status"]
        assert row["cancellation_code"] == report["cancellation_code"]
        assert row["valid"] in ("true", "false")
        assert row["why"]
        assert (row["pending"] == "true") == (
            report["status"] in ("cancelled", "transferred")
            and not report["cancellation_authorised_by"]
        )


def test_duplicates_share_their_original_offender_and_complainant(dataset: Dataset) -> None:
    truth = {_key(r): r["offender_id"] for r in dataset.report_offenders}
    identity = {r["source_id"]: r["identity_id"] for r in dataset.person_identities}
    complainant = {
        _key(p): identity[p["source_id"]] for p in dataset.persons if p["role"] == "complainant"
    }
    valid = {_key(r) for r in dataset.validity if r["valid"] == "true"}
    duplicates = [r for r in dataset.reports if r["cancellation_code"] == "C3" and _key(r) in valid]
    assert duplicates
    for dup in duplicates:
        original = (dup["force"], dup["cancellation_evidence"])
        assert original in truth, "a C3 names a real reference of the same force"
        assert original != _key(dup)
        assert truth[original] == truth[_key(dup)]
        assert complainant[original] == complainant[_key(dup)]
