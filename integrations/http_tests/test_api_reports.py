"""The reports over the JSON API: the core's figures, staff only, bad parameters as problems."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from api_support import API, Seeded, problem, read, seed
from support import FRONT_DESK, OWNER, Client, Who

from sessionpacks import ManualClock, Studio, codec
from sessionpacks.testing import Recorder
from sessionpacks.web import Identity

MARCH = {"start": "2026-03-01T00:00:00+00:00", "end": "2026-04-01T00:00:00+00:00"}


@pytest.fixture
def ids(studio: Studio, clock: ManualClock) -> Seeded:
    """The seeded studio with a paid 8-class pack (80.00 EUR) sold to each family; the Garcias
    used three classes, the Lees none."""
    seeded = seed(studio)
    studio.hooks.register(Recorder())
    paid = studio.create_template(
        "8 classes", quantity=8, price_minor=8000, currency="EUR", validity_days=30
    )
    studio.sell(paid.id, seeded.account, idempotency_key="s1", actor=OWNER.actor, channel="office")
    studio.sell(
        paid.id, seeded.other_account, idempotency_key="s2", actor=OWNER.actor, channel="office"
    )
    clock.advance(dt.timedelta(days=2))
    for n in range(3):
        studio.redeem(
            seeded.member,
            seeded.service,
            idempotency_key=f"r{n}",
            actor=OWNER.actor,
            channel="office",
        )
    clock.advance(dt.timedelta(days=1))
    return seeded


def test_liability_is_the_core_report(
    client: Client, who: Who, studio: Studio, ids: Seeded
) -> None:
    who.current = FRONT_DESK
    response = read(client, "/reports/liability")
    assert response.status_code == 200
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body == codec.encode(studio.reports.liability())
    (line,) = body["lines"]
    assert (line["template"], line["units"], line["value_minor"]) == ("8 classes", 13, 13000)
    before = read(client, "/reports/liability", as_of="2026-03-01T00:00:00Z").json
    assert before is not None
    assert before["lines"] == []


def test_revenue_carries_totals_that_reconcile(
    client: Client, who: Who, studio: Studio, ids: Seeded
) -> None:
    who.current = OWNER
    response = read(client, "/reports/revenue", **MARCH)
    assert response.status_code == 200
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    (total,) = body["totals"]
    assert total["template"] == "all"
    assert (total["deferred_at_start"], total["sales"], total["used"]) == (0, 16000, 3000)
    assert total["deferred_at_end"] == 13000
    core = studio.reports.revenue(
        dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc),
    )
    assert body["lines"] == codec.encode(core.lines)
    assert body["totals"] == codec.encode(core.totals())


def test_money_attendance_and_sales(client: Client, who: Who, studio: Studio, ids: Seeded) -> None:
    who.current = OWNER
    money = read(client, "/reports/money", step="week", **MARCH).json
    assert money is not None
    assert money["step"] == "week"
    # Every week of the period, the liability carried through the weeks without entries.
    assert [(p["period_start"], p["deferred_at_end"]) for p in money["points"]] == [
        ("2026-02-23", 0),
        *((f"2026-03-{day:02d}", 13000) for day in (2, 9, 16, 23, 30)),
    ]
    attendance = read(client, "/reports/attendance", **MARCH).json
    assert attendance is not None
    assert [(s["service"], s["redemptions"]) for s in attendance["by_service"]] == [("Yoga", 3)]
    assert attendance["by_channel"] == [["office", 3]]
    sales = read(client, "/reports/sales", **MARCH).json
    assert sales is not None
    assert [(s["template"], s["sold"], s["sold_minor"]) for s in sales["lines"]] == [
        ("8 classes", 2, 16000)
    ]


def test_pass_lists(client: Client, who: Who, studio: Studio, ids: Seeded) -> None:
    who.current = OWNER
    holders = read(client, "/reports/passes/holders", state="active").json
    assert holders is not None
    assert holders["list"] == "holders"
    assert sorted(p["account_name"] for p in holders["passes"]) == ["Sam Lee", "The Garcias"]
    unused = read(client, "/reports/passes/unused").json
    assert unused is not None
    assert [p["account_name"] for p in unused["passes"]] == ["Sam Lee"]
    low = read(client, "/reports/passes/low-balance", sessions_left=5).json
    assert low is not None
    assert [p["remaining"] for p in low["passes"]] == [5]
    soon = read(client, "/reports/passes/expiring", within_days=30).json
    assert soon is not None
    assert len(soon["passes"]) == 2
    assert read(client, "/reports/passes/expiring", within_days=20).json["passes"] == []  # type: ignore[index]
    suspended = read(client, "/reports/passes/suspended").json
    assert suspended is not None
    assert suspended["passes"] == []
    only = read(client, "/reports/passes/holders", template_id=ids.template).json
    assert only is not None
    assert only["passes"] == []


@pytest.mark.parametrize(
    ("path", "query", "words"),
    [
        ("/reports/revenue", {"start": "2026-03-01", "end": "2026-04-01T00:00:00Z"}, ["'start'"]),
        ("/reports/revenue", {"end": "2026-04-01T00:00:00Z"}, ["'start'", "required"]),
        ("/reports/revenue", {"start": MARCH["end"], "end": MARCH["start"]}, ["must be after"]),
        ("/reports/sales", {**MARCH, "step": "day"}, ["'step'", "week, month"]),
        ("/reports/liability", {"as_of": "1900-01-01T00:00:00Z"}, ["between the years"]),
        ("/reports/passes/expiring", {"within_days": "0"}, ["'within_days'"]),
        ("/reports/passes/holders", {"state": "lost"}, ["'state'"]),
        ("/reports/passes/unused", {"colour": "red"}, ["unknown query parameters"]),
        (
            "/reports/attendance",
            {"start": "2000-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
            ["ten years"],
        ),
    ],
)
def test_bad_parameters_are_problems_naming_them(
    client: Client,
    who: Who,
    studio: Studio,
    path: str,
    query: dict[str, str],
    words: list[str],
) -> None:
    seed(studio)
    who.current = OWNER
    problem(read(client, path, **query), 422, *words)


def test_reports_are_for_staff(client: Client, who: Who, studio: Studio) -> None:
    seeded = seed(studio)
    for path in ("/reports/liability", "/reports/passes/holders"):
        who.current = None
        problem(read(client, path), 401)
        who.current = Identity.member(seeded.member, "member")
        problem(read(client, path), 403, "staff")


def test_the_document_describes_the_reports(client: Client, who: Who) -> None:
    who.current = OWNER
    document = client.get(API + "/openapi.json").json
    assert document is not None
    revenue = document["paths"]["/reports/revenue"]["get"]
    assert revenue["tags"] == ["reports"]
    assert {p["name"]: p["required"] for p in revenue["parameters"]} == {
        "start": True,
        "end": True,
    }
    schema = document["components"]["schemas"]["Revenue"]
    assert set(schema["required"]) == {"start", "end", "lines", "totals"}
