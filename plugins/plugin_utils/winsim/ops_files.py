"""file.stat, file.list, file.read, file.mkdir, file.write, file.remove, file.move,
file.junction: real files under the state directory, with Windows semantics."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import shutil
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath

from .args import Args
from .context import OpContext
from .errors import OpError
from .fs import Resolved, iso_mtime, not_found_message, os_error, sha256_file, sibling
from .names import fold
from .opspec import OpSpec

DEFAULT_MAX_BYTES = 1048576


def path_targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """The Windows paths an op names (for faults with a ``path``)."""
    if not isinstance(args, dict):
        return []
    out = []
    for key in ("path", "src", "dest", "target", "url", "cwd", "executable"):
        value = args.get(key)
        if isinstance(value, str):
            out.append(winpath.normalize(value))
    return out


def sha_arg(a: Args, name: str) -> str | None:
    """An optional SHA-256 argument, lowercased; 64 hex digits or invalid_argument."""
    value = a.str(name, required=False)
    if value is not None:
        value = value.lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise OpError("invalid_argument", f"{a.op}: '{name}' must be 64 hex digits")
    return value


def require_parent(res: Resolved) -> None:
    """Fail like Windows when the directory that should hold ``res`` is missing."""
    if not res.exists and res.parent_real is None:
        raise OpError("not_found", not_found_message(res))


# -- reads --------------------------------------------------------------------------


def file_stat(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Type, size, mtime, optional SHA-256, junction target; missing is ``exists: false``."""
    a = Args("file.stat", args, {"path", "checksum"})
    res = ctx.fs.resolve(a.str("path"))
    checksum = a.bool("checksum", False)
    if not res.exists:
        return {"changed": False, "exists": False}
    out: dict[str, Any] = {
        "changed": False,
        "exists": True,
        "type": res.kind,
        "size": None,
        "mtime": iso_mtime(res.real),
        "sha256": None,
        "target": res.target if res.kind == "junction" else None,
    }
    if res.kind == "file":
        out["size"] = os.path.getsize(res.real)
        if checksum:
            out["sha256"] = sha256_file(res.real)
    return out


