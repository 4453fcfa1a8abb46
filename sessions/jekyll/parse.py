"""Jekyll posts read back into a day's parts: FORMAT.md's layout and the drift of older posts.

Pure text in, dataclasses out; nothing here touches the database. The rule throughout
is to lose no text: parts are recognised in the shapes FORMAT.md lists, and anything
else is kept as written, under its own heading, as a free section (marked for review
when it sits in the session). Names in parentheses, `(홍길동)`, are taken as people only
when the post's 참가자/모더레이터 lines name them; otherwise they stay in the text.
"""

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# The colours a StudyLink can have (StudyLink.Color); a badge of another colour stays text.
BADGE_COLORS = ("red", "blue", "green", "orange", "grey")
BADGE_TITLE_MAX = 80  # StudyLink.title
URL_MAX = 500  # StudyLink.url

_validate_url = URLValidator(schemes=["http", "https"])


class PostError(ValueError):
    """The file is not a post this importer can read; `reason` says why, for people."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


# What a post holds


@dataclass(frozen=True)
class Origin:
    """Where a part came from: its section's heading and level, and its text as written."""

    heading: str
    level: int
    source: str


@dataclass
class StudyLink:
    title: str
    url: str
    color: str


@dataclass
class Suggestion:
    proposal: str
    discussion: list[str] = field(default_factory=list)
    outcome: str = ""
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass
class Review:
    assignment: str
    topic: str = ""
    presenters: list[str] = field(default_factory=list)
    notes: str = ""
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass
class Question:
    question: str
    asked_by: str = ""
    answer: str = ""
    answered_by: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, url)
    needs_follow_up: bool = False
    # " -추가 확인 필요함" as written at the end of the answer's last line ("" when the
    # follow-up is a line of its own, or there is none).
    follow_up_mark: str = ""
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass
class FreeSection:
    heading: str
    level: int = 3
    body: str = ""
    needs_review: bool = False


@dataclass
class ParsedPost:
    date: datetime.date
    title: str = ""
    tags: list[str] = field(default_factory=list)
    author: str = ""  # the front matter's `author:`, when there is one
    last_modified: datetime.date | None = None  # `last_modified_at:`, when it is a date
    study_links: list[StudyLink] = field(default_factory=list)
    study_notes: str = ""
    # How badge rows and note blocks alternate under 학습 내용: [["links", 2], ["notes", 1]]
    # (MemberLog.study_layout): rows of that many badges, blocks of that many notes lines.
    study_layout: list[list] = field(default_factory=list)
    moderator: str = ""
    participants: list[str] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    sections: list[FreeSection] = field(default_factory=list)
    retrospective: str = ""
    footer: str = ""
    # The 피어세션 heading (cleaned) and level, and the moderator and participants lines as
    # written: what a second member's post for a day already recorded is compared with.
    session_heading: str = ""
    session_level: int = 2
    moderator_line: str = field(default="", compare=False, repr=False)
    participants_line: str = field(default="", compare=False, repr=False)

    @property
    def names(self) -> list[str]:
        """Everyone the post names as a person: the participants first, in their order."""
        found = [*self.participants, self.moderator]
        for review in self.reviews:
            found += review.presenters
        for question in self.questions:
            found += [question.asked_by, question.answered_by]
        return list(dict.fromkeys(name for name in found if name))


def parse_post(text: str) -> ParsedPost:
    """Read one post. Raises PostError when its front matter is missing or has no date."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    head, body = _split_front_matter(text.split("\n"))
    post = _front_matter(head)
    preface, blocks = _blocks(body)
    post.footer = _take_footer(blocks, preface)
    _read_preface(post, preface)
    _read_people(post, blocks)
    known = set(post.participants) | ({post.moderator} - {""})
    for block in blocks:
        _READERS[block.kind](post, block, known)
    return post


def empty_parts(text: str) -> frozenset[str]:
    """Which parts (keys of _KINDS but "peer") the post has as a heading with nothing
    under it, as in a skeleton post: a day written again keeps them (export.member_post)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    try:
        _head, body = _split_front_matter(text.split("\n"))
    except PostError:
        return frozenset()
    _preface, blocks = _blocks(body)
    return frozenset(
        block.kind
        for block in blocks
        if block.kind not in ("peer", "free") and not _strip_edges(block.lines)
    )


