"""Every imported post comes back as it went in (PostSource, export.member_post), under its
own name, until someone edits its day in Studylog; then it is written again with its own
front matter."""

import io
import shutil
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Prefetch
from django.utils import timezone

from sessions import services
from sessions.forms.items import QuestionForm
from sessions.jekyll.catalogue import member_days, posts_zip
from sessions.jekyll.export import member_post, render_post
from sessions.jekyll.front_matter import split
from sessions.jekyll.importer import IMPORTED, import_files, import_sources
from sessions.jekyll.sources import Source
from sessions.models import Day, FreeSection, MemberLog, PostSource, Question

from .factories import TeamFactory, UserFactory
from .test_jekyll_export import ZIP_QUERIES
from .test_jekyll_roundtrip import AUTHOR, POSTS, REFERENCE, _posts, body_of

pytestmark = pytest.mark.django_db


def trailing_space_free(text: str) -> str:
    lines = text.replace("\r\n", "\n").lstrip("\ufeff").split("\n")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n")


def team_for(path):
    text = path.read_text(encoding="utf-8")
    english = "Peer session" in text or "Retrospective" in text
    return TeamFactory(slug="blog", language="en" if english else "ko", post_footer="")


def import_one(team, path, member=AUTHOR):
    (result,) = import_files(team, [path], member_name=member).results
    assert result.status == IMPORTED, result.reason
    return result.day, team.memberships.get(display_name=member)


def keys(text: str) -> list[str]:
    """The front matter's top-level keys, in order."""
    _open, head, _rest = split(text)
    return [line.split(":")[0] for line in head if line[:1].isalpha()]


@pytest.mark.parametrize("path", _posts())
def test_a_post_comes_back_under_its_name_as_it_went_in(path):
    team = team_for(path)
    day, author = import_one(team, path)

    post = member_post(day, author)

    assert post.filename == path.name
    source = path.read_text(encoding="utf-8")
    assert trailing_space_free(post.text) == trailing_space_free(source)
    exported = {line.strip() for line in post.text.split("\n")}
    assert [ln for ln in source.split("\n") if ln.strip() and ln.strip() not in exported] == []


def test_a_zip_entry_keeps_its_file_name():
    team = TeamFactory(slug="blog", post_footer="")
    text = (POSTS / "2024-04-08-StudyCamp_Day26.md").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_posts/2024-04-08-StudyCamp_Day26.md", text)

    (result,) = import_files(team, [("blog.zip", buffer.getvalue())], member_name=AUTHOR).results

    assert result.status == IMPORTED
    assert PostSource.objects.get().filename == "2024-04-08-StudyCamp_Day26.md"
    assert member_post(result.day, result.day.post_sources.get().member).text == text.decode()


def folder(tmp_path):
    """The fixtures and the reference posts (where shared) in one folder."""
    posts = tmp_path / "_posts"
    posts.mkdir()
    for source in [*POSTS.glob("*.md"), *(REFERENCE.glob("*.md") if REFERENCE.is_dir() else [])]:
        shutil.copy(source, posts / source.name)
    return posts


def test_export_posts_writes_back_every_file_import_posts_took(tmp_path):
    team = TeamFactory(slug="blog", post_footer="")
    posts, out = folder(tmp_path), tmp_path / "out"
    call_command("import_posts", str(posts), team="blog", member="가람", stdout=StringIO())
    # Another member of the team, with a post of their own on one of the days.
    other = (POSTS / "2024-04-10-participant_order.md").read_text(encoding="utf-8")
    other = other.replace("모든 쌍 최단 경로는", "표서진의 회고: 최단 경로는")
    other = other.replace("세 겹 반복문의 순서가", "k를 바깥에 두는 이유가")
    import_sources(team, [Source("theirs.md", other.encode())], member_name="표서진")

    call_command("export_posts", team="blog", member="가람", out=str(out), stdout=StringIO())

    written = sorted(path.name for path in out.iterdir())
    assert written == sorted(path.name for path in posts.iterdir())
    for path in posts.iterdir():
        got = (out / path.name).read_text(encoding="utf-8")
        assert trailing_space_free(got) == trailing_space_free(path.read_text("utf-8")), path
    assert team.days.count() == len(written)


# Edited in Studylog


@pytest.fixture
def imported():
    team = TeamFactory(slug="graph", post_footer="")
    day, author = import_one(team, POSTS / "2024-04-09-front_matter_keys.md")
    return day, author


