"""The Go release index on the controller: go.dev's JSON, fetched at most once per TTL.

Ansible runs one process per fork and every host's task resolves a version, so
the index is cached in one file per URL and an exclusive ``flock`` is held
around check-fetch-write: however many forks start together, one fetches and
the others read what it wrote. When go.dev cannot be reached, an expired cache
is still used and reported as ``stale`` so the caller can warn.

The parsing and the meaning of the index live in
``plugins/module_utils/go_releases.py``; this file only does the I/O.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError, URLError

from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import open_url

from ansible_collections.winops.golang.plugins.module_utils.go_releases import parse_index
from ansible_collections.winops.golang.plugins.plugin_utils import cache_files

DEFAULT_INDEX_URL = "https://go.dev/dl/?mode=json&include=all"

# What load_index_with_status reports.
FETCHED, CACHED, STALE, FILE = "fetched", "cached", "stale", "file"

_FALLBACK_HINT = (
    "no cached copy to fall back on; check that the controller can reach it "
    "(proxy settings), use a mirror URL, or point index_file at a local copy of the index"
)


class IndexLoadError(ValueError):
    """The index could not be loaded: unreadable file, unreachable URL without cache, junk."""


def cache_path(cache_dir: str, url: str) -> str:
    """The cache file of ``url`` in ``cache_dir``: named by the URL's SHA-256."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
    return os.path.join(cache_dir, f"go-release-index-{digest}.json")


def load_index(
    *,
    index_url: str | None = None,
    index_file: str | None = None,
    cache_dir: str,
    ttl: int = 3600,
    timeout: int = 30,
    validate_certs: bool = True,
    headers: dict[str, str] | None = None,
) -> list[dict]:
    """The index as go.dev serves it (a list of releases); see :func:`load_index_with_status`."""
    data, _status = load_index_with_status(
        index_url=index_url,
        index_file=index_file,
        cache_dir=cache_dir,
        ttl=ttl,
        timeout=timeout,
        validate_certs=validate_certs,
        headers=headers,
    )
    return data


def load_index_with_status(
    *,
    index_url: str | None = None,
    index_file: str | None = None,
    cache_dir: str,
    ttl: int = 3600,
    timeout: int = 30,
    validate_certs: bool = True,
    headers: dict[str, str] | None = None,
) -> tuple[list[dict], str]:
    """Load the index and say where it came from.

    * ``index_file`` (a JSON file on the controller, go.dev format) wins and
      is never cached: status ``file``.
    * Otherwise ``index_url`` (default :data:`DEFAULT_INDEX_URL`): a cache
      younger than ``ttl`` seconds is used (``cached``), else the URL is
      fetched and the cache rewritten atomically (``fetched``). ``ttl=0``
      always fetches and still writes the cache.
    * A failed fetch falls back on the cache whatever its age (``stale``).
      Forks that were waiting for the lock while it failed do not try again:
      they take the same fallback, or raise the same error.

    Raises :class:`IndexLoadError` (a ``ValueError``) saying what failed and what to do.
    """
    if index_file:
        return _read_index_file(index_file), FILE
    if not isinstance(ttl, int) or ttl < 0:
        raise ValueError(f"ttl must be a number of seconds (0 or more), got {ttl!r}")
    url = index_url or DEFAULT_INDEX_URL
    cache_dir = os.path.expanduser(cache_dir)
    path = cache_path(cache_dir, url)
    if ttl:
        cached = _read_fresh_cache(path, ttl)
        if cached is not None:
            return cached, CACHED
    waiting_since = time.time()
    with _exclusive_lock(cache_dir, path + ".lock"):
        if ttl:
            # Another fork may have fetched while this one waited for the lock.
            cached = _read_fresh_cache(path, ttl)
            if cached is not None:
                return cached, CACHED
        # Another fork may have failed while this one waited: trying again
        # would make every fork wait out the same timeout, one after the other.
        failure = _failure_since(path, waiting_since)
        if failure is None:
            try:
                body = _fetch(url, timeout=timeout, validate_certs=validate_certs, headers=headers)
                data = _decode(body, url)
            except IndexLoadError as error:
                failure = str(error)
                _write_atomically(
                    path + ".failed", json.dumps({"at": time.time(), "error": failure}).encode()
                )
            else:
                _write_atomically(path, body)
                return data, FETCHED
        stale = _read_cache(path)
        if stale is not None:
            return stale, STALE
        raise IndexLoadError(f"{failure}; {_FALLBACK_HINT}")


