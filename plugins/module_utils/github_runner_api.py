"""GitHub's side of a self-hosted Actions runner: endpoints, runner packages, errors.

Pure functions: they take strings and parsed JSON and return data, or raise
``ValueError`` with a message meant for the task output. The I/O (requests,
the per-run token cache) lives in ``plugins/plugin_utils/github_api.py``.

GitHub facts this follows (REST API version 2022-11-28):

* registration and remove tokens are created with ``POST`` on
  ``/repos/{owner}/{repo}/actions/runners/registration-token`` (or
  ``remove-token``), ``/orgs/{org}/actions/runners/...`` and
  ``/enterprises/{enterprise}/actions/runners/...``; the answer is
  ``{"token": ..., "expires_at": ...}`` and a token lasts one hour;
* the API of github.com is ``https://api.github.com``; GitHub Enterprise
  Server serves it under ``https://HOST/api/v3``;
* the runner package comes from the releases of ``actions/runner``:
  ``/releases/latest`` or ``/releases/tags/v{version}``, asset
  ``actions-runner-win-x64-{version}.zip``. Since June 2025 every release
  asset has a ``digest`` (``sha256:<hex>``); the release notes also list each
  package's SHA-256 between ``<!-- BEGIN SHA win-x64 -->`` and
  ``<!-- END SHA win-x64 -->``, which is the fallback when ``digest`` is missing;
* a runner older than the minimum GitHub accepts still configures, then stops
  with "Runner version vX.Y.Z is deprecated and cannot receive messages".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

GITHUB_URL = "https://github.com"
GITHUB_API_URL = "https://api.github.com"
RUNNER_REPOSITORY = "actions/runner"
WINDOWS_X64 = "win-x64"
REGISTRATION, REMOVE = "registration", "remove"
MASK = "********"

# The oldest runner GitHub lets receive jobs, as last announced
# (github.blog changelog 2025-12-12: "minimum required version is v2.329.0").
# GitHub raises it over time; callers may pass a newer one.
MINIMUM_RUNNER_VERSION = "2.329.0"

_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
_OWNER_RE = re.compile(rf"^{_OWNER}$")
_REPO_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_VERSION_RE = re.compile(r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")

_SCOPE_HELP = (
    "use owner/repo for a repository, org for an organisation "
    "or enterprises/name for an enterprise"
)
_VERSION_HELP = "use latest or a runner version such as 2.319.1"


class GitHubApiError(ValueError):
    """GitHub refused a request; the message says why and what to do (never a token)."""

    def __init__(self, message: str, status: int | None = None, reset_at: int | None = None):
        super().__init__(message)
        self.status = status
        self.reset_at = reset_at


@dataclass(frozen=True)
class Scope:
    """Where a runner registers: ``kind`` is repository, organization or enterprise."""

    kind: str
    name: str  # owner/repo, org or enterprise slug

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def api_path(self) -> str:
        """The API path of the scope's runners: ``/repos/o/r/actions/runners``."""
        prefix = {"repository": "repos", "organization": "orgs", "enterprise": "enterprises"}
        return f"/{prefix[self.kind]}/{self.name}/actions/runners"

    @property
    def web_path(self) -> str:
        """The scope's path on the web site: ``/o/r``, ``/org`` or ``/enterprises/name``."""
        if self.kind == "enterprise":
            return f"/enterprises/{self.name}"
        return f"/{self.name}"


@dataclass(frozen=True)
class RunnerToken:
    """A registration or remove token; its value never shows in ``repr``."""

    kind: str
    token: str = field(repr=False)
    expires_at: str
    expires_epoch: float

    def __repr__(self) -> str:
        return (
            f"RunnerToken(kind={self.kind!r}, token={MASK!r}, "
            f"expires_at={self.expires_at!r})"
        )


@dataclass(frozen=True)
class RunnerPackage:
    """The Windows x64 runner zip of one release; ``sha256_source``: digest or release notes."""

    version: str
    filename: str
    url: str
    sha256: str
    sha256_source: str
    size: int


# ------------------------------------------------------------------ inputs


