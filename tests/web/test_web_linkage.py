"""Linkage pages over a linkage run written straight into storage: a series with a written-off
member, its map, timeline and link chart, links with reasons, and person entities."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from caselink.bootstrap import App
from caselink.storage.tables import (
    persons,
)

WHY = {"X-Justification": "series review"}


def test_the_series_list_counts_the_written_off_member(
    linked: App, signed_in: Callable[..., Any]
) -> None:
    page = signed_in("analyst").get("/linkage/series")
    (series,) = page.context["overview"].series
    assert (series.series_id, series.size, series.written_off) == (7, 3, 1)


def test_a_series_page_has_its_map_timeline_and_link_chart(
    linked: App, signed_in: Callable[..., Any]
) -> None:
    page = signed_in("analyst").get("/linkage/series/7")
    assert [m.reference for m in page.context["written_off"]] == ["K1"]
    assert len(page.context["map"].points) == 3
    assert [p.written_off for p in page.context["map"].points].count(True) == 1
    network = page.context["network"]
    assert {e.kind for e in network.edges} == {"link", "person"}
    blackwood = [p for p in network.persons if "Blackwood" in p.label]
    assert len(blackwood) == 1  # two records resolved to one person: one node
    assert (
        sum(
            1
            for e in network.edges
            if e.kind == "person" and (e.x1, e.y1) == (blackwood[0].x, blackwood[0].y)
        )
        == 2
    )
    assert "<svg" in page.text
    assert "K1" in page.text
    with linked.context.db.reader() as uow:
        logged = {e.reference for e in uow.access_log.recent(3) if e.detail == "series 7"}
    assert logged == {"K1", "K2", "K3"}


def test_the_report_page_shows_links_with_reasons_and_series(
    linked: App, signed_in: Callable[..., Any]
) -> None:
    page = signed_in("analyst").get("/reports/Kent/K3")
    linkage = page.context["page"].linkage
    assert linkage.series_id == 7
    assert [(link.reference, link.score) for link in linkage.links] == [("K1", 4.2), ("K2", 1.5)]
    reasons = page.context["link_reasons"]
    assert reasons(linkage.links[0].components) == ["distance +2.1", "approach +1.4"]
    assert reasons(linkage.links[1].components) == ["2.3 km apart +1.9"]
    assert "still considered" in page.text


def test_written_off_but_linked_filter_and_the_api(
    linked: App,
    signed_in: Callable[..., Any],
    client: Any,
    token_for: Callable[[str], dict[str, str]],
) -> None:
    page = signed_in("registrar").get("/reports?linked=1")
    assert [r.reference for r in page.context["found"].items] == ["K1"]
    headers = {**token_for("analyst"), **WHY}
    series = client.get("/api/v1/series", headers=headers).json()
    assert series["series"][0]["written_off"] == 1
    links = client.get("/api/v1/reports/Kent/K1/links", headers=headers).json()
    assert links["series_id"] == 7
    assert [link["reference"] for link in links["links"]] == ["K3"]


def test_a_person_page_lists_the_records_resolved_with_them(
    linked: App, signed_in: Callable[..., Any]
) -> None:
    with linked.context.db.reader() as uow:
        pid = uow.connection.execute(
            select(persons.c.id).where(persons.c.surname == "Blackwood")
        ).scalar_one()
    page = signed_in("analyst").get(f"/persons/{pid}")
    assert [(o.reference, o.surname) for o in page.context["view"].same_entity] == [
        ("K3", "Blackwod")
    ]


def test_no_run_yet_is_said_plainly(store: App, signed_in: Callable[..., Any]) -> None:
    analyst = signed_in("analyst")
    assert "caselink link run" in analyst.get("/linkage/series").text
    assert analyst.get("/linkage/series/1").status_code == 404
