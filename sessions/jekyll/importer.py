"""Post files imported into a team's days, each post alone in its own transaction.

Called by `manage.py import_posts` and by the upload page alike:

    report = import_files(team, paths_or_uploads, member_name="홍길동", user=request.user)

which reads the files first (sources.py: sizes, zips, decoding), then imports what it
read. Each file is imported in its own transaction: a bad one leaves nothing behind and
the rest of the batch still goes in. Importing the same bytes again is a no-op (the
ImportedPost register), so a whole folder can be imported again after adding a post.
Each file is kept as its author's post of the day (PostSource), so that the export gives
it back as it came until the day is edited (export.member_post, FORMAT.md).

Whose post it is (the member who gets its study links and retrospective), in order:
`member_name` (created as a name-only member when the team has nobody of that name);
the front matter's `author:` when it names a member; the member who is uploading
(`user`); the team's only member with an account. Otherwise the file fails and asks.
"""

import datetime
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .. import search_index
from ..closing import DayClosed, lock_open_day
from ..models import (
    AssignmentReview,
    Attendance,
    Day,
    FreeSection,
    ImportedPost,
    MemberLog,
    Membership,
    PostSource,
    Question,
    StudyLink,
    Suggestion,
    Team,
)
from ..models.fields import OneLineTextField
from ..models.validators import validate_one_line
from ..services import next_day_number
from . import parse, week_post
from .export import post_fingerprint, source_filename
from .parse import ParsedPost, PostError, parse_post
from .sources import Failure, Reason, Source, post_problem, read_sources

IMPORTED = "imported"
UNCHANGED = "unchanged"
FAILED = "failed"


