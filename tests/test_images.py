"""Images pasted into markdown: what Pillow lets through and strips, who may upload and
fetch them, and how they render."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image, PngImagePlugin

from sessions.images.processing import MAX_BYTES, ImageRefused, clean_image
from sessions.markdown import render_markdown
from sessions.models import TeamImage

from .factories import QuestionFactory

# --- images to send --------------------------------------------------------------------


def picture(size=(40, 30), mode="RGB", color=(200, 30, 30)) -> Image.Image:
    im = Image.new(mode, size, color)
    im.putpixel((0, 0), (0, 0, 255) if mode == "RGB" else im.getpixel((0, 0)))
    return im


def encoded(fmt: str, im: Image.Image | None = None, **params) -> bytes:
    out = io.BytesIO()
    (im or picture()).save(out, fmt, **params)
    return out.getvalue()


def jpeg_with_gps_and_orientation() -> bytes:
    """A 40x30 photo saved with EXIF: GPS position, camera, and "rotate 90° to view"."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "Studylog Camera"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (37.0, 33.0, 59.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (126.0, 58.0, 40.0)  # GPSLongitudeRef, GPSLongitude
    return encoded("JPEG", exif=exif.tobytes(), comment=b"secret comment")


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "김비밀")
    info.add_text("Comment", "집 주소")
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encoded("PNG", pnginfo=info, icc_profile=icc)


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


# --- processing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, content_type, ext",
    [
        ("PNG", "image/png", "png"),
        ("JPEG", "image/jpeg", "jpg"),
        ("GIF", "image/gif", "gif"),
        ("WEBP", "image/webp", "webp"),
    ],
)
def test_each_format_is_drawn_again_in_its_own_format(fmt, content_type, ext):
    raw = encoded(fmt)
    clean = clean_image(raw)
    assert (clean.content_type, clean.ext, clean.width, clean.height) == (
        content_type,
        ext,
        40,
        30,
    )
    back = opened(clean.data)
    assert back.format == fmt
    assert back.size == (40, 30)
    # The pixels are the picture's (JPEG and WebP are lossy: near enough).
    r, g, b = back.convert("RGB").getpixel((20, 15))
    assert r > 150 and g < 80 and b < 80


def test_a_png_keeps_its_transparency():
    im = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    im.putpixel((5, 5), (255, 0, 0, 255))
    back = opened(clean_image(encoded("PNG", im)).data)
    assert back.mode == "RGBA"
    assert back.getpixel((0, 0))[3] == 0 and back.getpixel((5, 5)) == (255, 0, 0, 255)


def test_a_jpeg_comes_back_upright_without_exif_gps_or_comment():
    raw = jpeg_with_gps_and_orientation()
    assert b"Studylog Camera" in raw and b"secret comment" in raw  # the test's own premise
    assert opened(raw).getexif().get_ifd(0x8825)
    clean = clean_image(raw)
    back = opened(clean.data)
    assert (clean.width, clean.height) == back.size == (30, 40), "turned as EXIF said"
    assert not back.getexif(), "no EXIF at all: no GPS, no camera, no orientation"
    assert "exif" not in back.info and "comment" not in back.info
    assert b"Studylog Camera" not in clean.data and b"secret comment" not in clean.data


def test_a_png_loses_its_text_chunks_and_icc_profile():
    raw = png_with_metadata()
    assert "icc_profile" in opened(raw).info and "Author" in opened(raw).info
    back = opened(clean_image(raw).data)
    assert not {"icc_profile", "Author", "Comment", "exif"} & set(back.info)
    assert "김비밀".encode() not in clean_image(raw).data


def test_an_animated_gif_keeps_its_first_frame_only():
    frames = [picture(color=(255, 0, 0)), picture(color=(0, 255, 0))]
    raw = encoded("GIF", frames[0], save_all=True, append_images=frames[1:], duration=100)
    assert opened(raw).n_frames == 2
    back = opened(clean_image(raw).data)
    assert getattr(back, "n_frames", 1) == 1
    assert back.convert("RGB").getpixel((20, 15))[0] > 200


def test_a_decompression_bomb_is_refused_before_decoding(english):
    # 100 million one-bit pixels compress to a few kilobytes.
    raw = encoded("PNG", Image.new("1", (10_000, 10_000)))
    assert len(raw) < 100_000
    with pytest.raises(ImageRefused) as refused:
        clean_image(raw)
    assert "more than 25 million pixels" in refused.value.message


