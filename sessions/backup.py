"""A whole team as one JSON document, to back it up or move it to another database.

`export_team(team)` returns a plain dict (str, int, bool, None, lists and dicts only);
`import_team(data)` builds the team from it in one transaction, or raises BackupError
and writes nothing. The document names rows by their natural keys, never by database
ids: accounts by username, members by display name, days by date.

What a version-2 document holds:

- the team's settings: name, address, description, ground rules, session calendar,
  moderator rotation, post footer, webhook URL, and when it was created;
- its members, with or without an account: role, active flag, rotation order, the
  secret address of their calendar feed, and when they joined;
- every day: number, title, tags, moderator, attendance (in the order an imported post
  listed it), closed/reopened (when and by whom), and its suggestions, assignment
  reviews with presenters, questions (asked and answered by, where an imported post put
  its follow-up mark), action items, free sections (heading level, needs-review mark,
  the imported post that brought them), and each member's log with its study links,
  study notes, their layout and visibility;
- of the day and each of its rows: the edit version and when it was last changed (an
  exported post's last_modified_at, and whether an imported post was edited since, read
  them: see post_sources);
- the members' imported blog posts (post_sources), each file's text as it came, so
  a moved team's members export their old posts byte for byte;
- the team's pasted images (images), their bytes in base64 with their address key,
  type and sizes, so the links in the team's markdown keep working;
- the team's day templates, each with every version (who saved it, when), and which
  version each day was made from;
- the team's retrospective of each week (its text, version and when it was last saved);
- each day's comments, with their replies: author, text, when written, edited, deleted
  (a marker kept for its replies) and hidden (by whom), and what each is on (the day, or
  an item by its place in its list). A comment on an item deleted since is carried as
  a comment on the day. The mentions are read again from the text, as already seen and
  told, so a restored team notifies nobody twice;
- skipped dates, moderator assignments (who set them, when), the register of imported
  blog posts (so re-importing a post stays a no-op), and the reminders already sent (so
  moving a team the evening before a session does not send them twice).

Version 1 had no action items and no follow-up resolutions; it still reads. Keys added
to version 2 since (post_sources, images, versions and edit times, attendance
positions, follow-up marks, study layouts, a section's post, day templates) may be
absent: an older version-2 document reads, with their defaults (a team without day
templates gets the built-in one, as a new team does).

Accounts are listed once under "users" (username, e-mail, first and last name) and
referred to by username. On import, a username that exists in the target database is
linked as it is (its e-mail, name and password are not touched); one that does not is
created with an unusable password: its owner sets one through the login page's reset
link (sent to the account's e-mail address), or an admin runs
`manage.py changepassword USERNAME`.

Left out, on purpose:

- invitations and the team's join link: each is a secret link to this server; re-issue
  them on the new one (an accepted invitation, or someone who joined by the link,
  already lives on as the membership it made);
- edit history (revisions, and who made the last edit): a restored team starts a new
  history;
- an account's profile (Profile: its preferred language) and its API tokens: the
  account's, not the team's;
- the team's event webhooks and their deliveries: a webhook's secret is shared with its
  receiver (an admin adds it again on the new server, with a new secret), and the
  deliveries are a log;
- blog connections and what they published (BlogConnection, PublishedPost): they
  belong to accounts, not to the team, and hold credentials encrypted under this
  server's key; each member connects their blog again on the new server;
- a member's calendar address, or an image's address key, when it is already taken in
  the target database (a copy under a new address next to the original): the copy gets
  new ones, and the image links in its markdown still point at the original team's images.
"""

import base64
import binascii
import datetime
import hashlib
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import comments, search_index
from .images.processing import EXTENSIONS
from .kinds import KINDS
from .models import (
    AssignmentReview,
    Attendance,
    Comment,
    Day,
    DayTemplate,
    FreeSection,
    ImportedPost,
    MemberLog,
    Membership,
    Mention,
    ModeratorAssignment,
    PostSource,
    ReminderLog,
    SkippedDate,
    StudyLink,
    Team,
    TeamImage,
    TemplateVersion,
    WeekRetro,
)
from .models.validators import RESERVED_SLUGS

FORMAT = "studylog-team"
VERSION = 2  # 2 added follow-up resolutions and action items; 1 still reads

User = get_user_model()