def file_list(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """A directory's entries sorted by name case-insensitively (junctions are followed)."""
    a = Args("file.list", args, {"path"})
    res = ctx.fs.follow(ctx.fs.resolve(a.str("path")))
    if not res.exists:
        return {"changed": False, "exists": False, "entries": []}
    if res.kind != "directory":
        raise OpError("invalid_argument", f"'{res.win}' is a file, not a directory: "
                      "The directory name is invalid.")
    return {"changed": False, "exists": True, "entries": ctx.fs.list_dir(res.real)}


def file_read(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Up to ``max_bytes`` of a file, base64; a directory is access denied (FileStream)."""
    a = Args("file.read", args, {"path", "max_bytes"})
    res = ctx.fs.follow(ctx.fs.resolve(a.str("path")))
    max_bytes = a.int("max_bytes", DEFAULT_MAX_BYTES)
    if not res.exists:
        return {"changed": False, "exists": False}
    if res.kind != "file":
        raise OpError("access_denied", f"Access to the path '{res.win}' is denied.")
    size = os.path.getsize(res.real)
    with open(res.real, "rb") as fh:
        data = fh.read(max_bytes)
    return {
        "changed": False,
        "exists": True,
        "size": size,
        "content_b64": base64.b64encode(data).decode("ascii"),
        "truncated": size > max_bytes,
    }


# -- writes -------------------------------------------------------------------------


def make_dirs(ctx: OpContext, win: str) -> tuple[bool, str]:
    """Create ``win`` and its missing parents; return (created, real path of the directory).

    In check mode nothing is created. The deepest existing ancestor must be a
    directory (or a junction to one), as ``Directory.CreateDirectory`` requires.
    """
    res = ctx.fs.follow(ctx.fs.resolve(win))
    if res.kind == "directory":
        return False, res.real
    if res.exists:
        raise OpError("exists", f"Cannot create '{win}' because a file or directory with the "
                      "same name already exists.")
    comps = winpath.components(win)
    missing: list[str] = []
    anc = res
    while not anc.exists:
        if len(comps) <= 1:
            raise OpError("not_found", not_found_message(anc))
        missing.insert(0, comps.pop())
        anc = ctx.fs.follow(ctx.fs.resolve(winpath.join(comps[0] + "\\", *comps[1:])))
    if anc.kind != "directory":
        raise OpError("exists", f"Cannot create '{anc.win}' because a file or directory with "
                      "the same name already exists.")
    real = os.path.join(anc.real, *missing)
    if not ctx.check_mode:
        ctx.disk_check(win)
        try:
            os.makedirs(real, exist_ok=True)
        except OSError as err:
            raise os_error(err, win) from None
    return True, real


def file_mkdir(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Create a directory and its parents (``Directory.CreateDirectory``)."""
    a = Args("file.mkdir", args, {"path"})
    created, _real = make_dirs(ctx, ctx.fs.validate(a.str("path")))
    return {"changed": created, "before": "directory" if not created else "absent",
            "after": "directory"}


def _decode(a: Args) -> bytes:
    text = a.str("content_b64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise OpError("invalid_argument", "file.write: content_b64 is not valid base64") from None


def write_staged(ctx: OpContext, res: Resolved, data: bytes) -> None:
    """Write ``data`` to a temp sibling of ``res``, then rename it over ``res``."""
    ctx.fs.check_writable(res, "replace")
    temp = sibling(res.real, "tmp")
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
        ctx.disk_check(res.win)
        os.replace(temp, res.real)
    except OSError as err:
        raise os_error(err, res.win) from None
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)


def file_write(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set a file's content through a temp sibling."""
    a = Args("file.write", args, {"path", "content_b64", "expected_sha256"})
    res = ctx.fs.resolve(a.str("path"))
    data = _decode(a)
    expected = sha_arg(a, "expected_sha256")
    if res.kind in ("directory", "junction"):
        raise OpError("access_denied", f"Access to the path '{res.win}' is denied.")
    require_parent(res)
    before = sha256_file(res.real) if res.exists else None
    if a.has("expected_sha256") and expected != before:
        raise OpError("conflict", f"'{res.win}' changed since the caller read it "
                      f"(its SHA-256 is now {before})")
    after = hashlib.sha256(data).hexdigest()
    changed = before != after
    if changed and not ctx.check_mode:
        write_staged(ctx, res, data)
    return {"changed": changed, "before_sha256": before, "after_sha256": after}


def remove_item(ctx: OpContext, res: Resolved) -> None:
    """Remove what is at ``res``: rename it away first, so the path is never half-deleted."""
    ctx.fs.check_writable(res, "remove")
    try:
        if res.kind == "junction":
            ctx.fs.drop_junction(res.real)
            return
        away = sibling(res.real, "deleting")
        os.rename(res.real, away)
        if res.kind == "directory":
            shutil.rmtree(away)
            ctx.fs.forget_junctions_under(res.real)
        else:
            os.unlink(away)
    except OSError as err:
        raise os_error(err, res.win) from None
    _forget_acls(ctx, res.win)


def _forget_acls(ctx: OpContext, win: str) -> None:
    """A removed item's security descriptor goes with it (and its children's)."""
    table = ctx.model.data.get("acls") or {}
    gone = fold(winpath.normalize(win))
    for key in [k for k in table if k == gone or k.startswith(gone + "\\")]:
        del table[key]


def file_remove(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Remove a file, a directory tree, or a junction (never its target)."""
    a = Args("file.remove", args, {"path"})
    res = ctx.fs.resolve(a.str("path"))
    if not res.exists:
        return {"changed": False, "before": "absent", "after": "absent"}
    if res.parent_real is None:
        raise OpError("access_denied", f"Access to the path '{res.win}' is denied.")
    if not ctx.check_mode:
        remove_item(ctx, res)
    return {"changed": True, "before": res.kind, "after": "absent"}


def _move_into_place(ctx: OpContext, src: Resolved, dest: Resolved) -> None:
    fs = ctx.fs
    if src.kind == "junction":
        target = src.target or ""
        dest_target = fs.follow(src)
        fs.drop_junction(src.real)
        fs.add_junction(dest.real, target, dest_target.real or dest.real)
        return
    if src.volume != dest.volume:
        # Another volume: File.Move copies then deletes the source.
        ctx.disk_check(dest.win)
        temp = sibling(dest.real, "tmp")
        try:
            shutil.copy2(src.real, temp)
            os.replace(temp, dest.real)
        finally:
            if os.path.lexists(temp):
                os.unlink(temp)
        os.unlink(src.real)
        return
    if src.kind == "directory":
        os.rename(src.real, dest.real)
        fs.move_junctions(src.real, dest.real)
    else:
        os.replace(src.real, dest.real)


def file_move(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Move ``src`` to ``dest``, verifying the SHA-256 first when asked."""
    a = Args("file.move", args, {"src", "dest", "sha256", "replace"})
    src = ctx.fs.resolve(a.str("src"), "src")
    dest = ctx.fs.resolve(a.str("dest"), "dest")
    want = sha_arg(a, "sha256")
    replace = a.bool("replace", False)
    if not src.exists:
        raise OpError("not_found", not_found_message(src))
    digest = sha256_file(src.real) if src.kind == "file" else None
    if want is not None:
        if src.kind != "file":
            raise OpError("invalid_argument", "file.move: sha256 applies to files only")
        if digest != want:
            if not ctx.check_mode:
                # A file that failed verification must not be used by anyone: delete it.
                remove_item(ctx, src)
            raise OpError("checksum_mismatch", f"'{src.win}' has SHA-256 {digest}, "
                          f"expected {want}; the file was deleted")
    same = os.path.normpath(src.real) == os.path.normpath(dest.real)
    if dest.exists and not same and not (replace and dest.kind == "file" and src.kind == "file"):
        raise OpError("exists", f"Cannot create '{dest.win}' because a file or directory with "
                      "the same name already exists.")
    require_parent(dest)
    if src.kind == "directory":
        if src.volume != dest.volume:
            raise OpError("error", "Source and destination path must have identical roots. "
                          "Move will not work across volumes.")
        if os.path.normpath(dest.real).startswith(os.path.normpath(src.real) + os.sep):
            raise OpError("invalid_argument", f"Cannot move '{src.win}' into its own "
                          f"subdirectory '{dest.win}'.")
    before = dest.kind if dest.exists and not same else "absent"
    if same:
        # Only the case of the name changes (Windows allows renaming "go" to "Go").
        dest.real = os.path.join(os.path.dirname(src.real), winpath.components(dest.win)[-1])
    if not ctx.check_mode:
        ctx.fs.check_writable(src, "move")
        if dest.exists and not same:
            ctx.fs.check_writable(dest, "replace")
        try:
            _move_into_place(ctx, src, dest)
        except OSError as err:
            raise os_error(err, dest.win) from None
    return {"changed": True, "before": before, "after": src.kind, "sha256": digest}


def file_junction(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Create or retarget a junction; anything else at ``path`` is ``exists``."""
    a = Args("file.junction", args, {"path", "target"})
    link = ctx.fs.resolve(a.str("path"))
    target_win = ctx.fs.validate(a.str("target"), "target")
    if winpath.is_unc(link.win) or winpath.is_unc(target_win):
        raise OpError("invalid_argument", "Local NTFS volumes are required to complete the "
                      "operation: junctions cannot live on or point to UNC paths.")
    target = ctx.fs.follow(ctx.fs.resolve(target_win))
    if not target.exists:
        raise OpError("not_found", f"The junction target '{target_win}' does not exist.")
    if target.kind != "directory":
        raise OpError("invalid_argument", f"The junction target '{target_win}' is a file, "
                      "not a directory.")
    before = None
    if link.exists:
        if link.kind != "junction":
            raise OpError("exists", f"Cannot create a file when that file already exists: "
                          f"'{link.win}' is a {link.kind}, not a junction.")
        before = link.target
        if before and winpath.same_path(before, target_win):
            return {"changed": False, "before": before, "after": before}
    require_parent(link)
    if not ctx.check_mode:
        ctx.disk_check(link.win)
        try:
            if link.exists:
                ctx.fs.drop_junction(link.real)
            ctx.fs.add_junction(link.real, target_win, target.real)
        except OSError as err:
            raise os_error(err, link.win) from None
    return {"changed": True, "before": before, "after": target_win}


OPS = [
    OpSpec("file.stat", file_stat, False, path_targets),
    OpSpec("file.list", file_list, False, path_targets),
    OpSpec("file.read", file_read, False, path_targets),
    OpSpec("file.mkdir", file_mkdir, True, path_targets),
    OpSpec("file.write", file_write, True, path_targets),
    OpSpec("file.remove", file_remove, True, path_targets),
    OpSpec("file.move", file_move, True, path_targets),
    OpSpec("file.junction", file_junction, True, path_targets),
]