def test_an_edit_writes_the_day_again_with_the_posts_front_matter(imported):
    day, author = imported
    source = (POSTS / "2024-04-09-front_matter_keys.md").read_text(encoding="utf-8")
    log = MemberLog.objects.get(day=day, member=author)
    log.retrospective = "프림과 크루스칼의 차이를 표로 정리했다."
    log.save()

    post = member_post(Day.objects.get(pk=day.pk), author)

    assert post.filename == "2024-04-09-front_matter_keys.md"
    assert keys(post.text) == keys(source)
    _open, head, _rest = split(post.text)
    _open, source_head, _rest = split(source)
    changed = [line for line in head if line not in source_head]
    today = timezone.localtime(timezone.now(), day.team.tz).date().isoformat()
    assert changed == [f"last_modified_at: {today}"]  # follows the edit; the rest as it was
    assert "프림과 크루스칼의 차이를 표로 정리했다." in body_of(post.text)
    assert "프림은 정점 중심" not in post.text


def test_an_answer_edited_through_the_service_rewrites_the_post():
    team = TeamFactory(slug="graph", post_footer="")
    path = POSTS / "2024-04-15-inline_follow_up.md"
    day, author = import_one(team, path)
    question = Question.objects.get(day=day, position=1)
    editor = UserFactory()
    data = {
        "question": question.question,
        "answer": "도달할 수 없는 상태를 미리 걸러 낸다",
        "links": "",
        "version": question.version,
    }  # needs_follow_up left unticked
    form = QuestionForm(data, instance=question, team=team)
    assert form.is_valid(), form.errors
    services.save_item(form, expected_version=question.version, user=editor)

    post = member_post(Day.objects.get(pk=day.pk), author)

    assert post.filename == path.name
    assert keys(post.text) == keys(path.read_text(encoding="utf-8"))
    assert "    답 : 도달할 수 없는 상태를 미리 걸러 낸다\n" in post.text
    assert "-추가 확인 필요함" not in post.text
    assert "(별님)" in post.text and "    추가 확인 필요\n" in post.text  # the other question


def test_a_title_changed_in_studylog_is_rewritten_in_place(imported):
    day, author = imported
    Day.objects.filter(pk=day.pk).update(title="스물일곱째 날: 프림")

    post = member_post(Day.objects.get(pk=day.pk), author)

    _open, head, _rest = split(post.text)
    assert head[head.index('title: "스물일곱째 날: 프림"') + 1] == 'excerpt: "about : python"'
    assert keys(post.text)[:3] == ["defaults", "title", "excerpt"]


def test_another_members_post_of_the_day_leaves_the_first_verbatim():
    team = TeamFactory(slug="graph", post_footer="")
    path = POSTS / "2024-04-10-participant_order.md"
    day, author = import_one(team, path)
    other = path.read_text(encoding="utf-8")
    other = other.replace("모더레이터 : 류하람", "모더레이터 : 도가온")  # kept for review
    other = other.replace(
        "<br>\n\n## 회고록", "### 토의 내용\n\n- 다음엔 벨만 포드\n\n<br>\n\n## 회고록"
    )
    other = other.replace("모든 쌍 최단 경로는", "내 회고: 모든 쌍 최단 경로는")

    (result,) = import_sources(
        team, [Source("theirs.md", other.encode())], member_name="도가온"
    ).results

    assert result.status == IMPORTED
    assert FreeSection.objects.filter(day=day, needs_review=True).count() == 2
    mine = member_post(Day.objects.get(pk=day.pk), author)
    assert mine.text == path.read_text(encoding="utf-8")
    theirs = member_post(Day.objects.get(pk=day.pk), team.memberships.get(display_name="도가온"))
    assert (theirs.filename, theirs.text) == ("theirs.md", other)

    # Once someone takes the kept text into the day, it is the day's, in every post:
    # by clearing its review mark, or by editing it.
    section = FreeSection.objects.get(day=day, heading="토의 내용")
    section.needs_review = False
    section.save()
    kept = FreeSection.objects.get(day=day, heading="피어세션")
    kept.body, kept.version = "모더레이터는 도가온으로 정정", kept.version + 1
    kept.save()
    mine = member_post(Day.objects.get(pk=day.pk), author)
    assert mine.filename == path.name
    assert "- 다음엔 벨만 포드" in mine.text
    assert "모더레이터는 도가온으로 정정" in mine.text


