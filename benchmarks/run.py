"""Performance harness: agent round trips and controller time of ``playbooks/site.yml``.

    .venv/bin/python benchmarks/run.py [--hosts 1,10,50] [--json FILE] [--per-task]

(``make bench`` runs it; ``make bench BENCH_HOSTS=1,10`` picks the host counts.)

For every host count N it writes an inventory of N simulated Windows hosts
(``winops.golang.winsim``), half of them in ``build_hosts`` and the rest in
``service_hosts``, under the bundled ``windows`` group with the bundled
``group_vars``, and runs, with the project's ``ansible.cfg`` (forks 10):

(a) ``playbooks/site.yml``, twice: the first run on fresh hosts and the
    idempotent re-run. Agent round trips come from each simulated host's own
    counter (``stats.json``), per host and per task (``winops_bench`` callback).
(b) ``benchmarks/equivalent/site_ansible_windows.yml``: the same end state
    written with ansible.windows and community.windows modules, twice. Those
    modules cannot run on a simulated host, so a counting stand-in collection
    (``benchmarks/fake_collections``) is put first on ANSIBLE_COLLECTIONS_PATH:
    every module call is recorded as one round trip (a real WinRM module call
    costs at least one) and answered from a small model of the host. So (b)
    counts module calls; its controller time measures nothing real and is not
    comparable with (a).
(c) Ansible's floor: a playbook with the same plays and the same number of
    tasks per play as the re-run of (a), each an ``ansible.builtin.debug``
    with ``verbosity: 4`` (a full task execution that does nothing).

When ``tools/site_mirror.py`` exists, its ``SiteMirror`` serves the Go
releases, the runner package and the service binary, and its
``extra_vars()`` are passed to both (a) and (b); without it the Go releases
of ``tools/make_site_releases.py`` reached through the bundled group_vars are
used.

It prints one table (Markdown). Controller time is the wall time of the whole
``ansible-playbook`` process, start-up included; the simulated hosts run
inside the controller's worker processes, so (a) also pays for the host side.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
SITE = REPO / "playbooks" / "site.yml"
EQUIVALENT = BENCH / "equivalent" / "site_ansible_windows.yml"
FAKE_COLLECTIONS = BENCH / "fake_collections"
CALLBACKS = BENCH / "callback_plugins"
BUNDLED_INVENTORY = REPO / "inventories" / "simulated"

sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tools"))

from support.playbooks import (  # noqa: E402
    ansible_playbook_executable,
    playbook_env,
    write_sim_inventory,
)

AGENT_PREFIX = "winops.golang."
WINDOWS_PREFIXES = ("ansible.windows.", "community.windows.")
# Targets of the comparison (reported as met or not, never asserted here).
TARGET_TRIPS_PER_CALL = 1.0
TARGET_FEWER_TRIPS = 3.0
TARGET_FLOOR_RATIO = 1.5

SCENARIO_SITE = "(a) site.yml"
SCENARIO_WINDOWS = "(b) ansible.windows"
SCENARIO_FLOOR = "(c) no-op floor"
FIRST = "first run"
RERUN = "re-run"


@dataclass
class RunResult:
    """What one ``ansible-playbook`` run cost, averaged per host."""

    scenario: str
    run: str
    hosts: int
    rc: int
    wall_s: float  # the fastest of wall_runs
    tasks_per_host: float  # task results, skipped ones included
    calls_per_host: float  # module calls that reach the host (loop items count one each)
    trips_per_host: float  # agent round trips (b: module calls, each at least one)
    trips_per_call: float | None
    worst_task_trips_per_call: float | None
    changed_per_host: float
    per_task: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    wall_runs: list[float] = field(default_factory=list)


# ------------------------------------------------------------------ inventory


def host_names(count: int) -> list[str]:
    """``win-001`` ... the simulated hosts of one measurement."""
    return [f"win-{index:03d}" for index in range(1, count + 1)]


def write_inventory(base: Path, count: int) -> tuple[Path, dict[str, Path]]:
    """An inventory like the bundled one with ``count`` hosts; (path, host roots).

    The first half of the hosts (rounded up) are build hosts, the rest service
    hosts, both under ``windows``; the bundled ``group_vars`` (and the
    ``all.vars`` of the bundled inventory, except the connection and state
    directory) apply. The inventory sits two levels under ``base`` because the
    bundled group_vars find the Go releases at
    ``inventory_dir/../../.winsim/releases``.
    """
    inv_dir = base / "inventories" / "simulated"
    names = host_names(count)
    half = (count + 1) // 2
    bundled = yaml.safe_load((BUNDLED_INVENTORY / "hosts.yml").read_text(encoding="utf-8"))
    common = {
        key: value
        for key, value in ((bundled.get("all") or {}).get("vars") or {}).items()
        if key not in ("ansible_connection", "ansible_winsim_root")
    }
    inventory = write_sim_inventory(
        inv_dir,
        names,
        groups={"build_hosts": names[:half], "service_hosts": names[half:]},
        common_vars=common or None,
        filename="hosts.yml",
    )
    data = yaml.safe_load(inventory.path.read_text(encoding="utf-8"))
    children = data["all"].pop("children")
    for group in children.values():
        group["hosts"] = group.get("hosts") or {}
    data["all"]["children"] = {"windows": {"children": children}}
    inventory.path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    for sub in ("group_vars", "host_vars"):
        if (BUNDLED_INVENTORY / sub).is_dir():
            shutil.copytree(BUNDLED_INVENTORY / sub, inv_dir / sub, dirs_exist_ok=True)
    return inventory.path, dict(inventory.roots)


@contextlib.contextmanager
def site_sources(base: Path) -> Iterator[dict[str, Any]]:
    """Serve what site.yml downloads; yield the extra vars that point it there."""
    subprocess.run(
        [sys.executable, str(REPO / "tools" / "make_site_releases.py"),
         str(base / ".winsim" / "releases")],
        check=True, capture_output=True,
    )
    try:
        import site_mirror  # type: ignore[import-not-found]
    except ImportError:
        yield {}
        return
    with site_mirror.SiteMirror(base / "mirror") as mirror:
        yield dict(mirror.extra_vars())


# ---------------------------------------------------------------------- runs


def host_trips(roots: Mapping[str, Path]) -> dict[str, int]:
    """The lifetime round-trip counter of every simulated host."""
    out = {}
    for host, root in roots.items():
        try:
            data = json.loads((root / "stats.json").read_text(encoding="utf-8"))
            out[host] = int(data["round_trips"])
        except FileNotFoundError:
            out[host] = 0
    return out


def run_ansible(
    playbook: Path,
    inventory: Path,
    base: Path,
    tag: str,
    roots: Mapping[str, Path],
    extra_vars: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
) -> tuple[int, float, dict[str, Any], str]:
    """Run ``ansible-playbook``; (rc, wall seconds, callback record, log file)."""
    work = base / tag
    work.mkdir(parents=True, exist_ok=True)
    roots_file = base / "roots.json"
    roots_file.write_text(json.dumps({h: str(r) for h, r in roots.items()}), encoding="utf-8")
    record_file = work / "bench.json"
    run_env = playbook_env(work / "results.json", work, env)
    run_env.update({
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACKS_ENABLED": "winops_bench",
        "WINOPS_BENCH_ROOTS": str(roots_file),
        "WINOPS_BENCH_FILE": str(record_file),
    })
    command = [ansible_playbook_executable(), "-i", str(inventory)]
    if extra_vars:
        vars_file = work / "extra_vars.json"
        vars_file.write_text(json.dumps(dict(extra_vars)), encoding="utf-8")
        command += ["-e", f"@{vars_file}"]
    command.append(str(playbook))
    log = work / "ansible.log"
    with log.open("w", encoding="utf-8") as handle:
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=work, env=run_env, stdin=subprocess.DEVNULL,
                              stdout=handle, stderr=subprocess.STDOUT, check=False)
        wall = time.perf_counter() - start
    try:
        record = json.loads(record_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        record = {"plays": [], "results": []}
    return proc.returncode, wall, record, str(log)


def summarise(
    scenario: str,
    run: str,
    hosts: list[str],
    rc: int,
    wall: float,
    record: Mapping[str, Any],
    trips: Mapping[str, int],
    prefixes: tuple[str, ...],
    log: str,
    counted_calls: Mapping[str, int] | None = None,
) -> RunResult:
    """Average one run's records over its hosts.

    ``trips`` are the round trips per host; ``counted_calls``, when given, the
    module calls per host as a stand-in counted them (then each call is its
    round trip and there is no per-task figure).
    """
    results = [r for r in record.get("results", []) if r["host"] in hosts]
    count = max(1, len(hosts))
    executed = [r for r in results if r["status"] != "skipped"]
    module_results = [r for r in executed if r["action"].startswith(prefixes)]
    if counted_calls is not None:
        calls = sum(counted_calls.get(h, 0) for h in hosts)
        worst = None
    else:
        calls = sum(r["calls"] for r in module_results)
        worst = max(
            (r["round_trips"] / r["calls"] for r in module_results if r["calls"] > 0),
            default=None,
        )
    total_trips = sum(trips.get(h, 0) for h in hosts)
    sample = hosts[0] if hosts else ""
    per_task = [
        {"host": r["host"], "play": r["play"], "task": r["task"], "action": r["action"],
         "status": r["status"], "changed": r["changed"], "calls": r["calls"],
         "round_trips": r["round_trips"]}
        for r in results
        if r["host"] == sample or (len(hosts) > 1 and r["host"] == hosts[-1])
    ]
    return RunResult(
        scenario=scenario,
        run=run,
        hosts=len(hosts),
        rc=rc,
        wall_s=round(wall, 2),
        tasks_per_host=round(len(results) / count, 1),
        calls_per_host=round(calls / count, 1),
        trips_per_host=round(total_trips / count, 1),
        trips_per_call=round(total_trips / calls, 2) if calls else None,
        worst_task_trips_per_call=round(worst, 2) if worst is not None else None,
        changed_per_host=round(sum(1 for r in executed if r["changed"]) / count, 1),
        per_task=per_task,
        log=log,
        wall_runs=[round(wall, 2)],
    )


def floor_playbook(plays: list[dict[str, Any]], path: Path) -> Path:
    """Write the no-op playbook: the same plays, each with as many debug tasks."""
    document = [
        {
            "name": f"No-op floor for play {index}: {play['name']}",
            "hosts": ":".join(play["hosts"]),
            "gather_facts": False,
            "tasks": [
                {"name": f"No-op task {number}",
                 "ansible.builtin.debug": {"msg": "noop", "verbosity": 4}}
                for number in range(1, play["tasks"] + 1)
            ] or [{"ansible.builtin.meta": "noop"}],
        }
        for index, play in enumerate(plays, start=1)
    ]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def fake_calls(fake_dir: Path, hosts: list[str]) -> dict[str, int]:
    """Module calls the stand-in recorded per host since its calls were cleared."""
    out = {}
    for host in hosts:
        path = fake_dir / "calls" / f"{host}.jsonl"
        out[host] = len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0
    return out


def measure(count: int, workdir: Path, repeat: int = 1, log: Any = None) -> list[RunResult]:
    """All runs for ``count`` hosts: (a) first and re-run, (b) first and re-run, (c).

    The re-run of (a) and the floor (c) are idempotent, so they run ``repeat``
    times, alternately; their controller time is the fastest run (the round
    trips of every re-run are the same, the first one is kept).
    """
    base = workdir / f"hosts-{count}"
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    inventory, roots = write_inventory(base, count)
    hosts = host_names(count)
    out: list[RunResult] = []

    def note(result: RunResult) -> RunResult:
        if log is not None:
            print(f"  {count:>3} hosts  {result.scenario:<20} {result.run:<9} "
                  f"rc={result.rc} {result.wall_runs[-1]:7.1f}s", file=log, flush=True)
        return result

    def keep(result: RunResult, again: RunResult | None) -> RunResult:
        """Fold a repeated run into the first: every wall time, the fastest as wall_s."""
        if again is None:
            out.append(result)
            return result
        result.wall_runs += again.wall_runs
        result.wall_s = min(result.wall_runs)
        result.rc = result.rc or again.rc
        return result

    def site_run(run: str, tag: str, extra_vars: Mapping[str, Any]) -> RunResult:
        before = host_trips(roots)
        rc, wall, record, logfile = run_ansible(SITE, inventory, base, tag, roots, extra_vars)
        after = host_trips(roots)
        trips = {h: after[h] - before[h] for h in hosts}
        result = note(summarise(SCENARIO_SITE, run, hosts, rc, wall, record, trips,
                                (AGENT_PREFIX,), logfile))
        result.per_task.append({"plays": record.get("plays", [])})
        return result

    def floor_run(tag: str, playbook: Path) -> RunResult:
        rc, wall, record, logfile = run_ansible(playbook, inventory, base, tag, roots, {})
        return note(summarise(SCENARIO_FLOOR, RERUN, hosts, rc, wall, record, {},
                              (AGENT_PREFIX,), logfile))

    with site_sources(base) as extra_vars:
        keep(site_run(FIRST, "site-first-run", extra_vars), None)
        rerun = keep(site_run(RERUN, "site-re-run-1", extra_vars), None)
        plays = rerun.per_task.pop()["plays"]
        playbook = floor_playbook(plays, base / "floor.yml")
        floor = keep(floor_run("floor-1", playbook), None)
        for number in range(2, repeat + 1):
            again = site_run(RERUN, f"site-re-run-{number}", extra_vars)
            again.per_task.pop()
            keep(rerun, again)
            keep(floor, floor_run(f"floor-{number}", playbook))
        for result in out:
            result.per_task = [t for t in result.per_task if "plays" not in t]

        fake_dir = base / "fake"
        fake_env = {
            "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(
                [str(FAKE_COLLECTIONS), str(REPO / ".collections")]),
            "WINOPS_FAKE_DIR": str(fake_dir),
        }
        for run in (FIRST, RERUN):
            shutil.rmtree(fake_dir / "calls", ignore_errors=True)
            before = host_trips(roots)
            rc, wall, record, logfile = run_ansible(
                EQUIVALENT, inventory, base, f"windows-{run.replace(' ', '-')}", roots,
                extra_vars, env=fake_env)
            if host_trips(roots) != before:
                raise RuntimeError("the ansible.windows stand-in reached a simulated host")
            calls = fake_calls(fake_dir, hosts)
            keep(note(summarise(SCENARIO_WINDOWS, run, hosts, rc, wall, record, calls,
                                WINDOWS_PREFIXES, logfile, counted_calls=calls)), None)
    order = [SCENARIO_SITE, SCENARIO_WINDOWS, SCENARIO_FLOOR]
    out.sort(key=lambda r: (order.index(r.scenario), r.run != FIRST))
    return out


# -------------------------------------------------------------------- report


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _find(results: list[RunResult], scenario: str, run: str) -> RunResult | None:
    return next((r for r in results if r.scenario == scenario and r.run == run), None)


def targets(results: list[RunResult]) -> list[dict[str, Any]]:
    """The three targets per host count, with the measured values."""
    out = []
    for count in sorted({r.hosts for r in results}):
        subset = [r for r in results if r.hosts == count]
        site = _find(subset, SCENARIO_SITE, RERUN)
        windows = _find(subset, SCENARIO_WINDOWS, RERUN)
        floor = _find(subset, SCENARIO_FLOOR, RERUN)
        if not (site and windows and floor):
            continue
        worst = site.worst_task_trips_per_call or 0.0
        fewer = windows.trips_per_host / site.trips_per_host if site.trips_per_host else None
        ratio = site.wall_s / floor.wall_s if floor.wall_s else None
        out.append({
            "hosts": count,
            "rerun_worst_trips_per_call": worst,
            "rerun_trips_per_call": site.trips_per_call,
            "trips_per_call_met": worst <= TARGET_TRIPS_PER_CALL,
            "fewer_trips_than_windows": round(fewer, 2) if fewer else None,
            "fewer_trips_met": fewer is not None and fewer >= TARGET_FEWER_TRIPS,
            "controller_vs_floor": round(ratio, 2) if ratio else None,
            "controller_vs_floor_met": ratio is not None and ratio <= TARGET_FLOOR_RATIO,
        })
    return out


def table(results: list[RunResult]) -> str:
    """The results as one Markdown table, with the targets under it."""
    floors = {r.hosts: r.wall_s for r in results if r.scenario == SCENARIO_FLOOR}
    lines = [
        "| hosts | playbook | run | rc | tasks/host | module calls/host | round trips/host "
        "| round trips/call | worst task | changed/host | controller s | x floor |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        comparable = r.scenario != SCENARIO_WINDOWS
        floor = floors.get(r.hosts)
        wall = f"{r.wall_s:.1f}" if comparable else f"({r.wall_s:.1f})"
        times_floor = _num(r.wall_s / floor, 2) if comparable and floor else "-"
        lines.append(
            f"| {r.hosts} | {r.scenario} | {r.run} | {r.rc} | {_num(r.tasks_per_host)} "
            f"| {_num(r.calls_per_host)} | {_num(r.trips_per_host)} "
            f"| {_num(r.trips_per_call, 2)} | {_num(r.worst_task_trips_per_call, 2)} "
            f"| {_num(r.changed_per_host)} | {wall} | {times_floor} |"
        )
    lines += [
        "",
        "(b) counts module calls: each ansible.windows/community.windows call is one round "
        "trip (a real WinRM call costs at least one); its controller time (in brackets) "
        "comes from a stand-in and is not comparable.",
        "",
        "Targets on the re-run:",
    ]
    for t in targets(results):
        lines.append(
            f"- {t['hosts']} hosts: worst task {_num(t['rerun_worst_trips_per_call'], 2)} round "
            f"trips per module call (<= {TARGET_TRIPS_PER_CALL:g}: "
            f"{'met' if t['trips_per_call_met'] else 'NOT met'}); "
            f"{_num(t['fewer_trips_than_windows'], 2)}x fewer round trips than (b) "
            f"(>= {TARGET_FEWER_TRIPS:g}x: {'met' if t['fewer_trips_met'] else 'NOT met'}); "
            f"controller time {_num(t['controller_vs_floor'], 2)}x the floor "
            f"(<= {TARGET_FLOOR_RATIO:g}x: {'met' if t['controller_vs_floor_met'] else 'NOT met'})"
        )
    return "\n".join(lines)


def per_task_table(results: list[RunResult]) -> str:
    """Round trips per task on the re-run of (a), for the first and last host."""
    lines = ["| hosts | host | task | action | status | calls | round trips |",
             "|---:|---|---|---|---|---:|---:|"]
    for r in results:
        if r.scenario == SCENARIO_SITE and r.run == RERUN:
            for t in r.per_task:
                lines.append(f"| {r.hosts} | {t['host']} | {t['task']} | {t['action']} "
                             f"| {t['status']} | {t['calls']} | {t['round_trips']} |")
    return "\n".join(lines)


def parse_hosts(text: str) -> list[int]:
    """``"1,10,50"`` -> ``[1, 10, 50]``."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hosts wants numbers like 1,10,50, not {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("--hosts wants at least one count of 1 or more")
    return counts


