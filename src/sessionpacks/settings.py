"""The settings every integration fills in, whatever framework it comes from."""

from __future__ import annotations

from typing import Protocol

import attrs

from sessionpacks.values import Actor, Target


class Policy(Protocol):
    """Answers whether an actor may do an action to a target."""

    def __call__(self, actor: Actor, action: str, target: Target) -> bool: ...


def allow_all(actor: Actor, action: str, target: Target) -> bool:
    """A policy for a process that is trusted whole, such as the command line or a script."""
    return True


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value}")


def _not_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be zero (off) or more, got {value}")


@attrs.frozen
class Settings:
    """How a studio runs sessionpacks.

    :param policy: who may do what; without one, the default authorization plugin denies every
        write, so a host must choose.
    :param studio_timezone: the IANA zone that decides what "end of day" means.
    :param transaction_attempts: how often a write is tried when the database reports a deadlock
        or a serialization failure.
    :param side_effect_attempts: how often an email, task or event is tried before it stays failed.
    :param allow_removing_manual_credits: whether credits granted by hand (passes whose source is
        ``grant``, one by one or in bulk) may be taken back, by a negative adjustment with a
        reason, a delete, or undoing a bulk grant. Off, each of those is refused with
        :class:`~sessionpacks.errors.ManualCreditsProtected`. They are never refunded.
    :param expiring_soon_days: how many days ahead of its expiry a pass's holder is reminded;
        0 sends no expiring-soon reminder.
    :param low_balance_units: a pass of sessions whose balance falls to this many or fewer (but
        not to zero) sends a low-balance reminder; 0 sends none.
    :param last_session_reminder: email the holder when the last session of a pack is used.
    :param task_on_last_session: create a staff task when the last session of a pack is used.
    :param task_on_expiry: create a staff task when a pack expires with credit left (the Power
        Diary setting).
    """

    policy: Policy | None = None
    studio_timezone: str = "UTC"
    transaction_attempts: int = attrs.field(default=8, validator=_positive)
    side_effect_attempts: int = attrs.field(default=10, validator=_positive)
    allow_removing_manual_credits: bool = True
    expiring_soon_days: int = attrs.field(default=7, validator=_not_negative)
    low_balance_units: int = attrs.field(default=1, validator=_not_negative)
    last_session_reminder: bool = True
    task_on_last_session: bool = True
    task_on_expiry: bool = True