def test_a_file_over_the_byte_limit_is_refused(english):
    with pytest.raises(ImageRefused) as refused:
        clean_image(b"\x89PNG" + b"\0" * MAX_BYTES)
    assert "larger than 5 MB" in refused.value.message


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"just some text, named .png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        # A GIF header in front of HTML: a browser sniffing it would see a page.
        b"GIF89a<html><script>alert(document.cookie)</script></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    ],
    ids=["empty", "text", "svg", "gif-html-polyglot", "svg-xml"],
)
def test_what_is_not_a_png_jpeg_gif_or_webp_is_refused(raw, english):
    with pytest.raises(ImageRefused) as refused:
        clean_image(raw)
    assert refused.value.message


def test_a_truncated_image_is_refused(english):
    raw = encoded("PNG", Image.effect_noise((200, 200), 50).convert("RGB"))
    with pytest.raises(ImageRefused) as refused:
        clean_image(raw[: len(raw) // 2])
    assert "not a PNG, JPEG, GIF or WebP image, or it is damaged" in refused.value.message


def test_html_appended_to_a_real_png_is_not_kept():
    raw = encoded("PNG") + b"<html><script>alert(1)</script></html>"
    clean = clean_image(raw)
    assert b"<script" not in clean.data
    assert opened(clean.data).size == (40, 30)


def test_other_formats_pillow_reads_are_refused(english):
    for fmt in ("BMP", "TIFF", "ICO"):
        with pytest.raises(ImageRefused):
            clean_image(encoded(fmt))


# --- uploading -------------------------------------------------------------------------


def upload_url(team) -> str:
    return reverse("peer:markdown_upload", args=[team.slug])


def send(client, team, data: bytes, name="스크린샷 2024-03-05.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, data, content_type="image/png")
    return client.post(
        upload_url(team), {"image": upload}, headers={"x-requested-with": "XMLHttpRequest"}
    )


IMAGE_CODE = re.compile(
    r"!\[(?P<alt>[^\]]*)\]\((?P<url>/teams/alpha/images/(?P<key>[-\w]{22})\.png)\)"
)


def test_a_writer_uploads_and_gets_the_markdown_for_the_image(as_member, team, team_member):
    response = send(as_member, team, encoded("PNG"))
    assert response.status_code == 200
    code = response.json()["image_code"]
    match = IMAGE_CODE.fullmatch(code)
    assert match, code
    assert match["alt"] == "스크린샷 2024-03-05"
    image = TeamImage.objects.get()
    assert (image.team, image.uploaded_by, image.key) == (team, team_member, match["key"])
    assert (image.width, image.height, image.size) == (40, 30, len(bytes(image.data)))
    assert image.get_absolute_url() == match["url"]


def test_the_same_picture_twice_is_stored_once(as_member, as_admin, team):
    first = send(as_member, team, encoded("PNG")).json()["image_code"]
    second = send(as_admin, team, encoded("PNG"), name="image.png").json()["image_code"]
    assert IMAGE_CODE.fullmatch(first)["url"] == IMAGE_CODE.fullmatch(second)["url"]
    assert TeamImage.objects.count() == 1


def test_alt_text_from_a_file_name_cannot_break_the_markdown(as_member, team):
    code = send(as_member, team, encoded("PNG"), name="a](javascript:x)![b\n.png").json()
    assert IMAGE_CODE.fullmatch(code["image_code"]), code


def test_an_observer_cannot_upload(as_observer, team):
    assert send(as_observer, team, encoded("PNG")).status_code == 403
    assert not TeamImage.objects.exists()


def test_an_outsider_cannot_upload(as_outsider, team):
    assert send(as_outsider, team, encoded("PNG")).status_code == 404
    assert not TeamImage.objects.exists()


def test_an_anonymous_upload_is_sent_to_log_in(anon, team):
    response = send(anon, team, encoded("PNG"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not TeamImage.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<svg onload=alert(1)>", "not a PNG, JPEG, GIF or WebP image"),
        (b"GIF89a" + b"\0" * MAX_BYTES, "larger than 5 MB"),
        (encoded("PNG", Image.new("1", (6000, 6000))), "more than 25 million pixels"),
    ],
    ids=["svg-named-png", "too-large", "too-many-pixels"],
)
def test_a_bad_file_gets_a_message_and_nothing_is_saved(as_member, team, data, message, english):
    response = send(as_member, team, data)
    assert response.status_code == 400
    (said,) = response.json()["image"]  # markdownx's error shape
    assert message in said
    assert not TeamImage.objects.exists()


def test_a_post_without_a_file_is_told_to_choose_one(as_member, team, english):
    response = as_member.post(upload_url(team), {})
    assert response.status_code == 400
    assert response.json() == {"image": ["Choose an image file to upload."]}


# --- fetching --------------------------------------------------------------------------


@pytest.fixture
def stored(team, team_member) -> TeamImage:
    return TeamImage.objects.store(
        team=team, uploader=team_member, clean=clean_image(encoded("PNG"))
    )


def test_the_team_fetches_its_image_with_safe_headers(as_observer, stored):
    response = as_observer.get(stored.get_absolute_url())
    assert response.status_code == 200
    assert response.content == bytes(stored.data)
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="{stored.key}.png"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, max-age=86400"
    assert response["ETag"] == f'"{stored.sha256}"'


def test_an_unchanged_image_is_not_sent_again(as_member, stored):
    response = as_member.get(
        stored.get_absolute_url(), headers={"if-none-match": f'"{stored.sha256}"'}
    )
    assert response.status_code == 304
    assert response.content == b""


def test_fetching_an_image_costs_a_fixed_few_queries(
    as_member, stored, django_assert_max_num_queries
):
    # The session and user, the membership with its team, the image's row, its bytes.
    with django_assert_max_num_queries(5):
        assert as_member.get(stored.get_absolute_url()).status_code == 200


def test_a_head_request_gets_the_headers(as_member, stored):
    response = as_member.head(stored.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response.content == b""


def test_nobody_can_post_to_an_image(as_admin, stored):
    assert as_admin.post(stored.get_absolute_url()).status_code == 405


def test_an_outsider_gets_404_and_anonymous_the_login(as_outsider, anon, stored):
    assert as_outsider.get(stored.get_absolute_url()).status_code == 404
    response = anon.get(stored.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_image_is_found_only_under_its_own_key_and_extension(as_member, stored, team):
    wrong_ext = reverse("peer:image", kwargs={"team": team.slug, "key": stored.key, "ext": "jpg"})
    unknown = reverse("peer:image", kwargs={"team": team.slug, "key": "x" * 22, "ext": "png"})
    assert as_member.get(wrong_ext).status_code == 404
    assert as_member.get(unknown).status_code == 404


def test_another_teams_image_is_not_served_through_this_team(as_member, team, other_team, outsider):
    theirs = TeamImage.objects.store(
        team=other_team, uploader=outsider, clean=clean_image(encoded("GIF"))
    )
    through_us = reverse("peer:image", kwargs={"team": team.slug, "key": theirs.key, "ext": "gif"})
    assert as_member.get(through_us).status_code == 404
    assert as_member.get(theirs.get_absolute_url()).status_code == 404


def test_after_the_team_changes_its_address_old_image_links_still_work(as_member, stored, team):
    old = stored.get_absolute_url()
    type(team).objects.filter(pk=team.pk).update(slug="alpha-2026")
    response = as_member.get(old)
    assert response.status_code == 302
    assert response["Location"] == f"/teams/alpha-2026/images/{stored.key}.png"
    assert as_member.get(response["Location"]).status_code == 200


# --- rendering -------------------------------------------------------------------------


def test_an_uploaded_images_markdown_renders_as_an_image(stored):
    html = str(render_markdown(f"답변\n\n![스크린샷]({stored.get_absolute_url()})"))
    assert f'<img alt="스크린샷" src="{stored.get_absolute_url()}">' in html


@pytest.mark.parametrize(
    "text",
    [
        "![x](javascript:alert(1))",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "<img src='/teams/alpha/images/abc.png\" onerror=\"alert(1)'>",
        "![x](/teams/alpha/../admin/images/a.png)",
        "![x](/media/a.png)",
        "<img src='https://team-image.studylog.invalid/../etc/passwd'>",
    ],
)
def test_no_other_image_source_gets_through(text):
    html = str(render_markdown(text))
    assert "src=" not in html and "onerror" not in html


def test_a_team_image_in_raw_html_keeps_its_source_but_nothing_else():
    html = str(
        render_markdown('<img src="/teams/alpha/images/k3y.png" onerror="alert(1)" alt="a">')
    )
    assert html == '<p><img src="/teams/alpha/images/k3y.png" alt="a"></p>'


def test_a_link_to_an_image_address_is_still_not_a_relative_link():
    html = str(render_markdown("[그림](/teams/alpha/images/k3y.png)"))
    assert "href" not in html


def test_remote_images_of_imported_posts_stay_as_they_are():
    url = "https://user-images.githubusercontent.com/8231/128.png"
    assert f'src="{url}"' in str(render_markdown(f"![image]({url})"))


def test_the_day_record_shows_an_answers_image(as_observer, day, stored):
    QuestionFactory(day=day, answer=f"이렇게 나옵니다\n\n![결과]({stored.get_absolute_url()})")
    response = as_observer.get(reverse("peer:day", args=[day.team.slug, day.date]))
    assert f'<img alt="결과" src="{stored.get_absolute_url()}">' in response.content.decode()


def test_pages_may_show_the_sites_own_images(as_member, team):
    header = as_member.get(reverse("peer:team", args=[team.slug]))["Content-Security-Policy"]
    img_src = next(d for d in header.split(";") if d.strip().startswith("img-src"))
    assert "'self'" in img_src.split()
