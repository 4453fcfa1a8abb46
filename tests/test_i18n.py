"""Translations: both catalogs complete, the compiled .mo files current, Korean by default.

The UI is Korean unless a visitor picks English, and the record terms reproduce the
wording of the teams' existing blog posts, so they are pinned here word for word.

Catalogs are read with a small pure-Python .po/.mo reader (no gettext binaries needed).
Every message the templates and the Python code ask for is extracted the way
`makemessages` does it (Django's own `templatize` for templates, the call sites for
Python) and must be in both catalogs: a new string that nobody translated fails here.
To update the catalogs, see `make messages`.
"""

import ast
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, ngettext, override
from django.utils.translation.template import templatize

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
LANGS = ("ko", "en")
NPLURALS = {"ko": 1, "en": 2}

# The record terms, exactly as the teams' blog posts word them.
RECORD_TERMS_KO = {
    "Study notes": "학습 내용",
    "Peer session": "피어세션",
    "Moderator": "모더레이터",
    "Participants": "참가자",
    "Suggestions": "건의사항",
    "Discussion items": "논의 item",
    "Assignment review": "과제 리뷰",
    "Assignment reviews": "과제 리뷰",
    "Questions": "질문내용",
    "Question": "질문",
    "Answer": "답",
    "Needs follow-up": "추가 확인 필요",
    "Retrospective": "회고록",
    "Other topics": "기타 논의",
    "Attendance": "출석",
    "Present": "참석",
    "Late": "지각",
    "Absent": "결석",
    "Excused": "사유 결석",
    "Observer": "옵저버",
    "Admin": "관리자",
    "Member": "멤버",
    "Members": "멤버",
    "Archive": "아카이브",
    "Contents": "목차",
    "Only me": "나만 보기",
    "Visible to the team": "팀 공개",
}

# Korean translations that may legitimately contain no Hangul.
KO_WITHOUT_HANGUL = {"URL"}


# --- reading catalogs ------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def forms(self) -> list[str]:
        return [self.msgstr[i] for i in sorted(self.msgstr)]


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(quoted: str) -> str:
    # PO strings use C escapes (\n, \t, \", \\), which a Python literal reads the same way.
    return ast.literal_eval(quoted)


def read_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete `#~` entries are skipped)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target = None  # (attribute, plural index) the next continuation line extends
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            continue
        starts_entry = line.startswith("#") or line.startswith(("msgctxt", "msgid "))
        if starts_entry and (entry is None or entry.msgstr):
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#"):
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            target = None
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match[1], match[2], _unquote(match[3])
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = value
            else:
                target = (keyword, None)
                setattr(entry, keyword, value)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


