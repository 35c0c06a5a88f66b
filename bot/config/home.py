"""CMSBOT_HOME is private to the user cmsbot runs as.

What lives there (the SQLite database and its -wal and -shm files, the embedded Redis's data,
log and config, generated secrets) holds phone numbers, incident details and signing keys: no
other user of the machine may read it. The home is 0700 and every file in it 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
_GROUP_AND_OTHERS = 0o077


def keep_private(home: Path) -> None:
    """Create files for this user only from now on (in this process and every process it
    starts, such as the embedded redis-server), and take group and other access off the home
    and whatever an earlier version of cmsbot left in it with looser modes."""
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)  # keep any stricter bits already set
    if home.is_dir():
        make_tree_private(home)


def make_tree_private(root: Path) -> None:
    """`root` to 0700 and everything under it without group or other bits."""
    root.chmod(0o700)
    for directory, subdirectories, files in os.walk(root):
        for name in (*subdirectories, *files):
            path = os.path.join(directory, name)
            status = os.lstat(path)
            # A symlink's own mode means nothing on Linux, and chmod would follow it out of
            # the home; a file someone else owns is not ours to change (nor could we).
            if stat.S_ISLNK(status.st_mode) or status.st_uid != os.getuid():
                continue
            mode = stat.S_IMODE(status.st_mode)
            if mode & _GROUP_AND_OTHERS:
                os.chmod(path, mode & ~_GROUP_AND_OTHERS)


def private_dir(path: Path) -> Path:
    """`path` (and any missing parent) made as a directory only this user can enter."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def touch_private(path: Path) -> None:
    """Create `path` empty and 0600 if nothing is there: a file that SQLite will open (it gives
    its -wal and -shm files the mode of the database file). Whatever is there is left alone."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, replacing it whole; readable by this user only at every moment."""
    draft = _draft(path, text)
    os.replace(draft, path)


def keep_first(path: Path, text: str) -> str:
    """Put `text` at `path` unless a file is already there; return what `path` holds.

    Two processes starting together agree on one value: each writes a private draft and links
    it into place, which only the first link wins (a rename would let the second replace a
    value the first had already read).
    """
    if not path.exists():
        draft = _draft(path, text)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text()


def _draft(path: Path, text: str) -> Path:
    # Created 0600 by open() itself, never chmod-ed afterwards: a draft that is readable even
    # for an instant can be read by a poller. O_EXCL refuses a file (or a symlink) planted
    # under the draft's name.
    draft = path.with_name(f".{path.name}.{os.getpid()}.draft")
    draft.unlink(missing_ok=True)  # left by a crash of an earlier process with this pid
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return draft
