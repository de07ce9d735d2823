"""A fake GitHub Actions ``bin\\Runner.Listener.exe`` for the simulated host.

A runner package is extracted to its folder root: ``config.cmd``, ``run.cmd``
and ``bin\\Runner.Listener.exe``. The real ``config.cmd`` is a batch file that
runs ``"%~dp0bin\\Runner.Listener.exe" remove %*`` when its first argument is
``remove`` and ``"%~dp0bin\\Runner.Listener.exe" configure %*`` otherwise;
the simulated ``cmd.exe`` runs batch files but not ``if ... ( ... )`` blocks,
so :func:`package_files` ships a one-line ``config.cmd`` that always passes
``configure``, and this fake treats ``configure remove ...`` as ``remove ...``:
together they behave like the real pair.

What it models, after the real runner:

* options from the command line or from ``ACTIONS_RUNNER_INPUT_<OPTION>``
  environment variables; a missing required value fails an ``--unattended``
  run with ``Invalid configuration provided for <option>. Terminating
  unattended configuration.`` (exit code 1); without ``--unattended`` the real
  runner waits at its prompt, so this fake runs until the exec timeout;
* ``configure`` refuses an already configured folder, looks up the runner
  group, refuses a name already registered for the URL unless ``--replace``,
  then writes ``.credentials``, ``.credentials_rsaparams`` (placeholders) and
  ``.runner`` (indented camelCase JSON with a UTF-8 BOM and CRLF, as .NET's
  ``File.WriteAllText(..., Encoding.UTF8)`` writes it);
* ``--runasservice`` writes ``.service`` with the service name
  ``actions.runner.<repo-or-org>.<name>`` (shortened past 80 characters with a
  suffix that is random in the real runner and derived from the name here). It
  does not create the service in the host's service table: tests add it with
  ``SimHost.add_service`` when they need one. An account other than the three
  built-in ones needs ``windowslogonpassword``, so a gMSA fails as it does for
  real;
* ``remove`` removes ``.service``, unregisters the name (token required) and
  deletes ``.credentials``, ``.credentials_rsaparams`` and ``.runner``;
* ``--version`` prints the ``version=`` line of the fake exe's own content
  (the real one has its version compiled in).

GitHub's side lives in a JSON file on the simulated host, :data:`SERVER_STATE`
(the fake cannot reach a web server): ``{url (lower case, no trailing slash):
{"groups": [...], "runners": {name (lower case): {...}}, "next_id": n}}``. A
URL without an entry has the group ``Default`` only; tests seed groups or
taken names by writing the file. Any non-empty token is accepted, except
those whose SHA-256 is listed under ``refused_tokens`` (an expired token):
they fail as GitHub's 404 answer makes the real runner fail.

Every run appends a record to ``<runner folder>\\.winops-fake-config.json``:
the command, the arguments as received, the *names* of the
``ACTIONS_RUNNER_INPUT_*`` variables, where the token came from
(``environment``/``argument``) and its SHA-256, never a secret's value, so
tests can prove the token travelled in the environment only.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath

from .programs import Invocation, Outcome

SERVER_STATE = "C:\\ProgramData\\WinopsSim\\github-runner-server.json"
RECORD = ".winops-fake-config.json"
ENV_PREFIX = "ACTIONS_RUNNER_INPUT_"
HANG_SECONDS = 10.0 ** 9

_COMMANDS = ("configure", "remove", "run", "warmup")
_FLAGS = frozenset({"check", "commit", "disableupdate", "ephemeral", "help", "once", "replace",
                    "runasservice", "unattended", "version", "no-default-labels", "local",
                    "generateserviceconfig"})
_ARGS = frozenset({"auth", "labels", "monitorsocketaddress", "name", "pat", "runnergroup",
                   "startuptype", "token", "url", "username", "windowslogonaccount",
                   "windowslogonpassword", "work", "jitconfig"})
_BUILT_IN_ACCOUNTS = frozenset({
    "nt authority\\network service", "nt authority\\networkservice", "networkservice",
    "network service", "nt authority\\local service", "nt authority\\localservice",
    "localservice", "local service", "nt authority\\system", "localsystem", "system",
})
_VERSION = re.compile(rb"^\s*version=([^\r\n]+)$", re.M)
_SERVICE_UNSAFE = re.compile(r"[^0-9a-zA-Z._\-]")
_ALREADY = ("Cannot configure the runner because it is already configured. To reconfigure "
            "the runner, run 'config.cmd remove' or './config.sh remove' first.")

CONFIG_CMD_TEXT = (
    "@echo off\r\n"
    "rem The real config.cmd passes remove through and adds configure otherwise;\r\n"
    "rem the simulated Runner.Listener.exe reads configure remove as remove.\r\n"
    "\"%~dp0bin\\Runner.Listener.exe\" configure %*\r\n"
)
RUN_CMD_TEXT = "@echo off\r\n\"%~dp0bin\\Runner.Listener.exe\" run %*\r\n"


def package_files(version: str) -> dict[str, bytes]:
    """The files of a fake runner package, by path relative to its root."""
    return {
        "config.cmd": CONFIG_CMD_TEXT.encode(),
        "run.cmd": RUN_CMD_TEXT.encode(),
        "bin\\Runner.Listener.exe": f"MZ fake Runner.Listener\nversion={version}\n".encode(),
        # The program the runner's Windows service runs; a plain service program here.
        "bin\\RunnerService.exe": f"MZ fake RunnerService\nversion={version}\n".encode(),
    }


class _Run:
    """One run of the fake listener: parsed options and collected output."""

    def __init__(self, inv: Invocation) -> None:
        self.inv = inv
        self.root = winpath.parent(winpath.parent(inv.exe))
        self.out: list[str] = []
        self.err: list[str] = []
        self.commands: list[str] = []
        self.flags: set[str] = set()
        self.args: dict[str, str] = {}
        self.unknown: list[str] = []
        self.env_args: dict[str, str] = {}
        self.env_names: list[str] = []
        argv = list(inv.argv)
        i = 0
        while i < len(argv):
            word = argv[i]
            if word.startswith("--"):
                name = word[2:].lower()
                if name in _ARGS and i + 1 < len(argv):
                    self.args[name] = argv[i + 1]
                    i += 2
                    continue
                if name in _FLAGS:
                    self.flags.add(name)
                else:
                    self.unknown.append(word[2:])
            elif word.lower() in _COMMANDS:
                self.commands.append(word.lower())
            else:
                self.unknown.append(word)
            i += 1
        for name, value in inv.env.items():
            if name.upper().startswith(ENV_PREFIX):
                self.env_names.append(name)
                if value.strip():
                    self.env_args[name[len(ENV_PREFIX):].lower()] = value.strip()

    # -- options ----------------------------------------------------------------------

    def path(self, name: str) -> str:
        return winpath.join(self.root, name)

    def arg(self, name: str) -> str | None:
        value = self.args.get(name) or self.env_args.get(name)
        return value or None

    def flag(self, name: str) -> bool:
        return name in self.flags or (self.env_args.get(name) or "").lower() == "true"

    def required(self, name: str) -> str:
        """A required value; raises _Stop like the real prompt does without it."""
        value = self.arg(name)
        if value:
            return value
        if not self.flag("unattended"):
            raise _Stop(None)  # the real runner waits at its prompt for input
        raise _Stop(f"Invalid configuration provided for {name}. "
                    "Terminating unattended configuration.")

    def token_source(self) -> str | None:
        if self.args.get("token"):
            return "argument"
        return "environment" if self.env_args.get("token") else None

    # -- output and files -------------------------------------------------------------

    def line(self, text: str = "") -> None:
        self.out.append(text + "\r\n")

    def section(self, title: str) -> None:
        self.out.append(f"\r\n# {title}\r\n\r\n")

    def success(self, text: str) -> None:
        self.out.append(f"\u221a {text}\r\n")

    def exists(self, name: str) -> bool:
        return self.inv.read_file(self.path(name)) is not None

    def save_json(self, path: str, data: Any) -> None:
        text = json.dumps(data, indent=2).replace("\n", "\r\n")
        self.inv.write_file(path, b"\xef\xbb\xbf" + text.encode("utf-8"))

    def record(self, command: str, rc: int) -> None:
        path = self.path(RECORD)
        old = _load(self.inv.read_file(path)) or {}
        runs = old.get("runs") if isinstance(old.get("runs"), list) else []
        token = self.arg("token")
        runs.append({
            "command": command,
            "arguments": list(self.inv.argv),
            "env_names": sorted(self.env_names),
            "token_source": self.token_source(),
            "token_sha256": hashlib.sha256(token.encode()).hexdigest() if token else None,
            "password_source": "argument" if self.args.get("windowslogonpassword") else (
                "environment" if self.env_args.get("windowslogonpassword") else None),
            "run_as_service": self.flag("runasservice"),
            "rc": rc,
        })
        self.inv.write_file(path, (json.dumps({"runs": runs}, indent=2) + "\n").encode())


class _Stop(Exception):
    """Ends a run: a message for stderr (exit code 1), or None for a prompt that waits."""

    def __init__(self, message: str | None) -> None:
        super().__init__(message or "")
        self.message = message


def _load(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _url_key(url: str) -> str:
    return url.strip().rstrip("/").lower()


def _server(inv: Invocation) -> dict[str, Any]:
    return _load(inv.read_file(SERVER_STATE)) or {}


def _save_server(inv: Invocation, state: dict[str, Any]) -> None:
    inv.write_file(SERVER_STATE, (json.dumps(state, indent=2, sort_keys=True) + "\n").encode())


def _entry(state: dict[str, Any], url: str) -> dict[str, Any]:
    entry = state.setdefault(_url_key(url), {})
    entry.setdefault("groups", ["Default"])
    entry.setdefault("runners", {})
    entry.setdefault("next_id", 1)
    return entry


def _server_url(github_url: str) -> str:
    parts = github_url.split("/")
    host = parts[2].lower() if len(parts) > 2 else ""
    tenant = hashlib.sha256(_url_key(github_url).encode()).hexdigest()[:40]
    if host == "github.com" or host.endswith(".ghe.com"):
        return f"https://pipelinesghubeus1.actions.githubusercontent.com/{tenant}/"
    return f"https://{host}/_services/pipelines/{tenant}"


def _repo_or_org(server_url: str, github_url: str) -> str:
    host = server_url.split("/")[2].lower()
    if host.endswith(".githubusercontent.com"):
        name = "/".join(p for p in github_url.split("/")[3:] if p)
        if name:
            return name
    segments = [p for p in server_url.split("/")[3:] if p]
    return segments[0] if segments else ""


def _service_name(settings: dict[str, Any]) -> str:
    owner = _SERVICE_UNSAFE.sub("-", _repo_or_org(settings["serverUrl"], settings["gitHubUrl"]))
    name = settings["agentName"]
    full = f"actions.runner.{owner}.{name}"
    if len(full) <= 80:
        return full
    exceeded = len(full) - 80 + 5
    short_owner = owner[:45]
    exceeded -= len(owner) - len(short_owner)
    short_name = name[:len(name) - exceeded] if exceeded > 0 else name
    suffix = random.Random(full).randint(1000, 9998)
    return f"actions.runner.{short_owner}.{short_name}-{suffix}"


def _check_token(run: _Run, token: str, endpoint: str) -> None:
    """Refuse a token listed in the server state's ``refused_tokens`` (SHA-256 hex), as
    GitHub answers an expired or unknown registration or remove token."""
    refused = _server(run.inv).get("refused_tokens") or []
    if hashlib.sha256(token.encode()).hexdigest() in refused:
        raise _Stop(f"Http response code: NotFound from 'POST https://api.github.com/actions/"
                    f"{endpoint}' (Request Id: 0000:1111:2222:3333)\r\n"
                    '{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}'
                    "\r\nResponse status code does not indicate success: 404 (Not Found).")


def _configure(run: _Run) -> int:
    inv = run.inv
    if run.exists(".runner"):
        raise _Stop(_ALREADY)
    run.section("Authentication")
    url = run.required("url")
    if not re.match(r"(?i)^https?://[^/]+/", url + "/"):
        raise _Stop("Invalid configuration provided for url. "
                    "Terminating unattended configuration.")
    _check_token(run, run.required("token"), "runner-registration")
    run.line()
    run.success("Connected to GitHub")
    state = _server(inv)
    entry = _entry(state, url)
    run.section("Runner Registration")
    group = run.arg("runnergroup") or "Default"
    known = {g.lower(): g for g in entry["groups"]}
    if group.lower() not in known:
        raise _Stop(f"Could not find any self-hosted runner group named \"{group}\".")
    group = known[group.lower()]
    name = run.arg("name") or inv.hostname
    labels_text = run.arg("labels") or ""
    labels = [x for x in labels_text.split(",") if x]
    if any(len(x) > 256 for x in labels):
        labels = []  # the validator fails and an unattended run takes the empty default
    unique: dict[str, str] = {}
    for label in labels:
        unique.setdefault(label.lower(), label)  # a case-insensitive set: first spelling
    labels = list(unique.values())
    run.line()
    taken = entry["runners"].get(name.lower())
    record = {"name": name, "labels": labels, "group": group,
              "ephemeral": run.flag("ephemeral"), "disable_update": run.flag("disableupdate")}
    if taken is not None:
        run.line("A runner exists with the same name")
        if not run.flag("replace"):
            if not run.flag("unattended"):
                raise _Stop(None)
            raise _Stop(f"A runner exists with the same name {name}.")
        record["id"] = taken["id"]
        entry["runners"][name.lower()] = record
        run.success("Successfully replaced the runner")
    else:
        record["id"] = entry["next_id"]
        entry["next_id"] += 1
        entry["runners"][name.lower()] = record
        run.success("Runner successfully added")
    _save_server(inv, state)
    run.save_json(run.path(".credentials"), {
        "scheme": "OAuth",
        "data": {"clientId": hashlib.sha256(f"{url}|{name}".encode()).hexdigest()[:32],
                 "authorizationUrl": "https://vstoken.actions.githubusercontent.com/"
                                     "_apis/oauth2/token/simulated",
                 "requireFipsCryptography": "True"},
    })
    run.save_json(run.path(".credentials_rsaparams"), {"simulated": True})
    run.section("Runner settings")
    work = run.arg("work") or "_work"
    settings: dict[str, Any] = {
        "agentId": record["id"],
        "agentName": name,
        "poolId": 1 + sorted(g.lower() for g in entry["groups"]).index(group.lower()),
        "poolName": group,
    }
    if run.flag("disableupdate"):
        settings["disableUpdate"] = True
    if run.flag("ephemeral"):
        settings["ephemeral"] = True
    settings["serverUrl"] = _server_url(url)
    settings["gitHubUrl"] = url
    settings["workFolder"] = work
    if "/_services/" in settings["serverUrl"]:
        settings["isHostedServer"] = False
    run.save_json(run.path(".runner"), settings)
    run.success("Settings Saved.")
    if run.flag("runasservice"):
        _configure_service(run, settings)
    return 0


def _configure_service(run: _Run, settings: dict[str, Any]) -> None:
    account = run.arg("windowslogonaccount") or "NT AUTHORITY\\NETWORK SERVICE"
    if account.lower() not in _BUILT_IN_ACCOUNTS:
        run.required("windowslogonpassword")
    name = _service_name(settings)
    run.line(f"Granting file permissions to '{account}'.")
    run.inv.write_file(run.path(".service"), name.encode("utf-8"))


def _remove(run: _Run) -> int:
    inv = run.inv
    remove = inv.remove_file
    if remove is None:
        raise _Stop("the simulated host offers no way to delete files to this program")
    run.section("Runner removal")
    if run.exists(".service"):
        run.line("Removing service")
        remove(run.path(".service"))
        run.line()
        run.success("Runner service removed")
    settings = _load(inv.read_file(run.path(".runner")))
    if settings is not None and run.exists(".credentials"):
        _check_token(run, run.required("token"), "runner-registration")
        state = _server(inv)
        entry = _entry(state, str(settings.get("gitHubUrl") or ""))
        key = str(settings.get("agentName") or "").lower()
        taken = entry["runners"].get(key)
        if taken is None or taken.get("id") != settings.get("agentId"):
            run.line("Does not exist. Skipping Removing runner from the server")
        else:
            del entry["runners"][key]
            _save_server(inv, state)
        run.line()
        run.success("Runner removed successfully")
    else:
        run.line("Cannot connect to server, because config files are missing. "
                 "Skipping removing runner from the server.")
    if run.exists(".credentials"):
        remove(run.path(".credentials"))
        remove(run.path(".credentials_rsaparams"))
        run.success("Removed .credentials")
    else:
        run.line("Does not exist. Skipping Removing .credentials")
    if run.exists(".runner"):
        remove(run.path(".runner"))
        run.success("Removed .runner")
    else:
        run.line("Does not exist. Skipping Removing .runner")
    return 0


def listener(inv: Invocation) -> Outcome:
    """``bin\\Runner.Listener.exe``: ``--version``, ``configure``, ``remove``."""
    run = _Run(inv)
    if run.flag("version"):
        found = _VERSION.search(inv.read_file(inv.exe) or b"")
        version = found.group(1).decode().strip() if found else "0.0.0"
        return Outcome(0, stdout=version + "\r\n", seconds=0.3)
    command = "remove" if "remove" in run.commands else (
        run.commands[0] if run.commands else "run")
    if run.unknown:
        run.err.append(f"Unrecognized command-line input arguments for command {command}: "
                       f"'{', '.join(run.unknown)}'. For usage refer to: .\\config.cmd --help "
                       "or ./config.sh --help\r\n")
    if command not in ("configure", "remove"):
        return Outcome(1, stderr="".join(run.err) + "Not configured. Run config.(sh/cmd) to "
                       "configure the runner.\r\n", seconds=0.5)
    try:
        rc = _configure(run) if command == "configure" else _remove(run)
    except _Stop as stop:
        if stop.message is None:
            run.record(command, -1)
            return Outcome(1, "".join(run.out), "".join(run.err), seconds=HANG_SECONDS)
        run.err.append(stop.message + "\r\n")
        rc = 1
    run.record(command, rc)
    return Outcome(rc, "".join(run.out), "".join(run.err), seconds=4.0)