# Front matter

_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:(?:\s*(?P<value>.*))?$")
_ITEM = re.compile(r"^\s+-\s*(?P<value>.*?)\s*$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[\sT])")


def _split_front_matter(lines: list[str]) -> tuple[list[str], list[str]]:
    if not lines or lines[0].strip() != "---":
        raise PostError(_("The file does not start with front matter (a line “---”)."))
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return lines[1:index], lines[index + 1 :]
    raise PostError(_("The front matter is not closed by a line “---”."))


def _front_matter(lines: list[str]) -> ParsedPost:
    values = _front_matter_values(lines)
    return ParsedPost(
        date=_date(values.get("date", "")),
        title=values.get("title", ""),
        tags=values["tags"],
        author=values.get("author", ""),
        last_modified=_optional_date(values.get("last_modified_at", "")),
    )


def _front_matter_values(lines: list[str]) -> dict:
    values: dict = {}
    tags: list[str] = []
    key = ""
    for line in lines:
        match = _KEY.match(line)
        if match:
            key = match["key"]
            values[key] = _scalar(match["value"] or "")
            if key == "tags":
                tags += _flow_list(match["value"] or "")
        elif key == "tags" and (item := _ITEM.match(line)):
            tags += _flow_list(item["value"])
    values["tags"] = list(dict.fromkeys(tag for tag in tags if tag))
    return values


def read_front_matter(lines: list[str]) -> dict:
    """The values Studylog reads from a front matter's lines, as it reads them: `title`,
    `tags` (a list), `date` and `last_modified_at` (dates, or None), present or not."""
    values = _front_matter_values(lines)
    return {
        "title": values.get("title"),
        "tags": values["tags"],
        "date": _optional_date(values.get("date") or ""),
        "last_modified_at": _optional_date(values.get("last_modified_at") or ""),
    }


def _optional_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


EARLIEST_DATE = datetime.date(1990, 1, 1)
LATEST_AHEAD = datetime.timedelta(days=5 * 366)


def _date(value: str) -> datetime.date:
    if not value:
        raise PostError(_("The front matter has no “date:”."))
    match = _DATE.match(value)
    try:
        if match is None:
            raise ValueError(value)
        date = datetime.date(*(int(part) for part in match.groups()))
        if not EARLIEST_DATE <= date <= datetime.date.today() + LATEST_AHEAD:
            raise ValueError(value)  # a typo like 0202-08-11, or a day no study team has had
        return date
    except ValueError as exc:
        reason = format_lazy(
            _("The front matter's date “{value}” is not a date."), value=value[:40]
        )
        raise PostError(reason) from exc


def _scalar(value: str) -> str:
    """A YAML scalar as Jekyll front matter writes it: plain, "double" or 'single' quoted."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), value[1:-1])
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return re.sub(r"\s+#.*$", "", value)


def _flow_list(value: str) -> list[str]:
    """`[a, b]`, `a` or nothing: the tags of one `tags:` line or list item."""
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
        return [_scalar(part) for part in value.split(",") if part.strip()]
    return [_scalar(value)] if value else []


# The body as blocks: one per heading


# `## ` and `##` alone are headings too (empty ones), as in CommonMark.
_HEADING = re.compile(r"^ {0,3}(?P<marks>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
# Heading names, compared with case, spaces, emoji and punctuation removed (`&` kept).
_KINDS = {
    "study": ("학습내용", "studynotes"),
    "peer": ("피어세션", "peersession"),
    "suggestions": ("건의사항", "suggestions"),
    "reviews": ("과제리뷰", "assignmentreview", "assignmentreviews"),
    "questions": ("질문내용", "질문사항", "질문", "q&a", "qna", "questions", "question"),
    "retro": ("회고록", "회고", "retrospective"),
}
# Headings under these parts are part of their text, not sections of their own.
_TEXT_KINDS = ("study", "retro")


@dataclass
class _Block:
    level: int
    heading: str
    kind: str  # a key of _KINDS, or "free"
    lines: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The heading without the emoji and punctuation around it."""
        return re.sub(r"^[^\w(\[]+|[^\w)\]!?]+$", "", self.heading) or self.heading


