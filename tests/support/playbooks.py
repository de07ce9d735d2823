"""Run the real ``ansible-playbook`` against simulated hosts and read back what happened.

The fixtures in ``tests/integration/conftest.py`` wrap these functions;
other suites (molecule helpers, benchmarks) can use them directly.

Results come from the ``winops_results`` callback plugin
(``tests/support/callback_plugins/``), enabled for each run through
``ANSIBLE_CALLBACK_PLUGINS`` and ``ANSIBLE_CALLBACKS_ENABLED``, which writes
JSON to the file named by ``WINOPS_RESULTS_FILE``.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CALLBACK_DIR = Path(__file__).resolve().parent / "callback_plugins"
CALLBACK_NAME = "winops_results"
RESULTS_ENV = "WINOPS_RESULTS_FILE"
SIM_CONNECTION = "winops.golang.winsim"

_counter = itertools.count(1)


# ------------------------------------------------------------------ inventory


@dataclass(frozen=True)
class SimInventory:
    """An inventory file of simulated hosts; usable wherever a path is expected."""

    path: Path
    roots: dict[str, Path]

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    @property
    def hosts(self) -> list[str]:
        return list(self.roots)

    def root(self, host: str) -> Path:
        """The state directory (``ansible_winsim_root``) of ``host``."""
        return self.roots[host]


def write_sim_inventory(
    directory: str | os.PathLike[str],
    hosts: Sequence[str] | Mapping[str, Mapping[str, Any] | None] = ("win-01",),
    *,
    groups: Mapping[str, Iterable[str]] | None = None,
    common_vars: Mapping[str, Any] | None = None,
    filename: str = "inventory.yml",
) -> SimInventory:
    """Write a YAML inventory of simulated Windows hosts into ``directory``.

    Each host gets ``ansible_connection: winops.golang.winsim`` and its own
    state directory ``<directory>/hosts/<host>`` as ``ansible_winsim_root``
    (not created: the connection plugin sets up a fresh host there).
    ``hosts`` is a list of names or a mapping of name to extra host vars
    (which may override the defaults). ``groups`` maps group names to host
    names; hosts in no group sit directly under ``all``. ``common_vars`` go to
    ``all.vars``.
    """
    base = Path(directory)
    base.mkdir(parents=True, exist_ok=True)
    host_vars: dict[str, dict[str, Any]] = (
        {name: dict(extra or {}) for name, extra in hosts.items()}
        if isinstance(hosts, Mapping)
        else {name: {} for name in hosts}
    )
    roots: dict[str, Path] = {}
    entries: dict[str, dict[str, Any]] = {}
    for name, extra in host_vars.items():
        root = base / "hosts" / name
        roots[name] = Path(extra.get("ansible_winsim_root", root))
        entries[name] = {
            "ansible_connection": SIM_CONNECTION,
            "ansible_winsim_root": str(root),
            **extra,
        }
    groups = {group: list(members) for group, members in (groups or {}).items()}
    grouped = {member for members in groups.values() for member in members}
    unknown = grouped - set(entries)
    if unknown:
        raise ValueError(f"groups name hosts that are not in the inventory: {sorted(unknown)}")
    all_group: dict[str, Any] = {}
    if common_vars:
        all_group["vars"] = dict(common_vars)
    ungrouped = {name: entries[name] for name in entries if name not in grouped}
    if ungrouped:
        all_group["hosts"] = ungrouped
    if groups:
        all_group["children"] = {
            group: {"hosts": {name: entries[name] for name in members}}
            for group, members in groups.items()
        }
    path = base / filename
    path.write_text(yaml.safe_dump({"all": all_group}, sort_keys=False), encoding="utf-8")
    return SimInventory(path=path, roots=roots)


# -------------------------------------------------------------------- results


@dataclass(frozen=True)
class TaskResult:
    """One task's outcome on one host."""

    host: str
    task: str
    action: str
    changed: bool
    failed: bool
    skipped: bool
    unreachable: bool
    ignored: bool
    handler: bool
    msg: Any
    diff: Any
    warnings: list[str]
    deprecations: list[str]
    result: dict[str, Any]
    play: str = ""

    def __getitem__(self, key: str) -> Any:
        """``res["stdout"]`` reads the module result."""
        return self.result[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.result.get(key, default)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.unreachable or self.skipped)

    @classmethod
    def from_json(cls, host: str, data: Mapping[str, Any]) -> TaskResult:
        return cls(
            host=host,
            task=data.get("task", ""),
            action=data.get("action", ""),
            changed=bool(data.get("changed")),
            failed=bool(data.get("failed")),
            skipped=bool(data.get("skipped")),
            unreachable=bool(data.get("unreachable")),
            ignored=bool(data.get("ignored")),
            handler=bool(data.get("handler")),
            msg=data.get("msg"),
            diff=data.get("diff"),
            warnings=list(data.get("warnings") or []),
            deprecations=list(data.get("deprecations") or []),
            result=dict(data.get("result") or {}),
            play=data.get("play", ""),
        )


