"""The search index: one document per day and scope, kept in step with the day's items.

A day's searchable text (title and tags, items, team-visible retrospectives, comments) is
copied, case-folded, into `SearchDoc.text`, once for the whole day (scope "all") and
once per kind of item, so that "every word somewhere in this day" is one row's test
whatever the filters. A private retrospective is searchable by its author only: the
author gets their own copy of the day's documents, with it added (`owner`).

`stems` holds the verb and adjective stems of the text's Korean words (sessions/korean.py),
space-separated, so that "보였다" finds "보이는". `grams` holds the text's two-character
pieces, and the stems, for PostgreSQL's full-text index, which answers one- and
two-character words the trigram index cannot (migration 0008).
sessions/search_index.py writes these rows; sessions/search/ reads them.
"""

from django.db import models


class GramsField(models.TextField):
    """Text on SQLite; on PostgreSQL a tsvector column (migration 0008), written as a
    tsvector literal, so the value is cast on the way in."""

    def get_placeholder(self, value, compiler, connection):
        return "%s::tsvector" if connection.vendor == "postgresql" else "%s"


class SearchDoc(models.Model):
    class Scope(models.TextChoices):
        """The scopes that are not a kind of item; each kind's slug is a scope too
        (kinds.SEARCHED)."""

        ALL = "all"
        TITLE = "title"
        RETROSPECTIVE = "retrospective"
        FOLLOW_UP = "followup"  # the day's open follow-up questions only
        COMMENT = "comment"  # the comments on the day and its items, as the team reads them

    day = models.ForeignKey("peer.Day", on_delete=models.CASCADE, related_name="search_docs")
    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    scope = models.CharField(max_length=16)  # a Scope, or a kind's slug
    owner = models.ForeignKey(
        "peer.Membership", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    stems = models.TextField(blank=True, default="")  # " 듣 보이 " (korean.stem_field)
    grams = GramsField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["team", "scope", "-date"], name="peer_searchdoc_scope_date")
        ]

    def __str__(self) -> str:
        return f"{self.day_id}:{self.scope}:{self.owner_id or '-'}"
