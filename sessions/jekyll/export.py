"""A member's day written as a Jekyll post in the layout of sessions/jekyll/FORMAT.md.

The importer (parse.py) reads what this module writes, so the layout here follows
FORMAT.md line for line; change them together. Stored text is made inert (inert.py)
before it goes in: the member's blog renders the post without sanitizing it.
"""

import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..images.export import DEFAULT_ASSETS_DIR, post_images
from ..models import (
    Attendance,
    Day,
    FreeSection,
    MemberLog,
    Membership,
    PostSource,
    Question,
    Team,
)
from . import front_matter
from .inert import inert, unbracketed, web_or_relative
from .parse import empty_parts

INDENT = " " * 4
# The reference posts' decoration after the 피어세션 heading (the importer accepts it or not).
PEER_SESSION_EMOJI = (
    "\U0001f468\u200d\U0001f468\u200d\U0001f466\u200d\U0001f466 "
    "\U0001f468\u200d\U0001f468\u200d\U0001f466"
)
SHIELDS_BADGE = "https://img.shields.io/badge/-{label}-{color}"

_FRONT_MATTER_DEFAULTS = """\
---
defaults:
  - scope:
      path: ""
      type: posts
    values:
      layout: single
      author_profile: true
      comments: true
      share: true
      related: true
"""

# The relations Day.objects.for_record() prefetches; a day holding all of them renders
# without touching the database.
_RECORD_RELATIONS = (
    "attendances",
    "suggestions",
    "assignmentreviews",
    "questions",
    "freesections",
    "logs",
)

# Characters that would end a badge's URL path segment early (or its HTML attribute), or
# that a markdown renderer or Liquid would act on even inside the tag's attribute.
_BADGE_UNSAFE = re.compile(r"""[%/?#"'<>\[\]()`\\{}]""")
_HREF_UNSAFE = re.compile(r"""["'<>\[\]`\\{}]""")
# YAML plain scalars may not hold these; a value with any of them is written quoted.
_YAML_SPECIAL = re.compile(r"""[:#,\[\]{}&*!|>'"%@`\\]|^[-?\s]|\s$""")
# What YAML 1.1 reads as a line break (\x85, \u2028, \u2029 too) or refuses outright.
_LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]+")


# The post


@dataclass(frozen=True)
class MemberPost:
    """A member's post of a day: the file name to write it under and its text."""

    filename: str
    text: str

    def with_images(
        self, team: Team, *, assets_dir: str = DEFAULT_ASSETS_DIR, images=None
    ) -> tuple[str, list[tuple[str, bytes]]]:
        """The text with the team's uploaded images pointing into the blog's assets
        folder, and those image files: (path from the blog's root, bytes). `images`
        (images.export.images_in) saves the query when writing several posts."""
        stem = self.filename.rsplit(".", 1)[0]
        return post_images(team, self.text, post_slug=stem, assets_dir=assets_dir, images=images)


def member_post(day: Day, member: Membership) -> MemberPost:
    """The member's post of the day, as their blog should have it.

    A day imported from the member's post (PostSource) and not edited since gives that
    file back as it came, under its own name. Once edited, the day is written again
    (render_post), under the same name, with the file's front matter key by key
    (front_matter.merge) and its empty 학습 내용 / 회고록 sections. A day written in
    Studylog follows FORMAT.md. A fixed number of queries, none when `day` comes from
    catalogue.member_days() (or for_record() with "post_sources" prefetched).
    """
    day = _with_record(day, sources=True)
    sources = _day_sources(day)
    source = next((s for s in sources if s.member_id == member.pk), None)
    if source is None:
        return MemberPost(post_filename(day, member), _render(day, member, sources))
    if _fingerprint(day, member, sources) == source.fingerprint:
        return MemberPost(source.filename, source.text)
    rendered = _render(day, member, sources, keep_empty=empty_parts(source.text))
    return MemberPost(source.filename, front_matter.merge(source.text, rendered))


def post_fingerprint(day: Day, member: Membership) -> str:
    """What PostSource.fingerprint holds: the SHA-256 of the member's day as render_post
    writes it, less what the team's settings alone decide (the footer, the category and
    excerpt, a default title): changing those is no edit of the post."""
    # What the post shows and no more (the import computes one per post): 8 queries.
    logs = MemberLog.objects.filter(member=member).select_related("member")
    day = (
        Day.objects.select_related("team", "moderator")
        .prefetch_related(
            Prefetch("attendances", queryset=Attendance.objects.select_related("member")),
            "suggestions",
            "assignmentreviews__presenters",
            Prefetch(
                "questions", queryset=Question.objects.select_related("asked_by", "answered_by")
            ),
            "freesections",
            Prefetch("logs", queryset=logs.prefetch_related("links")),
        )
        .get(pk=day.pk)
    )
    return _fingerprint(day, member, None)


