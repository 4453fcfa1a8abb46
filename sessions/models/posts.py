"""A member's blog post as it came in, so it goes back out as it was."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PostSource(models.Model):
    """The file an import made a member's day from.

    Export writes `text` back unchanged while what Studylog would write for the day is
    still what it wrote right after the import (`fingerprint`); after an edit it writes
    the day again, under the same `filename` and with the post's own front matter.
    """

    day = models.ForeignKey("peer.Day", on_delete=models.CASCADE, related_name="post_sources")
    member = models.ForeignKey(
        "peer.Membership", on_delete=models.CASCADE, related_name="post_sources"
    )
    filename = models.CharField(_("file name"), max_length=255)
    text = models.TextField()  # the file as imported, decoded
    fingerprint = models.CharField(max_length=64)  # sha256 of the render after the import
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("imported post source")
        verbose_name_plural = _("imported post sources")
        constraints = [
            models.UniqueConstraint(fields=["day", "member"], name="postsource_once_per_member")
        ]

    def __str__(self) -> str:
        return self.filename
