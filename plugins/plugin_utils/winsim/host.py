"""SimHost: one simulated Windows Server whose whole state is a directory.

Layout of the state directory::

    lock          flock'ed for every batch and every manual change
    model.json    registry, junctions, users, services, boot_env, ... (model.py)
    faults.json   injected faults (faults.py)
    stats.json    round trips and op counters
    oplog.jsonl   one line per op run, broadcast, reboot or lost connection
    fs/C/...      the files of drive C:

Every batch loads the model, runs its ops and writes everything back while
holding an exclusive ``fcntl.flock`` on ``lock``, so parallel Ansible forks and
pytest workers using the same directory serialize like requests to one host.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import traceback
import urllib.parse
from collections.abc import Iterator
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath

from .context import OpContext
from .environment import MACHINE_ENV, MAX_ENV_VALUE, choose_type, user_env_path
from .errors import ConnectionLost, OpError, StateError
from .faults import Faults
from .fs import SimFS, sha256_file
from .model import Model, read_json, write_json_atomic
from .names import fold
from .opmap import OPS
from .ops_defender import defender_state
from .ops_features import complete_pending
from .ops_files import make_dirs, remove_item, write_staged
from .ops_services import boot_services, register_service, service_password_matches
from .ops_signature import make_record, signatures
from .registry import RegPath, coerce_value, parse_path
from .seed import (
    RELEASES,
    default_hostname,
    ensure_user,
    new_model,
    seed_files,
    snapshot_boot_env,
)

__all__ = ["ConnectionLost", "OpError", "SimHost", "StateError"]

_OWN_FILES = {"lock", "model.json", "faults.json", "stats.json", "oplog.jsonl", "fs"}
_NETBIOS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,14}$")
_CONTROL = RegPath("HKLM", ("SYSTEM", "CurrentControlSet", "Control"))
_CV = RegPath("HKLM", ("SOFTWARE", "Microsoft", "Windows", "CurrentVersion"))


def _empty_stats() -> dict[str, Any]:
    return {"round_trips": 0, "ops": 0, "ops_by_name": {}, "log_seq": 0}


def _redact(op: str, args: Any) -> Any:
    """Op arguments for the log: no content blobs, no secrets."""
    if not isinstance(args, dict):
        return args
    out = dict(args)
    if isinstance(out.get("content_b64"), str):
        out["content_b64"] = f"<{len(out['content_b64']) * 3 // 4} bytes>"
    if isinstance(out.get("password"), str):
        out["password"] = "********"
    if isinstance(out.get("headers"), dict):
        out["headers"] = dict.fromkeys(out["headers"], "********")
    if isinstance(out.get("env"), dict) and op == "exec":
        out["env"] = dict.fromkeys(out["env"], "********")
    if isinstance(out.get("proxy"), str) and "@" in out["proxy"]:
        parts = urllib.parse.urlsplit(out["proxy"])
        out["proxy"] = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
    return out


class SimHost:
    """A simulated Windows Server host stored in ``root`` (created on first use)."""

    def __init__(
        self,
        root: str,
        os_release: str = "2022",
        user: str = "Administrator",
        hostname: str | None = None,
        shares: dict[str, str] | None = None,
        accounts: list[str] | None = None,
    ) -> None:
        """Open the host in ``root``, creating a clean server there if it has none.

        ``os_release`` and ``hostname`` apply only when the server is created.
        ``user`` is the account that connects (its profile is created on first
        logon). ``shares`` maps ``\\\\server\\share`` to local directories and,
        when given, replaces the stored share map. ``accounts`` are local
        accounts that exist on the host besides ``user`` (build or service
        accounts), each created with its profile when missing.
        """
        if str(os_release) not in RELEASES:
            raise ValueError(f"os_release must be one of {', '.join(RELEASES)}, "
                             f"not {os_release!r}")
        if hostname is not None and not _NETBIOS.match(hostname):
            raise ValueError(f"hostname {hostname!r} is not a NetBIOS computer name "
                             "(1-15 letters, digits or hyphens)")
        for name in [user, *(accounts or [])]:
            if not name or any(c in name for c in '\\/[]:;|=,+*?<>"'):
                raise ValueError(f"user {name!r} is not a valid Windows account name")
        self.root = os.path.abspath(root)
        self.user = user
        os.makedirs(self.root, exist_ok=True)
        with self._locked():
            path = self._path("model.json")
            if not os.path.exists(path):
                self._create(str(os_release), hostname, shares, accounts or [])
            else:
                model = Model.load(path)
                dirty = False
                if shares is not None:
                    model.set_shares(shares)
                    dirty = True
                for name in [user, *(accounts or [])]:
                    if model.user(name) is None:
                        ensure_user(model, self._path("fs"), name, self._hostname(model))
                        dirty = True
                if dirty:
                    model.save(path)

    # -- plumbing --------------------------------------------------------------------

    def _path(self, name: str) -> str:
        return os.path.join(self.root, name)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self._path("lock"), "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _create(self, os_release: str, hostname: str | None,
                shares: dict[str, str] | None, accounts: list[str]) -> None:
        stray = [n for n in os.listdir(self.root) if n not in _OWN_FILES
                 and not n.startswith(".tmp-")]
        if stray:
            raise StateError(f"{self.root} is not a simulated host's state directory and is "
                             f"not empty ({', '.join(sorted(stray)[:5])}); use a new directory")
        name = hostname or default_hostname(self.root)
        model = new_model(os_release, name, seed=self.root)
        seed_files(self._path("fs"), os_release)
        if shares:
            model.set_shares(shares)
        for account in [self.user, *accounts]:
            ensure_user(model, self._path("fs"), account, name)
        write_json_atomic(self._path("faults.json"), [])
        write_json_atomic(self._path("stats.json"), _empty_stats())
        open(self._path("oplog.jsonl"), "a").close()
        model.save(self._path("model.json"))

    @staticmethod
    def _hostname(model: Model) -> str:
        reg = model.registry
        for key in ("ActiveComputerName", "ComputerName"):
            node = reg.open(_CONTROL.child("ComputerName").child(key))
            entry = reg.get_value(node, "ComputerName") if node else None
            if entry and entry["value"]:
                return str(entry["value"])
        return "WIN"

    def _context(self, model: Model, faults: Faults, check_mode: bool) -> OpContext:
        hostname = self._hostname(model)
        user = ensure_user(model, self._path("fs"), self.user, hostname)
        return OpContext(
            state_root=self.root,
            model=model,
            fs=SimFS(self.root, model, hostname),
            faults=faults,
            check_mode=check_mode,
            user=user,
            hostname=hostname,
        )

    def _append_log(self, stats: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        with open(self._path("oplog.jsonl"), "a", encoding="utf-8") as fh:
            for entry in entries:
                stats["log_seq"] = stats.get("log_seq", 0) + 1
                fh.write(json.dumps({"seq": stats["log_seq"], **entry}) + "\n")

    @contextlib.contextmanager
    def _session(self, check_mode: bool = False) -> Iterator[OpContext]:
        """Lock, load everything, yield a context, save everything."""
        with self._locked():
            model = Model.load(self._path("model.json"))
            faults = Faults(read_json(self._path("faults.json"), []))
            ctx = self._context(model, faults, check_mode)
            try:
                yield ctx
            finally:
                model.save(self._path("model.json"))
                write_json_atomic(self._path("faults.json"), faults.records)

    # -- batches ---------------------------------------------------------------------

    def run_batch(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Run one batch of ops (one round trip) and return the agent's batch result.

        Raises :class:`ConnectionLost` when an injected ``connection_lost`` fault
        drops the connection; the ops that ran before it stay applied.
        """
        if not isinstance(payload, dict) or not isinstance(payload.get("ops"), list):
            raise ValueError("a batch payload is {'ops': [...], 'check_mode': bool}")
        check_mode = bool(payload.get("check_mode", False))
        with self._session(check_mode) as ctx:
            stats = read_json(self._path("stats.json"), _empty_stats())
            stats["round_trips"] += 1
            batch_no = stats["round_trips"]
            results: list[dict[str, Any]] = []
            failed: dict[str, Any] | None = None
            log: list[dict[str, Any]] = []
            lost = ctx.faults.lost_before_batch()
            try:
                for index, item in enumerate([] if lost else payload["ops"]):
                    name = item.get("op") if isinstance(item, dict) else None
                    args = item.get("args", {}) if isinstance(item, dict) else None
                    stats["ops"] += 1
                    key = name if isinstance(name, str) else "<invalid>"
                    stats["ops_by_name"][key] = stats["ops_by_name"].get(key, 0) + 1
                    spec = OPS.get(key)
                    entry = {"batch": batch_no, "kind": "op", "op": key,
                             "args": _redact(key, args), "check_mode": check_mode,
                             "write": bool(spec and spec.write)}
                    try:
                        result = self._run_op(ctx, name, args)
                    except OpError as err:
                        failed = {"index": index, "op": name, "code": err.code,
                                  "message": err.message}
                        log.append({**entry, "changed": False, "error": err.code,
                                    "message": err.message})
                        break
                    results.append(result)
                    log.append({**entry, "changed": bool(result.get("changed")),
                                "error": None})
                    if ctx.faults.lost_after_op(key):
                        lost = True
                        break
            finally:
                # WM_SETTINGCHANGE goes out once, at the end, even after a failed op; a
                # dropped connection kills the agent before it gets there.
                broadcast = ctx.env_changed and not ctx.check_mode and not lost
                if broadcast:
                    log.append({"batch": batch_no, "kind": "broadcast", "op": "broadcast",
                                "message": "WM_SETTINGCHANGE", "param": "Environment",
                                "args": {}, "changed": False, "error": None})
                if lost:
                    log.append({"batch": batch_no, "kind": "connection_lost",
                                "op": "connection_lost", "args": {}, "changed": False,
                                "error": None})
                self._append_log(stats, log)
                write_json_atomic(self._path("stats.json"), stats)
        if lost:
            raise ConnectionLost(
                f"the connection to the simulated host {self._hostname_quick()} was lost "
                f"during batch {batch_no}; ops that already ran stay applied"
            )
        return {
            "changed": any(r.get("changed") for r in results),
            "results": results,
            "failed_op": failed,
            "broadcast": broadcast,
        }

    def _hostname_quick(self) -> str:
        try:
            return self._hostname(Model.load(self._path("model.json")))
        except StateError:
            return self.root

    @staticmethod
    def _run_op(ctx: OpContext, name: Any, args: Any) -> dict[str, Any]:
        spec = OPS.get(name) if isinstance(name, str) else None
        if spec is None:
            raise OpError("invalid_argument", f"unknown op '{name}'")
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise OpError("invalid_argument", f"{name}: args must be an object")
        ctx.op = name
        try:
            ctx.targets = spec.targets(ctx, args)
        except OpError:
            ctx.targets = []
        if ctx.faults.take("access_denied", name, ctx.targets) is not None:
            what = ctx.targets[0] if ctx.targets else name
            raise OpError("access_denied", f"Access to the path '{what}' is denied.")
        try:
            result = spec.func(ctx, args)
        except OpError:
            raise
        except Exception as err:  # a bug here must not look like a transport failure
            raise OpError("error", f"internal error of the simulated host in {name}: "
                          f"{type(err).__name__}: {err}\n{traceback.format_exc()}") from err
        return {"op": name, **result}

    # -- transfers (connection plugin) ---------------------------------------------

    def put_file(self, local_path: str, win_path: str) -> None:
        """Copy a controller file to ``win_path``; its parent directory must exist."""
        with open(local_path, "rb") as fh:
            data = fh.read()
        with self._session() as ctx:
            res = ctx.fs.resolve(win_path)
            if res.kind in ("directory", "junction"):
                raise OpError("access_denied", f"Access to the path '{res.win}' is denied.")
            if not res.exists and res.parent_real is None:
                raise OpError("not_found", f"Could not find a part of the path '{res.win}'.")
            write_staged(ctx, res, data)

    def fetch_file(self, win_path: str, local_path: str) -> None:
        """Copy ``win_path`` from the simulated host to a controller file."""
        with self._session() as ctx:
            res = ctx.fs.follow(ctx.fs.resolve(win_path))
            if res.kind != "file":
                raise OpError("not_found", f"Could not find file '{res.win}'.")
            with open(res.real, "rb") as src:
                data = src.read()
        with open(local_path, "wb") as out:
            out.write(data)

    # -- machine events --------------------------------------------------------------

    def reboot(self) -> None:
        """Restart the host: pending renames run, reboot signals clear, services.exe
        re-reads the machine environment, a pending computer rename takes effect."""
        with self._session() as ctx:
            reg = ctx.model.registry
            session = reg.open(_CONTROL.child("Session Manager"))
            pending = reg.get_value(session, "PendingFileRenameOperations") if session else None
            if pending and isinstance(pending["value"], list):
                self._pending_renames(ctx, pending["value"])
                reg.delete_value(session, "PendingFileRenameOperations")
            reg.delete_key(_CV.child("Component Based Servicing").child("RebootPending"))
            reg.delete_key(_CV.child("WindowsUpdate").child("Auto Update")
                           .child("RebootRequired"))
            names = _CONTROL.child("ComputerName")
            wanted = reg.open(names.child("ComputerName"))
            if wanted is not None:
                value = reg.get_value(wanted, "ComputerName")
                if value:
                    reg.set_value(reg.create(names.child("ActiveComputerName")),
                                  "ComputerName", "REG_SZ", value["value"])
            snapshot_boot_env(ctx.model)
            complete_pending(ctx.model)
            boot_services(ctx)
            ctx.model.data["boot_count"] = ctx.model.data.get("boot_count", 1) + 1
            stats = read_json(self._path("stats.json"), _empty_stats())
            self._append_log(stats, [{"kind": "reboot", "op": "reboot", "args": {},
                                      "changed": True, "error": None}])
            write_json_atomic(self._path("stats.json"), stats)

    @staticmethod
    def _pending_renames(ctx: OpContext, pairs: list[str]) -> None:
        # Pairs of "\??\source", "\??\destination" ("" = delete), done by smss.exe at boot.
        for src, dest in zip(pairs[0::2], pairs[1::2], strict=False):
            try:
                res = ctx.fs.resolve(src.removeprefix("\\??\\").lstrip("!"))
                if not res.exists:
                    continue
                if not dest:
                    remove_item(ctx, res)
                    continue
                target = ctx.fs.resolve(dest.removeprefix("\\??\\"))
                if target.parent_real is not None:
                    os.replace(res.real, target.real)
            except (OpError, OSError):
                continue

    # -- faults ----------------------------------------------------------------------

    def inject_fault(self, kind: str, op: str | None = None, path: str | None = None,
                     times: int = 1, **params: Any) -> dict[str, Any]:
        """Add a fault (see faults.py); it persists in the state directory until used up."""
        if op is not None and op not in OPS:
            raise ValueError(f"unknown op {op!r} for a fault filter")
        with self._locked():
            faults = Faults(read_json(self._path("faults.json"), []))
            record = faults.add(kind, op=op, path=path, times=times, **params)
            write_json_atomic(self._path("faults.json"), faults.records)
        return dict(record)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._locked():
            write_json_atomic(self._path("faults.json"), [])

    def faults(self) -> list[dict[str, Any]]:
        """The faults still armed."""
        with self._locked():
            return list(read_json(self._path("faults.json"), []))

    # -- observation -----------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """``{"round_trips", "ops", "ops_by_name"}`` over the host's whole life."""
        with self._locked():
            stats = read_json(self._path("stats.json"), _empty_stats())
        return {"round_trips": stats["round_trips"], "ops": stats["ops"],
                "ops_by_name": dict(stats["ops_by_name"])}

    def op_log(self) -> list[dict[str, Any]]:
        """Every op run (args without content), broadcast, reboot and lost connection."""
        with self._locked(), open(self._path("oplog.jsonl"), encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def host_path(self, win_path: str) -> str:
        """The real local path of a Windows path (existing or not), through junctions."""
        with self._session() as ctx:
            res = ctx.fs.follow(ctx.fs.resolve(win_path))
            if not res.real:
                raise OpError("not_found", f"The network path was not found: '{win_path}'")
            return res.real

    def env(self, scope: str, name: str) -> dict[str, Any] | None:
        """A machine or user environment variable as stored: ``{"value", "type"}`` or None."""
        with self._session() as ctx:
            key = self._env_key(ctx, scope)
            node = ctx.model.registry.open(key)
            return ctx.model.registry.get_value(node, name) if node else None

    def reg(self, path: str, name: str) -> dict[str, Any] | None:
        """A registry value: ``{"type", "value"}`` or None."""
        with self._session() as ctx:
            node = ctx.model.registry.open(ctx.reg_path(path))
            return ctx.model.registry.get_value(node, name) if node else None

    # -- manual changes (an administrator working outside Ansible) -------------------

    @staticmethod
    def _env_key(ctx: OpContext, scope: str) -> RegPath:
        if scope not in ("machine", "user"):
            raise ValueError("scope must be 'machine' or 'user'")
        return MACHINE_ENV if scope == "machine" else user_env_path(ctx.sid)

    def set_reg(self, path: str, name: str, type: str, value: Any) -> None:
        """Set a registry value, creating missing keys (not a round trip)."""
        with self._session() as ctx:
            data = coerce_value(type, value)
            reg = ctx.model.registry
            reg.set_value(reg.create(parse_path(path, ctx.sid)), name, type, data)

    def remove_reg(self, path: str, name: str | None = None) -> None:
        """Delete a value, or the key and its subkeys when ``name`` is None."""
        with self._session() as ctx:
            reg = ctx.model.registry
            key = parse_path(path, ctx.sid)
            if name is None:
                reg.delete_key(key)
                return
            node = reg.open(key)
            if node is not None:
                reg.delete_value(node, name)

    def set_env(self, scope: str, name: str, value: str, type: str | None = None) -> None:
        """Set an environment variable with the env.set type rule (no broadcast)."""
        if len(value) > MAX_ENV_VALUE:
            raise OpError("too_long", f"environment values hold at most {MAX_ENV_VALUE} chars")
        with self._session() as ctx:
            reg = ctx.model.registry
            node = reg.create(self._env_key(ctx, scope))
            current = reg.get_value(node, name)
            kind = choose_type(value, type, current["type"] if current else None)
            reg.set_value(node, name, kind, value)

    def write_file(self, win_path: str, data: bytes) -> None:
        """Create or replace a file, creating its parent directories."""
        with self._session() as ctx:
            win = ctx.fs.validate(win_path)
            make_dirs(ctx, winpath.parent(win))
            write_staged(ctx, ctx.fs.resolve(win), data)

    def read_file(self, win_path: str) -> bytes | None:
        """The content of a file, or None when there is no file there."""
        with self._session() as ctx:
            res = ctx.fs.follow(ctx.fs.resolve(win_path))
            if res.kind != "file":
                return None
            with open(res.real, "rb") as fh:
                return fh.read()

    def add_service(self, name: str, exe: str, state: str = "running",
                    start_type: str = "auto") -> None:
        """Register a service whose executable is ``exe`` (a running one locks its exe)."""
        if state not in ("running", "stopped") or start_type not in (
            "auto", "delayed", "manual", "disabled"
        ):
            raise ValueError("state is running|stopped, "
                             "start_type auto|delayed|manual|disabled")
        with self._session() as ctx:
            # The table entry and its registry key, as the Service Control Manager keeps
            # them (win_go_env reads and writes the service's own Environment value there).
            register_service(ctx.model, name, exe, state=state, start_type=start_type)

    def listen(self, port: int, http_status: int | None = 200, service: str | None = None,
               after: float = 0.0) -> None:
        """Make ``port`` accept connections (and answer HTTP with ``http_status``), as a
        started service does; ``after`` virtual seconds from now (a slow start)."""
        if not 0 < port <= 65535:
            raise ValueError("port must be 1-65535")
        with self._session() as ctx:
            entry: dict[str, Any] = {"http_status": http_status,
                                     "ready_at": ctx.model.clock + max(0.0, after)}
            if service is not None:
                entry["service"] = service
            ctx.model.data.setdefault("listeners", {})[str(port)] = entry

    def unlisten(self, port: int) -> None:
        """Close ``port`` (the service behind it stopped)."""
        with self._session() as ctx:
            ctx.model.data.setdefault("listeners", {}).pop(str(port), None)

    def sign_file(self, win_path: str, subject: str, thumbprint: str, status: str = "Valid",
                  not_after: str = "2030-01-01T00:00:00Z") -> None:
        """Sign the file's current content (status ``Valid`` or ``NotTrusted``)."""
        with self._session() as ctx:
            res = ctx.fs.follow(ctx.fs.resolve(win_path))
            if res.kind != "file":
                raise OpError("not_found", f"Could not find file '{res.win}'.")
            signatures(ctx.model)[fold(res.win)] = make_record(
                sha256_file(res.real), subject, thumbprint, status, not_after)

    def service_password_matches(self, name: str, password: str) -> bool:
        """Whether the service was last given ``password`` (ops never return it)."""
        with self._session() as ctx:
            return service_password_matches(ctx.model, name, password)

    def set_defender(self, installed: bool | None = None, running: bool | None = None,
                     exclusions: dict[str, list[str]] | None = None) -> None:
        """Change Microsoft Defender Antivirus as the host has it (``ops_defender``):
        whether the feature is installed, whether its service runs, and (replacing them)
        exclusion lists by kind (``process``, ``path``, ``extension``)."""
        with self._session() as ctx:
            state = defender_state(ctx.model)
            if installed is not None:
                state["installed"] = bool(installed)
            if running is not None:
                state["running"] = bool(running)
            for kind, values in (exclusions or {}).items():
                if kind not in state["exclusions"]:
                    raise ValueError("exclusion kinds are process, path and extension")
                state["exclusions"][kind] = [str(v) for v in values]

    def trust_certificate(self, pem: str) -> None:
        """Add a PEM CA certificate to the host's trusted roots (Cert:\\LocalMachine\\Root)."""
        with self._session() as ctx:
            roots = ctx.model.data.setdefault("trusted_roots", [])
            if pem not in roots:
                roots.append(pem)
