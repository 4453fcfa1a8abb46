"""Exporting a post's images to a Jekyll blog: its team's images become files under the
blog's assets folder and the links point at them; everything else stays as written."""

import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.images.export import post_images
from sessions.jekyll.catalogue import posts_zip, write_posts
from sessions.models import MemberLog, Membership, TeamImage

from .factories import DayFactory, TeamImageFactory

pytestmark = pytest.mark.django_db


def image(team, ext="png", data=b"\x89PNG pixels") -> TeamImage:
    return TeamImageFactory(team=team, ext=ext, data=data)


SLUG = "2021-08-02-BoostCourse_day1"


def test_the_teams_images_are_written_beside_the_post_and_relinked(team):
    png, gif = image(team), image(team, "gif", b"GIF89a...")
    text = (
        f"## 질문\n\n![결과]({png.get_absolute_url()})\n\n"
        f'<img src="{gif.get_absolute_url()}" alt="움짤">\n\n'
        f"다시 한 번 ![같은 그림]({png.get_absolute_url()})\n"
    )
    out, files = post_images(team, text, post_slug=SLUG)
    base = "/assets/images/" + SLUG
    assert out == (
        f"## 질문\n\n![결과]({base}/{png.key}.png)\n\n"
        f'<img src="{base}/{gif.key}.gif" alt="움짤">\n\n'
        f"다시 한 번 ![같은 그림]({base}/{png.key}.png)\n"
    )
    assert files == [
        (f"assets/images/{SLUG}/{png.key}.png", b"\x89PNG pixels"),
        (f"assets/images/{SLUG}/{gif.key}.gif", b"GIF89a..."),
    ]


def test_another_teams_images_and_remote_images_stay_as_they_are(team, other_team):
    theirs = image(other_team)
    remote = "https://user-images.githubusercontent.com/8231/128437.png"
    text = (
        f"![남의 팀]({theirs.get_absolute_url()})\n![깃허브]({remote})\n[링크](https://example.com)"
    )
    assert post_images(team, text, post_slug=SLUG) == (text, [])


def test_an_unknown_key_or_a_wrong_extension_stays_as_it_is(team):
    png = image(team)
    text = f"![a](/teams/alpha/images/{'x' * 22}.png) ![b](/teams/alpha/images/{png.key}.jpg)"
    assert post_images(team, text, post_slug=SLUG) == (text, [])


def test_a_full_address_and_an_old_team_address_are_the_teams_image_too(team):
    png = image(team)
    text = f"![a](https://studylog.example/teams/old-name/images/{png.key}.png)"
    out, files = post_images(team, text, post_slug=SLUG, assets_dir="/static/img/")
    assert out == f"![a](/static/img/{SLUG}/{png.key}.png)"
    assert [path for path, _data in files] == [f"static/img/{SLUG}/{png.key}.png"]


def test_a_post_without_images_costs_no_query(team, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert post_images(team, "그림 없는 글", post_slug=SLUG) == ("그림 없는 글", [])


def test_a_post_with_images_costs_one_query(team, django_assert_num_queries):
    a, b = image(team), image(team, "webp", b"RIFF....WEBP")
    text = f"![a]({a.get_absolute_url()}) ![b]({b.get_absolute_url()})"
    with django_assert_num_queries(1):
        _out, files = post_images(team, text, post_slug=SLUG)
    assert len(files) == 2


def test_a_project_site_gets_its_base_url_in_front(team):
    png = image(team)
    out, _files = post_images(
        team, f"![a]({png.get_absolute_url()})", post_slug=SLUG, base_url="/my-blog/"
    )
    assert out == f"![a](/my-blog/assets/images/{SLUG}/{png.key}.png)"


@pytest.mark.parametrize(
    "slug, folder",
    [
        ("../../etc", "etc"),
        ("a/../../b", "a-..-..-b"),
        ("2024-03-05 스터디 1일차", "2024-03-05-스터디-1일차"),
        ("..hidden", "hidden"),
    ],
)
def test_the_post_folder_is_one_safe_name(team, slug, folder):
    png = image(team)
    _out, files = post_images(team, f"![a]({png.get_absolute_url()})", post_slug=slug)
    assert [path for path, _data in files] == [f"assets/images/{folder}/{png.key}.png"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"post_slug": ""},
        {"post_slug": "../"},
        {"post_slug": SLUG, "assets_dir": "../outside"},
        {"post_slug": SLUG, "assets_dir": ""},
        {"post_slug": SLUG, "base_url": "javascript:alert(1)//"},
        {"post_slug": SLUG, "base_url": "/a) ![x](https://evil.example/"},
    ],
)
def test_what_would_leave_the_blog_or_break_the_link_is_refused(team, arguments):
    png = image(team)
    with pytest.raises(ValueError):
        post_images(team, f"![a]({png.get_absolute_url()})", **arguments)


# The exporter carries them: the zip, `export_posts` and the blog (test_blog_publishing).


def _log_with_image(day, user, png) -> Membership:
    member = Membership.objects.get(team=day.team, user=user)
    MemberLog.objects.create(
        day=day, member=member, retrospective=f"오늘의 그래프\n\n![손실]({png.get_absolute_url()})"
    )
    return member


def test_the_zip_holds_the_pasted_image_beside_the_post(day, team_member):
    png = image(day.team)
    member = _log_with_image(day, team_member, png)
    archive = zipfile.ZipFile(io.BytesIO(posts_zip(day.team, member)))
    (post_name,) = [name for name in archive.namelist() if name.endswith("_day1.md")]
    (week_name,) = [name for name in archive.namelist() if name.endswith("_week1.md")]
    stem = post_name.removeprefix("_posts/").removesuffix(".md")
    image_name = f"assets/images/{stem}/{png.key}.png"
    assert sorted(archive.namelist()) == sorted([post_name, week_name, image_name])
    assert archive.read(image_name) == b"\x89PNG pixels"
    assert f"](/assets/images/{stem}/{png.key}.png)" in archive.read(post_name).decode()


def test_export_posts_writes_images_under_the_blogs_root(day, team_member, tmp_path):
    png = image(day.team)
    member = _log_with_image(day, team_member, png)
    (post,) = write_posts(day.team, member, tmp_path / "_posts")
    stem = post.name.removesuffix(".md")
    assert (tmp_path / "assets/images" / stem / f"{png.key}.png").read_bytes() == b"\x89PNG pixels"


def test_a_catalogue_reads_its_images_in_one_query(team, team_member):
    """The zip (and export_posts, and a blog publish) asks for every post's images at
    once: three posts with an image each cost what one does."""
    member = Membership.objects.get(team=team, user=team_member)

    def day_with_an_image(number: int) -> None:
        day = DayFactory(team=team, date=datetime.date(2024, 3, number), number=number)
        png = image(team, data=f"pixels of day {number}".encode())
        MemberLog.objects.create(
            day=day, member=member, retrospective=f"![그래프]({png.get_absolute_url()})"
        )

    day_with_an_image(4)
    with CaptureQueriesContext(connection) as one_post:
        posts_zip(team, member)
    day_with_an_image(5)
    day_with_an_image(6)
    with CaptureQueriesContext(connection) as three_posts:
        content = posts_zip(team, member)
    assert len(three_posts) == len(one_post)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert sum(name.startswith("assets/images/") for name in names) == 3
