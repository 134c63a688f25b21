"""The content-addressed attachment store beside the database.

Files are copied in by their sha256 (``ab/abcdef…``), never referenced by the
caller's path, so moving or deleting the original loses nothing.

What is accepted: a regular file (checked on the opened descriptor, so nothing can swap it
between the check and the read), not empty, at most the limit, read with that cap whatever
size it claims (a ``/proc`` file reports 0 bytes and then reads megabytes). The store is for
the user only: folders 0700, files 0600, whatever the umask.

Storing is two steps so a refused database write leaves no file behind: :func:`stage_file`
copies and hashes into a hidden temporary file in the store (outside any transaction: hashing
25 MB must not hold the write lock), and :func:`publish` moves it into place once the row that
names it has committed; :func:`discard` removes a staged file that was not published (called in
a ``finally``, it does nothing after a publish). A temporary file left by a crash is swept the
next time a file is staged, a day later.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from safet_tui.domain.units import human_size

DEFAULT_LIMIT = 25 * 1024 * 1024
#: the longest stored name, in characters (the extension is kept)
MAX_NAME = 120
_STAGING = ".staging-"
_STALE_SECONDS = 24 * 3600
_CHUNK = 1 << 20


class AttachmentError(ValueError):
    pass


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str
    media_type: str


@dataclass
class Staged:
    """A file copied into the store under a temporary name, not yet in place."""

    file: StoredFile
    temp: Path
    dest: Path
    published: bool = False


def shown(path: str | os.PathLike) -> str:
    """A path as text that can be printed anywhere: undecodable bytes as U+FFFD, control
    characters as ``?``."""
    raw = os.fsencode(os.fspath(path)) if not isinstance(path, str) else _bytes_of(path)
    text = raw.decode("utf-8", "replace")
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text)


def _bytes_of(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text).encode("utf-8")


_DROPPED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def safe_name(raw: str | bytes | os.PathLike) -> str:
    """The name an attachment is stored and shown under: valid UTF-8 (undecodable bytes become
    U+FFFD), no control, format (bidi, zero-width) or unassigned characters, no path separators,
    spaces collapsed, at most :data:`MAX_NAME` characters with the extension kept; never empty."""
    data = raw if isinstance(raw, bytes) else _bytes_of(os.fspath(raw)) if isinstance(raw, str) else os.fsencode(raw)
    text = " ".join(data.decode("utf-8", "replace").split())  # tabs, line breaks: one space
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED)
    text = text.replace("/", "_").replace("\\", "_")
    text = " ".join(text.split()).strip(" .")
    if not text:
        return "attachment"
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and 0 < len(ext) <= 16:
            text = stem[: MAX_NAME - len(ext) - 2] + "…." + ext
        else:
            text = text[: MAX_NAME - 1] + "…"
    return text


def _open_checked(path: str | os.PathLike, limit: int) -> tuple[int, int, str]:
    """Open ``path`` for reading and check the descriptor: a regular file, not empty, at most
    ``limit``. Returns (fd, size, what to call it in a message); the caller closes the fd."""
    if not str(os.fspath(path)).strip():
        raise AttachmentError("no file given")
    p = Path(path).expanduser()
    name = shown(p)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(p, flags)  # non-blocking: a FIFO would otherwise wait for a writer
    except FileNotFoundError:
        raise AttachmentError(f"{name}: no such file") from None
    except PermissionError:
        raise AttachmentError(f"{name}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise AttachmentError(f"{name}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise AttachmentError(f"{name}: is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise AttachmentError(f"{name}: not a regular file (a device, pipe or socket cannot be attached)")
        if info.st_size == 0:
            raise AttachmentError(f"{name}: is empty (it reports 0 bytes), so it proves nothing; attach the file that "
                                  "holds the evidence")
        if info.st_size > limit:
            raise AttachmentError(f"{name}: {human_size(info.st_size)} is over the {human_size(limit)} "
                                  "attachment limit")
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size, name


def check_file(path: str | os.PathLike, limit: int = DEFAULT_LIMIT) -> Path:
    """Refuse, in one line, a file that cannot be attached; the same checks as :func:`stage_file`."""
    fd, _size, _name = _open_checked(path, limit)
    os.close(fd)
    return Path(path).expanduser()


def ensure_store(store: Path) -> None:
    """The store folder, created for the user only (an existing one keeps its mode)."""
    if not store.is_dir():
        store.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(store, 0o700)  # whatever the umask


def _sweep(store: Path) -> None:
    """Remove temporary files a crash left behind, a day after."""
    cutoff = time.time() - _STALE_SECONDS
    try:
        for left in store.glob(_STAGING + "*"):
            if left.lstat().st_mtime < cutoff:
                left.unlink(missing_ok=True)
    except OSError:
        pass


def stage_file(store: Path, path: str | os.PathLike, limit: int = DEFAULT_LIMIT) -> Staged:
    """Copy a file into a temporary file in the store (0600), hashing it; nothing is left behind
    when it is refused. :func:`publish` puts it in place, :func:`discard` drops it."""
    fd, size, name = _open_checked(path, limit)
    temp: Path | None = None
    try:
        ensure_store(store)
        _sweep(store)
        out_fd, temp_name = tempfile.mkstemp(prefix=_STAGING, dir=store)
        temp = Path(temp_name)
        digest = hashlib.sha256()
        read = 0
        cap = min(size, limit) + 1  # a file that reads more than it claims is caught, not copied on
        with os.fdopen(out_fd, "wb") as out:
            while read < cap:
                chunk = os.read(fd, min(_CHUNK, cap - read))
                if not chunk:
                    break
                read += len(chunk)
                if read > size:
                    raise AttachmentError(f"{name}: reads more than the {human_size(size)} it claims (a "
                                          "special or growing file); copy it to a regular file first")
                digest.update(chunk)
                out.write(chunk)
            if read < size:
                raise AttachmentError(f"{name}: shrank while it was read; try again when it is complete")
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        stored = StoredFile(safe_name(Path(path).name), size, sha, _media_type(path))
        staged = Staged(stored, temp, stored_path(store, sha))
        temp = None  # the caller owns it now
        return staged
    except OSError as exc:
        raise AttachmentError(f"{name}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
        if temp is not None:
            temp.unlink(missing_ok=True)


def _media_type(path: str | os.PathLike) -> str:
    return mimetypes.guess_type(safe_name(Path(path).name))[0] or "application/octet-stream"


def publish(staged: Staged) -> None:
    """Move a staged file into its place (or drop it: the same content is there already)."""
    if staged.published:
        return
    parent = staged.dest.parent
    if not parent.is_dir():
        parent.mkdir(mode=0o700, exist_ok=True)
        os.chmod(parent, 0o700)
    if staged.dest.exists():
        staged.temp.unlink(missing_ok=True)
    else:
        os.replace(staged.temp, staged.dest)
    staged.published = True


def discard(staged: Staged) -> None:
    """Remove a staged file that was not published (nothing after a publish)."""
    if not staged.published:
        staged.temp.unlink(missing_ok=True)


def store_file(store: Path, path: str | os.PathLike, limit: int = DEFAULT_LIMIT) -> StoredFile:
    """Copy a file into the store at once (no database row waits on it); returns what to record."""
    staged = stage_file(store, path, limit)
    try:
        publish(staged)
    finally:
        discard(staged)
    return staged.file


def put_bytes(store: Path, data: bytes) -> str:
    """Store bytes (the demo's sample files) for the user only; their sha256."""
    sha = hashlib.sha256(data).hexdigest()
    dest = stored_path(store, sha)
    if dest.exists():
        return sha
    ensure_store(store)
    fd, temp = tempfile.mkstemp(prefix=_STAGING, dir=store)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    publish(Staged(StoredFile("", len(data), sha, ""), Path(temp), dest))
    return sha


def stored_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256