# The model fields each part of the document carries, by name; references to other
# rows (a day's moderator, a question's asker…) are added beside them as natural keys.
USER_FIELDS = ("username", "email", "first_name", "last_name")
TEAM_FIELDS = (
    "name",
    "slug",
    "course",
    "mentor",
    "description",
    "ground_rules",
    "language",
    "starts_on",
    "session_weekdays",
    "session_start",
    "session_end",
    "timezone",
    "rotation",
    "post_footer",
    "webhook_url",
    "created_at",
)
MEMBER_FIELDS = (
    "display_name",
    "role",
    "is_active",
    "rotation_order",
    "calendar_token",
    "rotation_since",
)
# Of a row several people edit (models.base.Versioned): an exported post reads them.
VERSIONED = ("version", "updated_at")
DAY_FIELDS = (
    "date",
    "number",
    "title",
    "tags",
    "created_at",
    "closed_at",
    "reopened_at",
    *VERSIONED,
)
ATTENDANCE_FIELDS = ("status", "note", "position")
LOG_FIELDS = ("retrospective", "study_notes", "study_layout", "visibility", *VERSIONED)
LINK_FIELDS = ("position", "title", "url", "color")
SKIPPED_FIELDS = ("date", "reason")
WEEK_RETRO_FIELDS = ("monday", "retrospective", *VERSIONED)
COMMENT_FIELDS = ("body", "created_at", "edited_at", "deleted_at", "hidden")
TEMPLATE_FIELDS = ("name", "is_default", "is_active", "created_at")
TEMPLATE_VERSION_FIELDS = ("number", "created_at", *TemplateVersion.CONTENT)
ASSIGNMENT_FIELDS = ("date", "set_at", "kind", "partner_date")
POST_FIELDS = ("digest", "filename", "imported_at")
REMINDER_FIELDS = ("date", "kind", "sent_at")
SOURCE_FIELDS = ("filename", "text", "fingerprint", "imported_at")
IMAGE_FIELDS = ("key", "content_type", "ext", "width", "height", "size", "sha256", "created_at")

# What the backup carries of an item besides the fields the registry of kinds names:
# what an imported post brought, that export writes back (sessions/jekyll/export.py).
ITEM_EXTRAS = {"questions": ("follow_up_mark",)}
# A day's items: document key -> (model, fields, references to members), from the
# registry of kinds.
ITEMS = {
    kind.backup_key: (
        kind.model,
        (*kind.backed_up, *ITEM_EXTRAS.get(kind.backup_key, ()), *VERSIONED),
        kind.member_refs,
    )
    for kind in KINDS.values()
}
# What version 1 lacked, by item key: added with these values when reading one.
V1_DEFAULTS = {
    "questions": {"for_mentor": False, "resolution": "", "resolved_at": None, "resolved_by": None},
}

# Keys added to version 2 after it first shipped: a document may lack them (then the
# model's default applies, and Django's stamp for updated_at). By part of the document.
LATER = {
    "attendance": {"position"},
    "item": {*VERSIONED, "follow_up_mark", "from_post"},
    "day": {*VERSIONED, "template", "comments"},
    "log": {*VERSIONED, "study_layout"},
    "document": {"post_sources", "images", "day_templates", "week_retros"},
}

# Set by Django on save (auto_now/auto_now_add), so an import writes them afterwards.
STAMPS = {"created_at", "joined_at", "set_at", "imported_at", "sent_at", "updated_at"}


class BackupError(Exception):
    """The document cannot be imported; the message says where and why."""


# Export


def export_team(team: Team) -> dict:
    """The whole team as a version-2 document (see the module's docstring)."""
    users: dict[str, dict] = {}
    sources = _post_sources(team)
    parts = {
        "team": _dump(team, TEAM_FIELDS),
        "members": _export_members(team, users),
        "day_templates": _export_templates(team, users),
        "days": [_export_day(day, users, sources) for day in _days_for_export(team)],
        "post_sources": [_dump(s, SOURCE_FIELDS, **_source_ref(s)) for s in sources.values()],
        "images": _export_images(team, users),
        "skipped_dates": [_dump(s, SKIPPED_FIELDS) for s in team.skipped_dates.order_by("date")],
        "week_retros": [_dump(r, WEEK_RETRO_FIELDS) for r in team.week_retros.order_by("monday")],
        "moderator_assignments": _export_assignments(team, users),
        "imported_posts": _export_posts(team),
        "reminders_sent": _export_reminders(team),
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _json(timezone.now()),
        "users": [users[name] for name in sorted(users)],
        **parts,
    }


