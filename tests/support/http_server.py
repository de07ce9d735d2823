"""A local stand-in for go.dev/dl and a download mirror, for tests.

    with GoDownloadServer() as server:
        server.index_url        # http://127.0.0.1:PORT/dl/?mode=json&include=all
        server.archive_url("go1.22.5.windows-amd64.zip")   # .../dl/go1.22.5.windows-amd64.zip
        server.mirror_url("go1.22.5.windows-amd64.zip")    # .../golang/go1.22.5.windows-amd64.zip
        server.add_file("/share/tool.zip", b"...")
        server.set_status("/dl/go1.22.5.windows-amd64.zip", 503, times=1)
        server.index_fetches    # how many times the index was asked for

Routes:

* ``/dl/?mode=json&include=all``: every release (``ReleaseSet.index()``);
  ``/dl/?mode=json``: the supported releases only.
* ``/dl/<filename>`` and ``/golang/<filename>``: the release files.
* any path given to :meth:`GoDownloadServer.add_file`.

The server binds 127.0.0.1 on an ephemeral port, answers from threads, and
records every request (method, path, query, headers) in arrival order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from support.go_releases import ReleaseSet, build_release_set
from support.local_server import LocalServer

INDEX_PATH = "/dl/"
ARCHIVE_PREFIX = "/dl/"
MIRROR_PREFIX = "/golang/"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    target: str  # path and query as sent, e.g. "/dl/?mode=json&include=all"
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, looked up case-insensitively."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return default


@dataclass
class _Override:
    status: int
    body: bytes
    headers: dict[str, str]
    remaining: int | None  # None: until cleared


@dataclass
class _Truncation:
    keep: int  # bytes sent before the connection is dropped
    remaining: int | None


@dataclass
class _State:
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    overrides: dict[str, _Override] = field(default_factory=dict)
    truncations: dict[str, _Truncation] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _content_type(path: str) -> str:
    if path.endswith(".zip"):
        return "application/zip"
    if path.endswith(".tar.gz"):
        return "application/x-gzip"
    if path.endswith(".msi"):
        return "application/octet-stream"
    if path.endswith(".json"):
        return "application/json"
    return "application/octet-stream"


def _route_key(path: str, query: dict[str, str]) -> str:
    """Normalised key for an override: the path, plus the sorted query when there is one."""
    if not query:
        return path
    return path + "?" + "&".join(f"{k}={v}" for k, v in sorted(query.items()))


def _split(url_path: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url_path)
    query = {
        key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()
    }
    return parts.path or "/", query


def _path_of(url_path: str) -> str:
    return _split(url_path)[0]


class GoDownloadServer(LocalServer):
    """Threaded HTTP server with the go.dev/dl routes; a context manager."""

    def __init__(self, releases: ReleaseSet | None = None, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.releases = releases if releases is not None else default_release_set()
        self._state = _State()
        for filename, data in self.releases.files.items():
            for prefix in (ARCHIVE_PREFIX, MIRROR_PREFIX):
                self._state.files[prefix + filename] = (data, _content_type(filename))

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    # ----------------------------------------------------------------- URLs

    def url(self, path: str) -> str:
        """Absolute URL of a server path (``/dl/x.zip`` -> ``http://127.0.0.1:PORT/dl/x.zip``)."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def index_url(self) -> str:
        """The full index, as ``https://go.dev/dl/?mode=json&include=all``."""
        return self.url(INDEX_PATH + "?mode=json&include=all")

    @property
    def stable_index_url(self) -> str:
        """The supported releases only, as ``https://go.dev/dl/?mode=json``."""
        return self.url(INDEX_PATH + "?mode=json")

    @property
    def download_base(self) -> str:
        """Base URL that release file names are appended to (``.../dl/``)."""
        return self.url(ARCHIVE_PREFIX)

    @property
    def mirror_base(self) -> str:
        """Base URL of the plain mirror (``.../golang/``)."""
        return self.url(MIRROR_PREFIX)

    def archive_url(self, filename: str) -> str:
        return self.url(ARCHIVE_PREFIX + filename)

    def mirror_url(self, filename: str) -> str:
        return self.url(MIRROR_PREFIX + filename)

    # ------------------------------------------------------------- behaviour

    def add_file(self, url_path: str, data: bytes, content_type: str | None = None) -> str:
        """Serve ``data`` at ``url_path`` (replacing what was there); returns its URL."""
        path = _path_of(url_path)
        with self._state.lock:
            self._state.files[path] = (bytes(data), content_type or _content_type(path))
        return self.url(path)

    def remove_file(self, url_path: str) -> None:
        path = _path_of(url_path)
        with self._state.lock:
            self._state.files.pop(path, None)

    def set_status(
        self,
        url_path: str,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        """Answer ``url_path`` with ``status`` (``times`` requests, or until cleared).

        A path with a query (``/dl/?mode=json&include=all``) matches only that
        query, in any parameter order; a path without one matches any query.
        """
        path, query = _split(url_path)
        with self._state.lock:
            self._state.overrides[_route_key(path, query)] = _Override(
                status, bytes(body), dict(headers or {}), times
            )

    def truncate(self, url_path: str, keep: int, times: int | None = None) -> None:
        """Send the first ``keep`` bytes of ``url_path`` (announcing its full size), then close."""
        path = _path_of(url_path)
        with self._state.lock:
            self._state.truncations[path] = _Truncation(keep, times)

    def clear(self, url_path: str | None = None) -> None:
        """Drop status overrides and truncations (of one path, or all)."""
        with self._state.lock:
            if url_path is None:
                self._state.overrides.clear()
                self._state.truncations.clear()
                return
            path, query = _split(url_path)
            self._state.overrides.pop(_route_key(path, query), None)
            self._state.truncations.pop(path, None)

    # ------------------------------------------------------------ recording

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order (a copy)."""
        with self._state.lock:
            return list(self._state.requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        """Requests whose path (without query) is ``path``."""
        wanted = _path_of(path)
        return [r for r in self.requests if r.path == wanted]

    def count(self, predicate: Callable[[RecordedRequest], bool] | str) -> int:
        """Number of requests matching a predicate, or whose path is the given string."""
        if isinstance(predicate, str):
            return len(self.requests_for(predicate))
        return sum(1 for r in self.requests if predicate(r))

    @property
    def index_fetches(self) -> int:
        """How many times the JSON index (either form) was requested."""
        return self.count(lambda r: r.path == INDEX_PATH and r.query.get("mode") == "json")

    def downloads(self, filename: str) -> int:
        """How many times a release file was requested from /dl/ or /golang/."""
        return self.count(ARCHIVE_PREFIX + filename) + self.count(MIRROR_PREFIX + filename)

    def reset_requests(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    # ------------------------------------------------------------- internals

    def _record(self, request: RecordedRequest) -> None:
        with self._state.lock:
            self._state.requests.append(request)

    def _take_override(self, path: str, query: dict[str, str]) -> _Override | None:
        with self._state.lock:
            for key in (_route_key(path, query), path):
                override = self._state.overrides.get(key)
                if override is None:
                    continue
                if override.remaining is not None:
                    override.remaining -= 1
                    if override.remaining <= 0:
                        del self._state.overrides[key]
                return override
        return None

    def _take_truncation(self, path: str) -> int | None:
        with self._state.lock:
            truncation = self._state.truncations.get(path)
            if truncation is None:
                return None
            if truncation.remaining is not None:
                truncation.remaining -= 1
                if truncation.remaining <= 0:
                    del self._state.truncations[path]
            return truncation.keep

    def _resolve(self, path: str, query: dict[str, str]) -> tuple[bytes, str] | None:
        if path == INDEX_PATH and query.get("mode") == "json":
            index = self.releases.index(include_all=query.get("include") == "all")
            return json.dumps(index, indent=1).encode(), "application/json"
        with self._state.lock:
            return self._state.files.get(path)


def _make_handler(server: GoDownloadServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "winops-test-dl/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: requests are recorded, not logged."""

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, send_body: bool) -> None:
            path, query = _split(self.path)
            server._record(
                RecordedRequest(
                    method=self.command,
                    target=self.path,
                    path=path,
                    query=query,
                    headers=dict(self.headers.items()),
                )
            )
            override = server._take_override(path, query)
            if override is not None:
                self._send(
                    override.status, override.body, "text/plain", override.headers, send_body
                )
                return
            found = server._resolve(path, query)
            if found is None:
                self._send(
                    HTTPStatus.NOT_FOUND, b"404 page not found\n", "text/plain", {}, send_body
                )
                return
            data, content_type = found
            keep = server._take_truncation(path)
            if keep is not None and send_body:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[:keep])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(HTTPStatus.OK, data, content_type, {}, send_body)

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            headers: dict[str, str],
            send_body: bool,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return Handler


_DEFAULT_SET: ReleaseSet | None = None
_DEFAULT_LOCK = threading.Lock()


def default_release_set() -> ReleaseSet:
    """The default releases, built once per process (building takes a fraction of a second)."""
    global _DEFAULT_SET
    with _DEFAULT_LOCK:
        if _DEFAULT_SET is None:
            _DEFAULT_SET = build_release_set()
        return _DEFAULT_SET


def serve(releases: ReleaseSet | None = None) -> Iterator[GoDownloadServer]:
    """Generator form for pytest fixtures: ``yield from serve()``."""
    with GoDownloadServer(releases) as server:
        yield server
