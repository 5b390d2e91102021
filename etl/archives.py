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

Hostile archives (issue 16): what a member unpacks to is counted as it is written, never taken
from the sizes an archive declares (a zip's headers can lie; a gzip's size field is the length
modulo 4 GiB), and unpacking stops at the first byte past a limit of ArchiveLimits ([load] in
docs/settings.md): one member's size, the archive's total, and the compression ratio (a member
against its compressed size, the archive against its own size). The partial member is deleted
before anything else happens, and the member (or, for the archive's total, the archive) is
recorded as rejected with `archive_limit`. Zip members compressed with bzip2 or LZMA, which
zipfile cannot unpack in bounded pieces, are refused unopened (`archive_unsupported`). Archives
inside an archive are not opened: a member is loaded by content like any file, and a zip inside
is an unknown format.

The unpack folder's name carries the process id (and a tag of the host), so that a later load
can tell a folder left by a killed run from one in use (remove_stale_unpack_folders).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile
import time
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
MiB = 1 << 20
GiB = 1 << 30
# The private folders members are unpacked into: .unlisted-archive-HOST-PID-RANDOM, where HOST is
# a tag of this machine's name (a database folder may be shared over the network) and PID the
# process that unpacks. Folders of the name the program used before it recorded the pid (no
# HOST-PID) are removed once nothing in them changed for a day.
UNPACK_PREFIX = ".unlisted-archive-"
HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
UNPACK_FOLDER = re.compile(
    r"\.unlisted-archive-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]{1,10})-[a-z0-9_]+"
)
LEGACY_UNPACK_FOLDER = re.compile(r"\.unlisted-archive-[a-z0-9_]{8}")
LEGACY_STALE_SECONDS = 24 * 3600
# zipfile unpacks these methods a read's worth of compressed bytes at a time, whatever that
# makes: 4 KB of bzip2 can be gigabytes in memory before a byte of it can be counted. Deflate
# (what clearinghouses and every common zip tool use) and stored members are read in bounded
# pieces; other methods zipfile refuses itself.
UNBOUNDED_METHODS = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}


@dataclass(frozen=True)
class ArchiveLimits:
    """How far an archive may unpack ([load] in docs/settings.md, which says why these defaults).

    `ratio_floor`: output below this many bytes is never refused for its ratio, so that a small
    file that happens to compress well (a short remittance, a CSV of empty columns) loads."""

    member_bytes: int = 2 * GiB
    archive_bytes: int = 8 * GiB
    compression_ratio: float = 200
    ratio_floor: int = MiB

    @classmethod
    def from_config(cls, config: dict) -> ArchiveLimits:
        """The limits of the [load] table (checked by the settings' schema)."""
        table = config["load"]
        return cls(member_bytes=table["max_member_bytes"],
                   archive_bytes=table["max_archive_bytes"],
                   compression_ratio=table["max_compression_ratio"])


class LimitReached(Exception):
    """Unpacking went past a limit; `whole_archive` when the limit is the archive's."""

    def __init__(self, error: InputError, whole_archive: bool):
        super().__init__(error.message)
        self.error = error
        self.whole_archive = whole_archive


def size_text(n: int) -> str:
    if n % GiB == 0:
        return f"{n // GiB} GiB"
    if n % MiB == 0:
        return f"{n // MiB} MiB"
    return f"{n:,} bytes"


