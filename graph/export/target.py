"""Where an export's bytes go: a regular file replaced atomically, or a stream, never a mistake.

`tracker export -o PATH` used to rename a temporary file over whatever PATH was (issue 17, item
14): a FIFO and a device node (`/dev/full`, as root) became regular files, a symlink was
replaced instead of followed, and the tracker's own database could be overwritten. Now:
- a regular file (new or existing) is written under a temporary name beside it and renamed into
  place, keeping an existing file's permission bits, as `>` in a shell keeps them;
- a symlink is followed, and its target is written by the same rules;
- a FIFO or a character or block device is opened and written as a stream (a reader on the
  FIFO gets the export, /dev/full says it is full);
- an SQLite database (the tracker's own, most likely) or a socket is refused, naming it.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

_SQLITE_MAGIC = b"SQLite format 3\x00"


class ExportTargetError(OSError):
    """The export could not be written where asked (a full disk, no permission)."""


class ExportRefused(ExportTargetError):
    """The export would overwrite something it must not (a database, a socket)."""


def write_targets(targets: Mapping[Path, Callable[[BinaryIO], None]]) -> list[Path]:
    """Write each target by the rules of the module docstring; returns the paths asked for.
    Regular files are all renamed into place only once every one of them is written."""
    plan = {path: _resolve(path) for path in targets}
    for path, real in plan.items():
        _refuse(path, real)
    temps: dict[Path, Path] = {}
    try:
        for path, write in targets.items():
            real = plan[path]
            if _is_stream(real):
                _stream(real, write)
                continue
            tmp = real.with_name(f".{real.name}.{uuid.uuid4().hex[:8]}.tmp")
            temps[real] = tmp
            try:
                with open(tmp, "xb") as out:  # plain open: the mode follows the umask
                    write(out)
                if real.exists():
                    os.chmod(tmp, stat.S_IMODE(real.stat().st_mode))
            except OSError as exc:
                raise ExportTargetError(f"cannot write {path}: {exc.strerror or exc}") from exc
        for real, tmp in temps.items():
            os.replace(tmp, real)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return list(targets)


def _resolve(path: Path) -> Path:
    """The file a path names, through symlinks (a dangling one names its future target)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _is_stream(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def _refuse(path: Path, real: Path) -> None:
    try:
        mode = real.stat().st_mode
    except OSError:
        return  # nothing there yet
    if stat.S_ISSOCK(mode):
        raise ExportRefused(f"{path} is a socket: not written; choose another --output")
    if stat.S_ISREG(mode):
        try:
            with open(real, "rb") as existing:
                head = existing.read(len(_SQLITE_MAGIC))
        except OSError:
            return
        if head == _SQLITE_MAGIC:
            raise ExportRefused(
                f"{path} is an SQLite database (the tracker's own?): not overwritten; "
                "choose another --output"
            )


def _stream(path: Path, write: Callable[[BinaryIO], None]) -> None:
    try:
        with open(path, "wb") as out:  # a FIFO or a device: no temporary file, no rename
            write(out)
    except OSError as exc:
        raise ExportTargetError(f"cannot write {path}: {exc.strerror or exc}") from exc
