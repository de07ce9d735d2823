"""GitHub Actions self-hosted runners on Windows: options, arguments and local state.

Pure logic for the coming ``winops.golang.win_actions_runner`` module. Facts
from the runner's own source (``actions/runner``) that this file relies on:

* ``config.cmd`` is a batch file at the package root. It runs
  ``bin\\Runner.Listener.exe remove ...`` when its first argument is
  ``remove`` and ``bin\\Runner.Listener.exe configure ...`` otherwise.
* Every option can come from the environment instead of the command line: the
  listener reads each ``ACTIONS_RUNNER_INPUT_<OPTION>`` variable (option name
  upper-cased, prefix compared case-insensitively) and removes it from its
  environment. The registration token therefore travels as
  ``ACTIONS_RUNNER_INPUT_TOKEN`` and a service password as
  ``ACTIONS_RUNNER_INPUT_WINDOWSLOGONPASSWORD``; neither is ever an argument,
  so neither shows up in a process list or an audit log of command lines.
* Flags and options: ``--unattended``, ``--url``, ``--name``, ``--labels``
  (comma separated), ``--runnergroup``, ``--work``, ``--ephemeral``,
  ``--disableupdate``, ``--replace``, ``--runasservice``,
  ``--windowslogonaccount``, ``--windowslogonpassword``, ``--token``.
* The runner adds the labels ``self-hosted``, ``Windows`` and ``X64`` (on an
  x64 host) itself; labels are a case-insensitive set, each at most 256
  characters. Labels live on the server only: ``.runner`` and
  ``.credentials`` do not hold them, so this module records the labels it
  configured in :data:`LABELS_RECORD` beside the runner.
* After configuration the runner writes ``.runner`` (JSON, camelCase fields
  ``agentId``, ``agentName``, ``poolId``, ``poolName``, ``serverUrl``,
  ``gitHubUrl``, ``workFolder``, and ``ephemeral``/``disableUpdate`` when
  set; written with ``Encoding.UTF8``, so it starts with a BOM) and
  ``.credentials``. With ``--runasservice`` it installs the service
  ``actions.runner.<repo-or-org>.<name>`` and writes that name to
  ``.service`` (UTF-8 without BOM). A name longer than 80 characters is
  shortened with a *random* four-digit suffix, so ``.service`` is the
  authority; :func:`service_name` predicts it only when no shortening
  happens.
* The service logs on as ``NT AUTHORITY\\NETWORK SERVICE`` unless
  ``--windowslogonaccount`` names another account. For any account other
  than the three built-in ones the runner asks for a password (and checks it),
  so it cannot install a service for a gMSA: the module configures such a
  runner without ``--runasservice`` and installs the service itself.
* GitHub refuses runner names longer than 64 characters.
* ``bin\\Runner.Listener.exe --version`` prints the package version (for
  example ``2.321.0``) on a line of its own. The package carries no other
  plain-text version file, so that output is how a folder's version is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.winops.golang.plugins.module_utils import winpath
from ansible_collections.winops.golang.plugins.module_utils.service_account import (
    GMSA,
    LOCAL_SERVICE,
    NETWORK_SERVICE,
    SYSTEM,
    USER,
    VIRTUAL,
    Account,
    AccountError,
    parse_account,
)
from ansible_collections.winops.golang.plugins.module_utils.winargv import quote_argv

TOKEN_ENV = "ACTIONS_RUNNER_INPUT_TOKEN"
PASSWORD_ENV = "ACTIONS_RUNNER_INPUT_WINDOWSLOGONPASSWORD"
ENV_PREFIX = "ACTIONS_RUNNER_INPUT_"

DEFAULT_LABELS = ("self-hosted", "Windows", "X64")
DEFAULT_ROOT = "C:\\actions-runner"
DEFAULT_WORK = "_work"
MAX_NAME = 64
MAX_LABEL = 256
MAX_SERVICE_NAME = 80

CONFIG_CMD = "config.cmd"
RUN_CMD = "run.cmd"
LISTENER = "bin\\Runner.Listener.exe"
RUNNER_FILE = ".runner"
CREDENTIALS_FILE = ".credentials"
SERVICE_FILE = ".service"
LABELS_RECORD = ".winops-labels.json"

SCOPE_REPO, SCOPE_ORG, SCOPE_ENTERPRISE = "repository", "organization", "enterprise"

# The logon names the runner compares with its default account (NTAccount of the SIDs).
_LOGON_NAMES = {
    NETWORK_SERVICE: "NT AUTHORITY\\NETWORK SERVICE",
    LOCAL_SERVICE: "NT AUTHORITY\\LOCAL SERVICE",
    SYSTEM: "NT AUTHORITY\\SYSTEM",
}
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
# Characters cmd.exe interprets even inside a batch file's %* (config.cmd is a batch file).
_CMD_SPECIAL = frozenset('"&|<>^%!')
_URL_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
_SERVICE_UNSAFE = re.compile(r"[^0-9a-zA-Z._\-]")
_VERSION_LINE = re.compile(r"^\s*v?(\d+\.\d+\.\d+)\s*$")


class RunnerError(ValueError):
    """A runner option the runner or GitHub would refuse, with what to do instead."""


@dataclass(frozen=True)
class RunnerSpec:
    """Validated, normalised options of one self-hosted runner."""

    url: str
    scope: str
    name: str
    labels: tuple[str, ...]
    runner_group: str | None
    work: str
    ephemeral: bool
    disable_update: bool
    replace: bool
    folder: str
    account: Account = field(repr=False)

    @property
    def service_by_runner(self) -> bool:
        """Whether ``config.cmd --runasservice`` can install the service (not for a gMSA)."""
        return self.account.kind != GMSA

    @property
    def logon_account(self) -> str:
        """The ``--windowslogonaccount`` value for this runner's account."""
        return _LOGON_NAMES.get(self.account.kind, self.account.object_name)

    @property
    def password(self) -> str | None:
        """The service password (a user account only); never an argument."""
        return self.account.password