@dataclass
class FileResult:
    name: str
    status: str  # IMPORTED, UNCHANGED or FAILED
    reason: Reason = ""
    day: Day | None = None


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    def add_failures(self, failures: Iterable[Failure]) -> None:
        """Report files that read_sources refused alongside the imported ones."""
        self.results += [FileResult(f.name, FAILED, f.reason) for f in failures]

    def count(self, status: str) -> int:
        return sum(result.status == status for result in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [result for result in self.results if result.status == FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed


class ImportFailure(Exception):
    def __init__(self, reason: Reason):
        super().__init__(str(reason))
        self.reason = reason


# Importing posts


def import_files(team: Team, items: Iterable, **options) -> ImportReport:
    """read_sources, then import_sources, with the refused files in the same report."""
    sources, failures = read_sources(items)
    report = import_sources(team, sources, **options)
    report.add_failures(failures)
    return report


def import_sources(
    team: Team, sources: Iterable[Source], *, member_name: str | None = None, user=None
) -> ImportReport:
    """Import each post in its own transaction; the report has one result per source."""
    report = ImportReport()
    for source in sources:
        report.results.append(_import_source(team, source, member_name=member_name, user=user))
    return report


def _import_source(team: Team, source: Source, *, member_name, user) -> FileResult:
    # Again: callers may hand Sources in directly, not through read_sources.
    problem = post_problem(source.name, source.data)
    if problem:
        return FileResult(source.name, FAILED, problem)
    digest = hashlib.sha256(source.data).hexdigest()
    seen = ImportedPost.objects.filter(team=team, digest=digest).select_related("day").first()
    if seen is not None and seen.day is not None:
        return FileResult(source.name, UNCHANGED, _("Imported before."), seen.day)
    try:
        text = source.data.decode("utf-8").lstrip("\ufeff")
        week = week_post.read_week_post(text)
        if week is not None:
            return _import_week(team, source.name, week, user)
        post = parse_post(text)
        with transaction.atomic(), search_index.deferred():  # one rebuild per post's day
            if seen is not None:
                seen.delete()  # its day was deleted since: importing it again brings it back
            importer = _PostImport(team, post, user=user)
            result = importer.run(source.name, member_name=member_name, text=text)
            ImportedPost.objects.create(
                team=team,
                digest=digest,
                filename=source.name[-255:],
                day=result.day,
                member=importer.author,
            )
        return result
    except (PostError, ImportFailure) as exc:
        reason = exc.reason
    except ValidationError as exc:
        reason = format_lazy(_("Not imported: {problem}"), problem=_messages(exc))
    except IntegrityError:
        reason = _("The post clashes with a change saved at the same time; import it again.")
    team.refresh_from_db(fields=["post_footer"])  # the rolled-back footer, if any
    return FileResult(source.name, FAILED, reason)


def _import_week(team: Team, name: str, week: tuple, user) -> FileResult:
    """A week post ("N주차 팀 회고"): its team retrospective becomes the team's for that
    week; the rest of it is made from the days, which come back with their own posts."""
    with transaction.atomic():
        retro = week_post.import_week_post(team, week, user)
    if retro is None:
        return FileResult(name, UNCHANGED, _("The week's post holds no team retrospective."))
    return FileResult(name, IMPORTED)


class _PostImport:
    """One post written into a team; every write happens inside the caller's transaction."""

    def __init__(self, team: Team, post: ParsedPost, *, user):
        self.team = team
        self.post = post
        self.user = user if user is not None and user.is_authenticated else None
        self.author: Membership | None = None
        self.source: PostSource | None = None  # the file, kept as the author's post
        self.kept_for_review = 0

    def run(self, filename: str, *, member_name: str | None, text: str) -> FileResult:
        """Write the post into its day. A post with nothing but front matter and headings
        is a day too (or the author's post of the day already recorded)."""
        post = self.post
        day = Day.objects.filter(team=self.team, date=post.date).first()
        new_day = day is None
        if new_day:
            # Names first, so members come into the rotation in the post's order.
            people = {name: self._member(name) for name in post.names}
            self.author = self._author(member_name)
            day = self._create_day(people)
            changed = True
        else:
            self.author = self._author(member_name)
            # First: the session text this post adds is kept as coming from it.
            changed = self._keep_source(day, filename, text)
            changed = self._add_what_is_new(day) or changed
        retrospective = self._retrospective_with_footer()
        changed = self._save_log(day, retrospective) or changed
        if not changed:
            return FileResult(filename, UNCHANGED, _("Nothing new: the day holds all of it."), day)
        self._keep_last_modified(day, whole_day=new_day)
        self._keep_post(day, filename, text)
        return FileResult(filename, IMPORTED, self._note(new_day), day)

    def _keep_source(self, day: Day, filename: str, text: str) -> bool:
        """The file as the author's post of a day already recorded, before the session
        text it adds is saved (FreeSection.from_post); True when that is new.

        A second file of the same member and day (an edited copy) replaces the first
        only when it brings something new (see _keep_post), so the file kept is the
        one whose every part the day holds."""
        self.source = PostSource.objects.filter(day=day, member=self.author).first()
        if self.source is not None:
            return False
        self.source = PostSource(
            day=day, member=self.author, filename=source_filename(filename), text=text
        )
        _save(self.source, exclude=["fingerprint"])  # set once the day is written
        return True

    def _keep_post(self, day: Day, filename: str, text: str) -> None:
        """Keep the file with the fingerprint of what the export writes for the author's
        day right now: while that stays so, the export writes the file itself
        (export.member_post)."""
        fingerprint = post_fingerprint(day, self.author)
        if self.source is None:  # a new day
            self.source = PostSource(day=day, member=self.author)
        source = self.source
        source.text, source.filename = text, source_filename(filename)
        source.fingerprint = fingerprint
        _save(source)

    def _keep_last_modified(self, day: Day, *, whole_day: bool) -> None:
        """Date what the post brought by its `last_modified_at`, not by the import, so
        exporting it again writes the same date (noon in the team's zone: no day shift)."""
        date = self.post.last_modified
        if date is None:
            return
        stamp = datetime.datetime.combine(date, datetime.time(12), tzinfo=self.team.tz)
        MemberLog.objects.filter(day=day, member=self.author).update(updated_at=stamp)
        if whole_day:
            Day.objects.filter(pk=day.pk).update(updated_at=stamp)
            for model in (Suggestion, AssignmentReview, Question, FreeSection):
                model.objects.filter(day=day).update(updated_at=stamp)

    def _note(self, new_day: bool) -> Reason:
        if new_day and not self.kept_for_review:
            return ""
        if new_day:
            return format_lazy(_("Parts kept for review: {count}."), count=self.kept_for_review)
        if not self.kept_for_review:
            return _("Added to the day already recorded.")
        return format_lazy(
            _("Added to the day already recorded; parts kept for review: {count}."),
            count=self.kept_for_review,
        )

    # Members

    @cached_property
    def _roster(self) -> dict[str, Membership]:
        """The team's members by name, read once per post (inside its transaction)."""
        return {m.display_name: m for m in Membership.objects.filter(team=self.team)}

    def _member(self, name: str) -> Membership:
        """The member of that name, created as a name-only member when there is none."""
        member = self._roster.get(name)
        if member is None:
            last = max((m.rotation_order for m in self._roster.values()), default=0)
            member = Membership(team=self.team, display_name=name, rotation_order=last + 1)
            _save(member)
            self._roster[name] = member
        return member

    def _author(self, member_name: str | None) -> Membership:
        members = Membership.objects.filter(team=self.team)
        if member_name and member_name.strip():
            return self._member(member_name.strip())
        if self.post.author and self.post.author in self._roster:
            return self._roster[self.post.author]
        if self.user is not None:
            found = members.filter(user=self.user).first()
            if found is not None:
                return found
        with_accounts = list(members.filter(user__isnull=False, is_active=True)[:2])
        if len(with_accounts) == 1:
            return with_accounts[0]
        raise ImportFailure(_("Whose post is this? Choose the member it belongs to."))

    # A new day

    def _create_day(self, people: dict[str, Membership]) -> Day:
        post = self.post
        number = _number_in(post.title) or next_day_number(self.team)
        title = "" if post.title == Day.default_title(self.team, number) else post.title
        day = Day(
            team=self.team,
            date=post.date,
            number=number,
            title=title,
            tags=", ".join(post.tags),
            moderator=people.get(post.moderator),
            updated_by=self.user,
        )
        _save(day)
        Attendance.objects.bulk_create(
            Attendance(
                day=day, member=people[name], status=Attendance.Status.PRESENT, position=number
            )
            for number, name in enumerate(post.participants, start=1)
        )
        fallbacks: list[parse.FreeSection] = []
        self._save_items(day, map(self._suggestion, post.suggestions), fallbacks)
        self._save_items(day, (self._review(r, people) for r in post.reviews), fallbacks)
        self._save_items(day, (self._question(q, people) for q in post.questions), fallbacks)
        self._save_sections(day, [*post.sections, *fallbacks])
        return day

    def _save_items(self, day: Day, rows, fallbacks: list) -> None:
        """Save items in post order; one the model cannot hold is kept as text for review."""
        position = 0
        for row, origin, presenters in rows:
            row.day, row.position, row.updated_by = day, position + 1, self.user
            try:
                _check_one_line(row)
                row.full_clean()
            except ValidationError:
                if origin is None:
                    raise
                fallbacks.append(
                    parse.FreeSection(origin.heading, origin.level, origin.source, True)
                )
                continue
            row.save()
            if presenters:
                row.presenters.set(presenters)
            position += 1

    def _suggestion(self, item: parse.Suggestion):
        row = Suggestion(
            proposal=item.proposal, discussion="\n".join(item.discussion), outcome=item.outcome
        )
        return row, item.origin, None

    def _review(self, item: parse.Review, people: dict[str, Membership]):
        row = AssignmentReview(assignment=item.assignment, topic=item.topic, notes=item.notes)
        return row, item.origin, [people[name] for name in item.presenters]

    def _question(self, item: parse.Question, people: dict[str, Membership]):
        row = Question(
            question=item.question,
            asked_by=people.get(item.asked_by),
            answer=item.answer,
            answered_by=people.get(item.answered_by),
            links="\n".join(
                f"{title} {url}" if title and title != url else url for title, url in item.links
            ),
            needs_follow_up=item.needs_follow_up,
            follow_up_mark=item.follow_up_mark,
        )
        return row, item.origin, None

    def _save_sections(
        self, day: Day, sections: list[parse.FreeSection], *, from_post: PostSource | None = None
    ) -> None:
        last = FreeSection.objects.filter(day=day).aggregate(m=Max("position"))["m"] or 0
        for position, section in enumerate(sections, start=last + 1):
            _save(
                FreeSection(
                    day=day,
                    position=position,
                    heading=section.heading,
                    level=section.level,
                    body=section.body,
                    needs_review=section.needs_review,
                    from_post=from_post,
                    updated_by=self.user,
                )
            )
            self.kept_for_review += section.needs_review

    # A day already recorded (another member's post of the same session)

    def _add_what_is_new(self, day: Day) -> bool:
        """Keep the session as it is; what this post has that it lacks is kept for review."""
        try:
            lock_open_day(day.pk)  # as every session write does, so a close cannot interleave
        except DayClosed:
            pass  # the member's own log may still be attached; new session text fails below
        day = Day.objects.for_record().get(pk=day.pk)
        post = self.post
        have = _session_keys(day)
        missing: dict[tuple[str, int], list[str]] = {}

        def keep(heading: str, level: int, text: str) -> None:
            missing.setdefault((heading, level), []).append(text)

        people_heading = (post.session_heading or "피어세션", post.session_level + 1)
        moderator = day.moderator.display_name if day.moderator else ""
        if post.moderator and post.moderator != moderator:
            keep(*people_heading, post.moderator_line)
        took_part = {a.member.display_name for a in day.attendances.all() if a.took_part}
        if post.participants and set(post.participants) != took_part:
            keep(*people_heading, post.participants_line)
        for item in [*post.suggestions, *post.reviews, *post.questions]:
            if _key(item) not in have:
                keep(item.origin.heading, item.origin.level, item.origin.source)
        for section in post.sections:
            if _key(section) not in have:
                keep(section.heading, section.level, section.body)
        sections = [
            parse.FreeSection(heading, level, "\n\n".join(texts), needs_review=True)
            for (heading, level), texts in missing.items()
        ]
        if sections and day.is_closed:
            # A closed day takes only members' own logs; its session is not added to.
            raise ImportFailure(
                format_lazy(
                    _(
                        "The day {date} is closed and this post has more of its session; "
                        "reopen the day, then import the post again."
                    ),
                    date=day.date.isoformat(),
                )
            )
        # Kept as this post's: the other members' posts of the day are written without it
        # until someone edits it into the day's record (export.render_post).
        self._save_sections(day, sections, from_post=self.source)
        return bool(sections)

    # The author's own part

    def _retrospective_with_footer(self) -> str:
        """Set the team's footer from the first post that has one.

        A post whose footer differs from the team's keeps it at the end of the
        retrospective, so that no text of the post is dropped.
        """
        footer, retrospective = self.post.footer, self.post.retrospective
        if not footer or _norm(footer) == _norm(self.team.post_footer):
            return retrospective
        if not self.team.post_footer:
            self.team.post_footer = Team._meta.get_field("post_footer").clean(footer, self.team)
            self.team.save(update_fields=["post_footer"])
            return retrospective
        return "\n\n".join(part for part in (retrospective, footer) if part)

    def _save_log(self, day: Day, retrospective: str) -> bool:
        post = self.post
        links = [(link.title, link.url, link.color) for link in post.study_links]
        if not (links or post.study_notes or retrospective):
            return False
        log = MemberLog.objects.filter(day=day, member=self.author).first()
        if log is not None:
            have = [(link.title, link.url, link.color) for link in log.links.all()]
            if (
                have == links
                and _norm(log.study_notes) == _norm(post.study_notes)
                and _norm(log.retrospective) == _norm(retrospective)
            ):
                return False
            if have or log.study_notes.strip() or log.retrospective.strip():
                raise ImportFailure(
                    format_lazy(
                        _("{member} already has a different log for {date}; edit it there."),
                        member=self.author.display_name,
                        date=day.date.isoformat(),
                    )
                )
            log.version += 1
        else:
            log = MemberLog(day=day, member=self.author)
        log.retrospective = retrospective
        log.study_notes = post.study_notes
        log.study_layout = post.study_layout
        log.updated_by = self.user
        _save(log)
        for position, (title, url, color) in enumerate(links, start=1):
            _save(StudyLink(log=log, position=position, title=title, url=url, color=color))
        return True


# Comparing a post with a day already recorded


def _session_keys(day: Day) -> set[tuple]:
    keys = set()
    for row in day.suggestions.all():
        keys.add(("s", _norm(row.proposal), tuple(row.discussion_items), _norm(row.outcome)))
    for row in day.assignmentreviews.all():
        presenters = sorted(p.display_name for p in row.presenters.all())
        keys.add(("r", _norm(f"{row.assignment} {row.topic}"), tuple(presenters), _norm(row.notes)))
    for row in day.questions.all():
        asked = row.asked_by.display_name if row.asked_by else ""
        answered = row.answered_by.display_name if row.answered_by else ""
        keys.add(
            _question_key(
                row.question, asked, row.answer, answered, row.link_list, row.needs_follow_up
            )
        )
    for row in day.freesections.all():
        keys.add(("f", _norm(row.heading), _norm(row.body)))
    return keys


def _key(item) -> tuple:
    if isinstance(item, parse.Suggestion):
        return (
            "s",
            _norm(item.proposal),
            tuple(d.strip() for d in item.discussion),
            _norm(item.outcome),
        )
    if isinstance(item, parse.Review):
        lead = _norm(f"{item.assignment} {item.topic}")
        return ("r", lead, tuple(sorted(item.presenters)), _norm(item.notes))
    if isinstance(item, parse.Question):
        return _question_key(
            item.question,
            item.asked_by,
            item.answer,
            item.answered_by,
            item.links,
            item.needs_follow_up,
        )
    return ("f", _norm(item.heading), _norm(item.body))


def _question_key(question, asked, answer, answered, links, follow_up) -> tuple:
    links = tuple((title or url, url) for title, url in links)
    return ("q", _norm(question), asked, _norm(answer), answered, links, follow_up)


# Helpers


def _norm(text: str) -> str:
    """Text compared without its blank lines and the spaces around lines."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _number_in(title: str) -> int | None:
    match = re.search(r"\bday\s*(\d{1,5})\b", title, re.I)
    number = int(match[1]) if match else 0
    return number or None


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
        )
    return " ".join(error.messages)


def _check_one_line(row) -> None:
    """The post's names and titles (a member's name, the day's title, a heading…) keep
    the rule the forms keep: no control characters, no bidi overrides (forms.base)."""
    errors = {}
    for model_field in row._meta.concrete_fields:
        one_line = isinstance(model_field, models.CharField | OneLineTextField)
        if one_line and not model_field.choices:
            try:
                validate_one_line(getattr(row, model_field.attname) or "")
            except ValidationError as error:
                errors[model_field.name] = error.messages
    if errors:
        raise ValidationError(errors)


def _save(row, exclude: list[str] = ()) -> None:
    """Validate the row's own fields (choices, the limits a column has: a clear reason
    for the report), then save. Related rows were fetched or made here, and uniqueness is
    the database's job (an IntegrityError fails the file): checking those too cost a
    query each. A text's max_length is the form's and is not checked (TextField)."""
    _check_one_line(row)
    related = [f.name for f in row._meta.concrete_fields if f.is_relation]
    row.full_clean(exclude=[*related, *exclude], validate_unique=False, validate_constraints=False)
    row.save()