def test_a_private_log_is_not_in_an_admins_download_of_an_imported_post():
    team = TeamFactory(slug="graph", post_footer="")
    path = POSTS / "2024-04-11-badges_and_notes.md"
    day, author = import_one(team, path)
    MemberLog.objects.filter(day=day).update(visibility=MemberLog.Visibility.PRIVATE)
    # The days as an admin's download reads them (views.publish._as_seen_by).
    days = member_days(team, author)
    lookups = [
        lookup
        for lookup in days._prefetch_related_lookups
        if getattr(lookup, "prefetch_to", lookup) != "logs"
    ]
    others = MemberLog.objects.exclude(visibility="private").prefetch_related("links")
    seen = days.prefetch_related(None).prefetch_related(*lookups, Prefetch("logs", queryset=others))

    content = zipfile.ZipFile(io.BytesIO(posts_zip(team, author, days=seen)))

    (name,) = [name for name in content.namelist() if "_week" not in name]
    text = content.read(name).decode()
    assert name == f"_posts/{path.name}"
    assert "Suffix Array" not in text and "실패 함수 표" not in text
    assert "참가자 : 남궁별, 도가온, 류하람" in text


# The structured render keeps what the post said, for when the day is edited


def render_of(name: str) -> str:
    team = TeamFactory(post_footer="")
    day, author = import_one(team, POSTS / name)
    return render_post(day, author)


def test_participants_keep_the_posts_order():
    assert "참가자 : 표서진, 류하람, 남궁별, 도가온\n" in render_of(
        "2024-04-10-participant_order.md"
    )


def test_badges_and_notes_keep_their_order():
    source = (POSTS / "2024-04-11-badges_and_notes.md").read_text(encoding="utf-8")
    study = source.split("## 학습 내용")[1].split("<br>")[0]
    rendered = render_of("2024-04-11-badges_and_notes.md")
    assert rendered.split("## 학습 내용")[1].split("<br>")[0] == study.replace("\n\n\n", "\n\n")


def test_the_follow_up_mark_stays_at_the_end_of_the_answer():
    rendered = render_of("2024-04-15-inline_follow_up.md")
    assert "    답 : 도달할 수 없는 상태를 미리 걸러 낸다 -추가 확인 필요함\n" in rendered
    assert "(가온님)" in rendered  # the asker as written: not a participant's name
    question = Question.objects.get(position=1)
    assert (question.needs_follow_up, question.follow_up_mark) == (True, " -추가 확인 필요함")
    assert question.answer == "도달할 수 없는 상태를 미리 걸러 낸다"
    assert rendered.count("    추가 확인 필요\n") == 1  # the second question's own line


def test_an_empty_heading_and_a_very_long_one_are_kept():
    assert "\n## \n\n제목을 적지 않은 메모" in render_of("2024-04-02-empty_heading.md")
    text = (POSTS / "2024-04-03-very_long_heading.md").read_text("utf-8")
    heading = next(line[4:] for line in text.split("\n") if line.startswith("### "))
    assert len(heading) > 120  # more than the section form takes
    assert f"\n### {heading}\n" in render_of("2024-04-03-very_long_heading.md")


@pytest.mark.parametrize("count", [2, 8])
def test_a_zip_of_imported_posts_runs_a_fixed_number_of_queries(
    count, django_assert_max_num_queries
):
    team = TeamFactory(slug="graph", post_footer="")
    paths = sorted(POSTS.glob("2024-04-*.md"))[:count]
    import_files(team, paths, member_name=AUTHOR)
    author = team.memberships.get(display_name=AUTHOR)

    with django_assert_max_num_queries(ZIP_QUERIES):
        content = zipfile.ZipFile(io.BytesIO(posts_zip(team, author)))

    days = [name for name in content.namelist() if "_week" not in name]
    assert sorted(days) == [f"_posts/{path.name}" for path in paths]


def test_an_edited_skeleton_post_keeps_its_empty_sections():
    team = TeamFactory(slug="graph", post_footer="")
    path = POSTS / "2024-04-01-skeleton_only.md"
    day, author = import_one(team, path)
    MemberLog.objects.create(day=day, member=author, retrospective="나중에 채운 회고")

    post = member_post(Day.objects.get(pk=day.pk), author)

    headings = [line for line in post.text.split("\n") if line.startswith("#")]
    source = path.read_text(encoding="utf-8")
    assert headings == [line for line in source.split("\n") if line.startswith("#")]
    assert post.text.endswith("## 회고록\n\n나중에 채운 회고\n\n<br>\n")
