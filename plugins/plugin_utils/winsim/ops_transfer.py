"""file.download and file.extract: staged, verified, then moved into place."""

from __future__ import annotations

import calendar
import fnmatch
import hashlib
import http.client
import os
import re
import shutil
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from ansible_collections.winops.golang.plugins.module_utils import winpath

from .args import Args
from .context import OpContext
from .errors import OpError
from .fs import not_found_message, os_error, sha256_file, sibling
from .names import fold
from .ops_files import make_dirs, path_targets, require_parent, sha_arg
from .opspec import OpSpec
from .registry import RegPath

CHUNK = 64 * 1024
_DRIVE_ENTRY = re.compile(r"^[A-Za-z]:")


# -- download -----------------------------------------------------------------------


def system_proxy(ctx: OpContext, url: str) -> str | None:
    """The user's WinINET proxy (``Internet Settings``) for ``url``, as HttpWebRequest uses."""
    key = RegPath("HKU", (ctx.sid, "Software", "Microsoft", "Windows", "CurrentVersion",
                          "Internet Settings"))
    reg = ctx.model.registry
    node = reg.open(key)
    if node is None:
        return None
    enabled = reg.get_value(node, "ProxyEnable")
    server = reg.get_value(node, "ProxyServer")
    if not enabled or enabled["value"] != 1 or not server or not server["value"]:
        return None
    host = urllib.parse.urlsplit(url).hostname or ""
    override = reg.get_value(node, "ProxyOverride")
    for pattern in (override["value"].split(";") if override else []):
        pattern = pattern.strip()
        if pattern == "<local>" and "." not in host:
            return None
        if pattern and pattern != "<local>" and fnmatch.fnmatch(host.lower(), pattern.lower()):
            return None
    value = str(server["value"])
    if "=" in value:
        # Per-protocol form: "http=proxy:8080;https=proxy:8443"
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        table = dict(part.split("=", 1) for part in value.split(";") if "=" in part)
        value = table.get(scheme) or table.get("http") or ""
    if not value:
        return None
    return value if "://" in value else "http://" + value


def _open_http(ctx: OpContext, url: str, headers: dict[str, str], proxy: str | None,
               timeout: float) -> IO[bytes]:
    if proxy is None:
        proxy = system_proxy(ctx, url)
    # Never the controller's own http_proxy variables: the host has its own settings.
    handlers: list[Any] = [urllib.request.ProxyHandler({"http": proxy, "https": proxy}
                                                       if proxy else {})]
    context = ssl.create_default_context()
    roots = ctx.model.data.get("trusted_roots") or []
    if roots:
        context.load_verify_locations(cadata="\n".join(roots))
    handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        return opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        raise OpError("download_failed", f"The remote server returned an error: "
                      f"({err.code}) {err.reason}. ({url})") from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, (TimeoutError, socket.timeout)):
            raise OpError("timeout", f"The operation has timed out ({url})") from None
        if isinstance(err.reason, ssl.SSLError):
            raise OpError("download_failed", "Could not establish trust relationship for the "
                          f"SSL/TLS secure channel: {err.reason} ({url})") from None
        raise OpError("download_failed", f"Unable to connect to the remote server: "
                      f"{err.reason} ({url})") from None
    except TimeoutError:
        raise OpError("timeout", f"The operation has timed out ({url})") from None
    except (OSError, http.client.HTTPException) as err:
        raise OpError("download_failed", f"The underlying connection was closed: {err} "
                      f"({url})") from None


def _chunks(stream: IO[bytes], url: str, deadline: float) -> Iterator[bytes]:
    try:
        while True:
            block = stream.read(CHUNK)
            if not block:
                return
            if time.monotonic() > deadline:
                raise OpError("timeout", f"The operation has timed out ({url})")
            yield block
    except TimeoutError:
        raise OpError("timeout", f"The operation has timed out ({url})") from None
    except (OSError, http.client.HTTPException) as err:
        raise OpError("download_failed", f"The underlying connection was closed: an "
                      f"unexpected error occurred on a receive ({err}) ({url})") from None


