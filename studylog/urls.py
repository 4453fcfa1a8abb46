"""Root URLs: accounts, language switch, admin, the health check, and the Studylog app."""

from django.contrib import admin
from django.urls import include, path

from .health import healthz, ping

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("", include("sessions.urls")),
]
