"""Bulk grants: one batch for many clients, reported client by client, idempotent, resumable
after a crash, undone as a whole; and the rule that manual credits may be protected."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Actor,
    BatchState,
    BulkGrantReport,
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    ManualClock,
    ManualCreditsProtected,
    NotAuthorized,
    NotFound,
    PassState,
    PassTerms,
    Recipient,
    Settings,
    SkipReason,
    Source,
    Studio,
    Target,
    UndoOutcome,
    allow_all,
    bulk_granting,
    hookimpl,
)
from sessionpacks.models import GrantBatchItem, LedgerEntry, Pass
from sessionpacks.testing import Recorder
from tests.conftest import STAFF, Gym


def _bulk(
    studio: Studio,
    recipients: object,
    key: str = "batch-1",
    quantity: int = 3,
    **terms: object,
) -> BulkGrantReport:
    return studio.bulk_grant(
        recipients,  # type: ignore[arg-type]
        PassTerms(quantity=quantity, **terms),  # type: ignore[arg-type]
        reason="snow day make-up",
        batch_key=key,
        actor=STAFF,
        channel="office",
    )


def _undo(studio: Studio, batch_id: int, key: str = "undo-1") -> BulkGrantReport:
    return studio.undo_bulk_grant(
        batch_id, reason="wrong list", idempotency_key=key, actor=STAFF, channel="office"
    )


def _count(engine: Engine, model: type[Pass] | type[LedgerEntry] | type[GrantBatchItem]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def test_every_recipient_is_granted_or_skipped_with_a_reason(gym: Gym) -> None:
    ann_family, bob_family, other = gym.account(), gym.account(), gym.account()
    ann = gym.member(ann_family)
    stranger = gym.member(other)
    recipients = [
        Recipient(account_ref=ann_family.ref),
        Recipient(account_id=bob_family.id),
        Recipient(account_ref=ann_family.ref, member_id=ann.id),
        Recipient(account_ref="nobody"),
        Recipient(account_id=999_999),
        Recipient(account_ref=ann_family.ref, member_id=999_999),
        Recipient(account_id=ann_family.id, member_id=stranger.id),
        Recipient(account_id=ann_family.id),  # the first recipient again, by id
        Recipient(),
        Recipient(account_ref="  "),
        Recipient(account_ref="x" * 300),
    ]
    report = _bulk(gym.studio, recipients)
    assert (report.processed, report.granted, report.skipped) == (11, 3, 8)
    assert report.state is BatchState.COMPLETE
    assert report.completed_at is not None
    items = list(gym.studio.grant_batch_items(report.batch_id))
    assert [i.position for i in items] == list(range(11))
    assert [i.why for i in items] == [
        None,
        None,
        None,
        SkipReason.UNKNOWN_ACCOUNT,
        SkipReason.UNKNOWN_ACCOUNT,
        SkipReason.UNKNOWN_MEMBER,
        SkipReason.MEMBER_NOT_IN_ACCOUNT,
        SkipReason.DUPLICATE,
        SkipReason.NO_ACCOUNT,
        SkipReason.NO_ACCOUNT,
        SkipReason.UNKNOWN_ACCOUNT,
    ]
    assert items[10].account_ref == "x" * 191
    assert _bulk(gym.studio, recipients) == report
    assert items[4].account_id == 999_999  # kept as given
    granted = list(gym.studio.grant_batch_items(report.batch_id, outcome="granted"))
    assert [i.position for i in granted] == [0, 1, 2]
    family_pass = gym.studio.pass_balance(granted[0].pass_id or 0)
    assert (family_pass.account_id, family_pass.member_id) == (ann_family.id, None)
    assert family_pass.remaining == 3
    own = gym.studio.pass_balance(granted[2].pass_id or 0)
    assert (own.account_id, own.member_id) == (ann_family.id, ann.id)
    assert gym.studio.pass_balance(granted[1].pass_id or 0).account_id == bob_family.id
    assert [p.remaining for p in gym.studio.passes(other.id)] == []
    history = gym.studio.history(pass_id=own.pass_id)
    assert [(h.kind.value, h.delta, h.reason, h.actor_id) for h in history] == [
        ("grant", 3, "snow day make-up", STAFF.id)
    ]
    assert gym.studio.verify() == ()


def test_terms_apply_to_every_pass_and_chunks_are_set_based(
    gym: Gym, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_granting, "CHUNK", 4)
    yoga = gym.service(category="yoga")
    accounts = [gym.account() for _ in range(10)]
    expires = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    progress: list[int] = []
    report = gym.studio.bulk_grant(
        (Recipient(account_id=a.id) for a in accounts),
        PassTerms(quantity=120, metric="minutes", services=(yoga.id,), expires_at=expires),  # type: ignore[arg-type]
        reason="promo",
        batch_key="minutes",
        actor=STAFF,
        channel="office",
        on_progress=lambda r: progress.append(r.processed),
    )
    assert progress == [4, 8, 10]
    assert report.granted == 10
    assert report.terms.expires_at == expires
    for account in accounts:
        (held,) = gym.studio.passes(account.id)
        assert (held.metric.value, held.remaining, held.expires_at) == ("minutes", 120, expires)
    member = gym.member(accounts[0])
    other = gym.service(category="spin")
    assert gym.studio.plan_redemption(member.id, yoga.id).possible
    assert not gym.studio.plan_redemption(member.id, other.id).possible
    assert _count(engine, LedgerEntry) == 10
    assert gym.studio.verify() == ()


def test_the_same_key_returns_the_same_report_and_grants_nobody_twice(
    gym: Gym, engine: Engine
) -> None:
    accounts = [gym.account() for _ in range(3)]
    recipients = [Recipient(account_id=a.id) for a in accounts]
    first = _bulk(gym.studio, recipients)
    again = _bulk(gym.studio, recipients)
    assert again == first
    assert _count(engine, Pass) == 3
    with pytest.raises(IdempotencyConflict, match="different bulk_grant"):
        _bulk(gym.studio, recipients, quantity=4)
    with pytest.raises(IdempotencyConflict):
        gym.studio.grant(
            accounts[0].id,
            PassTerms(quantity=1),
            reason="x",
            idempotency_key="batch-1",
            actor=STAFF,
            channel="office",
        )
    assert _count(engine, Pass) == 3


class Crash(RuntimeError):
    pass


def _crashing(recipients: list[Recipient], after: int) -> Iterator[Recipient]:
    for number, recipient in enumerate(recipients):
        if number == after:
            raise Crash("the process died")
        yield recipient


def test_an_interrupted_batch_is_finished_by_running_it_again(
    gym: Gym, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_granting, "CHUNK", 5)
    recorder = Recorder()
    gym.studio.hooks.register(recorder)
    accounts = [gym.account() for _ in range(23)]
    recipients = [Recipient(account_ref=a.ref) for a in accounts]
    with pytest.raises(Crash):
        _bulk(gym.studio, _crashing(recipients, 13))
    # The two whole chunks before the crash committed; the third was never written.
    half = gym.studio.grant_batch_by_key("batch-1")
    assert (half.state, half.processed, half.granted) == (BatchState.OPEN, 10, 10)
    assert recorder.events_named("bulk_granted") == []

    # Another member of staff finishes it with the full list.
    other_staff = Actor(kind="staff", id="manager")
    report = gym.studio.bulk_grant(
        recipients,
        PassTerms(quantity=3),
        reason="snow day make-up",
        batch_key="batch-1",
        actor=other_staff,
        channel="office",
    )
    assert (report.state, report.processed, report.granted, report.skipped) == (
        BatchState.COMPLETE,
        23,
        23,
        0,
    )
    assert report.actor_id == STAFF.id  # the batch belongs to whoever opened it
    for account in accounts:
        assert [p.remaining for p in gym.studio.passes(account.id)] == [3]
    assert _count(engine, Pass) == _count(engine, GrantBatchItem) == 23
    (told,) = recorder.events_named("bulk_granted")
    assert told == report
    assert recorder.events_named("granted") == []
    # Running it once more changes nothing and tells nobody again.
    assert _bulk(gym.studio, recipients) == report
    assert len(recorder.events_named("bulk_granted")) == 1
    assert gym.studio.verify() == ()


def test_a_rerun_with_another_list_is_refused(
    gym: Gym, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_granting, "CHUNK", 2)
    accounts = [gym.account() for _ in range(4)]
    recipients = [Recipient(account_id=a.id) for a in accounts]
    with pytest.raises(Crash):
        _bulk(gym.studio, _crashing(recipients, 3))
    shuffled = [recipients[1], recipients[0], *recipients[2:]]
    with pytest.raises(IdempotencyConflict, match="another recipient at position 0"):
        _bulk(gym.studio, shuffled)
    assert _count(engine, Pass) == 2


class HostAuthorization:
    """A host's own authorization plugin: it answers before the policy, account by account."""

    def __init__(self, refused: set[int]) -> None:
        self.refused = refused

    @hookimpl
    def sessionpacks_authorize(self, actor: Actor, action: str, target: Target) -> bool | None:
        if action == "grant" and target.account_id in self.refused:
            return False
        return None  # no answer: the policy decides


