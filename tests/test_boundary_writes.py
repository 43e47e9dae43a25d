"""Every public Studio write, driven with arbitrary values: each call succeeds or is refused with
one of the documented domain errors, never another exception, and a refused call leaves every
sessionpacks table as it was, on whichever database the suite runs on."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import Engine

from sessionpacks import (
    Actor,
    BulkGrantReport,
    Channel,
    ManualClock,
    PassTerms,
    Recipient,
    Settings,
    Studio,
    allow_all,
    errors,
    limits,
)
from sessionpacks.client_import import ClientRow
from sessionpacks.columns import metadata
from sessionpacks.enums import Billing, CreditTaken, Metric, Scope, StartRule, TemplateKind
from sessionpacks.testing import Recorder, empty_tables
from tests.conftest import START

# The calls that change something. Reads and plumbing are listed apart, so that a new public
# method has to be put in one list or the other (see the first test).
WRITES = (
    "add_account",
    "add_client",
    "add_member",
    "add_occurrence",
    "add_service",
    "adjust",
    "archive_template",
    "assign",
    "book",
    "book_private_session",
    "bulk_grant",
    "cancel_booking",
    "cancel_occurrence",
    "cancel_subscription",
    "check_in",
    "complete_task",
    "create_template",
    "enroll",
    "expire",
    "expire_due",
    "extend",
    "grant",
    "import_clients",
    "link_user",
    "mark_attended",
    "mark_no_show",
    "redeem",
    "refund",
    "remember_actor_name",
    "renew_due",
    "renew_plan",
    "reverse",
    "run_due_work",
    "sell",
    "send_due_reminders",
    "send_pass_reminders",
    "set_booking_policy",
    "set_default_pass",
    "set_kiosk_pin",
    "set_member_email",
    "subscribe",
    "suspend",
    "undo_bulk_grant",
    "unsuspend",
    "void",
)
NOT_WRITES = frozenset(
    {
        # Reads.
        "account",
        "account_balance",
        "actor_names",
        "account_by_ref",
        "booking_policy",
        "bookings",
        "calendar",
        "find_accounts",
        "grant_batch",
        "grant_batch_by_key",
        "grant_batch_items",
        "history",
        "member",
        "member_at_kiosk",
        "member_balance",
        "member_by_ref",
        "member_for_user",
        "members",
        "occurrence",
        "pass_balance",
        "passes",
        "payments",
        "places_taken",
        "plan_redemption",
        "refunds",
        "renewals",
        "roster",
        "schedule",
        "service",
        "services",
        "subscription",
        "subscriptions",
        "tasks",
        "template",
        "template_terms",
        "templates",
        "verify",
        # Plumbing with nothing arbitrary to give: a host's transaction, retries of what failed.
        "joined",
        "deliver_joined",
        "retry_payments",
        "retry_side_effects",
    }
)
# What a refusal may raise: the errors sessionpacks documents (errors.py), never a driver's or
# Python's own. ConfigurationError is a set-up mistake of the host, not an answer to input.
DOMAIN_ERRORS = tuple(
    kind
    for kind in vars(errors).values()
    if isinstance(kind, type)
    and issubclass(kind, errors.SessionPacksError)
    and not issubclass(kind, errors.ConfigurationError)
)
OWNER = Actor(kind="staff", id="owner-1", roles=("owner",))


@attrs.frozen
class Known:
    """A row of the seeded world, named here and found when the call is made (ids differ from
    one example to the next on servers, whose sequences do not restart)."""

    kind: str


# -- values ---------------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(min_value=-3, max_value=40),
    st.integers(),
    st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**23]),
)
texts = st.one_of(
    st.text(max_size=12),
    st.text(max_size=600),
    st.sampled_from(["", " ", "a\x00b", "\ud800", "x" * 192, "x" * 201, "x" * 501, "EUR"]),
)
zones = st.sampled_from(
    [dt.timezone.utc, dt.timezone(dt.timedelta(hours=-12)), dt.timezone(dt.timedelta(hours=14))]
)
moments = st.one_of(
    st.integers(min_value=-400, max_value=400).map(lambda d: START + dt.timedelta(days=d)),
    st.datetimes(timezones=zones),
    st.datetimes(),  # naive
    st.sampled_from(
        [
            dt.datetime.max.replace(tzinfo=dt.timezone.utc),
            dt.datetime.min.replace(tzinfo=dt.timezone.utc),
            dt.datetime(2999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        ]
    ),
)
spans = st.one_of(
    st.integers(min_value=-5, max_value=400).map(lambda d: dt.timedelta(days=d)),
    st.timedeltas(),
    st.just(dt.timedelta.max),
)
junk = st.one_of(st.none(), st.booleans(), st.floats(), numbers, texts, st.binary(max_size=4))
actors = st.one_of(
    st.just(OWNER),
    st.builds(Actor, kind=texts, id=texts),
    junk,
)
KINDS = {
    "account_id": "account",
    "member_id": "member",
    "service_id": "service",
    "template_id": "template",
    "pass_id": "pass",
    "occurrence_id": "occurrence",
    "booking_id": "booking",
    "redemption_id": "redemption",
    "subscription_id": "subscription",
    "batch_id": "batch",
    "task_id": "task",
}
ENUMS: Mapping[str, Any] = {
    "channel": Channel,
    "kind": TemplateKind,
    "metric": Metric,
    "start_rule": StartRule,
    "scope": Scope,
    "billing": Billing,
    "credit_taken": CreditTaken,
}
BOOLEANS = {
    "private",
    "attended",
    "keep_credit",
    "late_cancel_forfeits",
    "no_show_forfeits",
    "extend_on_unsuspend",
    "refundable",
    "rollover",
    "auto_renew",
}
MOMENTS = {
    "starts_at",
    "ends_at",
    "expires_at",
    "occurred_at",
    "now",
    "period_paid_until",
    "valid_until",
    "start_date",
}


def _ids(kind: str) -> st.SearchStrategy[object]:
    return st.one_of(st.just(Known(kind)), st.just(Known(kind)), numbers, junk)


def _maybe_id(kind: str) -> st.SearchStrategy[object]:
    return st.one_of(st.none(), st.just(Known(kind)), numbers)


terms = st.builds(
    PassTerms,
    quantity=st.one_of(st.integers(min_value=1, max_value=20), numbers),
    metric=st.one_of(st.sampled_from(Metric), texts),
    currency=st.one_of(st.none(), st.just("EUR"), texts),
    label=st.one_of(st.just(""), texts),
    services=st.one_of(st.just(()), st.tuples(_maybe_id("service"))),
    categories=st.one_of(st.just(()), st.tuples(texts)),
    starts_at=st.one_of(st.none(), moments),
    expires_at=st.one_of(st.none(), moments),
    cost_basis_minor=st.one_of(st.just(0), numbers),
    cost_currency=st.one_of(st.none(), st.just("EUR"), texts),
    member_cap=st.one_of(st.none(), numbers),
    priority=st.one_of(st.just(0), numbers),
    starts_on_first_use=st.one_of(st.booleans(), junk),
    validity_days=st.one_of(st.none(), numbers),
    template_id=st.one_of(st.none(), _maybe_id("template")),
)
recipients = st.lists(
    st.builds(
        Recipient,
        account_id=_maybe_id("account"),
        account_ref=st.one_of(st.none(), st.just("family-1"), texts),
        member_id=_maybe_id("member"),
    ),
    max_size=3,
)
client_rows = st.lists(
    st.builds(
        ClientRow,
        line=st.integers(min_value=1, max_value=9),
        account_ref=texts,
        name=texts,
        member_name=st.one_of(st.none(), texts),
        member_ref=st.one_of(st.none(), texts),
        email=st.one_of(st.none(), st.just("ann@example.com"), texts),
    ),
    max_size=3,
)


def wild(name: str) -> st.SearchStrategy[object]:
    """Any value at all for an argument, leaning towards the edges of what it could be."""
    if name in KINDS:
        return _ids(KINDS[name])
    if name == "occurrence_ids":
        return st.one_of(st.lists(_ids("occurrence"), max_size=2), junk)
    if name == "actor":
        return actors
    if name in ENUMS:
        return st.one_of(texts, junk)
    if name in BOOLEANS:
        return junk
    if name in MOMENTS:
        return st.one_of(moments, junk)
    if name in ("by", "within"):
        return st.one_of(spans, junk)
    if name == "terms":
        return st.one_of(terms, terms, junk)
    if name == "recipients":
        return st.one_of(recipients, junk)
    if name == "rows":
        return st.one_of(client_rows, junk)
    if name == "services":
        return st.one_of(st.lists(_ids("service"), max_size=2), junk)
    if name == "categories":
        return st.one_of(st.lists(texts, max_size=2), junk)
    if name in ("on_progress", "host"):
        return st.none()
    return st.one_of(numbers, texts, moments, junk)


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
PLAUSIBLE: Mapping[str, st.SearchStrategy[object]] = {
    "actor": st.just(OWNER),
    "idempotency_key": words.map(lambda w: "key-" + w),
    "batch_key": words.map(lambda w: "batch-" + w),
    "reason": st.just("a reason"),
    "currency": st.just("EUR"),
    "email": st.just("bea@example.com"),
    "pin": st.just("4821"),
    "user_key": words,
    "occurrence_ref": words,
    "instructor_ref": words,
    "category": st.just("classes"),
    "categories": st.just(["classes"]),
    "services": st.just([Known("service")]),
    "occurrence_ids": st.just([Known("occurrence")]),
    "by": st.integers(min_value=1, max_value=400).map(lambda d: dt.timedelta(days=d)),
    "within": st.integers(min_value=1, max_value=30).map(lambda d: dt.timedelta(days=d)),
    "terms": st.builds(PassTerms, quantity=st.integers(min_value=1, max_value=20)),
    "recipients": st.lists(st.just(Recipient(account_id=Known("account"))), max_size=2),  # type: ignore[arg-type]
    "rows": st.lists(
        st.builds(ClientRow, line=st.just(1), account_ref=words, name=words), max_size=2
    ),
    "price_minor": st.integers(min_value=0, max_value=10_000),
    "delta": st.sampled_from([-1, 1, 2]),
    "cancel_cutoff_minutes": st.integers(min_value=0, max_value=120),
}


def plausible(name: str) -> st.SearchStrategy[object]:
    """A value of the kind the argument takes, so that the call can get past it."""
    if name in PLAUSIBLE:
        return PLAUSIBLE[name]
    if name in KINDS:
        return st.just(Known(KINDS[name]))
    if name in ENUMS:
        return st.sampled_from(ENUMS[name])
    if name in BOOLEANS:
        return st.booleans()
    if name in MOMENTS:
        return st.integers(min_value=-30, max_value=400).map(lambda d: START + dt.timedelta(days=d))
    if name in ("on_progress", "host"):
        return st.none()
    if name in ("name", "ref", "member_name", "member_ref", "code", "text", "display_name"):
        return words
    return st.integers(min_value=1, max_value=40)


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """A call with plausible arguments but one (or none) that may be anything."""
    method = draw(st.sampled_from(WRITES))
    parameters = list(inspect.signature(getattr(Studio, method)).parameters.values())[1:]
    odd = draw(st.sampled_from([None, *(p.name for p in parameters)]))
    arguments: dict[str, object] = {}
    for parameter in parameters:
        required = parameter.default is inspect.Parameter.empty
        if required or parameter.name == odd or draw(st.booleans()):
            strategy = wild if parameter.name == odd else plausible
            arguments[parameter.name] = draw(strategy(parameter.name))
    return method, arguments


# -- the world --------------------------------------------------------------------------------


def _seed(studio: Studio) -> dict[str, int]:
    """A little of everything, so that calls with known ids reach past their lookups."""
    made = studio.add_client("family-1", "The Lees", email="ann@example.com")
    account, member = made.account.id, made.member.id
    service = studio.add_service("Yoga", category="classes", duration_minutes=60)
    template = studio.create_template(
        "Ten classes", quantity=10, price_minor=10_000, currency="EUR"
    ).id
    plan = studio.create_template(
        "Monthly", kind=TemplateKind.PLAN, quantity=4, period_months=1, price_minor=0
    ).id
    sale = studio.sell(
        template, account, idempotency_key="seed-sale", actor=OWNER, channel=Channel.OFFICE
    )
    occurrence = studio.add_occurrence(service.id, START + dt.timedelta(days=1), capacity=5).id
    booking = studio.book(
        member, occurrence, idempotency_key="seed-book", actor=OWNER, channel=Channel.OFFICE
    )
    redeemed = studio.redeem(
        member, service.id, idempotency_key="seed-redeem", actor=OWNER, channel=Channel.OFFICE
    )
    subscribed = studio.subscribe(
        plan, account, idempotency_key="seed-plan", actor=OWNER, channel=Channel.OFFICE
    )
    batch = studio.bulk_grant(
        [Recipient(account_id=account)],
        PassTerms(quantity=2),
        reason="welcome",
        batch_key="seed-batch",
        actor=OWNER,
        channel=Channel.OFFICE,
    )
    tasks = studio.tasks()
    return {
        "account": account,
        "member": member,
        "service": service.id,
        "template": template,
        "pass": sale.pass_id,
        "occurrence": occurrence,
        "booking": booking.booking_id,
        "redemption": redeemed.redemption_id,
        "subscription": subscribed.subscription_id,
        "batch": batch.batch_id,
        "task": tasks[0].id if tasks else 1,
    }


def _resolved(value: object, world: Mapping[str, int]) -> object:
    if isinstance(value, Known):
        return world[value.kind]
    if isinstance(value, list):
        return [_resolved(item, world) for item in value]
    if isinstance(value, tuple):
        return tuple(_resolved(item, world) for item in value)
    if isinstance(value, (PassTerms, Recipient)):
        changes: dict[str, Any] = {
            field.name: _resolved(getattr(value, field.name), world)
            for field in attrs.fields(type(value))
            if field.name in ("services", "template_id", "account_id", "member_id")
        }
        return attrs.evolve(value, **changes)
    return value


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every sessionpacks table, in key order."""
    found = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            found[table.name] = [tuple(row) for row in conn.execute(query)]
    return found


