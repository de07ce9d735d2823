"""Controller cache files shared by the forks of one ansible-playbook run.

Forks are separate processes: a cache that must be fetched once per run (the
Go release index, a runner token) is checked, fetched and written under an
exclusive ``flock``, and replaced in one rename so readers see the old or the
new content, never half of it. Shared by :mod:`release_index` and
:mod:`github_api`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def exclusive_lock(lock_path: str, mode: int,
                   error: Callable[[OSError], Exception]) -> Iterator[None]:
    """Hold ``flock(LOCK_EX)`` on ``lock_path`` (created with ``mode``).

    A lock file that cannot be opened raises ``error(oserror)``, the caller's
    own message. Read-only is enough for ``flock``, and lets users who share a
    cache directory lock it.
    """
    try:
        descriptor = os.open(lock_path, os.O_RDONLY | os.O_CREAT, mode)
    except OSError as failure:
        raise error(failure) from failure
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        # Closing the descriptor releases the lock.
        os.close(descriptor)


def write_atomically(path: str, body: bytes, mode: int, prefix: str) -> bool:
    """Replace ``path`` with ``body`` (permissions ``mode``) in one rename.

    Returns False when the file could not be written: what was fetched is
    still valid, so an unwritable cache (disk full) costs a fetch next time,
    not this run.
    """
    try:
        descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=prefix,
                                                 suffix=".tmp")
    except OSError:
        return False
    try:
        # mkstemp creates 0600; set the mode asked for, whatever the umask did.
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True