def test_a_hosts_authorization_plugin_is_asked_for_each_account(
    engine: Engine, clock: ManualClock
) -> None:
    studio = Studio(engine, settings=Settings(policy=allow_all), clock=clock)
    accounts = [studio.add_account(f"h{n}", "H") for n in range(3)]
    host = HostAuthorization({accounts[1].id})
    studio = Studio(engine, settings=Settings(policy=allow_all), clock=clock, plugins=[host])
    report = _bulk(studio, [Recipient(account_id=a.id) for a in accounts])
    whys = [i.why for i in studio.grant_batch_items(report.batch_id)]
    assert whys == [None, SkipReason.NOT_AUTHORIZED, None]
    assert (report.granted, report.skipped) == (2, 1)


def test_bad_terms_or_refusals_write_nothing(engine: Engine, clock: ManualClock) -> None:
    def policy(actor: Actor, action: str, target: Target) -> bool:
        # May bulk grant, but may grant only to accounts with an even id.
        return action == "bulk_grant" or target.account_id % 2 == 0

    studio = Studio(engine, settings=Settings(policy=policy), clock=clock)
    accounts = [studio.add_account(f"a{n}", "A") for n in range(4)]
    report = _bulk(studio, [Recipient(account_id=a.id) for a in accounts])
    whys = {i.account_id: i.why for i in studio.grant_batch_items(report.batch_id)}
    assert whys == {a.id: (None if a.id % 2 == 0 else SkipReason.NOT_AUTHORIZED) for a in accounts}

    nobody = Studio(engine, settings=Settings(), clock=clock)
    with pytest.raises(NotAuthorized, match="may not bulk_grant grant_batch"):
        _bulk(nobody, [Recipient(account_id=accounts[0].id)], key="denied")
    with pytest.raises(NotFound, match="bulk grant key"):
        studio.grant_batch_by_key("denied")
    with pytest.raises(InvalidInput, match="already past"):
        _bulk(studio, [], key="old", expires_at=clock.now() - dt.timedelta(days=1))
    with pytest.raises(NotFound, match="unknown service"):
        _bulk(studio, [], key="svc", services=(12345,))
    with pytest.raises(InvalidInput, match="quantity"):
        _bulk(studio, [], key="zero", quantity=0)
    with pytest.raises(InvalidInput, match="Recipient values"):
        _bulk(studio, ["a0"], key="strings")
    with pytest.raises(InvalidInput, match="member_id must be a whole number"):
        _bulk(studio, [Recipient(account_ref="a0", member_id="7")], key="text-member")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="member_id must be between"):
        _bulk(studio, [Recipient(account_ref="a0", member_id=10**22)], key="huge-member")
    with pytest.raises(InvalidInput, match="account_id must be greater than zero"):
        _bulk(studio, [Recipient(account_id=-1)], key="negative-account")
    with pytest.raises(InvalidInput, match="member_id must be greater than zero"):
        _bulk(studio, [Recipient(account_id=accounts[0].id, member_id=0)], key="zero-member")
    # A list refused for an id no row can have opened no batch.
    for refused in ("negative-account", "zero-member"):
        with pytest.raises(NotFound, match="bulk grant key"):
            studio.grant_batch_by_key(refused)
    with pytest.raises(NotFound, match="unknown bulk grant"):
        studio.grant_batch(999_999)
    with pytest.raises(NotFound, match="unknown bulk grant"):
        studio.grant_batch_items(999_999)
    assert _count(engine, Pass) == 2


