"""GitHub's REST API on the controller: runner tokens and runner releases.

A small client on the standard library (``urllib``): it sends
``Authorization: Bearer <token>``, ``Accept: application/vnd.github+json`` and
``X-GitHub-Api-Version: 2022-11-28``, uses the proxy of the environment
(``https_proxy``, ``no_proxy``...), verifies TLS (optionally against a CA
bundle) and gives up after ``timeout`` seconds. Failures raise
:class:`GitHubApiError` (a ``ValueError``) with a message that never holds a
token.

One token per scope per run. Ansible runs each fork in its own process, so
memory is not shared: tokens are cached in files of a run-scoped directory,
and an exclusive ``flock`` is held around check-request-write, so however many
forks ask together, one ``POST`` reaches GitHub and the others read its
answer until ``expires_at`` (less a margin). A cache file is named by a hash
of the token kind, the scope and the API URL (not of the personal access
token). A failure is shared the same way: forks that were waiting while it
happened raise it instead of trying again.

The cache holds the token in clear. That is acceptable because the directory
is created ``0700`` and every file ``0600``, owned by the controller user: who
can read them can already read the personal access token the run uses, which
is far more powerful than a runner token (one hour, one scope, register or
remove runners only). Pass a directory that belongs to one run, and remove it
when the run ends; tokens left behind expire within the hour.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import ssl
import stat
import tempfile
import time
import urllib.request
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError, URLError

from ansible_collections.winops.golang.plugins.module_utils.github_runner_api import (
    GITHUB_API_URL,
    GITHUB_URL,
    REGISTRATION,
    REMOVE,
    GitHubApiError,
    RunnerPackage,
    RunnerToken,
    Scope,
    api_error,
    api_url,
    mask,
    parse_runner_version,
    parse_scope,
    parse_token,
    release_url,
    server_url,
    windows_package,
)
from ansible_collections.winops.golang.plugins.plugin_utils import cache_files

API_VERSION = "2022-11-28"
USER_AGENT = "winops.golang-ci-runner"
# A cached token is reused while it has at least this long to live.
DEFAULT_MARGIN = 300


class GitHubClient:
    """Runner tokens and releases from github.com or a GitHub Enterprise Server."""

    def __init__(
        self,
        token: str,
        *,
        server: str = GITHUB_URL,
        api: str | None = None,
        releases_api: str = GITHUB_API_URL,
        cache_dir: str | None = None,
        timeout: float = 30,
        validate_certs: bool = True,
        ca_path: str | None = None,
        margin: int = DEFAULT_MARGIN,
    ) -> None:
        """``api`` overrides the API URL derived from ``server`` (a proxy, a test server);
        ``cache_dir`` is the run-scoped token cache (``None``: no cache)."""
        if not isinstance(token, str) or not token.strip():
            raise GitHubApiError("a GitHub token is required to manage runners")
        self._token = token.strip()
        self.server = server_url(server)
        self.api = (api or "").rstrip("/") or None
        self.releases_api = releases_api.rstrip("/")
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.margin = margin
        try:
            context = ssl.create_default_context(cafile=ca_path)
        except (OSError, ssl.SSLError) as error:
            raise GitHubApiError(
                f"cannot use the CA bundle {ca_path}: {getattr(error, 'strerror', None) or error}"
            ) from None
        if not validate_certs:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        # ProxyHandler() reads *_proxy and no_proxy from the environment.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler(), urllib.request.HTTPSHandler(context=context)
        )

    def __repr__(self) -> str:
        return f"GitHubClient(server={self.server!r}, api={self._api_base()!r}, token='********')"

    # ------------------------------------------------------------ public API

    def registration_token(self, scope: Scope | str) -> RunnerToken:
        """A token that registers runners in ``scope``; one request per scope per run."""
        return self._runner_token(_scope(scope), REGISTRATION)

    def remove_token(self, scope: Scope | str) -> RunnerToken:
        """A token that removes runners from ``scope``; one request per scope per run."""
        return self._runner_token(_scope(scope), REMOVE)

    def release(self, version: str = "latest") -> RunnerPackage:
        """The Windows x64 package of a runner release (``latest`` or ``X.Y.Z``)."""
        url = release_url(version, self.releases_api)
        try:
            data = self._release_data(url)
        except GitHubApiError as error:
            if error.status != 404:
                raise
            raise GitHubApiError(
                f"actions/runner has no release {_release_name(version)} (404): check the "
                "version against https://github.com/actions/runner/releases",
                status=404,
            ) from None
        try:
            return windows_package(data)
        except ValueError as error:
            raise GitHubApiError(str(error)) from error

    # ------------------------------------------------------------- internals

    def _release_data(self, url: str) -> Any:
        """A release answer, read once per run across forks when there is a cache."""
        # A GHES token must not travel to api.github.com: send it to its own server only.
        with_token = _origin_of(url) == _origin_of(self._api_base())

        def fetch() -> Any:
            return self._request("GET", url, scope=None, action="read the runner release",
                                 authorize=with_token)

        if self.cache_dir is None:
            return fetch()
        directory = _private_dir(self.cache_dir)
        name = hashlib.sha256(url.lower().encode("utf-8")).hexdigest()
        path = os.path.join(directory, f"github-release-{name}.json")
        with _exclusive_lock(path + ".lock"):
            try:
                with open(path, encoding="utf-8") as handle:
                    return json.load(handle)
            except (OSError, ValueError):
                pass  # not fetched yet in this run
            data = fetch()
            _write_private(path, json.dumps(data).encode())
            return data

    def _api_base(self) -> str:
        if self.api:
            return self.api
        return api_url(self.server)

    def _endpoint(self, scope: Scope, kind: str) -> str:
        base = self._api_base()
        return f"{base}{scope.api_path}/{kind}-token"

    def _runner_token(self, scope: Scope, kind: str) -> RunnerToken:
        url = self._endpoint(scope, kind)
        action = f"create a {kind} token"
        if self.cache_dir is None:
            return parse_token(self._request("POST", url, scope=scope, action=action), kind)
        directory = _private_dir(self.cache_dir)
        path = os.path.join(directory, _cache_name(kind, scope, self._api_base()))
        cached = _read_token(path, kind, self.margin)
        if cached is not None:
            return cached
        waiting_since = time.time()
        with _exclusive_lock(path + ".lock"):
            cached = _read_token(path, kind, self.margin)
            if cached is not None:
                return cached
            failure = _failure_since(path, waiting_since)
            if failure is not None:
                raise GitHubApiError(failure[0], status=failure[1])
            try:
                data = self._request("POST", url, scope=scope, action=action)
                token = parse_token(data, kind)
            except ValueError as error:
                status = getattr(error, "status", None)
                record = {"at": time.time(), "error": mask(str(error), (self._token,)),
                          "status": status}
                _write_private(path + ".failed", json.dumps(record).encode())
                if isinstance(error, GitHubApiError):
                    raise
                raise GitHubApiError(record["error"]) from error
            _write_private(path, json.dumps(data).encode())
            return token

    def _request(
        self,
        method: str,
        url: str,
        *,
        scope: Scope | None,
        action: str,
        authorize: bool = True,
    ) -> Any:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        }
        if authorize:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(url, data=b"" if method == "POST" else None,
                                         headers=headers, method=method)
        secrets = (self._token,)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read()
        except HTTPError as error:
            with contextlib.closing(error):
                raise api_error(error.code, dict(error.headers.items()), error.read(),
                                scope=scope, action=action, now=time.time(),
                                secrets=secrets) from None
        except (URLError, HTTPException, OSError) as error:
            raise GitHubApiError(
                mask(f"could not {action}: {url} did not answer: {_failure(error, self.timeout)}",
                     secrets)
            ) from None
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise GitHubApiError(f"could not {action}: {url} did not answer JSON") from None


def _scope(scope: Scope | str) -> Scope:
    return scope if isinstance(scope, Scope) else parse_scope(scope)


def _release_name(version: str) -> str:
    """``latest`` or ``v2.319.1``, as the releases page names it."""
    wanted = parse_runner_version(version)
    return wanted if wanted == "latest" else f"v{wanted}"


def _origin_of(url: str) -> str:
    parts = urllib.request.urlparse(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _failure(error: Exception, timeout: float) -> str:
    """What went wrong with a request, in a few words."""
    reason = error.reason if isinstance(error, URLError) else error
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g}s"
    return str(reason) or type(reason).__name__


def _cache_name(kind: str, scope: Scope, api: str) -> str:
    """The cache file of one token: named by a hash of kind, scope and API URL."""
    key = "\n".join((kind, scope.kind, scope.name.lower(), api.lower()))
    return f"github-{kind}-token-{hashlib.sha256(key.encode('utf-8')).hexdigest()}.json"


def _private_dir(directory: str) -> str:
    """``directory``, created ``0700``; refused when others could read or write it."""
    path = os.path.expanduser(directory)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.stat(path)
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(path, 0o700)
            info = os.stat(path)
    except OSError as error:
        raise GitHubApiError(
            f"cannot use the runner token cache directory {path}: {error.strerror or error}"
        ) from error
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise GitHubApiError(
            f"the runner token cache directory {path} is not private to this user (it must be "
            "owned by the controller user with mode 0700); use another directory"
        )
    return path


def _read_token(path: str, kind: str, margin: int) -> RunnerToken | None:
    """The cached token when it lives at least ``margin`` more seconds, else ``None``."""
    try:
        with open(path, encoding="utf-8") as handle:
            token = parse_token(json.load(handle), kind)
    except (OSError, ValueError):
        return None
    if token.expires_epoch - time.time() < margin:
        return None
    return token


def _failure_since(path: str, since: float) -> tuple[str, int | None] | None:
    """The error (and status) of a request for this token that failed at or after ``since``."""
    try:
        with open(path + ".failed", encoding="utf-8") as handle:
            record = json.load(handle)
        if float(record["at"]) >= since:
            status = record.get("status")
            return str(record["error"]), status if isinstance(status, int) else None
    except (OSError, ValueError, TypeError, KeyError):
        pass  # no record, or an unreadable one: ask GitHub
    return None


def _exclusive_lock(lock_path: str) -> Any:
    """Hold the cache lock: one process at a time asks GitHub."""
    return cache_files.exclusive_lock(lock_path, 0o600, lambda error: GitHubApiError(
        f"cannot lock the runner token cache {lock_path}: {error.strerror or error}"))


def _write_private(path: str, body: bytes) -> None:
    """Replace ``path`` with mode 0600; an unwritable cache costs a request."""
    cache_files.write_atomically(path, body, 0o600, ".github-")


def run_cache_dir(base: str | None = None) -> str:
    """A private directory for this ``ansible-playbook`` run's tokens and release answers.

    Forks are children of the run's main process, so its process id names the
    run. Directories of runs whose process is gone are removed on the way:
    what they hold expires within the hour anyway.
    """
    root = _private_dir(base or os.path.join(tempfile.gettempdir(),
                                             f"winops-golang-{os.getuid()}"))
    with contextlib.suppress(OSError):
        for entry in os.listdir(root):
            pid = entry.partition("run-")[2]
            if pid.isdigit() and int(pid) != os.getppid() and not _alive(int(pid)):
                shutil.rmtree(os.path.join(root, entry), ignore_errors=True)
    return _private_dir(os.path.join(root, f"run-{os.getppid()}"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
