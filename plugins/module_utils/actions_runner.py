"""GitHub Actions self-hosted runners on Windows: options, arguments and local state.

Pure logic of ``winops.golang.win_actions_runner`` (with :mod:`actions_runner_plan`). Facts
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
  ``actions.runner.<repo-or-org>.<name>`` (shortened past 80 characters with
  a random suffix) running ``bin\\RunnerService.exe``, and writes that name
  to ``.service`` (UTF-8 without BOM), where ``config.cmd remove`` finds it.
* For any account other than the three built-in ones ``--runasservice`` asks
  for a password (and checks it), so it cannot install a service for a gMSA.
  The module therefore never uses it: it installs the service itself, named
  as the runner would name it, for every account alike.
* GitHub refuses runner names longer than 64 characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.winops.golang.plugins.module_utils import winpath
from ansible_collections.winops.golang.plugins.module_utils.github_runner_api import (
    Scope,
    parse_scope,
)
from ansible_collections.winops.golang.plugins.module_utils.service_account import (
    USER,
    VIRTUAL,
    Account,
    AccountError,
    parse_account,
)
from ansible_collections.winops.golang.plugins.module_utils.winargv import quote_argv

TOKEN_ENV = "ACTIONS_RUNNER_INPUT_TOKEN"
ENV_PREFIX = "ACTIONS_RUNNER_INPUT_"

DEFAULT_LABELS = ("self-hosted", "Windows", "X64")
DEFAULT_ROOT = "C:\\actions-runner"
DEFAULT_WORK = "_work"
MAX_NAME = 64
MAX_LABEL = 256
MAX_SERVICE_NAME = 80

CONFIG_CMD = "config.cmd"
LISTENER = "bin\\Runner.Listener.exe"
RUNNER_FILE = ".runner"
SERVICE_FILE = ".service"
LABELS_RECORD = ".winops-labels.json"

SCOPE_REPO, SCOPE_ORG, SCOPE_ENTERPRISE = "repository", "organization", "enterprise"

_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
# Characters cmd.exe interprets even inside a batch file's %* (config.cmd is a batch file).
_CMD_SPECIAL = frozenset('"&|<>^%!')
_URL_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
_SERVICE_UNSAFE = re.compile(r"[^0-9a-zA-Z._\-]")


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
    def password(self) -> str | None:
        """The service password (a user account only); never an argument."""
        return self.account.password


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


def api_scope(url: str) -> Scope:
    """The REST API scope (repository, organization, enterprise) of a :func:`parse_url` URL."""
    return parse_scope(urlsplit(url).path.strip("/"))


def web_origin(url: str) -> str:
    """``https://<host>`` of a :func:`parse_url` URL: the server whose API serves its tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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


def config_arguments(spec: RunnerSpec) -> list[str]:
    """The arguments of ``config.cmd`` for ``spec`` (no token: see :func:`config_environment`).

    No ``--runasservice``: the module installs the service itself, for every
    account alike (the runner's installer asks a gMSA for a password).
    """
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
    return args


def config_environment(token: str) -> dict[str, str]:
    """The environment that hands ``config.cmd`` its token (a ``no_log`` value)."""
    if not isinstance(token, str) or not token.strip():
        raise RunnerError("a registration token is required to configure or remove a runner "
                          "(Settings > Actions > Runners > New self-hosted runner, or the "
                          "REST API's registration-token/remove-token endpoints)")
    return {TOKEN_ENV: token.strip()}


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


def parse_service_file(text: str | bytes | None) -> str | None:
    """The service name held in :data:`SERVICE_FILE`, None when missing or empty."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", "replace")
    value = text.lstrip("\ufeff").strip()
    return value or None