def parse_scope(text: object) -> Scope:
    """``owner/repo``, ``org`` or ``enterprises/name`` as a :class:`Scope`."""
    cleaned = text.strip() if isinstance(text, str) else ""
    parts = cleaned.split("/")
    if len(parts) == 2 and parts[0].lower() == "enterprises" and _OWNER_RE.match(parts[1]):
        return Scope("enterprise", parts[1])
    if len(parts) == 2 and _OWNER_RE.match(parts[0]) and _valid_repo(parts[1]):
        return Scope("repository", cleaned)
    if len(parts) == 1 and _OWNER_RE.match(parts[0]):
        return Scope("organization", cleaned)
    raise ValueError(f"not a runner scope: {text!r} ({_SCOPE_HELP})")


def _valid_repo(name: str) -> bool:
    return bool(_REPO_RE.match(name)) and name not in (".", "..")


def _origin(url: object, what: str) -> tuple[str, str, str]:
    """Scheme, host (with port) and path of a server URL, or ``ValueError``."""
    help_text = f"{what} must be https://HOST such as https://github.com or https://ghe.example.com"
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{help_text}, got {url!r}")
    try:
        parts = urlsplit(url.strip())
        # .port raises ValueError for a port that is not a number in range.
        host, _port_checked = parts.hostname or "", parts.port
    except ValueError as error:
        raise ValueError(f"{help_text}, got {url!r}") from error
    if parts.username or parts.password:
        # Never echo credentials written into a URL.
        raise ValueError(f"{what} must not contain a user name or password; pass the token instead")
    if parts.query or parts.fragment or not host:
        raise ValueError(f"{help_text}, got {url!r}")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in _LOOPBACK):
        raise ValueError(f"{help_text} (http only for 127.0.0.1 or localhost), got {url!r}")
    return parts.scheme, parts.netloc.lower(), parts.path.rstrip("/")


def server_url(url: object = GITHUB_URL) -> str:
    """The normalised web URL of github.com or a GitHub Enterprise Server."""
    scheme, netloc, path = _origin(url, "server_url")
    if netloc in ("github.com", "www.github.com", "api.github.com"):
        return GITHUB_URL
    if path:
        raise ValueError(f"server_url must be https://HOST without a path, got {url!r}")
    return f"{scheme}://{netloc}"


def api_url(url: object = GITHUB_URL) -> str:
    """The REST API of a server: github.com -> api.github.com, GHES -> ``HOST/api/v3``."""
    web = server_url(url)
    if web == GITHUB_URL:
        return GITHUB_API_URL
    return web + "/api/v3"


def check_api_url(url: object, what: str = "api_url") -> str:
    """An API URL given by the user (a GHES API, a mirror of the releases API), checked
    like a server URL but with any path; returned without a trailing slash."""
    _origin(url, what)
    return str(url).strip().rstrip("/")


