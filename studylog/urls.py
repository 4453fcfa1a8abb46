"""Root URLs: accounts (Django's, three adjusted; GitHub's), language switch, admin, the
health check, the HTTP API, and the Studylog app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sessions.api import api
from sessions.api import not_found as api_not_found
from sessions.forms.accounts import PasswordResetForm
from sessions.views import accounts

from .health import healthz, ping

urlpatterns = [
    # Ahead of Django's own: logging in applies the account's language, choosing one
    # remembers it, and a reset link also reaches an account with no password yet.
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path("i18n/setlang/", accounts.set_language, name="set_language"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/github/", include("sessions.github.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", api_not_found, name="api-not-found"),
    path("", include("sessions.urls")),
]