def _fingerprint(day: Day, member: Membership, sources: list[PostSource] | None) -> str:
    text = _render(day, member, sources, fingerprinted=True)
    return hashlib.sha256(text.encode()).hexdigest()


def source_filename(name: str) -> str:
    """The post's own file name from the name it was imported by: a path's last part,
    and a zip entry's ("posts.zip:_posts/2021-08-02-BoostCourse_day1.md")."""
    return re.split(r"[\\/:]", name)[-1][-255:]


def render_post(day: Day, member: Membership) -> str:
    """The member's day as one Jekyll post: the team's record and the member's own log.

    `day` may come from Day.objects.for_record() (then no query runs, unless the day
    holds text another member's post brought, kept for review: one query); otherwise it
    is fetched again that way, so the cost is a fixed number of queries either way.
    """
    day = _with_record(day)
    return _render(day, member, None)


def _render(
    day: Day,
    member: Membership,
    sources: list[PostSource] | None,
    keep_empty=frozenset(),
    *,
    fingerprinted: bool = False,
) -> str:
    team = day.team
    # The member's own log whatever its visibility: the post goes to their own blog.
    log = next((log for log in day.logs.all() if log.member_id == member.pk), None)
    free = _day_sections(day, member, sources)
    with translation.override(team.language):
        # An imported post's empty sections stay (keep_empty: parse.empty_parts).
        empty = {
            "study": f"## {_('Study notes')}",
            "suggestions": f"### {_('Suggestions')}",
            "reviews": f"### {_('Assignment review')}",
            "questions": f"### {_('Questions')}",
            "retro": f"## {_('Retrospective')}",
        }
        parts = {
            "study": _study_section(log),
            "peer": _peer_section(day),
            "suggestions": _suggestions_section(day),
            "reviews": _reviews_section(day),
            "questions": _questions_section(day),
        }
        parts["retro"] = _retrospective_section(log)
        for kind in keep_empty & empty.keys():
            parts[kind] = parts[kind] or empty[kind]
        *session, retrospective = parts.values()
        sections = [*session, *(_free_section(section) for section in free), retrospective]
    blocks = ["<br>"]
    for section in sections:
        if section:
            blocks += [section, "<br>"]
    footer = "" if fingerprinted else inert(_text(team.post_footer))
    if footer:
        blocks.append(footer)
    if fingerprinted:
        head = [day.title, day.tags, day.date, _last_modified(day, log, free)]
        return "\n".join([*map(str, head), *blocks])
    return _front_matter(day, log, free) + "\n".join(["", "\n\n".join(blocks), ""])


def _day_sections(
    day: Day, member: Membership, sources: list[PostSource] | None
) -> list[FreeSection]:
    """The day's free sections in the member's post: not those another member's post
    brought to the day already recorded, while they wait for review unedited (until
    then they are that post's text, not the day's)."""
    sections = list(day.freesections.all())
    if not any(_as_imported(section) for section in sections):
        return sections
    if sources is None:
        sources = _day_sources(day)
    owners = {source.pk: source.member_id for source in sources}
    return [
        section
        for section in sections
        if not (_as_imported(section) and owners.get(section.from_post_id, member.pk) != member.pk)
    ]


def _as_imported(section: FreeSection) -> bool:
    """Text a post brought to a day already recorded, still waiting for review, never
    edited (an edit through the services bumps the version)."""
    return section.needs_review and section.from_post_id is not None and section.version == 1


def _day_sources(day: Day) -> list[PostSource]:
    if "post_sources" in getattr(day, "_prefetched_objects_cache", {}):
        return list(day.post_sources.all())
    return list(PostSource.objects.filter(day=day))


def post_filename(day: Day, member: Membership | None = None) -> str:
    """`YYYY-MM-DD-<course>_day<N>.md`, ASCII only; the course keeps its case.

    The name does not depend on the member (each member publishes to their own blog);
    `member` is accepted so callers can treat name and content alike.
    """
    team = day.team
    base = _ascii_slug(team.course) or team.slug
    return f"{day.date.isoformat()}-{base}_day{day.number}.md"


def escape_badge_title(title: str) -> str:
    """A study link's title as a shields.io badge label: `-` → `--`, `_` → `__`, spaces kept.

    Characters that would break the badge URL (`/ ? # % " < >`) are percent-encoded,
    and so are those that markdown or Liquid would read there: brackets, parentheses,
    braces, backticks, backslashes and `'`.
    """
    label = title.strip().replace("-", "--").replace("_", "__")
    return _BADGE_UNSAFE.sub(lambda m: quote(m.group(), safe=""), label)