def _kind(heading: str) -> str:
    key = "".join(ch for ch in heading.casefold() if ch.isalnum() or ch == "&")
    return next((kind for kind, names in _KINDS.items() if key in names), "free")


def _blocks(lines: list[str]) -> tuple[list[str], list[_Block]]:
    """Split the body at its headings: (the text before the first one, the blocks)."""
    preface: list[str] = []
    blocks: list[_Block] = []
    stack: list[_Block] = []  # enclosing blocks, innermost last
    fence = ""
    for line in lines:
        match = None if fence else _HEADING.match(line)
        fence = _next_fence(fence, line)
        if match is None:
            (blocks[-1].lines if blocks else preface).append(line)
            continue
        level, heading = len(match["marks"]), (match["text"] or "").strip()
        while stack and stack[-1].level >= level:
            stack.pop()
        kind = _kind(heading)
        inside_text = stack and stack[-1] is blocks[-1] and stack[-1].kind in _TEXT_KINDS
        if kind == "free" and inside_text:
            blocks[-1].lines.append(line)  # e.g. a "### 느낀 점" inside 회고록
            continue
        block = _Block(level, heading, kind)
        blocks.append(block)
        stack.append(block)
    return preface, blocks


def _next_fence(fence: str, line: str) -> str:
    """The fence open after `line` ("" when none): ``` and ~~~ blocks hide headings."""
    match = _FENCE.match(line)
    if match is None:
        return fence
    mark = match["fence"]
    if not fence:
        return mark
    closes = mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip(mark[0] + " ")
    return "" if closes else fence


def _take_footer(blocks: list[_Block], preface: list[str]) -> str:
    """Cut the team's footer, the text after the post's final `<br>`, from the last block.

    In a text part (회고록…) with nothing before that `<br>`, what follows is the part's
    own text, not a footer.
    """
    last = blocks[-1] if blocks else None
    lines = last.lines if last else preface
    breaks = [i for i, line in enumerate(lines) if line.strip() == "<br>"]
    if not breaks:
        return ""
    before = _strip_edges(lines[: breaks[-1]])
    if not before and last is not None and last.kind in (*_TEXT_KINDS, "free"):
        return ""
    footer = _strip_edges(lines[breaks[-1] + 1 :])
    del lines[breaks[-1] :]
    return footer


# Each kind of block


def _read_preface(post: ParsedPost, lines: list[str]) -> None:
    text = _strip_edges(lines)
    if text:
        # Text above the first heading: kept, under the post's title, for a person to place.
        heading = post.title or post.date.isoformat()
        post.sections.append(FreeSection(heading, 2, text, needs_review=True))


def _read_study(post: ParsedPost, block: _Block, known: set[str]) -> None:
    # The block as alternating runs: badge lines (their links) and note lines.
    runs: list[list] = []
    for line in block.lines:
        links = _badges(line)
        kind, value = ("notes", [line]) if links is None else ("links", links)
        if runs and runs[-1][0] == kind:
            runs[-1][1] += value
        else:
            runs.append([kind, value])
    layout = post.study_layout
    for kind, value in runs:
        if kind == "notes":
            text = _strip_edges(_squeeze_blanks(value))
            if not text:
                continue  # blank lines between badge rows
            post.study_notes = _join(post.study_notes, text)
            count = len(text.split("\n"))
        else:
            post.study_links += value
            count = len(value)
        if layout and layout[-1][0] == kind == "links":
            layout[-1][1] += count
        else:
            layout.append([kind, count])


def _read_retro(post: ParsedPost, block: _Block, known: set[str]) -> None:
    post.retrospective = _join(post.retrospective, _strip_edges(block.lines))


