"""Test-only views: what a future page checks first, and a host's own write beside ours."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from gymsite.gym.models import Athlete, Visit
from sessionpacks import Channel
from sessionpacks_django import Identity, identity_required, studio


@identity_required()
def who_am_i(request: HttpRequest, identity: Identity) -> HttpResponse:
    return JsonResponse(
        {
            "kind": identity.actor.kind,
            "roles": list(identity.actor.roles),
            "member_id": identity.member_id,
            "display_name": identity.display_name,
        }
    )


@identity_required(staff=True)
def staff_only(request: HttpRequest, identity: Identity) -> HttpResponse:
    return HttpResponse("staff")


@require_POST
@identity_required(staff=True)
def record_visit(request: HttpRequest, identity: Identity, member_id: int) -> HttpResponse:
    body = json.loads(request.body)
    result = studio().redeem(
        member_id,
        body["service_id"],
        idempotency_key=body["key"],
        actor=identity.actor,
        channel=Channel.OFFICE,
    )
    athlete = Athlete.objects.get(pk=request.user.pk)
    Visit.objects.create(athlete=athlete, redemption_id=result.redemption_id)
    return JsonResponse({"redemption_id": result.redemption_id, "units": result.units})