def _refused_or_done(engine: Engine, call: Callable[[], object]) -> None:
    before = _snapshot(engine)
    refusal: errors.SessionPacksError | None = None
    try:
        call()
    except DOMAIN_ERRORS as error:
        refusal = error
    if refusal is None:
        return
    assert str(refusal), f"{type(refusal).__name__} without a message"
    # A declined payment is recorded on purpose; no other refusal leaves a trace.
    if not isinstance(refusal, errors.PaymentError):
        after = _snapshot(engine)
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"refused ({refusal}) but wrote to {changed}"


# -- the tests --------------------------------------------------------------------------------


def test_every_public_method_is_listed_as_a_write_or_not() -> None:
    public = {name for name, _ in inspect.getmembers(Studio, inspect.isfunction)}
    public = {name for name in public if not name.startswith("_")}
    assert public - NOT_WRITES == set(WRITES)


def test_every_write_refuses_what_it_cannot_keep_and_writes_nothing_then(
    engine: Engine, database_url: str
) -> None:
    clock = ManualClock(START)
    studio = Studio(
        engine,
        settings=Settings(policy=allow_all),
        plugins=[Recorder()],
        clock=clock,
    )
    server = not database_url.startswith("sqlite")

    @settings(
        max_examples=120 if server else 250,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(call=calls())
    def check(call: tuple[str, dict[str, object]]) -> None:
        empty_tables(engine)
        clock.set(START)
        world = _seed(studio)
        method, arguments = call
        given_ = {name: _resolved(value, world) for name, value in arguments.items()}
        _refused_or_done(engine, lambda: getattr(studio, method)(**given_))

    check()


@pytest.mark.parametrize(
    ("method", "arguments", "field"),
    [
        ("add_account", {"ref": "a", "name": "x" * 201}, "account name"),
        ("add_service", {"name": "x" * 192, "category": "c", "duration_minutes": 5}, "name"),
        ("add_occurrence", {"service_id": 1, "starts_at": START, "capacity": 2**31}, "capacity"),
        (
            "set_booking_policy",
            {"service_id": 1, "cancel_cutoff_minutes": 2**31},
            "cancel_cutoff_minutes",
        ),
        ("add_account", {"ref": "a\x00", "name": "Ann"}, "account ref"),
        ("add_account", {"ref": "a", "name": "Ann", "actor": Actor("x" * 33, "1")}, "actor kind"),
        ("add_account", {"ref": "a", "name": "Ann", "idempotency_key": "k\x00"}, "idempotency"),
    ],
)
def test_the_column_sizes_bound_the_arguments(
    studio: Studio, method: str, arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(errors.InvalidInput, match=field):
        getattr(studio, method)(**arguments)
    assert studio.find_accounts() == ()


def test_an_adjustment_cannot_push_a_balance_past_what_a_pass_holds(studio: Studio) -> None:
    account = studio.add_account("a", "Ann")
    held = studio.grant(
        account.id,
        PassTerms(quantity=10),
        reason="gift",
        idempotency_key="g",
        actor=OWNER,
        channel=Channel.OFFICE,
    )
    biggest = 2**63 - 1
    with pytest.raises(errors.InvalidInput, match="delta"):
        studio.adjust(
            held.pass_id,
            biggest - 5,
            reason="typo",
            idempotency_key="a",
            actor=OWNER,
            channel=Channel.OFFICE,
        )
    assert studio.pass_balance(held.pass_id).remaining == 10
    done = studio.adjust(
        held.pass_id,
        biggest - 10,
        reason="all of it",
        idempotency_key="b",
        actor=OWNER,
        channel=Channel.OFFICE,
    )
    assert done.balances_after == (biggest,)


def test_an_expiry_extended_again_and_again_stays_inside_the_supported_years(
    studio: Studio,
) -> None:
    account = studio.add_account("a", "Ann")
    held = studio.grant(
        account.id,
        PassTerms(quantity=1, expires_at=dt.datetime(2990, 1, 1, tzinfo=dt.timezone.utc)),
        reason="gift",
        idempotency_key="g",
        actor=OWNER,
        channel=Channel.OFFICE,
    )
    keyed = {"reason": "r", "actor": OWNER, "channel": Channel.OFFICE}
    century = dt.timedelta(days=36_600)
    with pytest.raises(errors.InvalidInput, match="by"):
        studio.extend(held.pass_id, by=century, idempotency_key="e1", **keyed)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInput, match="by"):
        studio.extend(held.pass_id, by=dt.timedelta(days=36_601), idempotency_key="e2", **keyed)  # type: ignore[arg-type]
    studio.extend(held.pass_id, by=dt.timedelta(days=365), idempotency_key="e3", **keyed)  # type: ignore[arg-type]
    expected = dt.datetime(2991, 1, 1, tzinfo=dt.timezone.utc)
    assert studio.pass_balance(held.pass_id).expires_at == expected


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800", "x" * 1000])
def test_text_no_column_keeps_is_refused_by_reads_and_streams_too(studio: Studio, bad: str) -> None:
    for read in (
        studio.account_by_ref,
        studio.member_by_ref,
        studio.member_for_user,
        studio.member_at_kiosk,
        studio.grant_batch_by_key,
    ):
        with pytest.raises((errors.InvalidInput, errors.NotFound)):
            read(bad)
    # A stream's bad row is refused on its own line; the others go in.
    report = studio.import_clients(
        [
            ClientRow(line=1, account_ref=bad, name="Ann"),
            ClientRow(line=2, account_ref="b", name=bad),
        ]
    )
    assert (report.accounts_added, len(report.refused)) == (0, 2)
    assert studio.find_accounts() == ()
    account = studio.add_account("c", "Cy")

    def bulk() -> object:
        return studio.bulk_grant(
            [Recipient(account_ref=bad), Recipient(account_id=account.id)],
            PassTerms(quantity=1),
            reason="gift",
            batch_key="b",
            actor=OWNER,
            channel=Channel.OFFICE,
        )

    if len(bad) > limits.REF_LENGTH:
        # Too long a ref names nobody: that recipient is skipped, saying why.
        granted = bulk()
        assert isinstance(granted, BulkGrantReport)
        assert (granted.granted, granted.skipped) == (1, 1)
    else:
        # A character no database keeps is refused before the batch opens.
        with pytest.raises(errors.InvalidInput, match="account_ref"):
            bulk()
        with pytest.raises(errors.NotFound):
            studio.grant_batch_by_key("b")
        assert studio.passes(account.id) == ()