@dataclass(frozen=True)
class RunnerLayout:
    """Where the files of one runner live: the package is extracted to ``folder``."""

    folder: str

    def path(self, relative: str) -> str:
        """The full path of ``relative`` inside the runner folder."""
        return winpath.join(self.folder, relative)

    @property
    def config_cmd(self) -> str:
        """``config.cmd`` at the package root."""
        return self.path(CONFIG_CMD)

    @property
    def run_cmd(self) -> str:
        """``run.cmd`` at the package root."""
        return self.path(RUN_CMD)

    @property
    def listener(self) -> str:
        """``bin\\Runner.Listener.exe``: its ``--version`` is the installed version."""
        return self.path(LISTENER)

    @property
    def runner_file(self) -> str:
        """``.runner``, present once the runner is configured."""
        return self.path(RUNNER_FILE)

    @property
    def credentials_file(self) -> str:
        """``.credentials``, present once the runner is configured."""
        return self.path(CREDENTIALS_FILE)

    @property
    def service_file(self) -> str:
        """``.service``: the name of the service ``--runasservice`` installed."""
        return self.path(SERVICE_FILE)

    @property
    def labels_record(self) -> str:
        """The labels this module configured (the runner keeps none locally)."""
        return self.path(LABELS_RECORD)


def _text(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RunnerError(f"{key} must be a string, not {type(value).__name__}")
    value = value.strip()
    return value or None


def _flag(options: Mapping[str, Any], key: str) -> bool:
    value = options.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise RunnerError(f"{key} must be true or false")
    return value


def _cmd_safe(value: str, what: str) -> str:
    bad = sorted(set(value) & _CMD_SPECIAL)
    if bad or any(ord(ch) < 32 for ch in value):
        shown = " ".join(bad) or "control characters"
        raise RunnerError(f"{what} '{value}' contains characters config.cmd cannot pass "
                          f"through cmd.exe: {shown}")
    return value


def parse_url(url: str) -> tuple[str, str]:
    """Normalise a runner URL; return it with its scope.

    Accepted: ``https://<host>/<owner>/<repo>`` (repository),
    ``https://<host>/<org>`` (organization) and
    ``https://<host>/enterprises/<name>`` (enterprise), where the host is
    github.com, a GHE.com tenant or a GitHub Enterprise Server. The scheme
    and host are lower-cased, a trailing slash and a ``.git`` suffix dropped.
    """
    if not isinstance(url, str) or not url.strip():
        raise RunnerError("url is required: the repository, organization or enterprise URL, "
                          "e.g. https://github.com/owner/repo")
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() != "https":
        raise RunnerError(f"url '{text}' must start with https://")
    if not parts.hostname or parts.username or parts.password or parts.query or \
            parts.fragment:
        raise RunnerError(f"url '{text}' must be https://<host>/<owner>[/<repo>] without "
                          "credentials, query or fragment")
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1].lower().endswith(".git"):
        segments[-1] = segments[-1][:-4]
    if not 1 <= len(segments) <= 2 or not all(_URL_SEGMENT.match(s) for s in segments):
        raise RunnerError(f"url '{text}' should point to an org or repository "
                          "(https://<host>/<org>, /<owner>/<repo> or /enterprises/<name>)")
    if len(segments) == 1:
        scope = SCOPE_ORG
    elif segments[0].lower() == "enterprises":
        scope = SCOPE_ENTERPRISE
    else:
        scope = SCOPE_REPO
    host = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return f"https://{host}/" + "/".join(segments), scope