def read_mo(path: Path) -> dict[str, str]:
    """A compiled catalog as msgfmt stores it: 'ctx\\x04msgid[\\x00plural]' -> forms."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    catalog = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", data[originals + 8 * i : originals + 8 * i + 8])
        tlen, toff = struct.unpack(
            order + "2I", data[translations + 8 * i : translations + 8 * i + 8]
        )
        catalog[data[ooff : ooff + olen].decode()] = data[toff : toff + tlen].decode()
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def catalog(lang: str) -> dict[tuple[str | None, str], Entry]:
    return {e.key: e for e in read_po(po_path(lang)) if e.msgid}


def header(lang: str) -> dict[str, str]:
    (head,) = [e for e in read_po(po_path(lang)) if e.msgid == ""]
    lines = head.msgstr[0].splitlines()
    return {k.strip(): v.strip() for k, _sep, v in (line.partition(":") for line in lines)}


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%(?:\(\w+\))?[sdif]", text.replace("%%", "")))


# --- extracting what the code asks for ---------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    where: str

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


_STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_CALL = re.compile(
    rf"(?<![\w.])(gettext|ngettext|pgettext|npgettext|_)\(\s*"
    rf"((?:{_STRING}\s*,\s*)*{_STRING})\s*(?:,\s*count\s*)?\)"
)


def template_files() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [p for p in (BASE_DIR / "sessions").glob("**/templates") if p.is_dir()]
    return sorted(p for root in roots for p in root.rglob("*") if p.suffix in (".html", ".txt"))


def template_messages() -> list[Wanted]:
    """Every message in the templates, extracted as makemessages does (Django's templatize):
    {% translate %} with or without context, {% blocktranslate %} singular and plural,
    and _("…") constants in tags and filter arguments."""
    found = []
    for path in template_files():
        src = path.read_text(encoding="utf-8")
        where = str(path.relative_to(BASE_DIR))
        for call in _CALL.finditer(templatize(src, origin=where)):
            name = call[1]
            args = ast.literal_eval("(" + call[2] + ",)")
            if name == "pgettext":
                found.append(Wanted(args[0], args[1], None, where))
            elif name == "npgettext":
                found.append(Wanted(args[0], args[1], args[2], where))
            elif name == "ngettext":
                found.append(Wanted(None, args[0], args[1], where))
            else:
                found.append(Wanted(None, args[0], None, where))
    return found


_PY_FUNCS = {
    # name: (context argument index or None, msgid index, plural index or None)
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def python_files() -> list[Path]:
    skip = {".venv", "tests", "migrations", "staticfiles", "node_modules"}
    return sorted(
        p
        for p in BASE_DIR.rglob("*.py")
        if not skip & set(p.relative_to(BASE_DIR).parts) and not p.name.startswith(".")
    )


def python_messages() -> list[Wanted]:
    """Every gettext call with literal strings in the project's Python code."""
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = str(path.relative_to(BASE_DIR))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in _PY_FUNCS:
                continue
            ctx_i, id_i, plural_i = _PY_FUNCS[name]
            args = node.args

            def literal(i, args=args):
                if i is None or i >= len(args):
                    return None
                arg = args[i]
                return arg.value if isinstance(arg, ast.Constant) else None

            msgid = literal(id_i)
            if isinstance(msgid, str) and msgid:
                found.append(
                    Wanted(literal(ctx_i), msgid, literal(plural_i), f"{where}:{node.lineno}")
                )
    return found


def missing_from(lang: str, wanted: list[Wanted]) -> list[str]:
    entries = catalog(lang)
    problems = []
    for w in wanted:
        entry = entries.get(w.key)
        label = f"{w.where}: {w.msgid!r}" + (f" (context {w.msgctxt!r})" if w.msgctxt else "")
        if entry is None:
            problems.append(f"{label} is not in the {lang} catalog")
        elif "fuzzy" in entry.flags or not all(entry.forms) or not entry.msgstr:
            problems.append(f"{label} is not translated in the {lang} catalog")
        elif w.msgid_plural is not None and entry.msgid_plural != w.msgid_plural:
            problems.append(f"{label}: plural {w.msgid_plural!r} differs in the {lang} catalog")
    return sorted(set(problems))


# --- the catalogs ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_header(lang):
    head = header(lang)
    assert head["Language"] == lang
    assert head["Content-Type"] == "text/plain; charset=UTF-8"
    nplurals = NPLURALS[lang]
    expected = "nplurals=1; plural=0;" if nplurals == 1 else "nplurals=2; plural=(n != 1);"
    assert head["Plural-Forms"] == expected


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_no_fuzzy_or_empty_entries(lang):
    entries = read_po(po_path(lang))
    assert len(entries) > 100, "the catalog looks truncated"
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries in {lang}: {fuzzy}"
    empty = [e.msgid for e in entries if e.msgid and (not e.msgstr or not all(e.forms))]
    assert not empty, f"untranslated entries in {lang}: {empty}"


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_plural_forms_and_placeholders(lang):
    problems = []
    for e in catalog(lang).values():
        if e.msgid_plural is not None:
            if sorted(e.msgstr) != list(range(NPLURALS[lang])):
                problems.append(f"{e.msgid!r}: forms {sorted(e.msgstr)}")
            wanted = placeholders(e.msgid_plural)
        else:
            if list(e.msgstr) != [0]:
                problems.append(f"{e.msgid!r}: singular message with plural forms")
            wanted = placeholders(e.msgid)
        for form in e.forms:
            if placeholders(form) != wanted:
                problems.append(f"{e.msgid!r}: placeholders {placeholders(form)} != {wanted}")
    assert not problems, "\n".join(problems)


def test_english_catalog_repeats_the_source():
    problems = []
    for e in catalog("en").values():
        expected = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        if e.forms != expected:
            problems.append(f"{e.msgid!r} -> {e.forms!r}")
    assert not problems, "\n".join(problems)


def test_korean_catalog_is_korean():
    hangul = re.compile(r"[\uac00-\ud7a3]")
    english = [
        e.msgid
        for e in catalog("ko").values()
        if e.msgid not in KO_WITHOUT_HANGUL and not all(hangul.search(f) for f in e.forms)
    ]
    assert not english, f"Korean catalog entries without Korean: {english}"


def test_both_catalogs_hold_the_same_messages():
    ko, en = catalog("ko"), catalog("en")
    assert sorted(ko, key=str) == sorted(en, key=str)
    assert all(ko[k].msgid_plural == en[k].msgid_plural for k in ko)


def test_record_terms_use_the_blog_wording():
    ko = catalog("ko")
    wrong = {
        term: ko[(None, term)].forms if (None, term) in ko else "missing"
        for term, korean in RECORD_TERMS_KO.items()
        if (None, term) not in ko or ko[(None, term)].forms != [korean]
    }
    assert not wrong, wrong


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_matches_po(lang):
    """The committed .mo is exactly what msgfmt makes of the committed .po."""
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo"
    assert mo.exists(), f"{mo} is missing: run `make messages`"
    expected = {}
    for e in read_po(po_path(lang)):
        if "fuzzy" in e.flags and e.msgid:
            continue
        key = e.msgid if e.msgid_plural is None else f"{e.msgid}\x00{e.msgid_plural}"
        if e.msgctxt is not None:
            key = f"{e.msgctxt}\x04{key}"
        expected[key] = "\x00".join(e.forms)
    compiled = read_mo(mo)
    # msgfmt drops the header's POT-Creation-Date: compare the header by its fields.
    assert f"Plural-Forms: {header(lang)['Plural-Forms']}" in compiled.pop("").splitlines()
    expected.pop("")
    stale = sorted(
        k for k in expected.keys() | compiled.keys() if expected.get(k) != compiled.get(k)
    )
    assert not stale, f"{mo} is out of date (run `make messages`): {stale[:10]}"


@pytest.mark.parametrize(("english", "korean"), sorted(RECORD_TERMS_KO.items()))
def test_record_terms_translate_at_runtime(english, korean):
    with override("ko"):
        assert gettext(english) == korean
    with override("en"):
        assert gettext(english) == english


def test_plural_messages_at_runtime():
    with override("ko"):
        assert ngettext("%(n)s question", "%(n)s questions", 1) % {"n": 1} == "질문 1개"
        assert ngettext("%(n)s question", "%(n)s questions", 3) % {"n": 3} == "질문 3개"
    with override("en"):
        assert ngettext("%(n)s question", "%(n)s questions", 1) % {"n": 1} == "1 question"
        assert ngettext("%(n)s question", "%(n)s questions", 3) % {"n": 3} == "3 questions"


def test_korean_is_the_default_language():
    assert settings.LANGUAGE_CODE == "ko"
    assert [code for code, _name in settings.LANGUAGES] == ["ko", "en"]


# --- every message the code uses is translated -------------------------------------------


def test_template_extraction_finds_messages():
    found = {(w.msgid, w.msgid_plural) for w in template_messages()}
    assert len(found) > 100
    assert ("Log in", None) in found
    assert ("Peer session", None) in found
    assert ("%(n)s suggestion", "%(n)s suggestions") in found  # {% blocktranslate count %}
    assert ("Week of %(start)s", None) in found  # {% blocktranslate with %}
    assert ("someone", None) in found  # _("…") in a filter argument


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_message_is_translated(lang):
    problems = missing_from(lang, template_messages())
    assert not problems, "run `make messages` and translate:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_every_python_message_is_translated(lang):
    wanted = python_messages()
    assert any(w.msgid == "Suggestions" for w in wanted)
    problems = missing_from(lang, wanted)
    assert not problems, "run `make messages` and translate:\n" + "\n".join(problems)


# --- pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_korean_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="ko">' in html
    assert "로그인" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_login_page_in_korean(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "로그인" in html
    assert "비밀번호를 잊으셨나요?" in html


@pytest.mark.django_db
def test_login_page_in_english_from_browser(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "로그인" not in html


@pytest.mark.django_db
def test_login_page_in_english_from_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Forgot your password?" in html


@pytest.mark.django_db
def test_language_switch_sets_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/accounts/login/").content.decode()
    assert "Log in" in html


def test_day_record_uses_the_blog_wording(as_member, team, day):
    html = as_member.get(
        reverse("peer:day", args=[team.slug, day.date]), HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    for term in ("피어세션", "모더레이터", "참가자", "목차"):
        assert term in html