def _failure_since(path: str, since: float) -> str | None:
    """The error of a fetch of this cache's URL that failed at or after ``since``."""
    try:
        with open(path + ".failed", encoding="utf-8") as handle:
            record = json.load(handle)
        if float(record["at"]) >= since:
            return str(record["error"])
    except (OSError, ValueError, TypeError, KeyError):
        pass  # no record, or an unreadable one: fetch
    return None


def _read_index_file(index_file: str) -> list[dict]:
    path = os.path.expanduser(index_file)
    try:
        with open(path, "rb") as handle:
            body = handle.read()
    except OSError as error:
        raise IndexLoadError(
            f"cannot load the Go release index from {path}: {error.strerror or error}"
        ) from error
    return _decode(body, path)


def _decode(body: bytes, source: str) -> list[Any]:
    """The JSON of ``body`` after checking it is a release index."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        start = body[:40].decode("utf-8", "replace").strip()
        raise IndexLoadError(
            f"cannot load the Go release index from {source}: "
            f"it is not JSON (it starts with {start!r})"
        ) from error
    try:
        parse_index(data)
    except ValueError as error:
        raise IndexLoadError(f"cannot load the Go release index from {source}: {error}") from error
    return data


def _fetch(
    url: str, *, timeout: int, validate_certs: bool, headers: dict[str, str] | None
) -> bytes:
    """The body of ``url``; any failure becomes an :class:`IndexLoadError` naming its cause."""
    try:
        response = open_url(
            url, headers=dict(headers or {}), timeout=timeout, validate_certs=validate_certs
        )
        try:
            return response.read()
        finally:
            response.close()
    except (UrlsConnectionError, HTTPException, OSError) as error:
        # URLError and HTTPError are OSErrors; so are timeouts and TLS failures.
        raise IndexLoadError(
            f"cannot load the Go release index from {url}: {_failure(error, timeout)}"
        ) from error


def _failure(error: Exception, timeout: int) -> str:
    """What went wrong with a fetch, in a few words."""
    if isinstance(error, HTTPError):
        error.close()
        return f"HTTP {error.code} {error.reason}".rstrip()
    if isinstance(error, URLError):
        return str(error.reason)
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout}s"
    return str(error) or type(error).__name__


def _age(path: str) -> float | None:
    try:
        return time.time() - os.stat(path).st_mtime
    except OSError:
        return None


def _read_cache(path: str) -> list[Any] | None:
    """The cached index, or ``None`` when missing or unusable (then it is fetched again)."""
    try:
        with open(path, "rb") as handle:
            return _decode(handle.read(), path)
    except (OSError, IndexLoadError):
        return None


def _read_fresh_cache(path: str, ttl: int) -> list[Any] | None:
    age = _age(path)
    # A cache dated in the future (clock changes) counts as old beyond the TTL too.
    if age is None or abs(age) >= ttl:
        return None
    return _read_cache(path)


def _exclusive_lock(cache_dir: str, lock_path: str) -> Any:
    """Hold the cache lock: one process at a time checks, fetches, writes."""

    def unusable(error: OSError) -> IndexLoadError:
        return IndexLoadError(f"cannot use the Go release index cache directory {cache_dir}: "
                              f"{error.strerror or error}; set a writable cache directory")

    try:
        os.makedirs(cache_dir, exist_ok=True)
    except OSError as error:
        raise unusable(error) from error
    return cache_files.exclusive_lock(lock_path, 0o644, unusable)


def _write_atomically(path: str, body: bytes) -> None:
    """Replace ``path``, readable by others who share the cache directory."""
    cache_files.write_atomically(path, body, 0o644, ".go-index-")