def _parse_name(name: str) -> str:
    if len(name) > MAX_NAME:
        raise RunnerError(f"name '{name}' is {len(name)} characters; GitHub allows runner "
                          f"names of at most {MAX_NAME}")
    if not _NAME.match(name):
        raise RunnerError(f"name '{name}' may only contain letters, digits, '.', '_' and '-' "
                          "(it becomes part of a Windows service name)")
    return name


def normalise_labels(labels: Iterable[str]) -> tuple[str, ...]:
    """User labels without duplicates and without the runner's own default labels.

    Compared case-insensitively, as the runner and GitHub do; the first spelling
    wins.
    """
    seen = {label.casefold() for label in DEFAULT_LABELS}
    out: list[str] = []
    for label in labels:
        if label.casefold() not in seen:
            seen.add(label.casefold())
            out.append(label)
    return tuple(out)


def _parse_labels(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise RunnerError("labels must be a list of strings")
    cleaned: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise RunnerError("labels must be non-empty strings")
        label = item.strip()
        if "," in label or any(ch.isspace() for ch in label):
            raise RunnerError(f"label '{label}' must not contain commas or white space")
        if len(label) > MAX_LABEL:
            raise RunnerError(f"label '{label[:40]}...' is longer than {MAX_LABEL} characters")
        cleaned.append(_cmd_safe(label, "label"))
    return normalise_labels(cleaned)


def _under_users(path: str) -> bool:
    comps = winpath.components(path)
    return len(comps) > 1 and not comps[0].startswith("\\\\") and \
        comps[1].casefold() == "users"


def _parse_folder(value: str | None, name: str) -> str:
    folder = value or winpath.join(DEFAULT_ROOT, name)
    try:
        folder = winpath.validate(folder, "folder")
    except winpath.WindowsPathError as exc:
        raise RunnerError(str(exc)) from exc
    comps = winpath.components(folder)
    if comps[0].startswith("\\\\"):
        raise RunnerError(f"folder '{folder}' must be on a local drive, not a share")
    if len(comps) < 2:
        raise RunnerError(f"folder '{folder}' must not be a drive root: the runner needs a "
                          "folder of its own")
    if _under_users(folder):
        raise RunnerError(f"folder '{folder}' is inside a user profile (\\Users): a runner "
                          "must never live in a user profile; use e.g. "
                          f"{winpath.join(DEFAULT_ROOT, name)}")
    return _cmd_safe(folder, "folder")


def _parse_work(value: str | None) -> str:
    work = value or DEFAULT_WORK
    _cmd_safe(work, "work")
    if re.match(r"^[A-Za-z]:[\\/]", work) or work.startswith(("\\\\", "//")):
        try:
            work = winpath.validate(work, "work")
        except winpath.WindowsPathError as exc:
            raise RunnerError(str(exc)) from exc
        if _under_users(work):
            raise RunnerError(f"work '{work}' is inside a user profile (\\Users); give a "
                              "folder outside C:\\Users")
        return work
    parts = [p for p in work.replace("/", "\\").split("\\") if p]
    if not parts or any(p in (".", "..") for p in parts) or ":" in work:
        raise RunnerError(f"work '{work}' must be a folder name below the runner folder "
                          "(default _work) or an absolute path")
    return "\\".join(parts)


def _parse_account(account: str | None, password: Any) -> Account:
    if password is not None and not isinstance(password, str):
        raise RunnerError("password must be a string")
    try:
        parsed = parse_account(account or "NetworkService", password or None, "actions.runner")
    except AccountError as exc:
        raise RunnerError(str(exc)) from exc
    if parsed.kind == VIRTUAL:
        raise RunnerError(f"account '{account}': a runner cannot use a virtual account; use "
                          "NetworkService (the default), a gMSA (DOMAIN\\name$) or a user "
                          "with a password")
    if parsed.kind == USER:
        _cmd_safe(parsed.object_name, "account")
    return parsed


def parse_runner_spec(options: Mapping[str, Any], hostname: str) -> RunnerSpec:
    """Validate the module options into a :class:`RunnerSpec`.

    ``hostname`` (the host's NetBIOS name) is the default runner name, as the
    runner itself defaults to the machine name.
    """
    url, scope = parse_url(options.get("url"))  # type: ignore[arg-type]
    name = _parse_name(_text(options, "name") or hostname)
    group = _text(options, "runner_group")
    if group is not None:
        _cmd_safe(group, "runner_group")
        if scope == SCOPE_REPO:
            raise RunnerError("runner_group: runner groups belong to organizations and "
                              "enterprises; a repository runner goes to the default group")
    return RunnerSpec(
        url=url,
        scope=scope,
        name=name,
        labels=_parse_labels(options.get("labels")),
        runner_group=group,
        work=_parse_work(_text(options, "work")),
        ephemeral=_flag(options, "ephemeral"),
        disable_update=_flag(options, "disable_update"),
        replace=_flag(options, "replace"),
        folder=_parse_folder(_text(options, "folder"), name),
        account=_parse_account(_text(options, "account"), options.get("password")),
    )


def config_arguments(spec: RunnerSpec, run_as_service: bool) -> list[str]:
    """The arguments of ``config.cmd`` for ``spec`` (no token, no password: see
    :func:`config_environment`)."""
    args = ["--unattended", "--url", spec.url, "--name", spec.name]
    if spec.labels:
        args += ["--labels", ",".join(spec.labels)]
    if spec.runner_group:
        args += ["--runnergroup", spec.runner_group]
    args += ["--work", spec.work]
    if spec.ephemeral:
        args.append("--ephemeral")
    if spec.disable_update:
        args.append("--disableupdate")
    if spec.replace:
        args.append("--replace")
    if run_as_service:
        if not spec.service_by_runner:
            raise RunnerError(
                f"account '{spec.account.object_name}' is a gMSA: config.cmd --runasservice "
                "asks for its password and cannot install the service; configure without "
                "run_as_service and install the service with the service ops")
        args += ["--runasservice", "--windowslogonaccount", spec.logon_account]
    return args


def config_environment(token: str, password: str | None = None) -> dict[str, str]:
    """The environment that hands ``config.cmd`` its secrets (``no_log`` values)."""
    if not isinstance(token, str) or not token.strip():
        raise RunnerError("a registration token is required to configure or remove a runner "
                          "(Settings > Actions > Runners > New self-hosted runner, or the "
                          "REST API's registration-token/remove-token endpoints)")
    env = {TOKEN_ENV: token.strip()}
    if password:
        env[PASSWORD_ENV] = password
    return env


def remove_arguments() -> list[str]:
    """The arguments of ``config.cmd`` that unregister a runner (token in the environment)."""
    return ["remove", "--unattended"]


def cmd_arguments(args: list[str]) -> str:
    """The ``cmd.exe`` arguments that run ``config.cmd`` from the runner folder (as cwd).

    Validation keeps cmd.exe's special characters out of every value, so the
    ``CommandLineToArgvW`` quoting survives ``%*``.
    """
    return "/c " + CONFIG_CMD + (" " + quote_argv(args) if args else "")


def parse_runner_file(text: str | bytes) -> dict[str, Any]:
    """The ``.runner`` JSON as a dict (UTF-8, a BOM allowed). Raises :class:`RunnerError`."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RunnerError(f".runner is not UTF-8: {exc}") from exc
    text = text.lstrip("\ufeff")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RunnerError(f".runner is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RunnerError(".runner must hold a JSON object")
    return data


def same_url(a: str | None, b: str | None) -> bool:
    """Whether two GitHub URLs name the same thing: case-insensitive, trailing slash ignored."""
    if not a or not b:
        return False
    return a.strip().rstrip("/").casefold() == b.strip().rstrip("/").casefold()


def is_configured_as(runner_file: Mapping[str, Any] | None, spec: RunnerSpec) -> bool:
    """Whether the ``.runner`` contents register this folder as ``spec`` (URL and name)."""
    if not runner_file:
        return False
    name = runner_file.get("agentName")
    return same_url(runner_file.get("gitHubUrl"), spec.url) and isinstance(name, str) and \
        name.casefold() == spec.name.casefold()


def render_labels_record(spec: RunnerSpec) -> str:
    """The :data:`LABELS_RECORD` contents for ``spec`` (stable JSON, LF line end)."""
    return json.dumps({"url": spec.url, "name": spec.name, "labels": list(spec.labels)},
                      indent=2) + "\n"


def parse_labels_record(text: str | bytes | None) -> list[str] | None:
    """The labels recorded by :func:`render_labels_record`; None when missing or unreadable."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", "replace")
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except ValueError:
        return None
    labels = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        return None
    return labels


