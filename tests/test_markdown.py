"""The sanitizing markdown renderer: what survives, what is dropped, and its cache.

Output is parsed with html.parser rather than matched as strings, so an attribute
hidden by odd quoting or entity encoding is still seen the way a browser sees it.
"""

from html.parser import HTMLParser
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.utils.safestring import SafeString

from sessions import markdown
from sessions.markdown import MAX_INPUT, markdownify, render_markdown

FORBIDDEN_TAGS = {"script", "iframe", "style", "svg", "form", "input", "object", "embed"}
SAFE_SCHEMES = {"http", "https", "mailto"}


class Parsed(HTMLParser):
    """Every start tag with its (entity-decoded) attributes, and the text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text += data

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def scheme_of(url: str) -> str:
    # Browsers ignore tabs and newlines inside URLs and leading control/space chars.
    cleaned = "".join(ch for ch in url if ch not in "\t\n\r").lstrip("\x00\x20\x1f")
    return urlsplit(cleaned).scheme.lower()


def assert_safe(html: str) -> Parsed:
    parsed = Parsed(html)
    names = {tag for tag, _attrs in parsed.tags}
    assert not names & FORBIDDEN_TAGS, html
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), f"{tag} has {name}: {html}"
            if name.lower() in {"href", "src", "action", "formaction", "xlink:href"}:
                assert scheme_of(value or "") in SAFE_SCHEMES, f"{tag} {name}={value!r}"
    return parsed


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>안녕",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "<iframe src='https://evil.example'></iframe>",
        "<style>body { display: none }</style>",
        "<svg onload=alert(1)><circle r=5 /></svg>",
        "<form action='https://evil.example'><input name=pw></form>",
        "<object data='https://evil.example/x.swf'></object><embed src='x'>",
    ],
)
def test_dangerous_tags_do_not_survive(text):
    assert_safe(render_markdown(text))


def test_script_and_style_content_is_dropped_too():
    parsed = assert_safe(render_markdown("<script>alert('x')</script><style>p{}</style>안녕"))
    assert "alert" not in parsed.text
    assert "p{}" not in parsed.text
    assert "안녕" in parsed.text


@pytest.mark.parametrize(
    "text",
    [
        "<a href='https://example.com' onclick='alert(1)'>링크</a>",
        "<img src='https://example.com/a.png' onerror='alert(1)'>",
        "<p onmouseover=alert(1)>문단</p>",
        "<div OnLoad='alert(1)'>x</div>",
        "<span style='x' onfocus=alert(1) tabindex=1>x</span>",
    ],
)
def test_no_event_handler_attributes(text):
    parsed = assert_safe(render_markdown(text))
    assert parsed.tags, "the harmless element itself is kept"


@pytest.mark.parametrize(
    "text",
    [
        "[클릭](javascript:alert(1))",
        "[클릭](JaVaScRiPt:alert(1))",
        "[클릭](java\tscript:alert(1))",
        "[클릭](  javascript:alert(1))",
        "[클릭](&#106;avascript:alert(1))",
        "<a href='&#x6A;avascript:alert(1)'>클릭</a>",
        '<a href="java&#x09;script:alert(1)">클릭</a>',
        "[클릭](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[클릭](vbscript:msgbox(1))",
        "[클릭](/admin/)",
        "[클릭](../secret)",
        "[클릭](//evil.example/x)",
        "[클릭][1]\n\n[1]: javascript:alert(1)",
        '[클릭][bad]\n\n[bad]: JAVASCRIPT:alert(document.cookie) "제목"',
    ],
)
def test_unsafe_and_relative_link_urls_are_dropped(text):
    parsed = assert_safe(render_markdown(text))
    links = parsed.named("a")
    assert len(links) == 1, "the link text stays, as a link without a target"
    assert "href" not in links[0]
    assert "클릭" in parsed.text


@pytest.mark.parametrize(
    "text",
    [
        "![그림](javascript:alert(1))",
        "<img src='data:image/png;base64,AAAA'>",
        "<img src=x onerror=alert(1)>",
        "<img src='/media/a.png'>",
    ],
)
def test_unsafe_image_sources_are_dropped(text):
    parsed = assert_safe(render_markdown(text))
    assert all("src" not in img for img in parsed.named("img"))


def test_img_onerror_smuggled_through_alt_stays_text():
    parsed = assert_safe(render_markdown('![x" onerror="alert(1)](https://example.com/a.png)'))
    (img,) = parsed.named("img")
    assert img["src"] == "https://example.com/a.png"
    assert set(img) <= {"src", "alt", "title"}
    assert img["alt"] == 'x" onerror="alert(1)'


def test_web_and_mail_links_are_kept_with_rel_noopener():
    html = render_markdown(
        "[파이썬 문서](https://docs.python.org/ko/3/) [예제](http://example.com/a?b=1&c=2) "
        "[메일](mailto:team@example.com) <https://boostcourse.org>"
    )
    parsed = assert_safe(html)
    links = parsed.named("a")
    assert [a["href"] for a in links] == [
        "https://docs.python.org/ko/3/",
        "http://example.com/a?b=1&c=2",
        "mailto:team@example.com",
        "https://boostcourse.org",
    ]
    for a in links:
        assert "noopener" in (a.get("rel") or "").split()


def test_markdown_structure_still_renders():
    text = (
        "# 제목\n\n"
        "- 하나\n- 둘\n\n"
        "1. 첫째\n2. 둘째\n\n"
        "*기울임* **굵게** ~~취소~~ `코드`\n\n"
        "> 인용문\n\n"
        "```python\nprint('<script>')\n```\n\n"
        "| 이름 | 점수 |\n|:---|---:|\n| 김민준 | 90 |\n\n"
        "![그림](https://example.com/a.png)"
    )
    parsed = assert_safe(render_markdown(text))
    names = [tag for tag, _attrs in parsed.tags]
    for tag in ["h1", "ul", "ol", "li", "em", "strong", "code", "blockquote", "pre"]:
        assert tag in names, tag
    for tag in ["table", "thead", "tbody", "tr", "th", "td", "img"]:
        assert tag in names, tag
    # Code is shown as text, never parsed as a tag.
    assert "print('<script>')" in parsed.text
    assert "김민준" in parsed.text


def test_korean_line_breaks_become_br():
    parsed = assert_safe(render_markdown("오늘은 정렬을 공부했다.\n내일은 그래프를 공부한다."))
    assert [tag for tag, _attrs in parsed.tags] == ["p", "br"]
    assert "오늘은 정렬을 공부했다." in parsed.text
    assert "내일은 그래프를 공부한다." in parsed.text


def test_output_is_marked_safe_and_empty_input_is_empty():
    assert isinstance(render_markdown("**굵게**"), SafeString)
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_markdownify_is_the_same_renderer():
    text = "[클릭](javascript:alert(1)) **굵게**<script>x</script>"
    result = markdownify(text)
    assert isinstance(result, str)
    assert result == str(render_markdown(text))
    assert_safe(result)


def test_overlong_input_is_truncated_not_an_error():
    html = render_markdown("가" * (MAX_INPUT + 10_000))
    parsed = assert_safe(html)
    assert parsed.text.count("가") == MAX_INPUT


def test_truncation_cannot_leave_a_dangerous_half_tag():
    # A tag cut in half at the limit must not turn into an unsafe attribute.
    text = "가" * (MAX_INPUT - 20) + "<img src=x onerror=alert(1)>" + "나" * 100
    assert_safe(render_markdown(text))


def test_results_are_cached_by_content():
    with mock.patch.object(markdown, "_to_html", wraps=markdown._to_html) as to_html:
        first = render_markdown("**캐시** 테스트")
        second = render_markdown("**캐시** 테스트")
        assert to_html.call_count == 1
        assert first == second

        render_markdown("**다른** 텍스트")
        assert to_html.call_count == 2


def test_cache_key_includes_the_renderer_version(monkeypatch):
    with mock.patch.object(markdown, "_to_html", wraps=markdown._to_html) as to_html:
        render_markdown("버전 테스트")
        monkeypatch.setattr(markdown, "RENDERER_VERSION", "test-next")
        render_markdown("버전 테스트")
        assert to_html.call_count == 2


@pytest.mark.parametrize("text", ["[" * 20_000, "![" * 10_000, "[a](" * 5_000, "<a" * 10_000])
def test_pathological_input_is_shown_as_plain_text(text):
    # python-markdown needs seconds for a few thousand "[" (Python-Markdown#798); such
    # text falls back to escaped plain paragraphs, so it cannot tie up a worker.
    html = str(render_markdown(text))
    assert html.startswith("<p>")
    assert "<a " not in html and "<img" not in html
    assert text[:200].replace("<", "&lt;") in html


def test_a_note_with_a_few_links_still_renders_them():
    text = "\n".join(f"- [링크 {n}](https://example.org/{n})" for n in range(50))
    assert str(render_markdown(text)).count("<a ") == 50