@dataclass
class PlaybookRun:
    """What one ``ansible-playbook`` run did."""

    rc: int
    stdout: str
    stderr: str
    command: list[str]
    hosts: dict[str, list[TaskResult]] = field(default_factory=dict)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    plays: list[str] = field(default_factory=list)
    complete: bool = False  # the callback saw the play recap

    def tasks(self, host: str) -> list[TaskResult]:
        """All results of ``host``, in order."""
        return list(self.hosts.get(host, []))

    def task(self, host: str, name: str) -> TaskResult:
        """The (last) result of the task called ``name`` on ``host``."""
        matches = [r for r in self.hosts.get(host, []) if r.task == name]
        if not matches:
            seen = [r.task for r in self.hosts.get(host, [])]
            raise KeyError(
                f"no result for task {name!r} on {host!r}; tasks seen: {seen}\n{self.output_tail()}"
            )
        return matches[-1]

    def results(self, name: str) -> dict[str, TaskResult]:
        """The (last) result of task ``name`` on every host that ran it."""
        out: dict[str, TaskResult] = {}
        for host, results in self.hosts.items():
            for res in results:
                if res.task == name:
                    out[host] = res
        return out

    def changed(self, host: str) -> list[str]:
        """Names of the tasks that reported a change on ``host``."""
        return [r.task for r in self.tasks(host) if r.changed]

    @property
    def failed_tasks(self) -> list[TaskResult]:
        """Failed (not ignored) and unreachable results on every host."""
        return [
            r
            for results in self.hosts.values()
            for r in results
            if (r.failed and not r.ignored) or r.unreachable
        ]

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def output_tail(self, lines: int = 60) -> str:
        """The end of stdout and stderr, for assertion messages."""
        out = "\n".join(self.stdout.splitlines()[-lines:])
        err = "\n".join(self.stderr.splitlines()[-lines:])
        return f"--- rc={self.rc} {' '.join(self.command)}\n--- stdout\n{out}\n--- stderr\n{err}"

    def assert_ok(self) -> PlaybookRun:
        """Fail with the playbook output when the run did not succeed."""
        assert self.rc == 0, self.output_tail()
        return self


