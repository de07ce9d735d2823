"""Windows paths on top of a real directory tree.

Drive ``C:`` is ``<state>/fs/C``; a UNC path ``\\\\server\\share\\...`` is a
directory mapped by the host's share table (plus the administrative shares
``\\\\<host>\\C$``). Resolution walks one component at a time and matches names
case-insensitively, so ``C:\\PROGRAM FILES\\go`` finds ``Program Files\\Go`` and
new items keep the case they were created with.

Junctions are real symlinks on disk (so tools that inspect the state directory
see them) but resolution follows the junction table of the model, which holds
the target in Windows form: a junction's target is a path string, re-resolved
on every traversal, exactly like a mount-point reparse point.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath

from .errors import OpError
from .model import Model
from .names import fold

# Windows gives up after this many reparse points in one path (ERROR_CANT_RESOLVE_FILENAME).
MAX_REPARSE = 63
_ADMIN_SHARE = re.compile(r"^[A-Z]\$$")


@dataclass
class Resolved:
    """Where a Windows path lands: its real location and what is there."""

    win: str
    real: str
    kind: str | None
    parent_real: str | None
    volume: str
    target: str | None = None
    missing: str | None = None

    @property
    def exists(self) -> bool:
        """True when something (file, directory or junction) is at the path."""
        return self.kind is not None


def not_found_message(res: Resolved) -> str:
    """What Windows says for a path that is not there."""
    if res.missing == "share":
        return f"The network path was not found: '{res.win}'"
    if res.missing == "drive":
        return f"Cannot find drive. A drive with the name '{res.win[:2]}' does not exist."
    if res.missing == "parent":
        return f"Could not find a part of the path '{res.win}'."
    return f"Could not find file '{res.win}'."


def os_error(err: OSError, win: str) -> OpError:
    """Map a real OS error while touching ``win`` to the agent's error code."""
    code = {
        errno.ENOSPC: "disk_full",
        errno.EDQUOT: "disk_full",
        errno.EACCES: "access_denied",
        errno.EPERM: "access_denied",
        errno.EROFS: "access_denied",
        errno.ENOENT: "not_found",
        errno.EEXIST: "exists",
        errno.ENOTEMPTY: "exists",
        errno.ENAMETOOLONG: "too_long",
    }.get(err.errno or 0, "error")
    return OpError(code, f"{err.strerror or err} : '{win}'")


