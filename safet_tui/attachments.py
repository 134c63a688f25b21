"""The content-addressed attachment store beside the database.

Files are copied in by their sha256 (``ab/abcdef…``), never referenced by the
caller's path, so moving or deleting the original loses nothing.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from safet_tui.domain.units import human_size

DEFAULT_LIMIT = 25 * 1024 * 1024


class AttachmentError(ValueError):
    pass


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str
    media_type: str


def check_file(path: str | os.PathLike, limit: int = DEFAULT_LIMIT) -> Path:
    p = Path(path).expanduser()
    if not str(path).strip():
        raise AttachmentError("no file given")
    if not p.exists():
        raise AttachmentError(f"{p}: no such file")
    if p.is_dir():
        raise AttachmentError(f"{p}: is a directory, not a file")
    if not p.is_file():
        raise AttachmentError(f"{p}: not a regular file")
    if not os.access(p, os.R_OK):
        raise AttachmentError(f"{p}: cannot be read (permission denied)")
    size = p.stat().st_size
    if size > limit:
        raise AttachmentError(f"{p}: {human_size(size)} is over the {human_size(limit)} attachment limit")
    return p


def store_file(store: Path, path: str | os.PathLike, limit: int = DEFAULT_LIMIT) -> StoredFile:
    """Copy a file into the store; returns what the database records."""
    src = check_file(path, limit)
    store.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with open(src, "rb") as fh, tempfile.NamedTemporaryFile(dir=store, delete=False) as tmp:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                size += len(chunk)
                if size > limit:
                    raise AttachmentError(f"{src}: over the {human_size(limit)} attachment limit")
                digest.update(chunk)
                tmp.write(chunk)
    except OSError as exc:
        raise AttachmentError(f"{src}: {exc.strerror or exc}") from exc
    sha = digest.hexdigest()
    dest = store / sha[:2] / sha
    dest.parent.mkdir(exist_ok=True)
    if dest.exists():
        os.unlink(tmp.name)
    else:
        shutil.move(tmp.name, dest)
    media = mimetypes.guess_type(src.name)[0] or "application/octet-stream"
    return StoredFile(src.name, size, sha, media)


def stored_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256
