"""sessionpacks: prepaid credits (punch passes, session packs, plans) for a studio's own website."""

from sessionpacks.clock import Clock, ManualClock, SystemClock
from sessionpacks.database import create_engine, prepare_engine
from sessionpacks.directory import AccountInfo, MemberInfo, ServiceInfo
from sessionpacks.enums import Channel, EntryKind, Metric, PassState, Source
from sessionpacks.errors import (
    ConfigurationError,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientCredit,
    InvalidInput,
    InvalidState,
    NoPaymentProvider,
    NotAuthorized,
    NotFound,
    PassUnusable,
    PaymentError,
    SessionPacksError,
    Unusable,
)
from sessionpacks.hookspecs import hookimpl
from sessionpacks.messages import (
    ChargeRequest,
    ChargeResult,
    EmailMessage,
    RefundRequest,
    RefundResult,
    TaskRequest,
)
from sessionpacks.migrate import upgrade
from sessionpacks.outbox import RetryReport
from sessionpacks.selection import Candidate, SelectionRequest
from sessionpacks.settings import Policy, Settings, allow_all
from sessionpacks.studio import Studio
from sessionpacks.values import (
    Actor,
    Balance,
    EntryResult,
    ExhaustedEvent,
    GrantResult,
    HistoryEntry,
    PassBalance,
    PassTerms,
    RedeemResult,
    RedemptionPart,
    RedemptionPlan,
    Target,
    VerifyProblem,
)

__all__ = [
    "AccountInfo",
    "Actor",
    "Balance",
    "Candidate",
    "Channel",
    "ChargeRequest",
    "ChargeResult",
    "Clock",
    "ConfigurationError",
    "CurrencyMismatch",
    "EmailMessage",
    "EntryKind",
    "EntryResult",
    "ExhaustedEvent",
    "GrantResult",
    "HistoryEntry",
    "IdempotencyConflict",
    "InsufficientCredit",
    "InvalidInput",
    "InvalidState",
    "ManualClock",
    "MemberInfo",
    "Metric",
    "NoPaymentProvider",
    "NotAuthorized",
    "NotFound",
    "PassBalance",
    "PassState",
    "PassTerms",
    "PassUnusable",
    "PaymentError",
    "Policy",
    "RedeemResult",
    "RedemptionPart",
    "RedemptionPlan",
    "RefundRequest",
    "RefundResult",
    "RetryReport",
    "SelectionRequest",
    "ServiceInfo",
    "SessionPacksError",
    "Settings",
    "Source",
    "Studio",
    "SystemClock",
    "Target",
    "TaskRequest",
    "Unusable",
    "VerifyProblem",
    "allow_all",
    "create_engine",
    "hookimpl",
    "prepare_engine",
    "upgrade",
]
