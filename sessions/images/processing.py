"""Checking and re-encoding an uploaded image with Pillow: what is stored is pixels the
server drew again, never the bytes a member sent."""

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

MAX_BYTES = 5 * 1024 * 1024  # an upload; a screenshot is well under it
MAX_PIXELS = 25_000_000  # width x height, checked from the header before any decoding
# A re-encoded image may come out larger than it went in (an optimised PNG saved plainly).
MAX_STORED_BYTES = 2 * MAX_BYTES

# Pillow's format name -> (content type, file extension). Pillow is asked to try these
# decoders alone, so an SVG, HTML or anything else is "not an image" from the start.
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
EXTENSIONS = {ext: content_type for content_type, ext in FORMATS.values()}
JPEG_QUALITY = 85
WEBP_QUALITY = 90


class ImageRefused(ValueError):
    """The file cannot be stored; `message` says why, for the member."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    ext: str
    width: int
    height: int


def _not_an_image() -> ImageRefused:
    return ImageRefused(_("This file is not a PNG, JPEG, GIF or WebP image, or it is damaged."))


def too_large() -> ImageRefused:
    return ImageRefused(
        _("The image is larger than %(mb)d MB. Make it smaller and try again.")
        % {"mb": MAX_BYTES // (1024 * 1024)}
    )


def _too_many_pixels() -> ImageRefused:
    return ImageRefused(
        _("The image has more than %(mp)d million pixels. Make it smaller and try again.")
        % {"mp": MAX_PIXELS // 1_000_000}
    )


def _open(raw: bytes) -> Image.Image:
    return Image.open(io.BytesIO(raw), formats=list(FORMATS))


def _check(raw: bytes) -> str:
    """The format of `raw`, after the header's size and a structural check."""
    with _open(raw) as probe:
        width, height = probe.size
        if width < 1 or height < 1:
            raise _not_an_image()
        if width * height > MAX_PIXELS:
            raise _too_many_pixels()
        probe.verify()  # PNG chunk checksums and the like; the object is unusable after
        return probe.format


def _redraw(raw: bytes, fmt: str) -> tuple[bytes, int, int]:
    """Decode the first frame, turn it upright, and encode its pixels alone."""
    with _open(raw) as im:
        im.seek(0)  # a GIF's first frame: animation is not kept
        im.load()
        ImageOps.exif_transpose(im, in_place=True)
        has_alpha = "A" in im.getbands() or "transparency" in im.info
        if fmt == "JPEG":
            mode = "L" if im.mode == "L" else "RGB"
        else:
            mode = "RGBA" if has_alpha else "RGB"
        # A new image has an empty info dict: no EXIF, GPS, XMP, ICC profile, comments or
        # text chunks reach the encoder, only the pixels pasted into it.
        clean = Image.new(mode, im.size)
        clean.paste(im if im.mode == mode else im.convert(mode))
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        clean.save(out, "WEBP", quality=WEBP_QUALITY, method=2)
    elif fmt == "GIF":
        clean.save(out, "GIF")
    else:
        clean.save(out, "PNG", optimize=False)
    return out.getvalue(), clean.width, clean.height


def clean_image(raw: bytes) -> CleanImage:
    """`raw` checked and drawn again in its own format, without metadata; ImageRefused
    with a message for the member if it is not a PNG, JPEG, GIF or WebP image within
    the limits."""
    if not raw:
        raise ImageRefused(_("The file is empty."))
    if len(raw) > MAX_BYTES:
        raise too_large()
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns below its hard limit; ours is lower anyway.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            fmt = _check(raw)
            data, width, height = _redraw(raw, fmt)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard (Image.MAX_IMAGE_PIXELS, 89 MP), met in Image.open before
        # our lower limit is checked.
        raise _too_many_pixels() from exc
    except Exception as exc:  # noqa: BLE001 - hostile input: any decoder failure is a refusal
        raise _not_an_image() from exc
    if len(data) > MAX_STORED_BYTES:
        raise too_large()
    content_type, ext = FORMATS[fmt]
    return CleanImage(data=data, content_type=content_type, ext=ext, width=width, height=height)
