"""The Before you send page's read: an uploaded batch checked by unlisted/presubmission.py against
the live database (read-only), within the upload size limit of the settings ([check]).

The uploaded bytes go to a private temporary folder (the loader reads files), removed as soon as
the check ends, whatever happens."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..etl.errors import InputError
from ..queries.marts import ReferenceListError
from .checks import reads

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Upload:
    name: str  # as the browser gave it: shown escaped, never used as a path
    content: bytes


class UploadError(ValueError):
    """An upload that cannot be checked; the message says why, in the user's words."""


class BatchChecks:
    """Data's check of an uploaded batch (mixed into dashboard/data.py Data)."""

    config: dict
    snapshot: object
    settings: object

    def check_limits(self) -> int:
        """Bytes all the files of one check may hold."""
        return int(self.config["check"]["max_upload_bytes"])

    @reads("check")
    def check_batch(self, files: list[Upload], notes: list[Upload]):
        """unlisted.presubmission.Checked for the uploads; UploadError when they cannot be."""
        from ..presubmission import check_batch

        limit = self.check_limits()
        size = sum(len(f.content) for f in [*files, *notes])
        if size > limit:
            raise UploadError(
                f"The files hold {size_text(size)}; one check takes up to {size_text(limit)}. "
                "Check the batch in parts."
            )
        with tempfile.TemporaryDirectory(prefix="unlisted-check-") as folder:
            shown: dict[str, str] = {}
            batch = [write(Path(folder), n, f, shown) for n, f in enumerate(files, start=1)]
            given = [write(Path(folder), n, f, shown)
                     for n, f in enumerate(notes, start=len(files) + 1)]  # fmt: skip
            try:
                checked = check_batch(self.snapshot.path, batch, self.config, notes=given,
                                      as_of=self.settings.as_of)  # fmt: skip
            except (InputError, ReferenceListError) as exc:
                raise UploadError(_named(getattr(exc, "message", str(exc)), shown)) from None
        for result in [*checked.files, *checked.notes]:
            result.file = shown.get(Path(result.file).name, result.file)
            result.message = _named(result.message, shown)
        checked.report.notices[:] = [_named(n, shown) for n in checked.report.notices]
        return checked


def size_text(size: int) -> str:
    """Bytes as people read them: 58.6 KB, 20 MB."""
    if size < 1024**2:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024**2:.1f} MB".replace(".0 MB", " MB")


def write(folder: Path, number: int, upload: Upload, shown: dict[str, str]) -> Path:
    """The upload as a file of the folder, named by its number and the safe part of its name
    (the loader tells kinds by content, not by name)."""
    name = f"{number:03d}-{SAFE_NAME.sub('_', Path(upload.name).name)[-60:] or 'upload'}"
    path = folder / name
    path.write_bytes(upload.content)
    shown[name] = upload.name
    return path


def _named(text: str, shown: dict[str, str]) -> str:
    """Text about the temporary files, with the names the user chose."""
    for temporary, original in shown.items():
        text = text.replace(temporary, original)
    return text