def _read_free(post: ParsedPost, block: _Block, known: set[str]) -> None:
    post.sections.append(FreeSection(block.heading, block.level, _strip_edges(block.lines)))


def _read_peer(post: ParsedPost, block: _Block, known: set[str]) -> None:
    # The moderator and participants lines were taken by _read_people; the rest is kept,
    # as a subsection of the session. A later 피어세션 heading (how the exporter writes
    # that kept text) keeps its level, so a post read back is read the same way.
    level = block.level
    if not post.session_heading:
        post.session_heading, post.session_level = block.title, block.level
        level += 1
    _keep_for_review(post, block, block.lines, level=level)


def _read_suggestions(post: ParsedPost, block: _Block, known: set[str]) -> None:
    def read(item: _Item) -> bool:
        suggestion = _suggestion(item.lines)
        if suggestion is not None:
            suggestion.origin = _origin(block, item)
            post.suggestions.append(suggestion)
        return suggestion is not None

    _read_list(post, block, read)


def _read_reviews(post: ParsedPost, block: _Block, known: set[str]) -> None:
    def read(item: _Item) -> bool:
        review = _review(item.lines, known)
        if review is not None:
            review.origin = _origin(block, item)
            post.reviews.append(review)
        return review is not None

    _read_list(post, block, read)


def _read_questions(post: ParsedPost, block: _Block, known: set[str]) -> None:
    def read(item: _Item) -> bool:
        previous = post.questions[-1] if post.questions else None
        answer = _separate_answer(item.lines)
        if answer is not None and previous is not None and not previous.answer:
            # `- A` as its own bullet: the answer to the question just before.
            previous.answer, previous.answered_by = _split_who(answer, known)
            return True
        question = _question(item.lines, known)
        if question is not None:
            question.origin = _origin(block, item)
            post.questions.append(question)
        return question is not None

    _read_list(post, block, read)


def _read_list(post: ParsedPost, block: _Block, read) -> None:
    """Each list item of the block through `read` (False: it fits no part); the text
    around the items and the items that fit nothing are kept, in order, for review."""
    rest: list[str] = []
    for entry in _list_entries(block.lines):
        if isinstance(entry, str):
            rest.append(entry)
        elif not read(entry):
            rest += entry.raw
    _keep_for_review(post, block, rest)


_READERS = {
    "study": _read_study,
    "peer": _read_peer,
    "suggestions": _read_suggestions,
    "reviews": _read_reviews,
    "questions": _read_questions,
    "retro": _read_retro,
    "free": _read_free,
}


def _keep_for_review(post, block: _Block, lines: list[str], level: int | None = None) -> None:
    """Session text that fits no part: a free section for a person to look at."""
    text = _strip_edges(_squeeze_blanks(lines))
    if text:
        section = FreeSection(block.title, level or block.level, text, needs_review=True)
        post.sections.append(section)


def _origin(block: _Block, item: "_Item") -> Origin:
    return Origin(block.title, block.level, _strip_edges(item.raw))


# 피어세션: who moderated and who took part

# "모더레이터 : X", "🤴 모더레이터: X", "Moderator : X"; likewise the participants.
_PEOPLE_LINE = r"^\s*(?:[^\w\s]+\s*)?(?:{})\s*[:：]\s*(?P<value>.*?)\s*$"
_MODERATOR = re.compile(_PEOPLE_LINE.format("모더레이터|moderator"), re.I)
_PARTICIPANTS = re.compile(_PEOPLE_LINE.format("참가자|참석자|participants"), re.I)
_NOT_IN_NAMES = re.compile(r"[:：()\[\]{}<>|/\\*#@!?;\"`~=+]")