def _json(value):
    """A field's value as JSON: ISO 8601 for dates and times, datetimes in UTC."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def _dump(obj: models.Model, fields: Iterable[str], **refs) -> dict:
    return {**{name: _json(getattr(obj, name)) for name in fields}, **refs}


def _user_ref(user, users: dict[str, dict]) -> str | None:
    """The account's username, remembering the account for the document's "users"."""
    if user is None:
        return None
    users.setdefault(user.username, _dump(user, USER_FIELDS))
    return user.username


def _name(member: Membership | None) -> str | None:
    return member.display_name if member is not None else None


# Sorting happens here, not in SQL: PostgreSQL and SQLite collate names differently,
# and the same team must give the same document on either.
def _by_member(rows) -> list:
    return sorted(rows, key=lambda row: row.member.display_name)


def _export_members(team: Team, users: dict[str, dict]) -> list[dict]:
    members = sorted(
        team.memberships.select_related("user"),
        key=lambda m: (m.rotation_order, m.display_name),
    )
    return [
        _dump(m, MEMBER_FIELDS, user=_user_ref(m.user, users), joined_at=_json(m.joined_at))
        for m in members
    ]


def _export_templates(team: Team, users: dict[str, dict]) -> list[dict]:
    templates = team.day_templates.prefetch_related("versions__created_by").order_by("name")
    return [
        _dump(
            template,
            TEMPLATE_FIELDS,
            versions=[
                _dump(v, TEMPLATE_VERSION_FIELDS, created_by=_user_ref(v.created_by, users))
                for v in sorted(template.versions.all(), key=lambda v: v.number)
            ],
        )
        for template in templates
    ]


def _template_ref(version: TemplateVersion | None) -> dict | None:
    """A template version's natural key: its template's name and its number."""
    if version is None:
        return None
    return {"name": version.template.name, "number": version.number}


def _days_for_export(team: Team):
    return (
        Day.objects.for_team(team)
        .for_record()
        .select_related("closed_by", "reopened_by", "template_version__template")
        .prefetch_related(
            models.Prefetch("comments", Comment.objects.select_related("author", "hidden_by"))
        )
        .order_by("date")
    )


def _export_day(day: Day, users: dict[str, dict], sources: dict[int, PostSource]) -> dict:
    return _dump(
        day,
        DAY_FIELDS,
        moderator=_name(day.moderator),
        closed_by=_user_ref(day.closed_by, users),
        reopened_by=_user_ref(day.reopened_by, users),
        template=_template_ref(day.template_version),
        attendance=[
            _dump(a, ATTENDANCE_FIELDS, member=a.member.display_name)
            for a in _by_member(day.attendances.all())
        ],
        **_export_items(day, sources),
        logs=[_export_log(log) for log in _by_member(day.logs.all())],
        comments=_export_comments(day),
    )


def _export_items(day: Day, sources: dict[int, PostSource]) -> dict[str, list[dict]]:
    document = {}
    for kind in KINDS.values():
        key = kind.backup_key
        _model, fields, member_refs = ITEMS[key]
        document[key] = []
        for item in getattr(day, kind.related).all():
            row = _dump(item, fields, **{ref: _name(getattr(item, ref)) for ref in member_refs})
            if key == "reviews":
                row["presenters"] = sorted(m.display_name for m in item.presenters.all())
            if isinstance(item, FreeSection):
                source = sources.get(item.from_post_id)
                row["from_post"] = _source_ref(source) if source else None
            document[key].append(row)
    return document


def _export_comments(day: Day) -> list[dict]:
    """The day's comments in order, each with its replies; an item a comment is on by its
    list's key and its place in that list, as the document lists them."""
    places = {
        (kind.slug, item.pk): {"kind": kind.backup_key, "index": i}
        for kind in KINDS.values()
        for i, item in enumerate(getattr(day, kind.related).all())
    }
    rows = list(day.comments.all())

    def dump(c: Comment) -> dict:
        return _dump(c, COMMENT_FIELDS, author=_name(c.author), hidden_by=_name(c.hidden_by))

    return [
        {
            **dump(c),
            "target": places.get((c.target_kind, c.target_id)),
            "replies": [dump(r) for r in rows if r.parent_id == c.pk],
        }
        for c in rows
        if c.parent_id is None
    ]


def _export_log(log: MemberLog) -> dict:
    return _dump(
        log,
        LOG_FIELDS,
        member=log.member.display_name,
        links=[_dump(link, LINK_FIELDS) for link in log.links.all()],
    )


def _post_sources(team: Team) -> dict[int, PostSource]:
    """The members' imported posts by id, in the document's order: by day, then member."""
    sources = PostSource.objects.filter(day__team=team).select_related("day", "member")
    ordered = sorted(sources, key=lambda s: (s.day.date, s.member.display_name))
    return {source.pk: source for source in ordered}


def _source_ref(source: PostSource) -> dict:
    """An imported post's natural key: its day and its member (one post each)."""
    return {"day": _json(source.day.date), "member": source.member.display_name}