def write_json(path: Path, started: datetime.datetime, results: list[RunResult]) -> None:
    """Every measurement, the targets and the table, as JSON."""
    path.write_text(json.dumps({
        "started": started.isoformat(),
        "cpus": os.cpu_count(),
        "results": [asdict(r) for r in results],
        "targets": targets(results),
        "table": table(results),
    }, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; 1 when a playbook run failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=parse_hosts, default=[1, 10, 50],
                        help="comma-separated host counts (default 1,10,50)")
    parser.add_argument("--workdir", type=Path,
                        help="keep hosts, inventories and logs here (default: a temporary "
                             "directory, removed afterwards)")
    parser.add_argument("--json", type=Path, help="also write every measurement as JSON")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the re-run of site.yml and the floor this many times, "
                             "alternately, and keep the fastest (default 1)")
    parser.add_argument("--per-task", action="store_true",
                        help="also print the round trips of every task of the re-run")
    args = parser.parse_args(argv)

    started = datetime.datetime.now(datetime.UTC)
    with contextlib.ExitStack() as stack:
        if args.workdir:
            workdir = args.workdir.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        results: list[RunResult] = []
        for count in args.hosts:
            print(f"measuring {count} host(s)...", file=sys.stderr, flush=True)
            results += measure(count, workdir, repeat=max(1, args.repeat), log=sys.stderr)
            if args.json:  # after every host count, so a long run leaves what it measured
                write_json(args.json, started, results)

    print(f"winops.golang benchmark, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, forks from ansible.cfg, "
          f"controller time: fastest of {max(1, args.repeat)} re-run(s)")
    print()
    print(table(results))
    if args.per_task:
        print()
        print(per_task_table(results))
    failed = [r for r in results if r.rc != 0]
    for r in failed:
        print(f"{r.hosts} hosts, {r.scenario} {r.run} failed (rc={r.rc}); see {r.log}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
