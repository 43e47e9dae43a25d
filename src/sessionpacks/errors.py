"""The exceptions sessionpacks raises.

Every message names the problem in words a studio's developer can act on. Nothing is written when
any of these is raised by a write.
"""

from __future__ import annotations

import enum


class SessionPacksError(Exception):
    """Base of every error sessionpacks raises on purpose."""


class InvalidInput(SessionPacksError, ValueError):
    """An argument is malformed: a zero quantity, a naive datetime, an empty reason."""


class CurrencyMismatch(InvalidInput):
    """Two amounts of money, or a pass and a price, are in different currencies."""


class NotFound(SessionPacksError, LookupError):
    """An id names nothing: an unknown account, member, service, pass or redemption."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"unknown {kind}: {ident!r}")


class NotAuthorized(SessionPacksError, PermissionError):
    """The host's authorization hook did not allow the actor to do this."""


class IdempotencyConflict(SessionPacksError):
    """An idempotency key was used again with different arguments."""


class ConfigurationError(SessionPacksError):
    """The library is set up wrongly: a missing plugin, an unprepared database."""


class PaymentError(SessionPacksError):
    """The payment hook refused or failed."""


class NoPaymentProvider(PaymentError):
    """No plugin takes payments; the host must register one."""


class Unusable(enum.Enum):
    """Why a pass cannot pay for a redemption."""

    SUSPENDED = "suspended"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    VOIDED = "voided (deleted)"
    REFUNDED = "refunded"
    NOT_STARTED = "not started yet"
    NOT_APPLICABLE = "not valid for this service"
    NOT_USABLE_BY_MEMBER = "not usable by this member"
    MEMBER_CAP_REACHED = "at this member's limit on the family pass"
    WRONG_METRIC = "counted in another unit than the passes chosen first"


class PassUnusable(SessionPacksError):
    """A named pass cannot be used, and the reason says why."""

    def __init__(self, pass_id: int, reason: Unusable, detail: str = "") -> None:
        self.pass_id = pass_id
        self.reason = reason
        message = f"pass {pass_id} cannot be used: it is {reason.value}"
        super().__init__(f"{message} ({detail})" if detail else message)


class InsufficientCredit(SessionPacksError):
    """The member's usable passes together do not hold enough for the redemption."""

    def __init__(self, message: str, rejected: tuple[tuple[int, Unusable], ...] = ()) -> None:
        self.rejected = rejected
        if rejected:
            reasons = "; ".join(f"pass {pid} is {why.value}" for pid, why in rejected)
            message = f"{message} ({reasons})"
        super().__init__(message)


class InvalidState(SessionPacksError):
    """The action does not fit the current state: reversing twice, adjusting a deleted pass."""


class OccurrenceFull(InvalidState):
    """Every place of a class or appointment is taken."""


class ManualCreditsProtected(NotAuthorized):
    """The studio's settings forbid taking back credits that were granted by hand."""


# -- selling (issue 3) ---------------------------------------------------------------------------


class PaymentUnknown(PaymentError):
    """The payment provider gave no answer (a timeout, a lost connection): the charge may or may
    not have happened. Nothing was sold; retry with the same idempotency key, which the provider
    sees again and so never charges twice."""


class SaleFailed(PaymentError):
    """The charge went through but the pass could not be made.

    ``refunded`` says whether the charge was given back; when it is False the payment is kept in
    state ``needs_attention`` for :meth:`~sessionpacks.Studio.retry_payments` or a retried sale.
    """

    def __init__(self, message: str, payment_id: int, refunded: bool) -> None:
        self.payment_id = payment_id
        self.refunded = refunded
        super().__init__(message)