def _export_images(team: Team, users: dict[str, dict]) -> list[dict]:
    images = TeamImage.objects.for_team(team).select_related("uploaded_by")
    return [
        _dump(
            image,
            IMAGE_FIELDS,
            uploaded_by=_user_ref(image.uploaded_by, users),
            data=base64.b64encode(bytes(image.data)).decode("ascii"),
        )
        for image in sorted(images, key=lambda image: image.key)
    ]


def _export_assignments(team: Team, users: dict[str, dict]) -> list[dict]:
    assignments = team.moderator_assignments.select_related("member", "owner", "set_by")
    assignments = assignments.order_by("date")
    return [
        _dump(
            a,
            ASSIGNMENT_FIELDS,
            member=a.member.display_name,
            owner=a.owner.display_name if a.owner_id else None,
            set_by=_user_ref(a.set_by, users),
        )
        for a in assignments
    ]


def _export_posts(team: Team) -> list[dict]:
    posts = team.imported_posts.select_related("day", "member")
    return sorted(
        (
            _dump(
                p,
                POST_FIELDS,
                day=_json(p.day.date) if p.day else None,
                member=_name(p.member),
            )
            for p in posts
        ),
        key=lambda row: (row["imported_at"], row["digest"]),
    )


def _export_reminders(team: Team) -> list[dict]:
    reminders = team.reminders.select_related("member")
    return sorted(
        (_dump(r, REMINDER_FIELDS, member=_name(r.member)) for r in reminders),
        key=lambda row: (row["date"], row["kind"], row["member"] or ""),
    )


# Import


def import_team(data: dict, *, slug: str | None = None) -> Team:
    """Create the team a document describes, under `slug` when given; all or nothing.

    Raises BackupError for another format or version, a team address already taken,
    or data that does not make a valid team (the message names the place in the file).
    """
    _check_format(data)
    try:
        with transaction.atomic(), search_index.deferred():
            team = _import_team_settings(_part(data, "team", dict), slug)
            refs = _Refs(team, _import_users(_part(data, "users", list)))
            refs.members = _import_members(_part(data, "members", list), team, refs)
            if "day_templates" in data:  # else the built-in one the new team was given
                _import_templates(_part(data, "day_templates", list), refs)
            for i, row in enumerate(_part(data, "days", list)):
                _import_day(row, f"days[{i}]", refs)
            _import_post_sources(_part(data, "post_sources", list), refs)
            _import_images(_part(data, "images", list), refs)
            _import_skipped_dates(_part(data, "skipped_dates", list), team)
            _import_week_retros(_part(data, "week_retros", list), team)
            _import_assignments(_part(data, "moderator_assignments", list), refs)
            _import_posts(_part(data, "imported_posts", list), refs)
            _import_reminders(_part(data, "reminders_sent", list), refs)
    except IntegrityError as exc:  # what full_clean() cannot see; rolled back all the same
        raise BackupError(f"The data does not fit the database: {exc}") from exc
    return team


TOP_LEVEL = {
    "format",
    "version",
    "exported_at",
    "users",
    "team",
    "members",
    "day_templates",
    "days",
    "post_sources",
    "images",
    "skipped_dates",
    "week_retros",
    "moderator_assignments",
    "imported_posts",
    "reminders_sent",
}


def _check_format(data) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"This is not a Studylog team backup (its format is not {FORMAT!r}).")
    version = data.get("version")
    if type(version) is not int or version not in (1, VERSION):
        raise BackupError(
            f"Backup version {version!r} is not supported: this Studylog reads version {VERSION}."
        )
    _check_keys(data, TOP_LEVEL, "the document", optional=LATER["document"])
    for key in LATER["document"] - {"day_templates"}:  # without these: the built-in one
        data.setdefault(key, [])
    if version == 1:
        _upgrade_v1(data)


def _upgrade_v1(data: dict) -> None:
    """Give a version 1 document what version 2 added: no action items, no resolutions."""
    for day in data["days"] if isinstance(data["days"], list) else ():
        if not isinstance(day, dict):
            continue  # reported where the day is read
        day.setdefault("actions", [])
        for key, defaults in V1_DEFAULTS.items():
            for row in day.get(key) if isinstance(day.get(key), list) else ():
                if isinstance(row, dict):
                    for name, value in defaults.items():
                        row.setdefault(name, value)


def _part(data: dict, key: str, kind: type, where: str = ""):
    value = data[key]
    if not isinstance(value, kind):
        expected = "a list" if kind is list else "an object"
        raise BackupError(f"{where}{key}: expected {expected}, found {_kind(value)}.")
    return value


JSON_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}


def _kind(value) -> str:
    """What a JSON value is, in words, for error messages."""
    return "null" if value is None else JSON_NAMES.get(type(value), "a number")