def parse_results(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the callback's JSON; an empty record when the run wrote none."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {"plays": [], "hosts": {}, "stats": {}, "complete": False}


# --------------------------------------------------------------------- runner


def ansible_playbook_executable() -> str:
    """The ``ansible-playbook`` of the running Python environment (the venv)."""
    candidate = Path(sys.executable).parent / "ansible-playbook"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("ansible-playbook")
    if not found:
        raise RuntimeError("ansible-playbook not found; run the tests through `make test`")
    return found


def playbook_env(
    results_file: Path, workdir: Path, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of an ``ansible-playbook`` run: project config plus the results callback."""
    local_temp = workdir / "ansible-tmp"
    local_temp.mkdir(parents=True, exist_ok=True)
    merged = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    merged.update(
        {
            "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / ".collections"),
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
            "ANSIBLE_CALLBACKS_ENABLED": CALLBACK_NAME,
            RESULTS_ENV: str(results_file),
            "ANSIBLE_LOCAL_TEMP": str(local_temp),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_HOST_KEY_CHECKING": "0",
            "PATH": bindir + os.pathsep + merged.get("PATH", os.defpath),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    merged.pop("ANSIBLE_STDOUT_CALLBACK", None)
    if env:
        merged.update(env)
    return merged


def run_playbook(
    playbook: str | os.PathLike[str],
    inventory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    workdir: str | os.PathLike[str],
    extra_vars: Mapping[str, Any] | None = None,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    env: Mapping[str, str] | None = None,
    limit: str | None = None,
    tags: str | None = None,
    args: Sequence[str] = (),
    timeout: float = 600,
) -> PlaybookRun:
    """Run ``ansible-playbook`` as a subprocess and return what happened.

    ``playbook`` is a path, or YAML text (a ``str`` with a newline), which is
    written to ``workdir``. ``extra_vars`` travel as a JSON file, so their
    types survive. The run has no stdin, like CI.
    """
    run_id = next(_counter)
    base = Path(workdir) / f"run-{os.getpid()}-{run_id}"
    base.mkdir(parents=True, exist_ok=True)

    if isinstance(playbook, str) and "\n" in playbook:
        playbook_path = base / "playbook.yml"
        playbook_path.write_text(playbook, encoding="utf-8")
    else:
        playbook_path = Path(playbook)
        if not playbook_path.is_file():
            raise FileNotFoundError(f"playbook not found: {playbook_path}")

    results_file = base / "results.json"
    command = [ansible_playbook_executable()]
    inventories = [inventory] if isinstance(inventory, (str, os.PathLike)) else list(inventory)
    for inv in inventories:
        command += ["-i", os.fspath(inv)]
    if extra_vars:
        vars_file = base / "extra_vars.json"
        vars_file.write_text(json.dumps(dict(extra_vars)), encoding="utf-8")
        command += ["-e", f"@{vars_file}"]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if verbosity:
        command.append("-" + "v" * verbosity)
    if limit:
        command += ["--limit", limit]
    if tags:
        command += ["--tags", tags]
    command += list(args)
    command.append(str(playbook_path))

    proc = subprocess.run(
        command,
        cwd=base,
        env=playbook_env(results_file, base, env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    data = parse_results(results_file)
    return PlaybookRun(
        rc=proc.returncode,
        stdout=proc.stdout,
        stderr=proc.stderr,
        command=command,
        hosts={
            host: [TaskResult.from_json(host, item) for item in items]
            for host, items in data.get("hosts", {}).items()
        },
        stats=data.get("stats", {}),
        plays=[play.get("name", "") for play in data.get("plays", [])],
        complete=bool(data.get("complete")),
    )


def run_counted(
    run: Callable[..., PlaybookRun],
    playbook: str | os.PathLike[str],
    inventory: SimInventory,
    workdir: Path,
    host: str = "win-01",
    **kwargs: Any,
) -> tuple[PlaybookRun, list[dict[str, Any]]]:
    """Run ``playbook`` through ``run`` (the ``run_playbook`` fixture) while the
    ``winops_round_trips`` callback records the agent round trips ``host`` spends
    on each task; return the run and one record per task result or loop item."""
    records = workdir / f"round_trips-{next(_counter)}.jsonl"
    env = {
        "ANSIBLE_CALLBACKS_ENABLED": f"{CALLBACK_NAME},winops_round_trips",
        "WINOPS_RT_ROOT": str(inventory.root(host)),
        "WINOPS_RT_FILE": str(records),
        **kwargs.pop("env", {}),
    }
    result = run(playbook, inventory, env=env, **kwargs)
    lines = records.read_text(encoding="utf-8").splitlines() if records.exists() else []
    return result, [json.loads(line) for line in lines]