def _declared_length(stream: IO[bytes]) -> int | None:
    headers = getattr(stream, "headers", None)
    value = headers.get("Content-Length") if headers is not None else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _source(ctx: OpContext, a: Args, url: str, timeout: float) -> IO[bytes]:
    if url[:7].lower() == "http://" or url[:8].lower() == "https://":
        return _open_http(ctx, url, a.str_dict("headers"), a.str("proxy", required=False),
                          timeout)
    if url.startswith(("\\\\", "//")) or re.match(r"^[A-Za-z]:[\\/]", url):
        res = ctx.fs.follow(ctx.fs.resolve(url, "url"))
        if not res.exists:
            raise OpError("not_found", not_found_message(res))
        if res.kind != "file":
            raise OpError("access_denied", f"Access to the path '{res.win}' is denied.")
        return open(res.real, "rb")
    raise OpError("invalid_argument", f"file.download: url must be http://, https://, a UNC "
                  f"path or a local path, not '{url}'")


def file_download(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Stream a URL or UNC file into ``dest.part-*`` while hashing, verify, move into place."""
    a = Args("file.download", args, {"url", "dest", "sha256", "headers", "proxy", "timeout"})
    url = a.str("url")
    dest = ctx.fs.resolve(a.str("dest"), "dest")
    want = sha_arg(a, "sha256")
    timeout = a.number("timeout", 300.0)
    a.str_dict("headers")
    a.str("proxy", required=False)
    if dest.kind in ("directory", "junction"):
        raise OpError("exists", f"Cannot create a file when that file already exists: "
                      f"'{dest.win}' is a directory.")
    require_parent(dest)
    before = sha256_file(dest.real) if dest.exists else None
    if want is not None and before == want:
        return {"changed": False, "sha256": before, "size": os.path.getsize(dest.real),
                "before_sha256": before}
    if ctx.check_mode:
        return {"changed": True, "sha256": want, "size": None, "before_sha256": before}
    ctx.fs.check_writable(dest, "replace")
    slow = ctx.take("slow")
    if slow is not None:
        if slow["seconds"] > timeout:
            ctx.model.advance(timeout)
            raise OpError("timeout", f"The operation has timed out: the transfer of {url} "
                          f"needed {slow['seconds']:g}s, more than the {timeout:g}s timeout")
        ctx.model.advance(slow["seconds"])
    interrupt = ctx.take("interrupt")
    part = sibling(dest.real, "part")
    digest = hashlib.sha256()
    size = 0
    deadline = time.monotonic() + timeout
    try:
        with _source(ctx, a, url, timeout) as stream, open(part, "wb") as out:
            for block in _chunks(stream, url, deadline):
                if interrupt is not None and size + len(block) >= interrupt["after_bytes"]:
                    keep = block[: max(0, interrupt["after_bytes"] - size)]
                    out.write(keep)
                    size += len(keep)
                    raise OpError("download_failed", f"The underlying connection was closed: "
                                  f"the transfer of {url} broke off after {size} bytes")
                out.write(block)
                digest.update(block)
                size += len(block)
            declared = _declared_length(stream)
            if declared is not None and size < declared:
                # http.client returns a short body quietly; HttpWebRequest throws.
                raise OpError("download_failed", f"The underlying connection was closed: "
                              f"the connection was closed unexpectedly after {size} of "
                              f"{declared} bytes ({url})")
        if interrupt is not None:
            # The fault asked for a break later than the end of the data: break at the end.
            raise OpError("download_failed", f"The underlying connection was closed: the "
                          f"transfer of {url} broke off after {size} bytes")
        ctx.disk_check(dest.win)
        got = digest.hexdigest()
        if want is not None and got != want:
            raise OpError("checksum_mismatch", f"{url} has SHA-256 {got}, expected {want}; "
                          "the download was deleted")
        os.replace(part, dest.real)
    except OSError as err:
        raise os_error(err, dest.win) from None
    finally:
        if os.path.lexists(part):
            os.unlink(part)
    return {"changed": got != before, "sha256": got, "size": size, "before_sha256": before}


# -- extract ------------------------------------------------------------------------


def _plan(ctx: OpContext, zf: zipfile.ZipFile, dest_win: str,
          strip: int) -> tuple[list[tuple[zipfile.ZipInfo | None, list[str]]], int]:
    """Check every entry and give (entry or None for a directory, stored-case parts)."""
    dirs: dict[tuple[str, ...], list[str]] = {}
    files: dict[tuple[str, ...], tuple[zipfile.ZipInfo, list[str]]] = {}
    for info in zf.infolist():
        raw = info.filename.replace("\\", "/")
        if raw.startswith("/") or _DRIVE_ENTRY.match(raw) or ".." in raw.split("/"):
            raise OpError("invalid_argument", f"Extracting Zip entry '{info.filename}' would "
                          "have resulted in a file outside the specified destination directory.")
        if info.flag_bits & 0x1:
            raise OpError("error", f"The archive entry '{info.filename}' is encrypted, which "
                          "System.IO.Compression does not support.")
        parts = [p for p in raw.split("/") if p not in ("", ".")][strip:]
        if not parts:
            continue
        ctx.fs.validate(winpath.join(dest_win, *parts), f"zip entry '{info.filename}'")
        key = tuple(fold(p) for p in parts)
        for depth in range(1, len(parts) + (1 if info.is_dir() else 0)):
            if key[:depth] in files:
                raise OpError("exists", f"zip entry '{info.filename}' needs a directory where "
                              "the archive already has a file")
            dirs.setdefault(key[:depth], parts[:depth])
        if info.is_dir():
            continue
        if key in files or key in dirs:
            raise OpError("exists", f"The file '{winpath.join(dest_win, *parts)}' already "
                          "exists (the archive holds two entries whose names differ only "
                          "in case).")
        files[key] = (info, parts)
    plan: list[tuple[zipfile.ZipInfo | None, list[str]]] = []
    for key in sorted(dirs, key=len):
        plan.append((None, [dirs[key[:i]][i - 1] for i in range(1, len(key) + 1)]))
    for key, (info, parts) in files.items():
        stored = [dirs[key[:i]][i - 1] for i in range(1, len(key))] + [parts[-1]]
        plan.append((info, stored))
    return plan, len(files)


def _extract_to(zf: zipfile.ZipFile, plan: list[tuple[zipfile.ZipInfo | None, list[str]]],
                staging: str) -> None:
    os.mkdir(staging)
    for info, parts in plan:
        target = os.path.join(staging, *parts)
        if info is None:
            os.makedirs(target, exist_ok=True)
            continue
        with zf.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        stamp = calendar.timegm((*info.date_time, 0, 0, 0))
        os.utime(target, (stamp, stamp))


def _expected_line(ctx: OpContext, a: Args, dest_win: str) -> dict[str, str] | None:
    """file.extract's optional ``expect_first_line``: ``{path, line}`` checked, or None."""
    value = a.raw("expect_first_line") if a.has("expect_first_line") else None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise OpError("invalid_argument", "argument 'expect_first_line' must be of type dict")
    unknown = sorted(set(value) - {"path", "line"})
    if unknown:
        raise OpError("invalid_argument", f"unknown argument '{unknown[0]}'")
    rel, line = value.get("path"), value.get("line")
    for name, item in (("path", rel), ("line", line)):
        if item is None:
            raise OpError("invalid_argument", f"missing argument '{name}'")
        if not isinstance(item, str):
            raise OpError("invalid_argument", f"argument '{name}' must be of type str")
    rel = rel.replace("/", "\\")
    parts = rel.split("\\")
    if rel.startswith("\\") or _DRIVE_ENTRY.match(rel) or any(p in ("", ".", "..") for p in parts):
        raise OpError(
            "invalid_argument",
            f"expect_first_line: path '{rel}' must be relative to dest, without '.' or '..'",
        )
    ctx.fs.validate(winpath.join(dest_win, rel), "expect_first_line path")
    return {"path": rel, "line": line}


def first_line(data: bytes | None) -> str | None:
    """The first line of a file's text (UTF-8, BOM dropped), trailing white space trimmed."""
    if data is None:
        return None
    text = data[:4096].decode("utf-8", "replace").lstrip("\ufeff")
    return re.split(r"[\r\n]", text, maxsplit=1)[0].rstrip()


def _check_first_line(found: bytes | None, expected: dict[str, str], where: str) -> None:
    got = first_line(found)
    if got != expected["line"]:
        said = "the file is missing" if got is None else f"its first line is '{got}'"
        raise OpError(
            "checksum_mismatch",
            f"{where}: expected '{expected['line']}' as the first "
            f"line of '{expected['path']}', but {said}; nothing was extracted",
        )


def _read_head(real: str) -> bytes | None:
    if not os.path.isfile(real):
        return None
    with open(real, "rb") as fh:
        return fh.read(4096)


def _plan_file(
    plan: list[tuple[zipfile.ZipInfo | None, list[str]]], rel: str
) -> tuple[zipfile.ZipInfo, list[str]] | None:
    """The entry a plan writes at ``rel`` (compared case-insensitively), with its stored parts."""
    wanted = [fold(p) for p in rel.split("\\")]
    for info, parts in plan:
        if info is not None and [fold(p) for p in parts] == wanted:
            return info, parts
    return None


def _plan_head(
    zf: zipfile.ZipFile, plan: list[tuple[zipfile.ZipInfo | None, list[str]]], rel: str
) -> bytes | None:
    found = _plan_file(plan, rel)
    if found is None:
        return None
    with zf.open(found[0]) as fh:
        return fh.read(4096)


def _staged_head(
    staging: str, plan: list[tuple[zipfile.ZipInfo | None, list[str]]], rel: str
) -> bytes | None:
    found = _plan_file(plan, rel)
    return _read_head(os.path.join(staging, *found[1])) if found else None


def file_extract(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Unzip into ``dest.staging-*`` with every entry checked, then rename into place."""
    a = Args("file.extract", args, {"src", "dest", "strip_components", "expect_first_line"})
    src_win = ctx.fs.validate(a.str("src"), "src")
    dest = ctx.fs.resolve(a.str("dest"), "dest")
    strip = a.int("strip_components", 0)
    expected = _expected_line(ctx, a, dest.win)
    if dest.exists:
        if ctx.fs.follow(dest).kind != "directory":
            raise OpError("exists", f"'{dest.win}' exists and is not a directory")
        if expected is not None:
            inside = ctx.fs.follow(ctx.fs.resolve(winpath.join(dest.win, expected["path"])))
            _check_first_line(
                _read_head(inside.real) if inside.kind == "file" else None, expected, dest.win
            )
        # Taken as a complete earlier extract (only ever created by the final rename).
        return {"changed": False, "before": "directory", "after": "directory", "files": None}
    src = ctx.fs.follow(ctx.fs.resolve(src_win))
    if not src.exists:
        raise OpError("not_found", not_found_message(src))
    if src.kind != "file":
        raise OpError("access_denied", f"Access to the path '{src.win}' is denied.")
    try:
        zf = zipfile.ZipFile(src.real)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise OpError("error", f"'{src.win}' is not a readable zip archive: End of Central "
                      f"Directory record could not be found ({err})") from None
    with zf:
        plan, count = _plan(ctx, zf, dest.win, strip)
        if ctx.check_mode:
            if expected is not None:
                _check_first_line(_plan_head(zf, plan, expected["path"]), expected, src.win)
            return {"changed": True, "before": "absent", "after": "directory", "files": count}
        if dest.parent_real is None:
            make_dirs(ctx, winpath.parent(dest.win))
            dest = ctx.fs.resolve(dest.win)
        staging = sibling(dest.real, "staging")
        try:
            _extract_to(zf, plan, staging)
            if expected is not None:
                _check_first_line(_staged_head(staging, plan, expected["path"]), expected, src.win)
            ctx.disk_check(dest.win)
            os.rename(staging, dest.real)
        except OSError as err:
            raise os_error(err, dest.win) from None
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as err:
            raise OpError("error", f"'{src.win}' is damaged: {err}") from None
        finally:
            if os.path.lexists(staging):
                shutil.rmtree(staging, ignore_errors=True)
    return {"changed": True, "before": "absent", "after": "directory", "files": count}


OPS = [
    OpSpec("file.download", file_download, True, path_targets),
    OpSpec("file.extract", file_extract, True, path_targets),
]