def _check_keys(row, expected: set[str], where: str, optional=frozenset()) -> None:
    """`row` is an object with the `expected` keys, and no others; `optional` ones (of
    the expected) may be absent."""
    if not isinstance(row, dict):
        raise BackupError(f"{where}: expected an object, found {_kind(row)}.")
    if missing := expected - optional - row.keys():
        raise BackupError(f"{where}: missing {', '.join(sorted(missing))}.")
    if unknown := row.keys() - expected:
        raise BackupError(f"{where}: unknown {', '.join(sorted(unknown))}.")


# What each kind of model field looks like in JSON (a field of another kind needs a line here).
JSON_TYPES = {
    "CharField": str,
    "SlugField": str,
    "TextField": str,
    "BooleanField": bool,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "DateField": str,
    "TimeField": str,
    "DateTimeField": str,
    "JSONField": list,  # MemberLog.study_layout, the one JSON field a backup carries
}
PARSERS = {
    "DateField": (datetime.date.fromisoformat, "date"),
    "TimeField": (datetime.time.fromisoformat, "time"),
    "DateTimeField": (datetime.datetime.fromisoformat, "date and time"),
}


def _read(
    row,
    where: str,
    model,
    fields: Iterable[str],
    refs: Iterable[str] = (),
    optional: frozenset[str] | set[str] = frozenset(),
) -> dict:
    """Check a row's keys and the JSON types of its field values; return the values.

    An `optional` field the row lacks is left out of the values (the model's default
    applies). What the values mean (choices, lengths, URLs, uniqueness) is left to
    full_clean().
    """
    fields = tuple(fields)
    _check_keys(row, {*fields, *refs}, where, optional)
    return {
        name: _value(model._meta.get_field(name), row[name], f"{where}.{name}")
        for name in fields
        if name in row
    }


def _value(field, value, where: str):
    if value is None:
        if field.null:
            return None
        raise BackupError(f"{where}: must not be null.")
    internal = field.get_internal_type()
    expected = JSON_TYPES[internal]
    if type(value) is not expected:  # bool is an int to Python, not to this format
        wanted = JSON_NAMES.get(expected, "a whole number")
        raise BackupError(f"{where}: expected {wanted}, found {_kind(value)}.")
    if internal not in PARSERS:
        return value
    parse, what = PARSERS[internal]
    try:
        parsed = parse(value)
    except ValueError as exc:
        raise BackupError(f"{where}: {value!r} is not an ISO 8601 {what}.") from exc
    if internal == "DateTimeField" and timezone.is_naive(parsed):
        raise BackupError(f"{where}: {value!r} has no UTC offset.")
    return parsed


def _save(obj: models.Model, where: str, stamps: dict | None = None, exclude=()) -> models.Model:
    """Validate and save one row; then write the timestamps Django sets on save."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise BackupError(f"{where}: {_messages(exc)}") from exc
    obj.save()
    if stamps:
        type(obj).objects.filter(pk=obj.pk).update(**stamps)
        for name, value in stamps.items():
            setattr(obj, name, value)
    return obj


def _messages(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return "; ".join(
        f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
        for name, messages in exc.message_dict.items()
    )


def _stamps(values: dict) -> dict:
    return {name: values.pop(name) for name in STAMPS & values.keys()}


class _Refs:
    """The document's natural keys, resolved to the rows made in this database."""

    def __init__(self, team: Team, users: dict):
        self.team = team
        self.users = users
        self.members: dict[str, Membership] = {}
        self.days: dict[datetime.date, Day] = {}
        self.sources: dict[tuple[datetime.date, str], PostSource] = {}
        # Free sections whose post is read later: (section, its from_post, where).
        self.pending_posts: list[tuple[FreeSection, dict, str]] = []
        self.templates: dict[tuple[str, int], TemplateVersion] = {}

    def user(self, username, where: str):
        return self._find(self.users, username, where, "no account {!r} under users")

    def member(self, name, where: str) -> Membership | None:
        return self._find(self.members, name, where, "no member named {!r}")

    def day(self, date, where: str) -> Day | None:
        if date is not None:
            date = _value(Day._meta.get_field("date"), date, where)
        return self._find(self.days, date, where, "no day {!s}")

    def template(self, ref, where: str) -> TemplateVersion | None:
        """The template version a {"name", "number"} reference names."""
        if ref is None:
            return None
        _check_keys(ref, {"name", "number"}, where)
        key = (ref["name"], ref["number"])
        if key not in self.templates:
            raise BackupError(f"{where}: no version {ref['number']!r} of {ref['name']!r}.")
        return self.templates[key]

    def source(self, ref, where: str) -> PostSource | None:
        """The imported post a {"day", "member"} reference names."""
        if ref is None:
            return None
        _check_keys(ref, {"day", "member"}, where)
        date = _value(Day._meta.get_field("date"), ref["day"], f"{where}.day")
        key = (date, ref["member"])
        if not isinstance(ref["member"], str) or key not in self.sources:
            raise BackupError(f"{where}: no imported post of {ref['member']!r} on {date}.")
        return self.sources[key]

    @staticmethod
    def _find(rows: dict, key, where: str, missing: str):
        if key is None:
            return None
        if not isinstance(key, str | datetime.date) or key not in rows:
            raise BackupError(f"{where}: {missing.format(key)}.")
        return rows[key]