def _read_people(post: ParsedPost, blocks: list[_Block]) -> None:
    """Take the moderator and participants lines out of the 피어세션 blocks.

    A line is taken only when what it names looks like people: the reference's first
    day has "🤴 모더레이터 : 이름순으로 매일 돌아가며" (a rule, not a name), kept as text.
    """
    moderator = participants = None  # (block, index of the line, value)
    for block in blocks:
        if block.kind != "peer":
            continue
        for index, line in enumerate(block.lines):
            if participants is None and (match := _PARTICIPANTS.match(line)):
                names = _names(match["value"])
                if names and all(_name_like(name, words=3) for name in names):
                    post.participants = names
                    participants = (block, index)
            elif moderator is None and (match := _MODERATOR.match(line)):
                moderator = (block, index, match["value"])
    if moderator is not None:
        name = moderator[2]
        if name in post.participants or _name_like(name, words=2):
            post.moderator = name
            post.moderator_line = moderator[0].lines[moderator[1]].strip()
        else:
            moderator = None
    if participants is not None:
        post.participants_line = participants[0].lines[participants[1]].strip()
    # Blank the taken lines rather than delete them: the indexes must stay valid.
    for taken in (moderator, participants):
        if taken is not None:
            taken[0].lines[taken[1]] = ""


def _names(value: str) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in re.split(r"[,，、]", value) if n.strip()))


def _name_like(value: str, *, words: int) -> bool:
    return 0 < len(value) <= 40 and len(value.split()) <= words and not _NOT_IN_NAMES.search(value)


# List items

_MARKER = re.compile(r"^(?P<indent> {0,3})(?P<marker>[-*+]|\d{1,9}[.)])(?: +(?P<text>.*)|$)")


@dataclass
class _Item:
    raw: list[str]  # the item as written
    lines: list[str]  # its first line's text, then the following lines dedented


def _list_entries(lines: list[str]) -> list[_Item | str]:
    """The lines as top-level list items, and the lines outside any item, in order."""
    entries: list[_Item | str] = []
    current: _Item | None = None
    content_indent = 0
    blank_before = True
    fence, fenced = "", None  # a fenced block goes wherever its opening line went
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        marker = _MARKER.match(line)
        if fence and fenced is not None:
            fenced.raw.append(line)
        elif fence:
            entries.append(line)
        elif stripped == "<br>":
            current = None
        elif marker and (current is None or indent < content_indent):
            current = _Item([line], [])
            entries.append(current)
            content_indent = len(marker["indent"]) + len(marker["marker"]) + 1
        elif current is not None and (not stripped or indent > 0 or not blank_before):
            current.raw.append(line)  # indented, blank, or a lazy continuation line
        else:
            current = None
            entries.append(line)
        if not fence:
            fenced = current
        fence = _next_fence(fence, line)
        blank_before = not stripped
    for entry in entries:
        if isinstance(entry, _Item):
            while not entry.raw[-1].strip():
                entry.raw.pop()
            first = _MARKER.match(entry.raw[0])["text"] or ""
            entry.lines = [first.strip(), *_dedent(entry.raw[1:])]
    return entries


def _dedent(lines: list[str]) -> list[str]:
    """Remove the indentation the lines share (lazy lines at the margin do not count)."""
    indents = [len(ln) - len(ln.lstrip(" ")) for ln in lines if ln.strip() and ln[0] == " "]
    cut = min(indents, default=0)
    return [ln[cut:] if ln.startswith(" " * cut) else ln.lstrip(" ") for ln in lines]


# 건의사항: `- proposal`, then `논의 item` and a numbered list, then `→ outcome`

_DISCUSSION_LABEL = re.compile(r"^(?:논의\s*item|논의\s*사항|discussion\s*items?)\s*:?\s*$", re.I)
_NUMBERED = re.compile(r"^\d{1,9}[.)]\s+(?P<text>.+)$")
_ARROW = re.compile(r"^→\s*")


def _suggestion(lines: list[str]) -> Suggestion | None:
    label = next((i for i, ln in enumerate(lines) if i and _DISCUSSION_LABEL.match(ln)), None)
    discussion: list[str] = []
    if label is not None:
        discussion, after = _numbered_run(lines[label + 1 :])
        if not discussion:
            label = None  # a label with no numbered list after it is just text
    if label is not None:
        proposal, outcome = lines[:label], after
    else:
        arrow = next((i for i, ln in enumerate(lines) if i and _ARROW.match(ln)), len(lines))
        proposal, outcome = lines[:arrow], lines[arrow:]
    if outcome:
        outcome = [_ARROW.sub("", outcome[0]), *outcome[1:]]
    proposal_text = _strip_edges(proposal)
    if not proposal_text:
        return None
    return Suggestion(proposal_text, discussion, _strip_edges(outcome))