def test_undo_voids_untouched_passes_and_empties_used_ones(gym: Gym, engine: Engine) -> None:
    recorder = Recorder()
    gym.studio.hooks.register(recorder)
    yoga = gym.service()
    families = [gym.account() for _ in range(3)]
    members = [gym.member(f) for f in families]
    report = _bulk(gym.studio, [Recipient(account_id=f.id) for f in families])
    items = list(gym.studio.grant_batch_items(report.batch_id))
    untouched, used, emptied = (i.pass_id or 0 for i in items)
    gym.studio.set_default_pass(members[0].id, untouched)
    redemption = gym.redeem(members[1], yoga)
    gym.redeem(members[2], yoga, count=3)

    undone = _undo(gym.studio, report.batch_id)
    assert (undone.state, undone.undone, undone.undo_reason) == (
        BatchState.UNDONE,
        3,
        "wrong list",
    )
    items = list(gym.studio.grant_batch_items(report.batch_id))
    assert [(i.undo, i.taken_back) for i in items] == [
        (UndoOutcome.VOIDED, 3),
        (UndoOutcome.EMPTIED, 2),
        (UndoOutcome.NOTHING_LEFT, 0),
    ]
    assert gym.studio.passes(families[0].id) == ()
    assert gym.studio.pass_balance(untouched).state is PassState.VOIDED
    assert gym.studio.member(members[0].id).default_pass_id is None
    kept = gym.studio.pass_balance(used)
    assert (kept.remaining, kept.state) == (0, PassState.EXHAUSTED)
    # What was redeemed stays redeemed, and is counted as "session 1 of 3".
    redeemed = [h for h in gym.studio.history(pass_id=used) if h.kind.value == "redeem"]
    assert [(h.redemption_id, h.number, h.of) for h in redeemed] == [
        (redemption.redemption_id, 1, 3)
    ]
    assert gym.studio.pass_balance(emptied).remaining == 0
    (told,) = recorder.events_named("bulk_grant_undone")
    assert told == undone

    # The same key again returns the same report; another key is refused; the batch grants no more.
    assert _undo(gym.studio, report.batch_id) == undone
    with pytest.raises(InvalidState, match="already undone"):
        _undo(gym.studio, report.batch_id, key="undo-2")
    # Running the batch again returns its report and grants nothing.
    assert _bulk(gym.studio, [Recipient(account_id=f.id) for f in families]) == undone
    with pytest.raises(NotFound):
        _undo(gym.studio, 999_999, key="undo-3")
    assert len(recorder.events_named("bulk_grant_undone")) == 1
    assert gym.studio.verify() == ()