def parse_runner_version(text: object) -> str:
    """``latest`` or ``X.Y.Z`` (a leading ``v`` is dropped)."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if cleaned.lower() == "latest":
        return "latest"
    match = _VERSION_RE.match(cleaned)
    if match is None:
        raise ValueError(f"not a runner version: {text!r} ({_VERSION_HELP})")
    return ".".join(match.groups())


def version_key(version: str) -> tuple[int, int, int]:
    """Sort key of ``X.Y.Z``."""
    major, minor, patch = parse_runner_version(version).split(".")
    return int(major), int(minor), int(patch)


# ------------------------------------------------------------------- URLs


def token_url(scope: Scope, kind: str, server: str = GITHUB_URL) -> str:
    """The endpoint that creates a ``registration`` or ``remove`` token for ``scope``."""
    if kind not in (REGISTRATION, REMOVE):
        raise ValueError(f"token kind must be {REGISTRATION} or {REMOVE}, got {kind!r}")
    return f"{api_url(server)}{scope.api_path}/{kind}-token"


def release_url(version: str, releases_api: str = GITHUB_API_URL) -> str:
    """The releases API URL of a runner version (``latest`` or ``X.Y.Z``)."""
    wanted = parse_runner_version(version)
    base = f"{releases_api.rstrip('/')}/repos/{RUNNER_REPOSITORY}/releases"
    return f"{base}/latest" if wanted == "latest" else f"{base}/tags/v{wanted}"


def package_filename(version: str) -> str:
    """``actions-runner-win-x64-2.319.1.zip``."""
    return f"actions-runner-{WINDOWS_X64}-{version}.zip"


# ---------------------------------------------------------------- answers


def parse_token(data: object, kind: str) -> RunnerToken:
    """The token of a ``registration-token``/``remove-token`` answer."""
    if not isinstance(data, dict):
        raise ValueError(f"GitHub's {kind} token answer is not a JSON object")
    token = data.get("token")
    expires_at = data.get("expires_at")
    if not isinstance(token, str) or not token:
        raise ValueError(f"GitHub's {kind} token answer has no token")
    if not isinstance(expires_at, str):
        raise ValueError(f"GitHub's {kind} token answer has no expires_at")
    return RunnerToken(kind, token, expires_at, parse_timestamp(expires_at))


def parse_timestamp(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 time (``2020-01-22T12:13:35.123-08:00``)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError(f"not a timestamp: {text!r}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def release_version(release: object) -> str:
    """The runner version of a release (its tag ``v2.319.1`` -> ``2.319.1``)."""
    tag = release.get("tag_name") if isinstance(release, dict) else None
    try:
        version = parse_runner_version(tag)
    except ValueError:
        version = "latest"
    if version == "latest":
        raise ValueError(f"not an actions/runner release: tag_name is {tag!r}")
    return version


def windows_package(release: object) -> RunnerPackage:
    """The Windows x64 zip of a release, with its SHA-256 (``digest``, else the notes)."""
    version = release_version(release)
    filename = package_filename(version)
    assets = release.get("assets") if isinstance(release, dict) else None
    asset = next(
        (a for a in assets or [] if isinstance(a, dict) and a.get("name") == filename), None
    )
    if asset is None or not isinstance(asset.get("browser_download_url"), str):
        raise ValueError(f"release v{version} of actions/runner has no asset {filename}")
    from_digest = _digest_sha256(asset.get("digest"), filename)
    from_notes = notes_sha256(str(release.get("body") or ""), filename)
    if from_digest and from_notes and from_digest != from_notes:
        raise ValueError(
            f"the SHA-256 of {filename} differs between the asset digest ({from_digest}) and "
            f"the release notes ({from_notes}): refusing to trust either"
        )
    sha256 = from_digest or from_notes
    if not sha256:
        raise ValueError(
            f"release v{version} of actions/runner publishes no SHA-256 for {filename} "
            "(no asset digest and none in the release notes)"
        )
    size = asset.get("size")
    return RunnerPackage(
        version=version,
        filename=filename,
        url=asset["browser_download_url"],
        sha256=sha256,
        sha256_source="digest" if from_digest else "release notes",
        size=size if isinstance(size, int) and not isinstance(size, bool) else 0,
    )


def _digest_sha256(digest: object, filename: str) -> str:
    """The hex of a ``sha256:<hex>`` digest; ``""`` when absent or of another algorithm."""
    if not isinstance(digest, str) or not digest:
        return ""
    algorithm, _sep, value = digest.partition(":")
    if algorithm.lower() != "sha256":
        return ""
    value = value.strip().lower()
    if not _HEX64_RE.match(value):
        raise ValueError(f"the digest of {filename} is not a SHA-256: {digest!r}")
    return value


def notes_sha256(body: str, filename: str) -> str:
    """The SHA-256 the release notes give for ``filename``, or ``""``.

    The notes carry ``<!-- BEGIN SHA win-x64 -->HEX<!-- END SHA win-x64 -->``
    on the line of the file; a plain ``filename HEX`` line is accepted too.
    """
    platform = re.escape(filename.split("-")[2] + "-" + filename.split("-")[3])
    marked = re.search(
        rf"<!--\s*BEGIN SHA {platform}\s*-->\s*([0-9A-Fa-f]{{64}})\s*"
        rf"<!--\s*END SHA {platform}\s*-->",
        body,
    )
    if marked:
        return marked.group(1).lower()
    for line in body.splitlines():
        if filename in line:
            found = re.search(r"\b([0-9A-Fa-f]{64})\b", line)
            if found:
                return found.group(1).lower()
    return ""


# ----------------------------------------------------------------- errors


def mask(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """``text`` with every secret replaced by ``********``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def _github_message(body: bytes | str) -> str:
    """GitHub's ``message`` and ``errors[].message`` of an error body, joined."""
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return raw.strip()[:200]
    if not isinstance(data, dict):
        return ""
    parts = [str(data["message"])] if data.get("message") else []
    for error in data.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            parts.append(str(error["message"]))
        elif isinstance(error, str):
            parts.append(error)
    return ": ".join(parts)


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_PERMISSIONS = {
    "repository": (
        "a classic token needs the repo scope; a fine-grained token or GitHub App needs "
        "the repository permission Administration: write"
    ),
    "organization": (
        "a classic token needs the admin:org scope; a fine-grained token or GitHub App needs "
        "the organisation permission Self-hosted runners: write"
    ),
    "enterprise": (
        "a classic token of an enterprise owner needs the manage_runners:enterprise scope "
        "(fine-grained tokens and GitHub App tokens cannot manage enterprise runners)"
    ),
}


