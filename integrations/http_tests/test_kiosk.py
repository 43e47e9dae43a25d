"""The check-in kiosk: members check in by member code into a class about to start, or pay for a
service when the studio keeps no schedule; every refusal says why in plain words."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from support import FRONT_DESK, OWNER, START, Client, Who, csrf_token

from sessionpacks import BookingState, ManualClock, PassTerms, Studio
from sessionpacks.directory import MemberInfo
from sessionpacks.web import Identity

KIOSK = "/sessionpacks/kiosk/"
CHECK_IN = "/sessionpacks/kiosk/check-in"

_keys = itertools.count(1)
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
_VERDICT = re.compile(
    r'class="sp-verdict (sp-verdict-ok|sp-verdict-no)"[^>]*>\s*(.*?)</section>', re.S
)


@pytest.fixture
def desk(who: Who) -> None:
    who.current = FRONT_DESK


@pytest.fixture
def yoga(studio: Studio) -> int:
    return studio.add_service("Yoga", category="class", duration_minutes=60).id


@pytest.fixture
def lucia(studio: Studio) -> MemberInfo:
    account = studio.add_account("acc-1", "Lucía Pérez")
    return studio.add_member(account.id, "Lucía Pérez", ref="L-100")


def _grant(studio: Studio, member: MemberInfo, quantity: int = 10, **terms: object) -> int:
    return studio.grant(
        member.account_id,
        PassTerms(quantity=quantity, label="10-pack", **terms),  # type: ignore[arg-type]
        reason="sold",
        idempotency_key=f"grant-{next(_keys)}",
        actor=OWNER.actor,
        channel="office",
    ).pass_id


def _check_in(client: Client, code: str, **fields: str) -> tuple[str, str]:
    """Check in as the kiosk's form does; the verdict's class and its text."""
    page = client.get(KIOSK)
    key = _KEY.search(page.text)
    assert key
    data = {"csrf_token": csrf_token(client, KIOSK), "idempotency_key": key.group(1)}
    data.update(member_code=code, **fields)
    response = client.post(CHECK_IN, data=data)
    assert response.status_code == 303
    return _verdict(client.get(response.location).text)


def _verdict(text: str) -> tuple[str, str]:
    found = _VERDICT.search(text)
    assert found, text
    return found.group(1), " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


def _remaining(studio: Studio, pass_id: int) -> int:
    return studio.pass_balance(pass_id).remaining


# -- the page ----------------------------------------------------------------------------------


def test_the_kiosk_is_for_staff_devices_only(client: Client, who: Who) -> None:
    assert client.get(KIOSK).status_code == 401
    who.current = Identity.member(1, "member")
    assert client.get(KIOSK).status_code == 403


def test_the_page_is_full_screen_with_the_stable_form(
    client: Client, studio: Studio, desk: None, yoga: int
) -> None:
    studio.add_occurrence(yoga, START + dt.timedelta(hours=1))
    page = client.get(KIOSK)
    assert page.status_code == 200
    assert 'class="sessionpacks sp-kiosk"' in page.text
    assert "<nav" not in page.text
    assert '<label for="member_code">Member code</label>' in page.text
    assert '<button type="submit">Check in</button>' in page.text
    assert "sp-verdict" not in page.text
    # Every render carries a fresh idempotency key.
    assert _KEY.findall(page.text) != _KEY.findall(client.get(KIOSK).text)


def test_it_offers_classes_starting_soon_and_not_later_ones(
    client: Client, studio: Studio, desk: None, yoga: int
) -> None:
    pilates = studio.add_service("Pilates", category="class", duration_minutes=45).id
    soon = studio.add_occurrence(yoga, START + dt.timedelta(hours=1))
    started = studio.add_occurrence(pilates, START - dt.timedelta(minutes=20))
    studio.add_occurrence(yoga, START + dt.timedelta(hours=6))
    studio.add_occurrence(yoga, START - dt.timedelta(hours=2))
    page = client.get(KIOSK).text
    offered = re.findall(r'name="occurrence_id" value="(\d+)"', page)
    assert sorted(map(int, offered)) == sorted([soon.id, started.id])
    assert 'name="service_id"' not in page
    assert "Yoga, Mon 02 Mar 2026, 10:00" in page


def test_without_a_schedule_it_offers_the_services(
    client: Client, studio: Studio, desk: None, yoga: int
) -> None:
    page = client.get(KIOSK).text
    assert f'name="service_id" value="{yoga}"' in page
    assert 'name="occurrence_id"' not in page


# -- checking in -------------------------------------------------------------------------------


def test_checking_in_to_a_class_redeems_and_welcomes_the_member(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    occurrence = studio.add_occurrence(yoga, START + dt.timedelta(hours=1))
    verdict = _check_in(client, "L-100", occurrence_id=str(occurrence.id))
    assert verdict == ("sp-verdict-ok", "Welcome, Lucía Session 1 of 10, 9 left.")
    assert _remaining(studio, pass_id) == 9
    (booking,) = studio.bookings(member_id=lucia.id)
    assert booking.state is BookingState.ATTENDED
    (redeemed,) = [e for e in studio.history(pass_id=pass_id) if e.kind.value == "redeem"]
    assert redeemed.channel.value == "kiosk"
    assert redeemed.actor_id == FRONT_DESK.actor.id


def test_after_a_result_the_page_offers_a_fresh_form_and_forgets_the_verdict(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    _grant(studio, lucia)
    _check_in(client, "L-100", service_id=str(yoga))
    assert "sp-verdict" not in client.get(KIOSK).text


def test_the_member_code_is_read_without_surrounding_spaces(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    assert _check_in(client, "  L-100 ", service_id=str(yoga))[0] == "sp-verdict-ok"
    assert _remaining(studio, pass_id) == 9


def test_without_a_schedule_it_redeems_the_service(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    _grant(studio, lucia)  # a second pack: the first one is used first
    verdict = _check_in(client, "L-100", service_id=str(yoga))
    assert verdict == ("sp-verdict-ok", "Welcome, Lucía Session 1 of 10, 9 left.")
    assert _remaining(studio, pass_id) == 9
    (entry,) = [e for e in studio.history(member_id=lucia.id) if e.kind.value == "redeem"]
    assert entry.channel.value == "kiosk"


def test_a_double_tap_redeems_once(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    page = client.get(KIOSK)
    key = _KEY.search(page.text)
    assert key
    form = {
        "csrf_token": csrf_token(client, KIOSK),
        "idempotency_key": key.group(1),
        "member_code": "L-100",
        "service_id": str(yoga),
    }
    first = _verdict(client.get(client.post(CHECK_IN, data=form).location).text)
    second = _verdict(client.get(client.post(CHECK_IN, data=form).location).text)
    assert first == second == ("sp-verdict-ok", "Welcome, Lucía Session 1 of 10, 9 left.")
    assert _remaining(studio, pass_id) == 9


def test_a_second_check_in_to_the_same_class_takes_nothing_more(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    occurrence = studio.add_occurrence(yoga, START + dt.timedelta(hours=1))
    _check_in(client, "L-100", occurrence_id=str(occurrence.id))
    verdict = _check_in(client, "L-100", occurrence_id=str(occurrence.id))
    assert verdict == (
        "sp-verdict-ok",
        "Welcome, Lucía You are checked in; nothing more was taken.",
    )
    assert _remaining(studio, pass_id) == 9
    assert len(studio.bookings(member_id=lucia.id)) == 1


# -- refusals ----------------------------------------------------------------------------------


def test_an_unknown_code_is_refused_clearly(
    client: Client, studio: Studio, desk: None, yoga: int
) -> None:
    verdict = _check_in(client, "NOPE-1", service_id=str(yoga))
    assert verdict == (
        "sp-verdict-no",
        "Code or PIN not recognised Check your member code, and your PIN if you have one,"
        " then try again.",
    )


def test_a_member_with_a_pin_checks_in_only_with_it_and_a_wrong_one_reads_like_a_wrong_code(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    studio.set_kiosk_pin(lucia.id, "4821")
    unknown = _check_in(client, "NOPE-1", service_id=str(yoga))
    assert _check_in(client, "L-100", service_id=str(yoga)) == unknown
    assert _check_in(client, "L-100", service_id=str(yoga), pin="1111") == unknown
    assert _remaining(studio, pass_id) == 10
    verdict = _check_in(client, "L-100", service_id=str(yoga), pin="4821")
    assert verdict[0] == "sp-verdict-ok"
    assert _remaining(studio, pass_id) == 9


def test_a_suspended_pass_is_refused_clearly(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    studio.suspend(
        pass_id, reason="injury", idempotency_key="s-1", actor=OWNER.actor, channel="office"
    )
    verdict = _check_in(client, "L-100", service_id=str(yoga))
    assert verdict[0] == "sp-verdict-no"
    assert "Sorry Lucía, your pass is on hold (suspended)" in verdict[1]
    assert _remaining(studio, pass_id) == 10


def test_an_expired_pass_is_refused_clearly(
    client: Client,
    studio: Studio,
    desk: None,
    yoga: int,
    lucia: MemberInfo,
    clock: ManualClock,
) -> None:
    pass_id = _grant(studio, lucia, expires_at=START + dt.timedelta(days=30))
    clock.advance(dt.timedelta(days=31))
    verdict = _check_in(client, "L-100", service_id=str(yoga))
    assert verdict[0] == "sp-verdict-no"
    assert "your pass has expired" in verdict[1]
    assert _remaining(studio, pass_id) == 10


def test_a_used_up_pass_is_refused_clearly(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia, quantity=1)
    assert _check_in(client, "L-100", service_id=str(yoga))[0] == "sp-verdict-ok"
    verdict = _check_in(client, "L-100", service_id=str(yoga))
    assert verdict[0] == "sp-verdict-no"
    assert "your pass is used up" in verdict[1]
    assert _remaining(studio, pass_id) == 0
    assert len([e for e in studio.history(pass_id=pass_id) if e.kind.value == "redeem"]) == 1


def test_no_pass_for_this_class_is_refused_clearly(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    spin = studio.add_service("Spin", category="cycling", duration_minutes=45).id
    pass_id = _grant(studio, lucia, services=(spin,))
    occurrence = studio.add_occurrence(yoga, START + dt.timedelta(hours=1))
    verdict = _check_in(client, "L-100", occurrence_id=str(occurrence.id))
    assert verdict[0] == "sp-verdict-no"
    assert "you have no pass for this" in verdict[1]
    assert studio.bookings(member_id=lucia.id) == ()
    assert _remaining(studio, pass_id) == 10


def test_a_member_with_no_pass_at_all_is_refused_clearly(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    verdict = _check_in(client, "L-100", service_id=str(yoga))
    assert verdict == (
        "sp-verdict-no",
        "Cannot check in Sorry Lucía, you have no pass for this. Please see the front desk.",
    )


def test_a_full_class_is_refused_clearly(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    other = studio.add_member(lucia.account_id, "Bruno", ref="B-200")
    _grant(studio, lucia)
    occurrence = studio.add_occurrence(yoga, START + dt.timedelta(hours=1), capacity=1)
    assert _check_in(client, "B-200", occurrence_id=str(occurrence.id))[0] == "sp-verdict-ok"
    verdict = _check_in(client, "L-100", occurrence_id=str(occurrence.id))
    assert verdict[0] == "sp-verdict-no"
    assert "this class is full" in verdict[1]
    assert studio.bookings(member_id=lucia.id) == ()
    assert len(studio.bookings(member_id=other.id)) == 1


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"member_code": ""}, "Type your member code"),
        ({"member_code": "L-100"}, "Lucía, choose a class"),
        ({"member_code": "L-100", "service_id": "yoga"}, "the field &#39;service_id&#39;"),
        ({"member_code": "L-100", "service_id": "999"}, "that service is not on the schedule"),
        ({"member_code": "L-100", "occurrence_id": "999"}, "that class is not on the schedule"),
    ],
)
def test_a_bad_form_is_refused_clearly_and_nothing_is_written(
    client: Client,
    studio: Studio,
    desk: None,
    lucia: MemberInfo,
    fields: dict[str, str],
    words: str,
) -> None:
    pass_id = _grant(studio, lucia)
    data = {"csrf_token": csrf_token(client, KIOSK), "idempotency_key": "k-bad"} | fields
    response = client.post(CHECK_IN, data=data)
    verdict = _verdict(client.get(response.location).text)
    assert verdict[0] == "sp-verdict-no"
    assert words in verdict[1]
    assert _remaining(studio, pass_id) == 10


def test_a_check_in_without_the_csrf_token_is_refused_and_nothing_is_written(
    client: Client, studio: Studio, desk: None, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    response = client.post(
        CHECK_IN, data={"idempotency_key": "k-1", "member_code": "L-100", "service_id": str(yoga)}
    )
    assert response.status_code == 400
    assert _remaining(studio, pass_id) == 10


def test_a_member_cannot_use_the_kiosk_to_check_in_someone(
    client: Client, studio: Studio, who: Who, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    who.current = FRONT_DESK
    token = csrf_token(client, KIOSK)
    who.current = Identity.member(lucia.id, "member")
    response = client.post(
        CHECK_IN,
        data={
            "csrf_token": token,
            "idempotency_key": "k-2",
            "member_code": "L-100",
            "service_id": str(yoga),
        },
    )
    assert response.status_code == 403
    assert _remaining(studio, pass_id) == 10


def test_a_staff_role_that_may_not_redeem_is_told_so(
    client: Client, studio: Studio, who: Who, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    who.current = Identity.staff("coach-1", "coach")
    verdict = _check_in(client, "L-100", service_id=str(yoga))
    assert verdict[0] == "sp-verdict-no"
    assert "this device may not check members in" in verdict[1]
    assert _remaining(studio, pass_id) == 10


def test_nobody_signed_in_cannot_check_in(
    client: Client, studio: Studio, who: Who, yoga: int, lucia: MemberInfo
) -> None:
    pass_id = _grant(studio, lucia)
    who.current = FRONT_DESK
    token = csrf_token(client, KIOSK)
    who.current = None
    data = {"csrf_token": token, "idempotency_key": "k-3", "member_code": "L-100"}
    response = client.post(CHECK_IN, data=data | {"service_id": str(yoga)})
    assert response.status_code == 401
    assert _remaining(studio, pass_id) == 10
