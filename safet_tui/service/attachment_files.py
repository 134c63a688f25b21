"""A thread's attachments out of the store: saved into a folder as a file of your own (0600),
under its stored name cleaned so that it can never leave the folder."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unicodedata
from pathlib import Path

from safet_tui.db import Attachment, Claim
from safet_tui.service.errors import NotFound, ServiceError
from safet_tui.service.reads import Reads
from safet_tui.service.views import AttachmentView

#: characters never written into a saved file's name (separators, shell and Windows specials)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|\u200b-\u200f\u202a-\u202e\u2066-\u2069]')
MAX_NAME = 180
#: the folders of copies handed to a viewer: removed once older than a day (the viewer runs on its
#: own and may read its file late, so a copy cannot go the moment it is handed over)
VIEW_PREFIX, VIEW_KEEP_S = "safet-view-", 24 * 3600


class FileExists(ServiceError):
    """The folder already holds a file of that name (nothing was written)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists")
        self.path = path


def safe_name(name: str) -> str:
    """A stored attachment name as a plain file name: no folders, no control or special
    characters, no leading dots (no hidden file, no ``..``), at most ``MAX_NAME`` characters."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text).strip().lstrip(".").strip()
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        keep = ext if dot and 0 < len(ext) <= 10 else ""
        text = text[: MAX_NAME - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return text or "attachment"


def default_save_dir() -> Path:
    """Where attachments are saved unless you say: your Downloads folder, else your home."""
    try:
        from platformdirs import user_downloads_dir

        downloads = Path(user_downloads_dir())
    except Exception:  # noqa: BLE001 - no desktop folders known (a server): the home folder
        downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else Path.home()


class AttachmentFiles(Reads):
    def attachment(self, attachment_id: int) -> AttachmentView:
        a = Attachment.get_or_none(Attachment.id == attachment_id)
        if a is None or not self._sees(Claim.get_by_id(a.claim_id)):  # another seller's: not there
            raise NotFound(f"no attachment #{attachment_id}")
        return AttachmentView(a.id, a.name, a.size, a.sha256, a.media_type, a.created_at, a.message_id)

    def default_save_dir(self) -> Path:
        """Your Downloads folder; a desk kept to one folder (a browser visitor's): that folder."""
        return self.files_in if self.files_in is not None else default_save_dir()

    def save_attachment(self, attachment_id: int, folder: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Copy an attachment out of the store into ``folder`` (created if missing) as a file only
        you can read; an existing file is replaced only with ``overwrite`` (else :class:`FileExists`)."""
        att = self.attachment(attachment_id)
        source = self.attachment_path(att.sha256)
        if not source.is_file():
            raise ServiceError(f"{att.name}: the stored file is missing from {self.attachments_dir}")
        # a desk kept to one folder saves only inside it (a visitor could otherwise drop a file of
        # their own, named as they like, anywhere the server can write: ~/.ssh, a crontab)
        where = Path(self.local_path(str(folder).strip() or ".")).absolute()
        if where.exists() and not where.is_dir():
            raise ServiceError(f"{where} is not a folder")
        target = where / safe_name(att.name)
        if target.parent != where:  # safe_name leaves no separator: a guard, never expected
            raise ServiceError(f"{att.name}: not a name that can be saved")
        if (target.exists() or target.is_symlink()) and not overwrite:
            raise FileExists(target)
        if target.is_dir():
            raise ServiceError(f"{target} is a folder")
        try:
            where.mkdir(parents=True, exist_ok=True)
            # a temporary file (0600) beside the target, renamed over it: the target is never half
            # written, and a symlink in its place is replaced, not followed
            fd, tmp = tempfile.mkstemp(dir=where, prefix=".safet-save-")
            try:
                with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        out.write(chunk)
                os.replace(tmp, target)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise ServiceError(f"cannot save to {where}: {exc.strerror or exc}") from exc
        return target

    def viewable_copy(self, attachment_id: int) -> Path:
        """A private copy (0600, in a folder of its own, 0700) under the attachment's own name, so
        a viewer knows its type from the extension. Copies handed over more than a day ago go.
        Refused for a desk kept to one folder: its viewer would open on the server, not for you."""
        if self.files_in is not None:
            raise ServiceError("a viewer would open on the server, not on your screen: s saves the file instead")
        sweep_view_copies()
        folder = tempfile.mkdtemp(prefix=VIEW_PREFIX)
        return self.save_attachment(attachment_id, folder)


def sweep_view_copies(root: str | None = None, now: float | None = None) -> int:
    """Remove this user's viewer copies older than :data:`VIEW_KEEP_S`; how many folders went.
    Only folders named by :meth:`viewable_copy`, owned by this user, never a link."""
    root = root or tempfile.gettempdir()
    now = time.time() if now is None else now
    gone = 0
    try:
        entries = list(os.scandir(root))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(VIEW_PREFIX):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False) or st.st_uid != os.getuid():
                continue
            if now - st.st_mtime < VIEW_KEEP_S:
                continue
            shutil.rmtree(entry.path)
            gone += 1
        except OSError:
            continue
    return gone
