"""App config: module `sessions`, label `peer` (django.contrib.sessions owns `sessions`)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeerConfig(AppConfig):
    name = "sessions"
    label = "peer"
    verbose_name = _("Peer sessions")
    default_auto_field = "django.db.models.BigAutoField"
