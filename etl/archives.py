"""Files inside ZIP and gzip archives, as clearinghouses deliver remittances: each file inside is
loaded like any other (by content), under the name archive/member.

Archives are recognised by content (their magic bytes), never by name. Each member is copied to a
private temporary folder beside the database (claims stay where the database keeps them, even if
the process is killed), loaded, and deleted before the next one is copied, so the disk holds one
member at a time. Its SHA-256 is that of its own bytes: the same file loaded unzipped later is a
duplicate.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .errors import InputError, exception_reason

# a ZIP starts with a file header, or with its end record when it holds nothing
MAGIC = {b"PK\x03\x04": "zip", b"PK\x05\x06": "zip", b"\x1f\x8b": "gzip"}
COPY_BYTES = 1 << 20


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
) -> Iterator[tuple[Path | None, str, InputError | None]]:
    """(file to load, name to show, problem) for the file itself, or for each file inside an
    archive: a member that cannot be read comes with its problem instead of a file, and the
    next members follow. Raises InputError when the archive itself cannot be read."""
    kind = archive_kind(path)
    if kind is None:
        yield path, str(path), None
        return
    number = 0
    with tempfile.TemporaryDirectory(prefix=".unlisted-archive-", dir=workdir) as folder:
        for number, (name, source) in enumerate(members(path, kind), start=1):
            # a folder per member: two members may share a file name in different folders
            target = Path(folder) / str(number) / member_name(name)
            target.parent.mkdir()
            try:
                with source() as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, COPY_BYTES)
            except (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError,
                    NotImplementedError) as exc:  # fmt: skip
                # RuntimeError: an encrypted member; NotImplementedError: an unknown compression
                problem = InputError(
                    "archive_unreadable",
                    f"{member_name(name)} inside the {kind} archive cannot be read "
                    f"({exception_reason(exc)}); the archive is damaged, download it again",
                )
                yield None, f"{path}/{name}", problem
            else:
                yield target, f"{path}/{name}", None
            target.unlink(missing_ok=True)
    if number == 0:
        raise InputError("archive_empty", f"the {kind} archive holds no files")


def members(path: Path, kind: str) -> Iterator[tuple[str, object]]:
    """(name, opener) of each file in the archive, in the archive's order; hidden files and
    folders are skipped."""
    if kind == "gzip":
        name = path.name[:-3] if path.name.lower().endswith(".gz") else f"{path.name}.content"
        yield name, lambda: gzip.open(path, "rb")
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
            yield info.filename, lambda info=info: archive.open(info)


def hidden(part: str) -> bool:
    """A hidden file or folder (.DS_Store), or the resource forks a Mac adds (__MACOSX)."""
    return part == "__MACOSX" or (part.startswith(".") and part not in (".", ".."))
