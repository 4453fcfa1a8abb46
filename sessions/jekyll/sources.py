"""Post files read from paths, uploads and zip archives, with size and zip-safety limits."""

import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MAX_FILE_BYTES = 1024 * 1024  # one post
MAX_ARCHIVE_BYTES = 20 * 1024 * 1024  # a zip, and everything in it uncompressed
MAX_ARCHIVE_ENTRIES = 500
MAX_COMPRESSION_RATIO = 100  # real posts compress 3-5 times; far more is a zip bomb
POST_SUFFIXES = (".md", ".markdown")

Reason = str | Promise  # shown to people: gettext_lazy, translated when displayed


@dataclass(frozen=True)
class Source:
    """One post file: a name to report it by and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Failure:
    """A file refused before import (not a post, too large, unsafe in its archive…)."""

    name: str
    reason: Reason


def read_sources(items: Iterable) -> tuple[list[Source], list[Failure]]:
    """The post files among `items`, and the files refused, each with its reason.

    An item is a Source, a path (a file, a .zip, or a folder read recursively), an
    uploaded file (anything with `.name` and `.read()`), or a (name, bytes) pair.
    """
    sources: list[Source] = []
    failures: list[Failure] = []
    for item in items:
        if isinstance(item, Source):
            _add_file(item.name, item.data, sources, failures)
        elif isinstance(item, str | os.PathLike):
            _add_path(Path(item), sources, failures)
        elif isinstance(item, tuple):
            _add_file(str(item[0]), bytes(item[1]), sources, failures)
        else:  # an uploaded file: read no more than the largest thing accepted, plus one
            _add_file(str(item.name), item.read(MAX_ARCHIVE_BYTES + 1), sources, failures)
    return sources, failures


def _add_path(path: Path, sources: list[Source], failures: list[Failure]) -> None:
    if path.is_symlink():
        failures.append(Failure(str(path), _("A symbolic link: not followed.")))
    elif path.is_dir():
        for child in sorted(path.iterdir()):
            if not child.name.startswith("."):
                _add_path(child, sources, failures)
    elif not path.is_file():
        failures.append(Failure(str(path), _("No such file.")))
    elif path.stat().st_size > _limit(path.name):
        failures.append(Failure(str(path), _too_large(path.name)))
    else:
        _add_file(str(path), path.read_bytes(), sources, failures)


def _add_file(name: str, data: bytes, sources: list[Source], failures: list[Failure]) -> None:
    name = _printable(name)
    if _is_zip(name):
        _add_zip(name, data, sources, failures)
        return
    problem = post_problem(name, data)
    if problem:
        failures.append(Failure(name, problem))
    else:
        sources.append(Source(name, data))


def _printable(name: str) -> str:
    """A file name fit to report and to store: control and format characters (a NUL
    from an upload, an RLO in a zip entry that would make "x\u202egpj.md" read as
    "xdm.jpg") become U+FFFD."""
    return "".join(
        "\ufffd" if unicodedata.category(char) in ("Cc", "Cf", "Cs") else char for char in name
    )


def _is_zip(name: str) -> bool:
    return name.lower().endswith(".zip")


def _limit(name: str) -> int:
    return MAX_ARCHIVE_BYTES if _is_zip(name) else MAX_FILE_BYTES


def _too_large(name: str) -> Reason:
    if _is_zip(name):
        return _("The archive is larger than 20 MiB.")
    return _("The file is larger than 1 MiB.")


def post_problem(name: str, data: bytes) -> Reason:
    """Why `data` cannot be a post ("" when it can)."""
    if not name.lower().endswith(POST_SUFFIXES):
        return _("Not a Markdown (.md) post.")
    if len(data) > MAX_FILE_BYTES:
        return _too_large(name)
    if b"\0" in data:
        return _("A binary file, not a text post.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return _("The file is not UTF-8 text.")
    return ""


def _add_zip(name: str, data: bytes, sources: list[Source], failures: list[Failure]) -> None:
    if len(data) > MAX_ARCHIVE_BYTES:
        failures.append(Failure(name, _too_large(name)))
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        failures.append(Failure(name, _("Not a readable zip archive.")))
        return
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        failures.append(Failure(name, _("The archive holds more than 500 files.")))
        return
    if sum(entry.file_size for entry in entries) > MAX_ARCHIVE_BYTES:
        failures.append(Failure(name, _("The archive holds more than 20 MiB uncompressed.")))
        return
    before = (len(sources), len(failures))
    for entry in entries:
        entry_name = f"{name}:{entry.filename}"
        problem = _entry_problem(entry)
        if problem:
            failures.append(Failure(entry_name, problem))
        elif not entry.is_dir() and not _skipped(entry.filename):
            try:
                # zipfile stops at the size the entry declares, which was checked above.
                with archive.open(entry) as member:
                    content = member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
                failures.append(Failure(entry_name, _("The archive entry cannot be read.")))
                continue
            _add_file(entry_name, content, sources, failures)
    if (len(sources), len(failures)) == before:
        failures.append(Failure(name, _("The archive holds no .md posts.")))


def _entry_problem(entry: zipfile.ZipInfo) -> Reason:
    """Why an archive entry is refused unread ("" when it is not)."""
    name = entry.filename
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return _("An absolute path in the archive: refused.")
    if ".." in re.split(r"[\\/]", name):
        return _("A path leading out of the archive: refused.")
    if (entry.external_attr >> 16) & 0o170000 == 0o120000:
        return _("A symbolic link in the archive: refused.")
    if entry.is_dir():
        return ""
    if _is_zip(name):
        return _("An archive inside the archive: not read.")
    if entry.flag_bits & 0x1:
        return _("An encrypted archive entry: not read.")
    if entry.file_size > MAX_FILE_BYTES:
        return _too_large(name)
    if entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1):
        return _("Compressed more than 100 times: refused as a possible zip bomb.")
    return ""


def _skipped(name: str) -> bool:
    """Operating-system litter that zips carry (macOS's __MACOSX/, .DS_Store…)."""
    parts = name.split("/")
    return parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts)
