"""Shared model pieces: optimistic versioning and ordering inside a day."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A row that several people edit: every save bumps `version`.

    A save carries the version the editor started from; services refuse it when
    the row has moved on since, so nobody overwrites work they have not seen.
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class DeletedByItsQuerySet(models.Model):
    """A row whose delete() is its queryset's: what follows a deletion (its day's search
    documents, its team's cached pages) lives in the queryset's delete() alone, for one
    row and for the admin's "delete selected" alike."""

    class Meta:
        abstract = True

    def delete(self, using=None, keep_parents=False):
        result = type(self)._default_manager.filter(pk=self.pk).delete()
        setattr(self, self._meta.pk.attname, None)  # as Model.delete() leaves it
        return result


class DayRowQuerySet(models.QuerySet):
    """Rows of a day's content (items, logs): a bulk delete tells the search index, as
    each row's delete() does."""

    def delete(self):
        day_ids = set(self.values_list("day_id", flat=True))
        result = super().delete()
        with search_index().deferred():
            for day_id in day_ids:
                search_index().changed(day_id, search_index().part_of(self.model))
        return result


class DayContent(DeletedByItsQuerySet):
    """A row of a day's content (an item, a member's log): the day's search documents
    and cached pages follow its every save and delete. A writer that goes around these
    (an UPDATE, a bulk_create) calls search_index itself."""

    class Meta:
        abstract = True

    def save(self, *args, pages: bool = True, **kwargs):
        """`pages=False`: the caller sees to the cached pages (freshness.item_edited)."""
        super().save(*args, **kwargs)
        search_index().saved(self, kwargs.get("update_fields"), pages=pages)


class DayItem(DayContent, Versioned):
    """One ordered part of a day's session (a suggestion, a review, a question…)."""

    day = models.ForeignKey("peer.Day", on_delete=models.CASCADE, related_name="%(class)ss")
    position = models.PositiveIntegerField(_("position"), default=0, editable=False)

    objects = DayRowQuerySet.as_manager()

    # Short name used in URLs and templates; set by each subclass.
    kind: str = ""

    class Meta:
        abstract = True
        ordering = ["position", "id"]


def search_index():
    """sessions.search_index, which imports the models: so, once they are loaded."""
    from .. import search_index

    return search_index


def freshness():
    """sessions.freshness (the cached pages' stamps), likewise."""
    from .. import freshness

    return freshness


class TeamRowQuerySet(models.QuerySet):
    """Rows a team's pages show: a bulk delete (the admin's "delete selected") retires
    their teams' pages, as each row's delete() does."""

    def delete(self):
        team_ids = set(self.values_list("team_id", flat=True))
        result = super().delete()
        freshness().touch_teams(team_ids)
        return result


class OnTeamPages(DeletedByItsQuerySet):
    """A row of a team that the team's pages show (a member, a schedule exception):
    saving or deleting it retires the team's cached pages once the change commits."""

    objects = TeamRowQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        freshness().touch_teams([self.team_id])


class Resolvable(models.Model):
    """A follow-up that stays open until someone resolves it: with what, who and when."""

    resolution = models.TextField(_("resolution"), blank=True, max_length=10000)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        "peer.Membership",
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def is_open_follow_up(self) -> bool:
        return self.resolved_at is None