class Budget:
    """The bytes an archive's members may still unpack to, counted as they are written."""

    def __init__(self, limits: ArchiveLimits, kind: str, archive_bytes: int):
        self.limits = limits
        self.kind = kind
        self.total = 0  # unpacked so far, every member
        # the whole archive against its own size: members may share compressed bytes
        self.archive_ratio_cap = max(limits.ratio_floor,
                                     limits.compression_ratio * archive_bytes)  # fmt: skip

    def check(self, member: str, written: int, compressed: int) -> None:
        """Raise LimitReached when a member at `written` bytes (of `compressed` stored bytes)
        went past a limit; the member's limits first."""
        limits, total = self.limits, self.total + written
        if written > limits.member_bytes:
            whole, key = False, "max_member_bytes"
            breach = (
                f"unpacks to more than {size_text(limits.member_bytes)}, the limit for one file"
            )
        elif written > max(limits.ratio_floor, limits.compression_ratio * compressed):
            whole, key = False, "max_compression_ratio"
            breach = f"unpacks past the {limits.compression_ratio:g}:1 compression limit"
        elif total > limits.archive_bytes:
            whole, key = True, "max_archive_bytes"
            breach = (f"unpacks to more than {size_text(limits.archive_bytes)} in all, the limit "
                      "for one archive")  # fmt: skip
        elif total > self.archive_ratio_cap:
            whole, key = True, "max_compression_ratio"
            breach = f"unpacks past the {limits.compression_ratio:g}:1 compression limit in all"
        else:
            return
        if whole:
            message = (f"the {self.kind} archive {breach} (stopped at {member}: it and the "
                       "files after it are not loaded); if it is genuine, raise [load] "
                       f"{key}")  # fmt: skip
        else:
            message = (f"{member} inside the {self.kind} archive {breach}; if this file is "
                       f"genuine, raise [load] {key}")  # fmt: skip
        raise LimitReached(InputError("archive_limit", message), whole)

    def unpack(self, member: str, src, dst, compressed: int) -> None:
        """Copy `src` to `dst`, checking each chunk before it is written."""
        written = 0
        while chunk := src.read(COPY_BYTES):
            written += len(chunk)
            self.check(member, written, compressed)
            dst.write(chunk)
        self.total += written


@dataclass(frozen=True)
class Unreadable:
    """An archive that cannot be opened, or a member of one that cannot be unpacked."""

    file_name: str  # base name
    sha256: str | None  # of its bytes on disk (a member: as the archive stores them); None when
    file_bytes: int  # even those cannot be read
    error: InputError


def not_a_file(path: Path, shown: str | None = None) -> InputError | None:
    """Why `path` cannot be loaded when it is a device, pipe or socket (reading one may never
    end, opening a pipe waits for a writer), else None; judged by os.stat, before it is opened,
    and of what a symbolic link points to. A path that cannot be stat'ed is not judged here:
    opening it says why."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return None if stat.S_ISREG(mode) else not_a_file_error(shown or str(path))


def not_a_file_error(shown: str) -> InputError:
    return InputError(
        "not_a_file",
        f"{shown} is not a regular file (a device, pipe or socket); only files can be loaded",
    )


def archive_kind(path: Path) -> str | None:
    """'zip' or 'gzip' when the file is such an archive, else None (also when it cannot be
    read, or is not a regular file: the loader then says why)."""
    if not_a_file(path) is not None:
        return None
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
    path: Path, workdir: Path | None = None, limits: ArchiveLimits | None = None
) -> Iterator[tuple[Path | None, str, Unreadable | None]]:
    """(file to load, name to show, None) for the file itself, or for each file inside an
    archive. What cannot be read comes as (None, name to show, Unreadable): a member (also one
    past a limit of `limits`), and the next members follow; or the archive itself, last (also
    when the archive's own limits are reached: the members after that are not unpacked)."""
    kind = archive_kind(path)
    if kind is None:
        yield path, str(path), None
        return
    number = 0
    try:
        try:
            archive_bytes = path.stat().st_size
        except OSError as exc:
            raise InputError("archive_unreadable", f"the {kind} archive cannot be read "
                             f"({exc.strerror})") from None  # fmt: skip
        budget = Budget(limits or ArchiveLimits(), kind, archive_bytes)
        with tempfile.TemporaryDirectory(prefix=unpack_prefix(), dir=workdir) as folder:
            for number, (name, source, stored, compressed) in enumerate(
                members(path, kind), start=1
            ):
                # a folder per member: two members may share a file name in different folders
                target = Path(folder) / str(number) / member_name(name)
                target.parent.mkdir()
                # what the archive stores of it, as far as the archive holds it
                compressed = min(compressed, archive_bytes)
                try:
                    with source() as src, target.open("wb") as dst:
                        budget.unpack(member_name(name), src, dst, compressed)
                except LimitReached as exc:
                    target.unlink(missing_ok=True)  # nothing of it stays, not even for a while
                    if exc.whole_archive:
                        raise exc.error from None
                    digest, size = stored_bytes(stored)
                    unreadable = Unreadable(member_name(name), digest, size, exc.error)
                    yield None, f"{path}/{name}", unreadable
                except (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError,
                        NotImplementedError) as exc:  # fmt: skip
                    # RuntimeError: an encrypted member; NotImplementedError: an unknown
                    # compression
                    target.unlink(missing_ok=True)
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
    as the archive holds them; read in chunks (a member may be gigabytes)."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        f.seek(info.header_offset)
        header = f.read(ZIP_LOCAL_HEADER)
        name_bytes = int.from_bytes(header[26:28], "little")
        extra_bytes = int.from_bytes(header[28:30], "little")
        f.seek(info.header_offset + ZIP_LOCAL_HEADER + name_bytes + extra_bytes)
        left = info.compress_size
        while left > 0 and (chunk := f.read(min(left, COPY_BYTES))):
            digest.update(chunk)
            size += len(chunk)
            left -= len(chunk)
    return digest.hexdigest(), size


def members(path: Path, kind: str) -> Iterator[tuple[str, Callable, Callable, int]]:
    """(name, opener, stored bytes' SHA-256 and size, compressed size as declared) of each file
    in the archive, in the archive's order; hidden files and folders are skipped."""
    if kind == "gzip":
        name = path.name[:-3] if path.name.lower().endswith(".gz") else f"{path.name}.content"
        compressed = path.stat().st_size
        yield name, lambda: gzip.open(path, "rb"), lambda: whole_file(path), compressed
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
                lambda info=info: unbounded(info) or archive.open(info),
                lambda info=info: stored_member(path, info),
                info.compress_size,
            )