def badge(title: str, url: str, color: str) -> str:
    src = SHIELDS_BADGE.format(label=escape_badge_title(title), color=color)
    # Every way in validates the URL; a badge still never links anywhere but the web.
    href = _HREF_UNSAFE.sub(lambda m: quote(m.group(), safe=""), url)
    if "://" not in url or not web_or_relative(url):
        href = "#"
    return f'<a href="{href}"><img src="{src}"/></a>'


# Sections: each returns its markdown without surrounding blank lines, or "" when empty.


def _front_matter(day: Day, log: MemberLog | None, sections: list[FreeSection]) -> str:
    team = day.team
    # The theme renders the title and tags as markdown or raw HTML: made inert too.
    category = inert(team.course or team.slug, starts_block=False)
    tags = [inert(tag, starts_block=False) for tag in day.tag_list]
    return post_head(
        title=inert(day.display_title, starts_block=False),
        excerpt="about : " + (", ".join(tags) or category),
        category=category,
        tags=tags,
        date=day.date,
        last_modified=_last_modified(day, log, sections),
    )


def post_head(*, title, excerpt, category, tags, date, last_modified) -> str:
    """A post's front matter in the reference posts' layout; the values made inert."""
    lines = [
        f"title: {_yaml_quoted(title)}",
        f"excerpt: {_yaml_quoted(excerpt)}",
        "toc: true",
        "toc_sticky: true",
        'toc_label: "Label"',
        "categories:",
        f"  - {_yaml_scalar(category)}",
        "tags:",
        f"  - [{', '.join(_yaml_scalar(tag) for tag in tags)}]",
        f"date: {date.isoformat()}",
        f"last_modified_at: {last_modified.isoformat()}",
        "---",
    ]
    return _FRONT_MATTER_DEFAULTS + "\n" + "\n".join(lines)


def _study_section(log: MemberLog | None) -> str:
    if log is None:
        return ""
    badges = [badge(link.title, link.url, link.color) for link in log.links.all()]
    notes = inert(_text(log.study_notes))
    parts = _study_layout(log.study_layout, badges, notes)
    if parts is None:
        parts = [part for part in (" ".join(badges), notes) if part]
    return "\n\n".join([f"## {_('Study notes')}", *parts]) if parts else ""


def _study_layout(layout, badges: list[str], notes: str) -> list[str] | None:
    """Badge rows and note blocks in the order MemberLog.study_layout records, or None
    when the log's links and notes no longer fit it (an edit since the import)."""
    if not isinstance(layout, list) or not layout:
        return None
    lines = notes.split("\n") if notes else []
    parts: list[str] = []
    used_badges = used_lines = 0
    for entry in layout:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], int)):
            return None
        kind, count = entry
        if count < 1:
            return None
        if kind == "links" and used_badges + count <= len(badges):
            parts.append(" ".join(badges[used_badges : used_badges + count]))
            used_badges += count
        elif kind == "notes":
            if used_lines:  # one blank line between two blocks of notes
                if used_lines >= len(lines) or lines[used_lines]:
                    return None
                used_lines += 1
            block = lines[used_lines : used_lines + count]
            if len(block) < count or not block[0].strip() or not block[-1].strip():
                return None
            parts.append("\n".join(block))
            used_lines += count
        else:
            return None
    if (used_badges, used_lines) != (len(badges), len(lines)):
        return None
    return parts


def _peer_section(day: Day) -> str:
    # Always written, even with nobody recorded: it is where the session's parts hang.
    lines = [f"## {_('Peer session')} {PEER_SESSION_EMOJI}"]
    if day.moderator:
        lines.append(inert(f"{_('Moderator')} : {day.moderator.display_name}", starts_block=False))
    attendances = list(day.attendances.all())
    if any(a.position for a in attendances):
        # The order of the imported post's 참가자 line; members added since come after.
        attendances.sort(key=lambda a: (a.position == 0, a.position))
    names = [a.member.display_name for a in attendances if a.took_part]
    if names:
        lines.append(inert(f"{_('Participants')} : {', '.join(names)}", starts_block=False))
    return "\n\n".join(lines)


def _suggestions_section(day: Day) -> str:
    items = []
    for item in day.suggestions.all():
        parts = [_list_item("- ", inert(_text(item.proposal), starts_block=False))]
        points = [inert(point, starts_block=False) for point in item.discussion_items]
        if points:
            parts.append(INDENT + _("Discussion items"))
            parts.append("\n".join(f"{INDENT}{n}. {p}" for n, p in enumerate(points, start=1)))
        outcome = _text(item.outcome)
        if outcome:
            parts.append(_indent(inert(f"→ {outcome}", starts_block=False)))
        items.append("\n\n".join(parts))
    return _subsection(_("Suggestions"), items)


