from __future__ import annotations

from django.urls import include, path

from sessionpacks_django.demo import views
from sessionpacks_django.demo.settings import MOUNT

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign_in"),
    path("sign-out", views.sign_out, name="sign_out"),
    # The second mounting line.
    path(MOUNT, include("sessionpacks_django.urls")),
]