def unbounded(info: zipfile.ZipInfo) -> None:
    """Refuse a member whose compression zipfile cannot unpack in bounded pieces."""
    method = UNBOUNDED_METHODS.get(info.compress_type)
    if method:
        raise LimitReached(InputError("archive_unsupported", (
            f"{member_name(info.filename)} inside the zip archive is compressed with {method}, "
            "which cannot be unpacked within the limits (a few bytes of it can make gigabytes at "
            "once); make the archive again with ordinary (deflate) compression, or unpack it "
            "and load the files")), whole_archive=False)  # fmt: skip


def hidden(part: str) -> bool:
    """A hidden file or folder (.DS_Store), or the resource forks a Mac adds (__MACOSX)."""
    return part == "__MACOSX" or (part.startswith(".") and part not in (".", ".."))


def unpack_prefix(pid: int | None = None) -> str:
    """The start of the name of an unpack folder of process `pid` (default: this one)."""
    return f"{UNPACK_PREFIX}{HOST}-{os.getpid() if pid is None else pid}-"


def process_alive(pid: int) -> bool:
    """Whether a process `pid` runs on this machine (a process of another user counts)."""
    if os.name == "nt" or pid <= 0:  # Windows' os.kill(pid, 0) would send Ctrl-C
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process, or no pid this system can have: leave it
    return True


def untouched_since(folder: str, moment: float) -> bool:
    """Whether nothing in `folder` (itself included) was modified after `moment`."""
    for root, dirs, files in os.walk(folder):
        for name in (root, *(os.path.join(root, n) for n in dirs + files)):
            try:
                if os.lstat(name).st_mtime > moment:
                    return False
            except OSError:
                continue
    return True


def remove_stale_unpack_folders(workdir: Path) -> list[Path]:
    """Remove the unpack folders that loads killed while unpacking left in `workdir` (partial
    members hold claims): only folders named as this program names them, not symbolic links,
    of this machine, whose process no longer runs (or, named as before the pid was recorded,
    untouched for a day). Returns those removed; one that cannot be removed stays, silently."""
    try:
        entries = list(os.scandir(workdir))
    except OSError:
        return []
    removed = []
    for entry in entries:
        if not entry.name.startswith(UNPACK_PREFIX):
            continue
        named = UNPACK_FOLDER.fullmatch(entry.name)
        if named:
            if named["host"] != HOST or process_alive(int(named["pid"])):
                continue
        elif not LEGACY_UNPACK_FOLDER.fullmatch(entry.name):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
        except OSError:
            continue
        if not named and not untouched_since(entry.path, time.time() - LEGACY_STALE_SECONDS):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    return removed