def test_undo_voids_an_untouched_pass_that_was_on_hold(gym: Gym) -> None:
    family = gym.account()
    report = _bulk(gym.studio, [Recipient(account_id=family.id)])
    (item,) = gym.studio.grant_batch_items(report.batch_id)
    pass_id = item.pass_id or 0
    gym.studio.suspend(
        pass_id, reason="away", idempotency_key="hold-1", actor=STAFF, channel="office"
    )
    _undo(gym.studio, report.batch_id)
    (item,) = gym.studio.grant_batch_items(report.batch_id)
    assert (item.undo, item.taken_back) == (UndoOutcome.VOIDED, 3)
    held = gym.studio.pass_balance(pass_id)
    assert (held.state, held.remaining) == (PassState.VOIDED, 0)


def test_undoing_an_interrupted_batch_closes_it(gym: Gym, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_granting, "CHUNK", 2)
    accounts = [gym.account() for _ in range(5)]
    recipients = [Recipient(account_id=a.id) for a in accounts]
    with pytest.raises(Crash):
        _bulk(gym.studio, _crashing(recipients, 3))
    batch = gym.studio.grant_batch_by_key("batch-1")
    undone = _undo(gym.studio, batch.batch_id)
    assert (undone.granted, undone.undone) == (2, 2)
    assert _bulk(gym.studio, recipients) == undone
    assert all(gym.studio.passes(a.id) == () for a in accounts)
    assert gym.studio.verify() == ()