def api_error(
    status: int,
    headers: dict[str, str],
    body: bytes | str,
    *,
    scope: Scope | None,
    action: str,
    now: float,
    secrets: tuple[str, ...] = (),
) -> GitHubApiError:
    """The error to raise for an HTTP error answer of GitHub.

    ``action`` says what was attempted ("create a registration token");
    ``now`` (epoch seconds) dates the rate-limit reset; every ``secrets`` value
    is masked in the message.
    """
    detail = _github_message(body)
    what = str(scope) if scope is not None else "the resource"
    remaining = _header(headers, "x-ratelimit-remaining")
    if status in (403, 429) and (remaining == "0" or status == 429):
        message, reset_at = _rate_limited(status, headers, now)
    elif status == 401:
        message, reset_at = (
            "the personal access token or GitHub App token was refused (401): "
            "it is wrong or expired"
        ), None
    elif status == 403:
        message = (
            f"the token may not {action} for {what} (403): {_PERMISSIONS.get(scope.kind, '')}"
            if scope is not None
            else f"the token may not {action} (403)"
        )
        if detail:
            message += f" (GitHub said: {detail})"
        reset_at = None
    elif status == 404:
        message = (
            f"{what} was not found, or the token cannot see it (404): check its spelling and "
            "that the token's owner administers it"
        )
        reset_at = None
    elif status == 422:
        message = f"GitHub refused to {action} for {what} (422): {detail or 'validation failed'}"
        reset_at = None
    else:
        message = f"GitHub could not {action} for {what}: HTTP {status}"
        if detail:
            message += f": {detail}"
        reset_at = None
    return GitHubApiError(mask(message, secrets), status=status, reset_at=reset_at)


def _rate_limited(status: int, headers: dict[str, str], now: float) -> tuple[str, int | None]:
    reset = _header(headers, "x-ratelimit-reset")
    retry_after = _header(headers, "retry-after")
    prefix = f"GitHub's API rate limit for this token is exhausted ({status})"
    if reset and reset.strip().isdigit():
        reset_at = int(reset.strip())
        wait = max(0, reset_at - int(now))
        return (
            f"{prefix}: it resets at {_utc(reset_at)} (in {_duration(wait)}); "
            "run again then, or use a token with a higher limit (a GitHub App)"
        ), reset_at
    if retry_after and retry_after.strip().isdigit():
        wait = int(retry_after.strip())
        return f"{prefix}: retry in {_duration(wait)}", int(now) + wait
    return f"{prefix}: wait a few minutes and run again", None


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest:02d}s" if rest else f"{minutes}m"


# ---------------------------------------------------------- runner versions


def check_runner_version(version: str, minimum: str = MINIMUM_RUNNER_VERSION) -> str:
    """``version`` when GitHub still accepts it, else ``ValueError`` saying what to do.

    A runner below the minimum registers, then GitHub refuses it any job.
    """
    wanted = parse_runner_version(version)
    if wanted == "latest":
        return wanted
    if version_key(wanted) < version_key(minimum):
        raise ValueError(
            f"actions runner {wanted} is older than {parse_runner_version(minimum)}, the oldest "
            "GitHub still sends jobs to: it would register, then stop with 'Runner version "
            f"v{wanted} is deprecated and cannot receive messages'; use version latest or "
            f"{parse_runner_version(minimum)} or newer"
        )
    return wanted


_DEPRECATED_RE = re.compile(r"Runner version v?([0-9.]+) is deprecated and cannot receive messages")


def explain_runner_output(output: str) -> str | None:
    """A clear message when the runner's output says GitHub refused its version, else ``None``."""
    match = _DEPRECATED_RE.search(output)
    if match is None:
        return None
    return (
        f"GitHub refuses actions runner {match.group(1)} as too old (it is deprecated and "
        "cannot receive jobs): install version latest, or let the runner update itself "
        "(do not configure it with --disableupdate)"
    )