def _numbered_run(lines: list[str]) -> tuple[list[str], list[str]]:
    """Leading numbered one-line items (blank lines between allowed), and what follows."""
    found = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _NUMBERED.match(line)
        if match is None:
            if line.startswith(" "):
                return [], lines  # an item with more lines: not a plain list of points
            return found, lines[index:]
        found.append(match["text"].strip())
    return found, []


# 과제 리뷰: `- assignment topic (presenter, presenter)`, then notes

_TRAILING_GROUP = re.compile(r"^(?P<text>.*?)\s*\((?P<names>[^()]+)\)\s*$")


def _review(lines: list[str], known: set[str]) -> Review | None:
    lead, presenters = lines[0], []
    match = _TRAILING_GROUP.match(lead)
    if match and match["text"]:
        names = _names(match["names"])
        if names and all(name in known for name in names):
            lead, presenters = match["text"], names
    assignment, _sep, topic = lead.partition(" ")
    if not assignment:
        return None
    return Review(assignment, topic.strip(), presenters, _strip_edges(lines[1:]))


# 질문내용: `1. 질문 : …(who)` / `답 : …(who)`, `- Q` / `A`, or `- question` / `→ answer`

_Q_ALONE = re.compile(r"^(?:질문|question|q)\s*[:：.]?\s*$", re.I)
_Q_LABEL = re.compile(r"^(?:질문|question|q)\s*[:：.]\s*", re.I)
_A_ALONE = re.compile(r"^(?:답변|답|answer|a)\s*[:：.]?\s*$", re.I)
_A_LABEL = re.compile(r"^(?:답변|답|answer|a)\s*[:：.]\s*", re.I)
_FOLLOW_UP = ("추가 확인 필요", "needs follow-up")
_LINK_LINE = re.compile(r"^\[(?P<title>(?:\\.|[^\\])*?)\]\((?P<url>\S+)\)$")


def _question(lines: list[str], known: set[str]) -> Question | None:
    first = "" if _Q_ALONE.match(lines[0]) else _Q_LABEL.sub("", lines[0], count=1)
    body, links, follow_up = _trailing_links(lines[1:])
    asked, answer = [first], None
    for line in body:
        start = _answer_start(line) if answer is None and line == line.lstrip() else None
        if start is not None:
            answer = [start]
        else:
            (asked if answer is None else answer).append(line)
    question, asked_by = _split_who(_strip_edges(_dedent(asked)), known)
    if not question:
        return None
    answer_text, mark = _strip_edges(_dedent(answer or [])), ""
    if not follow_up:  # with a line of its own, a mark on the answer line stays its text
        answer_text, mark = _follow_up_mark(answer_text)
    answer_text, answered_by = _split_who(answer_text, known)
    return Question(
        question, asked_by, answer_text, answered_by, links, follow_up or bool(mark), mark
    )


# " -추가 확인 필요함" closing an answer: the follow-up, written on the answer's line.
_FOLLOW_UP_MARK = re.compile(
    r"(?P<mark>[ \t]*-[ \t]*(?:추가[ \t]*확인[ \t]*필요(?:함|합니다|해요)?|needs follow-up)[.!]?)"
    r"[ \t]*$",
    re.IGNORECASE,
)


def _follow_up_mark(answer: str) -> tuple[str, str]:
    """(the answer without its closing follow-up mark, the mark as written, or "")."""
    match = _FOLLOW_UP_MARK.search(answer)
    if match is None or not answer[: match.start()].strip() or len(match["mark"]) > 60:
        return answer, ""
    return answer[: match.start()], match["mark"]


