"""A local stand-in for GitHub's REST API (runner tokens, actions/runner releases), for tests.

    with GitHubServer() as server:
        server.api_url                       # http://127.0.0.1:PORT/api/v3 (GHES-style)
        server.releases_api                  # http://127.0.0.1:PORT
        server.add_release("2.319.1")        # latest, with a zip, a digest and notes
        server.fail("octo/app", 404)         # that scope answers 404 until cleared
        server.rate_limit("octo", reset=1700000000)
        server.slow("octo", 2.0)             # answers after 2 s
        server.token_requests("octo/app")    # POSTs that reached a token endpoint

Routes (with or without the ``/api/v3`` prefix of GitHub Enterprise Server):

* ``POST /repos/{o}/{r}/actions/runners/registration-token`` (and
  ``remove-token``), ``/orgs/{org}/...``, ``/enterprises/{e}/...``: ``201``
  with ``{"token", "expires_at"}`` (one hour ahead), or the configured failure;
  a request without ``Authorization: Bearer <accepted token>`` gets ``401``.
* ``GET /repos/actions/runner/releases/latest`` and ``.../releases/tags/v{X}``.
* ``GET /actions/runner/releases/download/v{X}/{file}``: the zip itself.

Scopes are named as users write them: ``owner/repo``, ``org``,
``enterprises/name``. The server binds 127.0.0.1 only, answers from threads
and records every request; a request in proxy form (absolute URL) is answered
too, so the same server can stand in for a proxy.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.winops.golang.plugins.plugin_utils.winsim import fake_runner
from support.local_server import LocalServer

HOST = "127.0.0.1"
ACCEPTED_TOKEN = "ghp_testTOKEN0123456789abcdefABCDEF0123"
_API_PREFIX = "/api/v3"
_KINDS = ("registration-token", "remove-token")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str  # without /api/v3 and without the query
    target: str  # as sent (an absolute URL when sent to a proxy)
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        """A request header, looked up case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class _Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    remaining: int | None