def label_change(current_labels: Iterable[str] | None, spec: RunnerSpec) -> bool:
    """Whether the labels differ from ``spec`` (as case-insensitive sets, defaults ignored).

    ``current_labels`` is what :func:`parse_labels_record` read; None (no
    record) counts as a change, so the module re-registers and records them.
    """
    if current_labels is None:
        return True
    current = {label.casefold() for label in normalise_labels(current_labels)}
    return current != {label.casefold() for label in spec.labels}


def repo_or_org_name(runner_file: Mapping[str, Any]) -> str:
    """The runner's ``RepoOrOrgName``: the ``gitHubUrl`` path when the service URL is on
    ``*.githubusercontent.com`` (github.com), else the first path segment of ``serverUrl``
    (``_services`` on GitHub Enterprise Server)."""
    server = str(runner_file.get("serverUrl") or "")
    github = str(runner_file.get("gitHubUrl") or "")
    host = (urlsplit(server).hostname or "").lower()
    name = ""
    if host.endswith(".githubusercontent.com") and github:
        name = urlsplit(github).path.strip("/")
    if not name:
        segments = [s for s in urlsplit(server).path.split("/") if s]
        name = segments[0] if segments else ""
    if not name:
        raise RunnerError(f"cannot find the repository or organization name in .runner "
                          f"(serverUrl '{server}')")
    return name


