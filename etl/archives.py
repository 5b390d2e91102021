"""Files inside ZIP and gzip archives, as clearinghouses deliver remittances: each file inside is
loaded like any other (by content), under the name archive/member.

Archives are recognised by content (their magic bytes), never by name. Each member is copied to a
private temporary folder beside the database (claims stay where the database keeps them, even if
the process is killed), loaded, and deleted before the next one is copied, so the disk holds one
member at a time. Its SHA-256 is that of its own bytes: the same file loaded unzipped later is a
duplicate.

What cannot be read is still recorded (`load_batch`, rejected): an archive that cannot be opened
under the SHA-256 of its bytes, a member that cannot be unpacked under that of its bytes as the
archive stores them. Tried again, the same damaged bytes replace their earlier record.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import InputError, exception_reason

# a ZIP starts with a file header, or with its end record when it holds nothing
MAGIC = {b"PK\x03\x04": "zip", b"PK\x05\x06": "zip", b"\x1f\x8b": "gzip"}
COPY_BYTES = 1 << 20
ZIP_LOCAL_HEADER = 30  # bytes before a member's name in its local file header


@dataclass(frozen=True)
class Unreadable:
    """An archive that cannot be opened, or a member of one that cannot be unpacked."""

    file_name: str  # base name
    sha256: str | None  # of its bytes on disk (a member: as the archive stores them); None when
    file_bytes: int  # even those cannot be read
    error: InputError


def archive_kind(path: Path) -> str | None:
    """'zip' or 'gzip' when the file is such an archive, else None (also when it cannot be
    read: the loader then says why)."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError:
        return None
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)


def member_name(name: str) -> str:
    """The member's own file name, without the folders inside the archive (nor any '..')."""
    return PurePosixPath(name.replace("\\", "/")).name.strip() or "member"


def files_in(
    path: Path, workdir: Path | None = None
) -> Iterator[tuple[Path | None, str, Unreadable | None]]:
    """(file to load, name to show, None) for the file itself, or for each file inside an
    archive. What cannot be read comes as (None, name to show, Unreadable): a member, and the
    next members follow; or the archive itself, last."""
    kind = archive_kind(path)
    if kind is None:
        yield path, str(path), None
        return
    number = 0
    try:
        with tempfile.TemporaryDirectory(prefix=".unlisted-archive-", dir=workdir) as folder:
            for number, (name, source, stored) in enumerate(members(path, kind), start=1):
                # a folder per member: two members may share a file name in different folders
                target = Path(folder) / str(number) / member_name(name)
                target.parent.mkdir()
                try:
                    with source() as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst, COPY_BYTES)
                except (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError,
                        NotImplementedError) as exc:  # fmt: skip
                    # RuntimeError: an encrypted member; NotImplementedError: an unknown
                    # compression
                    problem = InputError(
                        "archive_unreadable",
                        f"{member_name(name)} inside the {kind} archive cannot be read "
                        f"({exception_reason(exc)}); the archive is damaged, download it again",
                    )
                    digest, size = stored_bytes(stored)
                    unreadable = Unreadable(member_name(name), digest, size, problem)
                    yield None, f"{path}/{name}", unreadable
                else:
                    yield target, f"{path}/{name}", None
                target.unlink(missing_ok=True)
        if number == 0:
            raise InputError("archive_empty", f"the {kind} archive holds no files")
    except InputError as exc:
        digest, size = stored_bytes(lambda: whole_file(path))
        yield None, str(path), Unreadable(path.name, digest, size, exc)


def stored_bytes(digest: Callable[[], tuple[str, int]]) -> tuple[str | None, int]:
    """SHA-256 and size from `digest`, or (None, 0) when the bytes cannot be read at all."""
    try:
        return digest()
    except OSError:
        return None, 0


def whole_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file's bytes."""
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256")
        return digest.hexdigest(), f.tell()


def stored_member(path: Path, info: zipfile.ZipInfo) -> tuple[str, int]:
    """SHA-256 and size of a zip member's bytes as the archive stores them (compressed), as far
    as the archive holds them."""
    with path.open("rb") as f:
        f.seek(info.header_offset)
        header = f.read(ZIP_LOCAL_HEADER)
        name_bytes = int.from_bytes(header[26:28], "little")
        extra_bytes = int.from_bytes(header[28:30], "little")
        f.seek(info.header_offset + ZIP_LOCAL_HEADER + name_bytes + extra_bytes)
        data = f.read(info.compress_size)
    return hashlib.sha256(data).hexdigest(), len(data)


def members(path: Path, kind: str) -> Iterator[tuple[str, Callable, Callable]]:
    """(name, opener, stored bytes' SHA-256 and size) of each file in the archive, in the
    archive's order; hidden files and folders are skipped."""
    if kind == "gzip":
        name = path.name[:-3] if path.name.lower().endswith(".gz") else f"{path.name}.content"
        yield name, lambda: gzip.open(path, "rb"), lambda: whole_file(path)
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            "archive_unreadable",
            f"the zip archive cannot be read ({exception_reason(exc)}); download it again",
        ) from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or any(hidden(part) for part in PurePosixPath(info.filename).parts):
                continue
            yield (
                info.filename,
                lambda info=info: archive.open(info),
                lambda info=info: stored_member(path, info),
            )


def hidden(part: str) -> bool:
    """A hidden file or folder (.DS_Store), or the resource forks a Mac adds (__MACOSX)."""
    return part == "__MACOSX" or (part.startswith(".") and part not in (".", ".."))