def _protected(engine: Engine, clock: ManualClock) -> Studio:
    settings = Settings(policy=allow_all, allow_removing_manual_credits=False)
    return Studio(engine, settings=settings, clock=clock)


def test_by_default_manual_credits_are_removed_by_an_adjustment_with_a_reason(gym: Gym) -> None:
    family = gym.account()
    given = gym.grant(family, 5)
    with pytest.raises(InvalidInput, match="reason is required"):
        gym.studio.adjust(
            given.pass_id, -2, reason=" ", idempotency_key="a0", actor=STAFF, channel="office"
        )
    result = gym.studio.adjust(
        given.pass_id, -2, reason="given twice", idempotency_key="a1", actor=STAFF, channel="office"
    )
    assert result.balances_after == (3,)
    gym.studio.void(
        given.pass_id, reason="not earned", idempotency_key="v1", actor=STAFF, channel="office"
    )
    assert gym.studio.pass_balance(given.pass_id).state is PassState.VOIDED


def test_a_setting_forbids_removing_manual_credits(
    gym: Gym, engine: Engine, clock: ManualClock
) -> None:
    family = gym.account()
    member = gym.member(family)
    yoga = gym.service()
    given = gym.grant(family, 5)
    bought = gym.grant(family, 5, source=Source.SALE, cost_basis_minor=5000, cost_currency="EUR")
    spent = gym.grant(family, 1, member=member)
    gym.redeem(member, yoga, pass_id=spent.pass_id)
    batch = _bulk(gym.studio, [Recipient(account_id=family.id)])
    studio = _protected(engine, clock)

    def adjust(pass_id: int, delta: int, key: str) -> object:
        return studio.adjust(
            pass_id, delta, reason="typo", idempotency_key=key, actor=STAFF, channel="office"
        )

    with pytest.raises(ManualCreditsProtected, match="forbid taking back"):
        adjust(given.pass_id, -1, "p1")
    with pytest.raises(ManualCreditsProtected, match="cannot be deleted"):
        studio.void(given.pass_id, reason="x", idempotency_key="p2", actor=STAFF, channel="api")
    with pytest.raises(ManualCreditsProtected, match="bulk grant"):
        _undo(studio, batch.batch_id)
    assert isinstance(ManualCreditsProtected("x"), NotAuthorized)
    assert studio.pass_balance(given.pass_id).remaining == 5
    assert studio.grant_batch(batch.batch_id).state is BatchState.COMPLETE
    # Adding is allowed, and so are sold credits and an empty manual pass.
    assert adjust(given.pass_id, 2, "p3").balances_after == (7,)  # type: ignore[attr-defined]
    assert adjust(bought.pass_id, -1, "p4").balances_after == (4,)  # type: ignore[attr-defined]
    studio.void(spent.pass_id, reason="empty", idempotency_key="p5", actor=STAFF, channel="api")
    assert studio.verify() == ()


def test_two_runs_of_one_batch_at_once_grant_each_client_once(
    gym: Gym, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_granting, "CHUNK", 3)
    accounts = [gym.account() for _ in range(20)]
    recipients = [Recipient(account_id=a.id) for a in accounts]
    reports: list[BulkGrantReport] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(_bulk(gym.studio, recipients))
        except BaseException as error:  # collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [(r.state, r.granted) for r in reports] == [(BatchState.COMPLETE, 20)] * 2
    assert _count(engine, Pass) == _count(engine, GrantBatchItem) == 20
    assert gym.studio.verify() == ()
