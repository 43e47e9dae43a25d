"""The booking commands, run through click's test runner against the test database.

The command line runs on the real clock, so moments here are taken relative to now.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks.models import Email
from tests.test_cli import Cli

UTC = dt.timezone.utc


@pytest.fixture
def sp(engine: Engine, database_url: str) -> Cli:
    return Cli(database_url)


def _iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _hours(n: float) -> str:
    return _iso(dt.datetime.now(UTC) + dt.timedelta(hours=n))


def test_punchpass_private_session_flow_cli(sp: Cli, engine: Engine) -> None:
    sp.ok("account", "add", "kim", "Jo Kim")
    jo = sp.json("member", "add", "kim", "Jo Kim", "--email", "jo@example.com")
    massage = sp.json(
        "service", "add", "1 Hour Massage", "--category", "massage", "--minutes", "60"
    )
    pack = sp.json(
        "grant", "kim", "1", "--service", str(massage["id"]), "--reason", "bought at the desk"
    )
    booked = sp.json(
        "private-session",
        str(jo["id"]),
        str(massage["id"]),
        _hours(5),
        "--instructor",
        "therapist-lee",
        "--key",
        "massage-1",
    )
    assert booked["state"] == "reserved"
    assert booked["redeemed"]["parts"][0]["pass_id"] == pack["pass_id"]
    assert sp.json("occurrence", "list") == []  # never on the public schedule
    (private,) = sp.json("occurrence", "list", "--private")
    assert (private["id"], private["instructor_ref"]) == (booked["occurrence_id"], "therapist-lee")
    assert sp.json("reminders", "send", "--within", "2")["sent"] == 0
    assert sp.json("reminders", "send", "--within", "24")["booking_ids"] == [booked["booking_id"]]
    assert "sent 0 reminder(s)" in sp.ok("reminders", "send")
    with engine.connect() as conn:
        emails = conn.execute(sa.select(Email.to_address, Email.subject).order_by(Email.id)).all()
    assert [(to, subject.split(":")[0]) for to, subject in emails] == [
        ("jo@example.com", "Booked"),
        ("jo@example.com", "Reminder"),
    ]
    attended = sp.json("attend", str(booked["booking_id"]))
    assert attended["state"] == "attended"
    (record,) = sp.json("bookings", "--member", str(jo["id"]))
    assert (record["state"], record["private"]) == ("attended", True)
    assert [(p["number"], p["of"]) for p in record["passes"]] == [(1, 1)]
    # An attendance after the fact, punching a pass chosen by staff.
    second = sp.json("grant", "kim", "5", "--reason", "five pack")
    after = sp.json(
        "private-session",
        str(jo["id"]),
        str(massage["id"]),
        _hours(-30),
        "--attended",
        "--pass",
        str(second["pass_id"]),
    )
    assert after["state"] == "attended"
    assert after["redeemed"]["parts"][0]["pass_id"] == second["pass_id"]
    assert "session 1 of 5" in sp.ok("bookings", "--account", "kim")


def test_iclasspro_redemption_paths_cli(sp: Cli) -> None:
    sp.ok("account", "add", "fam", "The Family")
    kid = sp.json("member", "add", "fam", "Kid")["id"]
    sib = sp.json("member", "add", "fam", "Sibling")["id"]
    gym = sp.json("service", "add", "Open gym", "--category", "gym", "--minutes", "60")["id"]
    family_pass = sp.json("grant", "fam", "10", "--reason", "family punch pass")["pass_id"]
    student = sp.json("grant", "fam", "2", "--member", str(sib), "--reason", "student pass")
    today = sp.json("occurrence", "add", str(gym), _hours(1), "--capacity", "10")["id"]
    tomorrow = sp.json("occurrence", "add", str(gym), _hours(25))["id"]
    listed = sp.ok("occurrence", "list")
    assert "Open gym" not in listed
    assert str(today) in listed

    # Kiosk: the same key replays; a new key finds the visit; one credit in all.
    visit = sp.json("check-in", str(kid), str(today), "--key", "tap-1")
    assert (visit["state"], visit["created"]) == ("attended", True)
    assert sp.json("check-in", str(kid), str(today), "--key", "tap-1") == visit
    again = sp.json("check-in", str(kid), str(today), "--key", "tap-2")
    assert (again["booking_id"], again["created"]) == (visit["booking_id"], False)
    assert "existing booking; nothing redeemed" in sp.ok("check-in", str(kid), str(today))

    # Portal: an enrollment, once.
    enrolled = sp.json("enroll", str(kid), str(tomorrow))
    assert enrolled["state"] == "reserved"
    assert sp.json("enroll", str(kid), str(tomorrow))["booking_id"] == enrolled["booking_id"]

    # Office: staff book the sibling on her own pass; the kid may not use it.
    office = sp.json("book", str(sib), str(tomorrow))
    assert office["redeemed"]["parts"][0]["pass_id"] == student["pass_id"]
    later = sp.json("occurrence", "add", str(gym), _hours(49))["id"]
    refused = sp.fails("enroll", str(kid), str(later), "--pass", str(student["pass_id"]))
    assert "not usable by this member" in refused.stderr

    balance = {p["pass_id"]: p["remaining"] for p in sp.json("balance", "fam")["passes"]}
    assert balance == {family_pass: 8, student["pass_id"]: 1}
    history = sp.json("bookings", "--account", "fam")
    assert [(r["member_id"], r["state"]) for r in history] == [
        (kid, "attended"),
        (kid, "reserved"),
        (sib, "reserved"),
    ]


def test_policy_cancel_and_no_show_commands(sp: Cli) -> None:
    sp.ok("account", "add", "lee", "Lee")
    ann = sp.json("member", "add", "lee", "Ann")["id"]
    bob = sp.json("member", "add", "lee", "Bob")["id"]
    yoga = sp.json("service", "add", "Yoga", "--category", "yoga", "--minutes", "60")["id"]
    pack = sp.json("grant", "lee", "3", "--reason", "pack")["pass_id"]
    policy = sp.json(
        "booking-policy", str(yoga), "--credit-taken", "at_attendance", "--no-show-releases"
    )
    assert (policy["credit_taken"], policy["no_show_forfeits"]) == ("at_attendance", False)
    assert "a no-show releases the held credit" in sp.ok("booking-policy", str(yoga))
    later = sp.json("occurrence", "add", str(yoga), _hours(48))["id"]
    started = sp.json("occurrence", "add", str(yoga), _hours(-0.5))["id"]
    held = sp.json("book", str(ann), str(later))
    assert held["hold"] == "held"
    cancelled = sp.json("cancel", str(held["booking_id"]))
    assert (cancelled["state"], cancelled["hold"]) == ("cancelled", "released")
    missed = sp.json("book", str(bob), str(started))
    no_show = sp.json("no-show", str(missed["booking_id"]))
    assert (no_show["state"], no_show["hold"]) == ("no_show", "released")
    assert sp.json("balance", "lee")["passes"][0]["remaining"] == 3
    assert pack > 0
    kept = sp.json("book", str(ann), str(later))
    charged = sp.json("cancel", str(kept["booking_id"]), "--keep-credit", "late, charged")
    assert (charged["state"], charged["hold"]) == ("cancelled", "forfeited")
    assert sp.json("balance", "lee")["passes"][0]["remaining"] == 2
    (record,) = [r for r in sp.json("bookings", "--member", str(ann)) if r["cancel_reason"]]
    assert record["cancel_reason"] == "late, charged"
    again = sp.fails("cancel", str(held["booking_id"]))
    assert "only a reserved booking can be cancelled" in again.stderr
    assert "give one of --member, --account or --occurrence" in sp.fails("bookings").stderr
    assert "unknown booking" in sp.fails("attend", "99999").stderr
    ref = sp.json(
        "book", str(ann), "--ref", "host-42", "--service", str(yoga), "--starts", _hours(3)
    )
    assert ref["occurrence_ref"] == "host-42"
    booked = sp.json("book", str(bob), str(later))
    off = sp.json("occurrence", "cancel", str(later))
    assert off["booking_ids"] == [booked["booking_id"]]
    assert "yes" in sp.ok("occurrence", "list", "--from", _hours(47), "--to", _hours(49))
    assert "was already cancelled" in sp.fails("occurrence", "cancel", str(later)).stderr


def test_a_classes_roster_from_the_command_line(sp: Cli) -> None:
    sp.ok("account", "add", "fam", "The Family")
    kid = sp.json("member", "add", "fam", "Kid", "--ref", "K-7")["id"]
    gym = sp.json("service", "add", "Open gym", "--category", "gym", "--minutes", "60")["id"]
    sp.json("grant", "fam", "5", "--reason", "punch pass")
    today = sp.json("occurrence", "add", str(gym), _hours(1))["id"]
    assert sp.json("bookings", "--occurrence", str(today)) == []
    visit = sp.json("check-in", str(kid), str(today))
    (listed,) = sp.json("bookings", "--occurrence", str(today))
    assert (listed["booking_id"], listed["member_id"], listed["state"]) == (
        visit["booking_id"],
        kid,
        "attended",
    )
    assert "1 of 5" in sp.ok("bookings", "--occurrence", str(today))
    assert "unknown occurrence" in sp.fails("bookings", "--occurrence", "9999").stderr
    assert "give one of" in sp.fails("bookings", "--occurrence", str(today), "--member", "1").stderr


def test_the_schedule_shows_places_taken_and_adds_a_class_once_per_key(sp: Cli) -> None:
    sp.ok("account", "add", "fam", "The Family")
    kid = sp.json("member", "add", "fam", "Kid")["id"]
    gym = sp.json("service", "add", "Open gym", "--category", "gym", "--minutes", "60")["id"]
    sp.json("grant", "fam", "5", "--reason", "punch pass")
    starts = _hours(2)
    full = sp.json("occurrence", "add", str(gym), starts, "--capacity", "8", "--key", "o-1")
    again = sp.json("occurrence", "add", str(gym), starts, "--capacity", "8", "--key", "o-1")
    assert again == full
    open_ended = sp.json("occurrence", "add", str(gym), _hours(3))["id"]
    sp.json("book", str(kid), str(full["id"]))
    listed = {line.split()[0]: line for line in sp.ok("occurrence", "list").splitlines()[2:]}
    assert set(listed) == {str(full["id"]), str(open_ended)}
    assert "1 of 8" in listed[str(full["id"])]
    assert listed[str(open_ended)].split()[-1] == "0"  # no capacity: only the count
