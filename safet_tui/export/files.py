"""Export files for the user only: every file an export writes is created 0600 (whatever the
umask), written whole under a temporary name in the same folder and then moved over the target,
so a reader never sees half a file and an existing file of another mode (or a link put in its
place) is replaced, not written through."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` (0600), creating its folder (0700) if it is missing."""
    target = Path(path).expanduser()
    folder = target.parent
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding=encoding, newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