def _import_team_settings(row, slug: str | None) -> Team:
    values = _read(row, "team", Team, TEAM_FIELDS)
    stamps = _stamps(values)
    if slug is not None:
        values["slug"] = slug
    if Team.objects.filter(slug=values["slug"]).exists():
        raise BackupError(
            f"A team with the address {values['slug']!r} already exists; "
            "import the backup under a new address (--slug)."
        )
    if values["slug"] in RESERVED_SLUGS:
        raise BackupError(f"The address {values['slug']!r} is reserved; choose another (--slug).")
    return _save(Team(**values), "team", stamps)


def _import_users(rows: list) -> dict:
    users = {}
    for i, row in enumerate(rows):
        where = f"users[{i}]"
        values = _read(row, where, User, USER_FIELDS)
        username = values["username"]
        if username in users:
            raise BackupError(f"{where}: the account {username!r} is listed twice.")
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(**values)
            user.set_unusable_password()
            _save(user, where)
        users[username] = user
    return users


def _import_members(rows: list, team: Team, refs: _Refs) -> dict[str, Membership]:
    members = {}
    for i, row in enumerate(rows):
        where = f"members[{i}]"
        values = _read(row, where, Membership, (*MEMBER_FIELDS, "joined_at"), refs=("user",))
        stamps = _stamps(values)
        if Membership.objects.filter(calendar_token=values["calendar_token"]).exists():
            del values["calendar_token"]  # a copy beside its original gets a new feed address
        member = Membership(team=team, user=refs.user(row["user"], f"{where}.user"), **values)
        _save(member, where, stamps)
        members[member.display_name] = member
    return members


def _import_day(row, where: str, refs: _Refs) -> None:
    values = _read(
        row,
        where,
        Day,
        DAY_FIELDS,
        refs=(
            "moderator",
            "closed_by",
            "reopened_by",
            "template",
            "attendance",
            *ITEMS,
            "logs",
            "comments",
        ),  # fmt: skip
        optional=LATER["day"],
    )
    stamps = _stamps(values)
    day = Day(
        team=refs.team,
        moderator=refs.member(row["moderator"], f"{where}.moderator"),
        closed_by=refs.user(row["closed_by"], f"{where}.closed_by"),
        reopened_by=refs.user(row["reopened_by"], f"{where}.reopened_by"),
        template_version=refs.template(row.get("template"), f"{where}.template"),
        **values,
    )
    _save(day, where, stamps)
    refs.days[day.date] = day
    _import_attendance(
        _part(row, "attendance", list, f"{where}."), day, f"{where}.attendance", refs
    )
    items = {
        key: _import_items(key, _part(row, key, list, f"{where}."), day, f"{where}.{key}", refs)
        for key in ITEMS
    }
    for i, log_row in enumerate(_part(row, "logs", list, f"{where}.")):
        _import_log(log_row, day, f"{where}.logs[{i}]", refs)
    if "comments" in row:
        rows = _part(row, "comments", list, f"{where}.")
        _import_comments(rows, day, f"{where}.comments", refs, items)


def _import_attendance(rows: list, day: Day, where: str, refs: _Refs) -> None:
    for i, row in enumerate(rows):
        at = f"{where}[{i}]"
        values = _read(
            row, at, Attendance, ATTENDANCE_FIELDS, refs=("member",), optional=LATER["attendance"]
        )
        member = refs.member(row["member"], f"{at}.member")
        _save(Attendance(day=day, member=member, **values), at)


