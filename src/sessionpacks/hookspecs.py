"""The hooks through which a host app takes part in sessionpacks.

Every hook is called with keyword arguments. Hooks marked *first answer wins* stop at the first
plugin that returns something other than ``None``; the others are events that every plugin is told.
The defaults in ``sessionpacks.defaults`` are registered ``trylast``, so a host plugin that
answers always goes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from sessionpacks.messages import (
        ChargeRequest,
        ChargeResult,
        EmailMessage,
        RefundRequest,
        RefundResult,
        TaskRequest,
    )
    from sessionpacks.selection import Candidate, SelectionRequest
    from sessionpacks.values import (
        Actor,
        AutoRenewResult,
        BulkGrantReport,
        EntryResult,
        ExhaustedEvent,
        GrantResult,
        LifecycleResult,
        PassRefundResult,
        PlanPeriodResult,
        RedeemResult,
        SaleResult,
        Target,
    )

PROJECT = "sessionpacks"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def sessionpacks_authorize(actor: Actor, action: str, target: Target) -> bool | None:
    """May ``actor`` do ``action`` to ``target``? First answer wins.

    :param actor: who asks.
    :param action: one of :data:`sessionpacks.policies.ACTIONS`: ``sell``, ``grant``,
        ``bulk_grant``, ``undo_bulk_grant``, ``redeem``, ``reverse``, ``adjust``, ``suspend``,
        ``unsuspend``, ``void`` (delete), ``extend``, ``expire``, ``refund``, ``complete_task``;
        for bookings
        ``book``, ``enroll``, ``check_in``, ``private_session`` (target: the member) and
        ``cancel``, ``attend``, ``no_show`` (target: the booking); for set-up calls that name
        an actor, ``manage_clients`` (target: the account, or account 0 for a new one),
        ``manage_products`` and ``manage_schedule`` (target: ``studio`` 0, account 0), which
        ``cancel_occurrence`` asks too, besides ``cancel`` for each reservation it cancels.
    :param target: the account, member or pass acted on, with its account id.
    :return: ``True`` to allow, ``False`` to deny, ``None`` to let the next plugin answer. The
        default plugin asks the configured policy and denies when there is none.
    """


@hookspec(firstresult=True)
def sessionpacks_charge(request: ChargeRequest) -> ChargeResult | None:
    """Take a payment. First answer wins.

    :param request: the amount, currency, account and the idempotency key to pass on to the
        payment provider, so a retried sale never charges twice.
    :return: the provider's answer; raise :class:`~sessionpacks.errors.PaymentError` when the
        charge is declined. The default plugin raises
        :class:`~sessionpacks.errors.NoPaymentProvider`.
    """


@hookspec(firstresult=True)
def sessionpacks_refund(request: RefundRequest) -> RefundResult | None:
    """Give money back for an earlier charge. First answer wins.

    :param request: the charge reference, the amount and the idempotency key.
    :return: the provider's answer. The default plugin raises
        :class:`~sessionpacks.errors.NoPaymentProvider`.
    """


@hookspec(firstresult=True)
def sessionpacks_send_email(message: EmailMessage) -> bool | None:
    """Send an email, after the transaction that caused it committed. First answer wins.

    Besides booking emails, these are the pass reminders (expiring soon, low balance, last
    session used), each sent once per pass; see :doc:`scheduling`.

    :param message: the recipient, subject and body.
    :return: ``True`` once sent. Raising keeps the email for a later retry. The default plugin
        logs the message and keeps it in the ``sessionpacks_emails`` table.
    """


@hookspec(firstresult=True)
def sessionpacks_create_task(task: TaskRequest) -> bool | None:
    """Create a to-do for staff, after the transaction that caused it committed. First answer wins.

    sessionpacks asks for one when a redemption uses the last unit of a pass
    (``Settings.task_on_last_session``) and when the expiry sweep expires a pass that still held
    units (``Settings.task_on_expiry``); see :doc:`scheduling`.

    :param task: the title, the text and what it is about.
    :return: ``True`` once created. Raising keeps the task for a later retry. Whatever a host's
        plugin answers, the default plugin also keeps the task (once the host's plugin took it
        without raising) in the ``sessionpacks_tasks`` table that the office pages show, open
        until :meth:`sessionpacks.Studio.complete_task`.
    """


@hookspec(firstresult=True)
def sessionpacks_select_passes(
    request: SelectionRequest, candidates: Sequence[Candidate]
) -> Sequence[Candidate] | None:
    """Put the usable passes in the order they should pay. First answer wins.

    :param request: the member, the service and the pass the caller named, if any.
    :param candidates: the passes that may pay, already checked as usable.
    :return: the candidates in order (leaving some out is allowed), or ``None`` to let the default
        order of DOMAIN.md decide: named pass, default pack, member's own before the family's,
        soonest expiry, lowest cost, priority, oldest.
    """


@hookspec
def sessionpacks_granted(result: GrantResult) -> None:
    """Credits were granted; every plugin is told, after commit.

    :param result: the new pass and its grant entry.
    """


@hookspec
def sessionpacks_redeemed(result: RedeemResult) -> None:
    """A redemption committed; every plugin is told.

    :param result: the redemption with one part per pass that paid.
    """


@hookspec
def sessionpacks_reversed(result: EntryResult) -> None:
    """A redemption was given back; every plugin is told, after commit.

    :param result: the reverse entries written.
    """


@hookspec
def sessionpacks_adjusted(result: EntryResult) -> None:
    """A pass was corrected by hand; every plugin is told, after commit.

    :param result: the adjust entry written.
    """


@hookspec
def sessionpacks_voided(result: EntryResult) -> None:
    """A pass was deleted; every plugin is told, after commit.

    :param result: the void entry written.
    """


@hookspec
def sessionpacks_exhausted(event: ExhaustedEvent) -> None:
    """A pass's last unit was used; every plugin is told, after commit.

    :param event: the pass, its holder and when.
    """


# -- selling and the life of a pass (issue 3) ----------------------------------------------------


@hookspec
def sessionpacks_sold(result: SaleResult) -> None:
    """A template was sold: charged, and its pass made; every plugin is told, after commit.

    :param result: the pass, the payment and the provider's charge reference, for a receipt.
    """


@hookspec
def sessionpacks_renewed(result: PlanPeriodResult) -> None:
    """A plan began a period: by subscribing, by the host's billing renewing it, or by the
    sweep; every plugin is told, after commit.

    :param result: the period, its new pass, and what rolled over or expired from the last one.
    """


@hookspec
def sessionpacks_auto_renewed(result: AutoRenewResult) -> None:
    """A used-up or expired auto-renewing pass was sold again (charged through the payment
    hook); every plugin is told, after commit.

    :param result: the old pass, the new one and the payment.
    """


@hookspec
def sessionpacks_refunded(result: PassRefundResult) -> None:
    """The unused part of a sold pass was refunded and the pass ended; every plugin is told,
    after commit.

    :param result: the units taken, the amount given back and the provider's refund reference.
    """


@hookspec
def sessionpacks_suspended(result: LifecycleResult) -> None:
    """A pass was suspended (frozen); every plugin is told, after commit.

    :param result: the pass and its state.
    """


@hookspec
def sessionpacks_unsuspended(result: LifecycleResult) -> None:
    """A pass was unsuspended; every plugin is told, after commit.

    :param result: the pass, its state and its expiry before and after.
    """


@hookspec
def sessionpacks_extended(result: LifecycleResult) -> None:
    """A pass's expiry was moved (an expired pass may have reopened); every plugin is told, after
    commit.

    :param result: the pass, its expiry before and after, and what came back.
    """


@hookspec
def sessionpacks_expired(result: LifecycleResult) -> None:
    """A pass expired, forfeiting what it held; every plugin is told, after commit.

    :param result: the pass and what it forfeited (``-delta``).
    """


# -- bulk grants ---------------------------------------------------------------------------------


@hookspec
def sessionpacks_bulk_granted(report: BulkGrantReport) -> None:
    """A bulk grant finished; every plugin is told once, after commit, instead of
    ``sessionpacks_granted`` for each of its passes.

    :param report: the batch with its counts (granted, skipped); read its items, client by
        client, with :meth:`~sessionpacks.Studio.grant_batch_items`.
    """


@hookspec
def sessionpacks_bulk_grant_undone(report: BulkGrantReport) -> None:
    """A bulk grant was undone; every plugin is told once, after commit.

    :param report: the batch, now ``undone``, with how many of its passes were taken back.
    """