def iso_mtime(real: str) -> str:
    """The mtime of ``real`` (not following links) as ISO 8601 UTC with a ``Z``."""
    stamp = datetime.fromtimestamp(os.lstat(real).st_mtime, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_file(real: str) -> str:
    """Lowercase hex SHA-256 of a real file."""
    digest = hashlib.sha256()
    with open(real, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sibling(real: str, tag: str) -> str:
    """A staging name next to ``real``: ``<name>.<tag>-<random>``."""
    head, name = os.path.split(real)
    return os.path.join(head, f"{name}.{tag}-{uuid.uuid4().hex[:8]}")


class SimFS:
    """Path resolution and file-system bookkeeping for one batch."""

    def __init__(self, state_root: str, model: Model, hostname: str) -> None:
        self.fs_root = os.path.join(state_root, "fs")
        self.model = model
        self.hostname = hostname
        self._protected: set[str] | None = None

    # -- resolution ----------------------------------------------------------

    def validate(self, path: Any, what: str = "path") -> str:
        """``winpath.validate`` with its error turned into an :class:`OpError`."""
        try:
            return winpath.validate(path, what)
        except winpath.WindowsPathError as err:
            raise OpError(err.code, str(err)) from None

    def resolve(self, path: Any, what: str = "path", _depth: int = 0) -> Resolved:
        """Resolve ``path`` without following a junction at its last component."""
        win = self.validate(path, what)
        comps = winpath.components(win)
        root, rest = comps[0], comps[1:]
        volume = fold(root)
        base, missing = self._root_real(root)
        if base is None:
            return Resolved(win, "", None, None, volume, missing=missing)
        if not rest:
            return Resolved(win, base, "directory", None, volume)
        cur = base
        hops = _depth
        for i, comp in enumerate(rest):
            last = i == len(rest) - 1
            if not os.path.isdir(cur):
                return Resolved(win, os.path.join(cur, *rest[i:]), None, None, volume,
                                missing="parent")
            name = self._lookup(cur, comp)
            if name is None:
                real = os.path.join(cur, comp, *rest[i + 1:])
                return Resolved(win, real, None, cur if last else None, volume,
                                missing=None if last else "parent")
            real = os.path.join(cur, name)
            if os.path.islink(real):
                target = self.junction_target(real)
                if last:
                    return Resolved(win, real, "junction", cur, volume, target=target)
                hops += 1
                dest = self._follow(target, hops)
                if dest is None or dest.kind != "directory":
                    return Resolved(win, os.path.join(real, *rest[i + 1:]), None, None, volume,
                                    missing="parent")
                cur = dest.real
                continue
            if last:
                kind = "directory" if os.path.isdir(real) else "file"
                return Resolved(win, real, kind, cur, volume)
            cur = real
        raise AssertionError("unreachable")

    def file_at(self, win: str) -> Resolved | None:
        """The file at ``win`` with junctions followed, or None (missing, a directory,
        or an invalid path): what a program that opens the file would find."""
        try:
            res = self.follow(self.resolve(win))
        except OpError:
            return None
        return res if res.kind == "file" else None

    def follow(self, res: Resolved) -> Resolved:
        """``res`` itself, or for a junction what its target resolves to (a dangling one
        resolves to a missing item)."""
        if res.kind != "junction":
            return res
        dest = self._follow(res.target, 1)
        if dest is None:
            return dataclasses.replace(res, kind=None, missing="parent")
        return dataclasses.replace(dest, win=res.win)

    def _follow(self, target: str | None, depth: int) -> Resolved | None:
        if target is None:
            return None
        if depth > MAX_REPARSE:
            raise OpError("error", "The name of the file cannot be resolved by the system.")
        try:
            dest = self.resolve(target, "junction target", depth)
        except OpError as err:
            if err.code == "error":
                raise
            return None
        if dest.kind == "junction":
            return self._follow(dest.target, depth + 1)
        return dest

    def _root_real(self, root: str) -> tuple[str | None, str | None]:
        if not root.startswith("\\\\"):
            base = os.path.join(self.fs_root, root[0].upper())
            return (base, None) if os.path.isdir(base) else (None, "drive")
        server, share = root[2:].split("\\", 1)
        mapped = self.model.shares.get(fold(root))
        local = fold(server) in (fold(self.hostname), "LOCALHOST", "127.0.0.1")
        if mapped is None and local and _ADMIN_SHARE.match(fold(share)):
            mapped = os.path.join(self.fs_root, fold(share)[0])
        if mapped is None or not os.path.isdir(mapped):
            return None, "share"
        return mapped, None

    @staticmethod
    def _lookup(directory: str, name: str) -> str | None:
        if os.path.lexists(os.path.join(directory, name)):
            return name
        wanted = fold(name)
        try:
            entries = sorted(os.listdir(directory))
        except OSError:
            return None
        for entry in entries:
            if fold(entry) == wanted:
                return entry
        return None

    # -- junctions -------------------------------------------------------------

    def junction_key(self, real: str) -> str | None:
        """The junction-table key of a real link location (None outside ``fs/``)."""
        rel = os.path.relpath(real, self.fs_root)
        if rel.startswith(".."):
            return None
        return rel.replace(os.sep, "/")

    def win_of_real(self, real: str) -> str | None:
        """The ``X:\\...`` path of a real location under ``fs/``."""
        key = self.junction_key(real)
        if key is None:
            return None
        drive, _sep, rest = key.partition("/")
        return winpath.normalize(f"{drive}:\\" + rest.replace("/", "\\"))

    def junction_target(self, real: str) -> str | None:
        """The Windows target of the junction at ``real``."""
        key = self.junction_key(real)
        if key is not None and key in self.model.junctions:
            return self.model.junctions[key]
        # A link made outside the model (a test planting one): translate its target.
        try:
            dest = os.path.realpath(real)
        except OSError:
            return None
        return self.win_of_real(dest)

    def add_junction(self, link_real: str, target_win: str, target_real: str) -> None:
        """Create the link on disk and record its Windows target."""
        os.symlink(os.path.relpath(target_real, os.path.dirname(link_real)), link_real,
                   target_is_directory=True)
        key = self.junction_key(link_real)
        if key is not None:
            self.model.junctions[key] = target_win

    def drop_junction(self, link_real: str) -> None:
        """Remove the link (never its target) and its table entry."""
        os.unlink(link_real)
        key = self.junction_key(link_real)
        if key is not None:
            self.model.junctions.pop(key, None)

    def forget_junctions_under(self, real: str) -> None:
        """Drop table entries of links at or below ``real`` (the tree is gone)."""
        key = self.junction_key(real)
        if key is None:
            return
        for k in [k for k in self.model.junctions if k == key or k.startswith(key + "/")]:
            del self.model.junctions[k]

    def move_junctions(self, old_real: str, new_real: str) -> None:
        """Re-key table entries after a tree moved from ``old_real`` to ``new_real``.

        The links on disk are relative symlinks; those whose target lies outside
        the moved tree are re-pointed so the state directory stays browsable.
        """
        old, new = self.junction_key(old_real), self.junction_key(new_real)
        if old is None or new is None:
            return
        moved = [k for k in self.model.junctions if k == old or k.startswith(old + "/")]
        for k in moved:
            target = self.model.junctions.pop(k)
            key = new + k[len(old):]
            self.model.junctions[key] = target
            link = os.path.join(self.fs_root, *key.split("/"))
            dest = self._follow(target, 1)
            if dest is not None and dest.exists and os.path.islink(link):
                os.unlink(link)
                os.symlink(os.path.relpath(dest.real, os.path.dirname(link)), link,
                           target_is_directory=True)

    # -- Windows protections ---------------------------------------------------

    def protected(self, real: str) -> bool:
        """True for items TrustedInstaller owns (C:\\Windows, seeded programs, ...)."""
        if self._protected is None:
            self._protected = set()
            for win in self.model.protected:
                res = self.resolve(win)
                if res.exists:
                    self._protected.add(os.path.normpath(res.real))
        return os.path.normpath(real) in self._protected

    def locked_by(self, real: str) -> str | None:
        """The running service whose executable is ``real`` or lies below it.

        A service started by the simulated SCM lists the files it holds open in
        ``locks`` (see service_programs); otherwise its ``exe`` is the file.
        """
        here = os.path.normpath(real)
        for svc in self.model.services.values():
            if svc.get("state") != "running" or not svc.get("exe"):
                continue
            for held in svc.get("locks") or [svc["exe"]]:
                try:
                    exe = self.resolve(held)
                except OpError:
                    continue
                if not exe.exists:
                    continue
                locked = os.path.normpath(exe.real)
                if locked == here or locked.startswith(here + os.sep):
                    return str(svc.get("name") or "a service")
        return None

    def check_writable(self, res: Resolved, action: str) -> None:
        """Refuse to replace/remove/move a protected or in-use item."""
        if not res.exists:
            return
        if self.protected(res.real):
            raise OpError("access_denied", f"Access to the path '{res.win}' is denied.")
        service = self.locked_by(res.real)
        if service:
            raise OpError(
                "in_use",
                f"The process cannot access the file '{res.win}' because it is being used by "
                f"another process (the running service '{service}'); cannot {action} it.",
            )

    # -- listing ---------------------------------------------------------------

    def entry(self, real: str, name: str) -> dict[str, Any]:
        """One ``file.list`` entry."""
        if os.path.islink(real):
            return {"name": name, "type": "junction", "size": None,
                    "target": self.junction_target(real)}
        if os.path.isdir(real):
            return {"name": name, "type": "directory", "size": None, "target": None}
        return {"name": name, "type": "file", "size": os.path.getsize(real), "target": None}

    def list_dir(self, real: str) -> list[dict[str, Any]]:
        """Entries of a real directory, sorted by name case-insensitively."""
        names = sorted(os.listdir(real), key=lambda n: (fold(n), n))
        return [self.entry(os.path.join(real, n), n) for n in names]