def _import_items(key: str, rows: list, day: Day, where: str, refs: _Refs) -> list:
    """The items of one list, made in the document's order."""
    model, fields, member_refs = ITEMS[key]
    made = []
    lists = ("presenters",) if model is AssignmentReview else ()
    posts = ("from_post",) if model is FreeSection else ()
    for i, row in enumerate(rows):
        at = f"{where}[{i}]"
        values = _read(
            row, at, model, fields, refs=(*member_refs, *lists, *posts), optional=LATER["item"]
        )
        stamps = _stamps(values)
        for ref in member_refs:
            values[ref] = refs.member(row[ref], f"{at}.{ref}")
        item = _save(model(day=day, **values), at, stamps)
        made.append(item)
        if lists:
            names = _part(row, "presenters", list, f"{at}.")
            item.presenters.set(refs.member(name, f"{at}.presenters") for name in names)
        if posts and row.get("from_post") is not None:
            # The posts come after the days in the document: linked once they are read.
            refs.pending_posts.append((item, row["from_post"], f"{at}.from_post"))
    return made


def _import_comments(rows: list, day: Day, where: str, refs: _Refs, items: dict) -> None:
    for i, row in enumerate(rows):
        at = f"{where}[{i}]"
        values = _read(
            row, at, Comment, COMMENT_FIELDS, refs=("author", "hidden_by", "target", "replies")
        )
        kind, pk = _comment_target(row["target"], f"{at}.target", items)
        comment = _import_comment(values, row, at, day, refs, (kind, pk), parent=None)
        for j, reply in enumerate(_part(row, "replies", list, f"{at}.")):
            reply_at = f"{at}.replies[{j}]"
            reply_values = _read(reply, reply_at, Comment, COMMENT_FIELDS, ("author", "hidden_by"))
            _import_comment(reply_values, reply, reply_at, day, refs, (kind, pk), parent=comment)


def _comment_target(target, where: str, items: dict) -> tuple[str, int | None]:
    """A comment's {"kind": list key, "index": place} as (kind slug, item id); null is
    the day."""
    if target is None:
        return "", None
    _check_keys(target, {"kind", "index"}, where)
    kind, index = target["kind"], target["index"]
    made = items.get(kind) if isinstance(kind, str) else None
    if made is None or type(index) is not int or not 0 <= index < len(made):
        raise BackupError(f"{where}: no item {index!r} in this day's {kind!r}.")
    return made[index].kind, made[index].pk


def _import_comment(values, row, where, day, refs, target, parent) -> Comment:
    stamps = _stamps(values)
    comment = Comment(
        day=day,
        target_kind=target[0],
        target_id=target[1],
        parent=parent,
        author=refs.member(row["author"], f"{where}.author"),
        hidden_by=refs.member(row["hidden_by"], f"{where}.hidden_by"),
        **values,
    )
    # A deleted comment kept for its replies has no text.
    _save(comment, where, stamps, exclude=["body"] if comment.deleted_at else ())
    # Its mentions, read again, as already seen and told: nobody is notified twice.
    now = timezone.now()
    named = comments.mentioned(comment.body, refs.members.values())
    Mention.objects.bulk_create(
        Mention(comment=comment, member=m, seen_at=now, digested_at=now)
        for m in named
        if m != comment.author
    )
    return comment


def _import_log(row, day: Day, where: str, refs: _Refs) -> None:
    values = _read(
        row, where, MemberLog, LOG_FIELDS, refs=("member", "links"), optional=LATER["log"]
    )
    stamps = _stamps(values)
    member = refs.member(row["member"], f"{where}.member")
    log = _save(MemberLog(day=day, member=member, **values), where, stamps)
    for i, link_row in enumerate(_part(row, "links", list, f"{where}.")):
        at = f"{where}.links[{i}]"
        _save(StudyLink(log=log, **_read(link_row, at, StudyLink, LINK_FIELDS)), at)


def _import_post_sources(rows: list, refs: _Refs) -> None:
    for i, row in enumerate(rows):
        where = f"post_sources[{i}]"
        values = _read(row, where, PostSource, SOURCE_FIELDS, ("day", "member"))
        stamps = _stamps(values)
        source = PostSource(
            day=refs.day(row["day"], f"{where}.day"),
            member=refs.member(row["member"], f"{where}.member"),
            **values,
        )
        _save(source, where, stamps)
        refs.sources[source.day.date, source.member.display_name] = source
    for section, ref, where in refs.pending_posts:
        # An update, not a save: the section's edit time stays the one in the document.
        section.from_post = refs.source(ref, where)
        FreeSection.objects.filter(pk=section.pk).update(from_post=section.from_post)


def _import_images(rows: list, refs: _Refs) -> None:
    for i, row in enumerate(rows):
        where = f"images[{i}]"
        values = _read(row, where, TeamImage, IMAGE_FIELDS, ("uploaded_by", "data"))
        stamps = _stamps(values)
        data = _image_data(row["data"], values, where)
        if TeamImage.objects.filter(key=values["key"]).exists():
            del values["key"]  # a copy beside its original: a new address
        image = TeamImage(
            team=refs.team,
            uploaded_by=refs.user(row["uploaded_by"], f"{where}.uploaded_by"),
            data=data,
            **values,
        )
        _save(image, where, stamps)