def service_name(runner_file: Mapping[str, Any]) -> str | None:
    """The service name ``--runasservice`` gives this runner, or None when the runner
    shortens it with a random suffix (then read :data:`SERVICE_FILE`)."""
    owner = _SERVICE_UNSAFE.sub("-", repo_or_org_name(runner_file))
    name = f"actions.runner.{owner}.{runner_file.get('agentName') or ''}"
    return name if len(name) <= MAX_SERVICE_NAME else None


def service_display_name(runner_file: Mapping[str, Any]) -> str:
    """The service's display name: ``GitHub Actions Runner (<owner>.<name>)``."""
    owner = _SERVICE_UNSAFE.sub("-", repo_or_org_name(runner_file))
    return f"GitHub Actions Runner ({owner}.{runner_file.get('agentName') or ''})"


def parse_service_file(text: str | bytes | None) -> str | None:
    """The service name held in :data:`SERVICE_FILE`, None when missing or empty."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", "replace")
    value = text.lstrip("\ufeff").strip()
    return value or None


def version_arguments() -> str:
    """The arguments of ``bin\\Runner.Listener.exe`` that print its version."""
    return "--version"


def parse_version(stdout: str | None) -> str | None:
    """The version printed by ``Runner.Listener.exe --version`` (``2.321.0``), or None."""
    for line in (stdout or "").splitlines():
        match = _VERSION_LINE.match(line)
        if match:
            return match.group(1)
    return None


def package_file_name(version: str, arch: str = "x64") -> str:
    """The release asset name: ``actions-runner-win-<arch>-<version>.zip``."""
    if not re.match(r"^\d+\.\d+\.\d+$", version or ""):
        raise RunnerError(f"version '{version}' must look like 2.321.0")
    if arch not in ("x64", "arm64"):
        raise RunnerError(f"arch '{arch}' must be x64 or arm64")
    return f"actions-runner-win-{arch}-{version}.zip"


def package_url(version: str, arch: str = "x64") -> str:
    """The release download URL of the Windows package of ``version``."""
    return ("https://github.com/actions/runner/releases/download/"
            f"v{version}/{package_file_name(version, arch)}")
