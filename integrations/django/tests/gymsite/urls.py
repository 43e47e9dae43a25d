"""The gym's own URLs; ``identity/`` and ``visit/`` exist only for the tests."""

from __future__ import annotations

from django.urls import include, path

from gymsite.gym import views

urlpatterns = [
    path("studio/", include("sessionpacks_django.urls")),
    path("identity/", views.who_am_i),
    path("staff-only/", views.staff_only),
    path("visit/<int:member_id>/", views.record_visit),
]