def _image_data(encoded, values: dict, where: str) -> bytes:
    """An image's bytes from base64, checked against its type, size and SHA-256: bytes
    this server then serves as an image to the team's members."""
    if EXTENSIONS.get(values["ext"]) != values["content_type"]:
        raise BackupError(
            f"{where}: {values['content_type']!r} as {values['ext']!r} is not an image "
            f"type Studylog stores ({', '.join(sorted(EXTENSIONS))})."
        )
    if not isinstance(encoded, str):
        raise BackupError(f"{where}.data: expected a string, found {_kind(encoded)}.")
    try:
        data = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise BackupError(f"{where}.data: not base64 ({exc}).") from exc
    if len(data) != values["size"] or hashlib.sha256(data).hexdigest() != values["sha256"]:
        raise BackupError(f"{where}.data: does not match the image's size and sha256.")
    return data


def _import_templates(rows: list, refs: _Refs) -> None:
    refs.team.day_templates.all().delete()  # the built-in one Team.save() gave it
    for i, row in enumerate(rows):
        where = f"day_templates[{i}]"
        values = _read(row, where, DayTemplate, TEMPLATE_FIELDS, refs=("versions",))
        stamps = _stamps(values)
        template = _save(DayTemplate(team=refs.team, **values), where, stamps)
        for j, version_row in enumerate(_part(row, "versions", list, f"{where}.")):
            at = f"{where}.versions[{j}]"
            fields = TEMPLATE_VERSION_FIELDS
            values = _read(version_row, at, TemplateVersion, fields, refs=("created_by",))
            stamps = _stamps(values)
            creator = refs.user(version_row["created_by"], f"{at}.created_by")
            version = TemplateVersion(template=template, created_by=creator, **values)
            _save(version, at, stamps)
            refs.templates[template.name, version.number] = version


def _import_skipped_dates(rows: list, team: Team) -> None:
    for i, row in enumerate(rows):
        where = f"skipped_dates[{i}]"
        _save(SkippedDate(team=team, **_read(row, where, SkippedDate, SKIPPED_FIELDS)), where)


def _import_week_retros(rows: list, team: Team) -> None:
    for i, row in enumerate(rows):
        where = f"week_retros[{i}]"
        values = _read(row, where, WeekRetro, WEEK_RETRO_FIELDS)
        stamps = _stamps(values)
        if values["monday"].weekday() != 0:
            raise BackupError(f"{where}.monday: {values['monday']} is not a Monday.")
        _save(WeekRetro(team=team, **values), where, stamps)


def _import_assignments(rows: list, refs: _Refs) -> None:
    for i, row in enumerate(rows):
        where = f"moderator_assignments[{i}]"
        values = _read(
            row, where, ModeratorAssignment, ASSIGNMENT_FIELDS, ("member", "owner", "set_by")
        )
        stamps = _stamps(values)
        assignment = ModeratorAssignment(
            team=refs.team,
            member=refs.member(row["member"], f"{where}.member"),
            owner=refs.member(row["owner"], f"{where}.owner"),
            set_by=refs.user(row["set_by"], f"{where}.set_by"),
            **values,
        )
        # set_by is null once its account is deleted, owner once the member is
        _save(assignment, where, stamps, exclude=["set_by", "owner"])


def _import_posts(rows: list, refs: _Refs) -> None:
    for i, row in enumerate(rows):
        where = f"imported_posts[{i}]"
        values = _read(row, where, ImportedPost, POST_FIELDS, ("day", "member"))
        stamps = _stamps(values)
        post = ImportedPost(
            team=refs.team,
            day=refs.day(row["day"], f"{where}.day"),
            member=refs.member(row["member"], f"{where}.member"),
            **values,
        )
        _save(post, where, stamps, exclude=["day", "member"])  # null once the day is deleted


def _import_reminders(rows: list, refs: _Refs) -> None:
    for i, row in enumerate(rows):
        where = f"reminders_sent[{i}]"
        values = _read(row, where, ReminderLog, REMINDER_FIELDS, ("member",))
        stamps = _stamps(values)
        reminder = ReminderLog(
            team=refs.team, member=refs.member(row["member"], f"{where}.member"), **values
        )
        # The key names database ids, so it is made anew for the rows made here.
        reminder.key = ReminderLog.make_key(
            refs.team, reminder.date, reminder.kind, reminder.member
        )
        _save(reminder, where, stamps)