def _trailing_links(lines: list[str]) -> tuple[list[str], list[tuple[str, str]], bool]:
    """Split off what ends a Q&A item: link lines, then `추가 확인 필요` (as written out)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    follow_up = bool(end) and lines[end - 1].strip().casefold() in _FOLLOW_UP
    if follow_up:
        end -= 1
    links: list[tuple[str, str]] = []
    while end:
        line = lines[end - 1].strip()
        link = _link(line)
        if line and link is None:
            break
        if link is not None:
            links.insert(0, link)
        end -= 1
    return lines[:end], links, follow_up


def _answer_start(line: str) -> str | None:
    """The answer's first words when `line` starts one (`답 : …`, `A`, `→ …`)."""
    if _A_ALONE.match(line):
        return ""
    for label in (_A_LABEL, _ARROW):
        if label.match(line):
            return label.sub("", line, count=1)
    return None


def _separate_answer(lines: list[str]) -> str | None:
    """The text of a `- A` bullet (an answer written as its own list item), else None."""
    start = _answer_start(lines[0])
    if start is None or _ARROW.match(lines[0]):
        return None
    return _strip_edges(_dedent([start, *lines[1:]]))


def _split_who(text: str, known: set[str]) -> tuple[str, str]:
    """`text(name)` → (text, name) when the name is one the post lists as a person."""
    match = _TRAILING_GROUP.match(text.rsplit("\n", 1)[-1]) if text else None
    if match is None or match["names"].strip() not in known:
        return text, ""
    head = text.rsplit("\n", 1)[0] if "\n" in text else ""
    kept = f"{head}\n{match['text']}" if head else match["text"]
    return kept.rstrip(), match["names"].strip()


def _link(line: str) -> tuple[str, str] | None:
    match = _LINK_LINE.match(line)
    if match is None or not _valid_url(match["url"]):
        return None
    title = re.sub(r"\\([\[\]\\])", r"\1", match["title"]).strip()
    return title, match["url"]


# 학습 내용: shields.io badges

_BADGE = re.compile(
    r'<a href="(?P<url>[^"]+)"\s*>\s*<img src="https://img\.shields\.io/badge/'
    r'-(?P<label>(?:[^"-]|--)+)-(?P<color>[A-Za-z]+)"\s*/?>\s*</a>'
)


def _badges(line: str) -> list[StudyLink] | None:
    """The study links of a line made of badges only, or None (the line is then text)."""
    matches = list(_BADGE.finditer(line))
    if not matches or _BADGE.sub("", line).strip():
        return None
    links = []
    for match in matches:
        title = _badge_title(match["label"])
        url = match["url"]
        color = match["color"].lower()
        if not (0 < len(title) <= BADGE_TITLE_MAX and color in BADGE_COLORS and _valid_url(url)):
            return None  # one link Studylog cannot hold: the whole line stays as written
        links.append(StudyLink(title, url, color))
    return links


def _badge_title(label: str) -> str:
    """shields.io's escaping undone: `--` is `-`, `__` is `_`, a single `_` a space."""
    label = unquote(label)
    return re.sub(r"--|__|_", lambda m: {"--": "-", "__": "_", "_": " "}[m[0]], label).strip()


def _valid_url(url: str) -> bool:
    if len(url) > URL_MAX:
        return False
    try:
        _validate_url(url)
    except ValidationError:
        return False
    return True


# Text helpers


def _strip_edges(lines: list[str]) -> str:
    """The lines joined, without blank or `<br>` lines around them or trailing space."""
    start, end = 0, len(lines)
    while start < end and lines[start].strip() in ("", "<br>"):
        start += 1
    while end > start and lines[end - 1].strip() in ("", "<br>"):
        end -= 1
    return "\n".join(lines[start:end]).rstrip()


def _squeeze_blanks(lines: list[str]) -> list[str]:
    """Runs of blank lines (left where parts were taken out) made one."""
    squeezed: list[str] = []
    for line in lines:
        if line.strip() or (squeezed and squeezed[-1].strip()):
            squeezed.append(line if line.strip() else "")
    return squeezed


def _join(first: str, second: str) -> str:
    return "\n\n".join(part for part in (first, second) if part)
