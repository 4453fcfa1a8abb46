"""Images members upload into markdown, kept in the database so every app server has
them, and reachable only through their team."""

import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def new_key() -> str:
    """128 random bits, URL-safe: an image's address cannot be guessed."""
    return secrets.token_urlsafe(16)


class TeamImageQuerySet(models.QuerySet):
    def for_team(self, team) -> "TeamImageQuerySet":
        return self.filter(team=team)

    def store(self, *, team, uploader, clean) -> "TeamImage":
        """The team's image with these cleaned bytes: the one already stored when the
        same picture was uploaded before, a new one otherwise."""
        digest = hashlib.sha256(clean.data).hexdigest()
        found = self.for_team(team).filter(sha256=digest).first()
        if found is not None:
            return found
        image = self.model(
            team=team,
            uploaded_by=uploader,
            content_type=clean.content_type,
            ext=clean.ext,
            data=clean.data,
            width=clean.width,
            height=clean.height,
            size=len(clean.data),
            sha256=digest,
        )
        try:
            with transaction.atomic():
                image.save(force_insert=True)
        except IntegrityError:  # the same picture, uploaded at the same moment
            return self.for_team(team).get(sha256=digest)
        return image


class TeamImage(models.Model):
    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="images")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    key = models.CharField(max_length=32, unique=True, default=new_key, editable=False)
    content_type = models.CharField(max_length=20)
    ext = models.CharField(max_length=5)
    data = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()  # bytes
    sha256 = models.CharField(max_length=64)  # of `data`: the same picture is stored once
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        constraints = [
            models.UniqueConstraint(fields=["team", "sha256"], name="teamimage_once_per_team")
        ]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse(
            "peer:image", kwargs={"team": self.team.slug, "key": self.key, "ext": self.ext}
        )

    @property
    def filename(self) -> str:
        return f"{self.key}.{self.ext}"
