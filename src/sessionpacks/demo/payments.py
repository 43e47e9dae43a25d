"""A payment plugin that approves every charge, so the demo can sell packs without a card."""

from __future__ import annotations

import uuid

from sessionpacks import ChargeRequest, ChargeResult, RefundRequest, RefundResult, hookimpl


class DemoPayments:
    @hookimpl
    def sessionpacks_charge(self, request: ChargeRequest) -> ChargeResult:
        return ChargeResult(reference=f"demo-charge-{uuid.uuid4().hex[:12]}")

    @hookimpl
    def sessionpacks_refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(reference=f"demo-refund-{uuid.uuid4().hex[:12]}")