@dataclass
class _State:
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    latest: str | None = None
    failures: dict[str, _Failure] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    issued: dict[tuple[str, str], int] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def runner_zip(version: str) -> bytes:
    """A runner package that works on the simulated host (the fake ``config.cmd``,
    ``bin\\Runner.Listener.exe`` and ``bin\\RunnerService.exe``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for rel, data in fake_runner.package_files(version).items():
            archive.writestr(rel.replace("\\", "/"), data)
    return buffer.getvalue()


def _scope_of(path: str) -> tuple[str, str] | None:
    """``(scope, kind)`` of a token endpoint path, else ``None``."""
    parts = path.strip("/").split("/")
    if len(parts) < 4 or parts[-3:-1] != ["actions", "runners"] or parts[-1] not in _KINDS:
        return None
    head = parts[:-3]
    kind = parts[-1].removesuffix("-token")
    if len(head) == 3 and head[0] == "repos":
        return f"{head[1]}/{head[2]}", kind
    if len(head) == 2 and head[0] == "orgs":
        return head[1], kind
    if len(head) == 2 and head[0] == "enterprises":
        return f"enterprises/{head[1]}", kind
    return None


class GitHubServer(LocalServer):
    """Threaded fake of the GitHub REST API on 127.0.0.1; a context manager."""

    def __init__(self, accepted_tokens: tuple[str, ...] = (ACCEPTED_TOKEN,)) -> None:
        super().__init__(HOST)
        self.accepted_tokens = accepted_tokens
        self._state = _State()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    @property
    def api_url(self) -> str:
        """The API as GitHub Enterprise Server places it: ``.../api/v3``."""
        return self.base_url + _API_PREFIX

    @property
    def releases_api(self) -> str:
        """The API as api.github.com places it (no prefix)."""
        return self.base_url

    # ------------------------------------------------------------- behaviour

    def add_release(
        self,
        version: str,
        *,
        latest: bool = True,
        digest: bool = True,
        notes: bool = True,
        data: bytes | None = None,
        notes_sha256: str | None = None,
    ) -> str:
        """Publish runner ``version`` with its Windows x64 zip; returns the zip's SHA-256.

        ``digest``/``notes``: whether the asset has a ``digest`` and the body
        lists the SHA-256 (``notes_sha256`` overrides the listed value).
        """
        payload = data if data is not None else runner_zip(version)
        sha256 = hashlib.sha256(payload).hexdigest()
        filename = f"actions-runner-win-x64-{version}.zip"
        download = f"/actions/runner/releases/download/v{version}/{filename}"
        asset: dict[str, Any] = {
            "name": filename,
            "size": len(payload),
            "content_type": "application/zip",
            "browser_download_url": self.base_url + download,
        }
        if digest:
            asset["digest"] = f"sha256:{sha256}"
        body = f"## What's Changed\n* Runner {version}\n"
        if notes:
            listed = notes_sha256 or sha256
            body += (
                "\n## SHA-256 Checksums\n\nThe SHA-256 checksums for the packages included "
                "in this build are shown below:\n\n"
                f"- {filename} <!-- BEGIN SHA win-x64 -->{listed}<!-- END SHA win-x64 -->\n"
                f"- actions-runner-linux-x64-{version}.tar.gz <!-- BEGIN SHA linux-x64 -->"
                f"{'0' * 64}<!-- END SHA linux-x64 -->\n"
            )
        release = {
            "tag_name": f"v{version}",
            "name": f"v{version}",
            "draft": False,
            "prerelease": False,
            "body": body,
            "assets": [asset],
        }
        with self._state.lock:
            self._state.releases[version] = release
            self._state.files[download] = payload
            if latest:
                self._state.latest = version
        return sha256

    def fail(
        self,
        scope: str,
        status: int,
        message: str = "",
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
        times: int | None = None,
    ) -> None:
        """Answer the token endpoints of ``scope`` with ``status`` (``times``, or until cleared)."""
        default = {401: "Bad credentials", 403: "Resource not accessible by personal access token",
                   404: "Not Found", 422: "Validation Failed"}.get(status, "Error")
        body: dict[str, Any] = {"message": message or default,
                                "documentation_url": "https://docs.github.com/rest"}
        if errors:
            body["errors"] = errors
        with self._state.lock:
            self._state.failures[scope] = _Failure(status, body, dict(headers or {}), times)

    def rate_limit(self, scope: str, reset: int, status: int = 403) -> None:
        """Answer ``scope`` as GitHub does once the rate limit is spent."""
        self.fail(scope, status, "API rate limit exceeded for user ID 1.", headers={
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-reset": str(reset),
        })

    def slow(self, scope: str, seconds: float) -> None:
        """Answer the token endpoints of ``scope`` only after ``seconds``."""
        with self._state.lock:
            self._state.delays[scope] = seconds

    def clear(self) -> None:
        """Drop failures and delays."""
        with self._state.lock:
            self._state.failures.clear()
            self._state.delays.clear()

    # ------------------------------------------------------------ recording

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order (a copy)."""
        with self._state.lock:
            return list(self._state.requests)

    def token_requests(self, scope: str, kind: str = "registration") -> int:
        """How many token requests for ``scope`` reached the server (answered or failed)."""
        return sum(1 for r in self.requests if _scope_of(r.path) == (scope, kind))

    def issued(self, scope: str, kind: str = "registration") -> int:
        """How many tokens were issued for ``scope``."""
        with self._state.lock:
            return self._state.issued.get((scope, kind), 0)

    # ------------------------------------------------------------- internals

    def _answer(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        """Status, extra headers and body of a request (after recording it)."""
        target = _scope_of(path)
        if target is not None and method == "POST":
            return self._token(target, headers)
        with self._state.lock:
            if method == "GET" and path in self._state.files:
                return 200, {"Content-Type": "application/zip"}, self._state.files[path]
            release = None
            if path == "/repos/actions/runner/releases/latest" and self._state.latest:
                release = self._state.releases.get(self._state.latest)
            elif path.startswith("/repos/actions/runner/releases/tags/v"):
                release = self._state.releases.get(path.rsplit("/v", 1)[1])
        if method == "GET" and release is not None:
            return 200, {}, json.dumps(release).encode()
        return 404, {}, json.dumps({"message": "Not Found"}).encode()

    def _token(self, target: tuple[str, str], headers: dict[str, str]) -> tuple[int, dict, bytes]:
        scope, kind = target
        with self._state.lock:
            delay = self._state.delays.get(scope, 0.0)
            failure = self._state.failures.get(scope)
            if failure is not None and failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    del self._state.failures[scope]
        if delay:
            time.sleep(delay)
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if authorization not in {f"Bearer {t}" for t in self.accepted_tokens}:
            return 401, {}, json.dumps({"message": "Bad credentials"}).encode()
        if failure is not None:
            return failure.status, failure.headers, json.dumps(failure.body).encode()
        with self._state.lock:
            count = self._state.issued.get(target, 0) + 1
            self._state.issued[target] = count
        expires = datetime.fromtimestamp(time.time() + 3600, UTC).isoformat(timespec="seconds")
        token = f"A{kind[:3].upper()}{hashlib.sha256(f'{scope}{count}'.encode()).hexdigest()[:25]}"
        return 201, {}, json.dumps({"token": token, "expires_at": expires}).encode()


def _make_handler(server: GitHubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "winops-test-github/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: requests are recorded, not logged."""

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self._handle()

        def _handle(self) -> None:
            path = urlsplit(self.path).path or "/"
            if path.startswith(_API_PREFIX + "/"):
                path = path[len(_API_PREFIX):]
            headers = dict(self.headers.items())
            with server._state.lock:
                server._state.requests.append(
                    RecordedRequest(self.command, path, self.path, headers)
                )
            status, extra, body = server._answer(self.command, path, headers)
            try:
                self.send_response(status)
                if "Content-Type" not in extra:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (a timeout test): nothing to answer.
                self.close_connection = True

    return Handler