def _reviews_section(day: Day) -> str:
    items = []
    for item in day.assignmentreviews.all():
        lead = " ".join(part for part in (item.assignment.strip(), item.topic.strip()) if part)
        presenters = ", ".join(p.display_name for p in item.presenters.all())
        if presenters:
            lead = f"{unbracketed(lead)} ({presenters})"
        parts = [_list_item("- ", inert(lead, starts_block=False))]
        notes = _text(item.notes)
        if notes:
            parts.append(_indent(inert(notes)))
        items.append("\n\n".join(parts))
    return _subsection(_("Assignment review"), items)


def _questions_section(day: Day) -> str:
    items = []
    for number, item in enumerate(day.questions.all(), start=1):
        question = unbracketed(_text(item.question)) + _who(item.asked_by)
        question = inert(f"{_('Question')} : {question}", starts_block=False)
        parts = [_list_item(f"{number}. ", question)]
        answer = _text(item.answer)
        # Where the imported post said it: at the end of the answer (" -추가 확인 필요함").
        mark = item.follow_up_mark if item.needs_follow_up and answer else ""
        if answer:
            answer = f"{_('Answer')} : {unbracketed(answer)}{_who(item.answered_by)}{mark}"
            parts.append(_indent(inert(answer, starts_block=False)))
        for title, url in item.link_list:
            title = inert(_link_text(title), starts_block=False)
            parts.append(f"{INDENT}[{title}]({url})")
        if item.needs_follow_up and not mark:
            parts.append(INDENT + _("Needs follow-up"))
        items.append("\n\n".join(parts))
    return _subsection(_("Questions"), items)


def _free_section(section: FreeSection) -> str:
    # Sections marked needs_review are exported as they are: the text is the member's.
    level = min(max(section.level, 1), 6)
    heading = f"{'#' * level} {inert(section.heading.strip(), starts_block=False)}"
    body = inert(_text(section.body))
    return f"{heading}\n\n{body}" if body else heading


def _retrospective_section(log: MemberLog | None) -> str:
    text = inert(_text(log.retrospective)) if log else ""
    return f"## {_('Retrospective')}\n\n{text}" if text else ""


# Helpers


def _with_record(day: Day, *, sources: bool = False) -> Day:
    cache = getattr(day, "_prefetched_objects_cache", {})
    if all(name in cache for name in _RECORD_RELATIONS):
        return day
    days = Day.objects.for_record()
    return (days.prefetch_related("post_sources") if sources else days).get(pk=day.pk)


def _last_modified(day: Day, log: MemberLog | None, sections: list[FreeSection]) -> datetime.date:
    """The date, in the team's time zone, of the last change to anything the post shows."""
    stamps = [day.updated_at, *(section.updated_at for section in sections)]
    for items in (day.suggestions, day.assignmentreviews, day.questions):
        stamps += [item.updated_at for item in items.all()]
    if log is not None:
        stamps.append(log.updated_at)
    changed = timezone.localtime(max(stamps), day.team.tz).date()
    # A day set up ahead of time was not "modified" before it was held.
    return max(changed, day.date)


def _subsection(heading: str, items: list[str]) -> str:
    if not items:
        return ""
    # Single-line items make a tight list, as in the reference posts; others a loose one.
    joiner = "\n\n" if any("\n" in item for item in items) else "\n"
    return f"### {heading}\n\n{joiner.join(items)}"


def _list_item(marker: str, text: str) -> str:
    """A list item's first paragraph: the marker, then any further lines indented."""
    first, *rest = text.split("\n")
    return "\n".join([marker + first, *(_indent(line) for line in rest)])


def _indent(text: str) -> str:
    return "\n".join(INDENT + line if line.strip() else "" for line in text.split("\n"))


def _text(value: str) -> str:
    """A stored text with `\n` line endings, without leading blank lines or trailing space."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").rstrip().split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def _who(member: Membership | None) -> str:
    return f"({member.display_name})" if member else ""


def _link_text(title: str) -> str:
    return title.replace("[", r"\[").replace("]", r"\]")


def _ascii_slug(value: str) -> str:
    """An ASCII file-name part: accents dropped, other characters runs become `-`; case kept."""
    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_value).strip("-_")


def _yaml_quoted(value: str) -> str:
    # One line: a line break would end the front matter early (Jekyll ends it at the
    # first `---` line), and YAML refuses control characters.
    value = _LINE_BREAKS_AND_CONTROLS.sub(" ", value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _yaml_scalar(value: str) -> str:
    """Plain when YAML reads it back unchanged (the usual case), double-quoted otherwise."""
    if not value or _YAML_SPECIAL.search(value) or _LINE_BREAKS_AND_CONTROLS.search(value):
        return _yaml_quoted(value)
    return value
