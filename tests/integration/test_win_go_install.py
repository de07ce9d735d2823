"""win_go_install end to end: the real ansible-playbook against simulated hosts and a
127.0.0.1 stand-in for go.dev/dl (tests/support/http_server.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.go_releases import build_windows_zip
from support.http_server import GoDownloadServer

ROOT = r"C:\Program Files\GoToolchains"
CURRENT = ROOT + r"\current"
CURRENT_BIN = CURRENT + r"\bin"
STATE = ROOT + r"\toolchains.json"
USER_ROOT = r"C:\Users\Administrator\AppData\Local\GoToolchains"
ZIP = "{}.windows-amd64.zip"
TASK = "Install Go"


def sim(inv: Any, host: str = "win-01") -> SimHost:
    """A host's state, opened as the connection plugin opens it."""
    return SimHost(str(inv.root(host)))


def playbook(params: dict[str, Any], *, facts: bool = True, name: str = TASK) -> str:
    tasks: list[dict[str, Any]] = []
    if facts:
        tasks.append({"name": "Gather Go facts", "winops.golang.win_go_facts": None})
    tasks.append({"name": name, "winops.golang.win_go_install": params})
    return yaml.safe_dump([{"name": "Go toolchains", "hosts": "all", "gather_facts": False,
                            "tasks": tasks}], sort_keys=False)


@pytest.fixture
def go(tmp_path: Path, go_dl: GoDownloadServer, run_playbook: Callable) -> Callable[..., Any]:
    """Run win_go_install (after win_go_facts) with the test server and a private cache."""

    def run(inv: Any, facts: bool = True, check: bool = False, diff: bool = False,
            args: tuple[str, ...] = (), **params: Any) -> Any:
        params.setdefault("cache_dir", str(tmp_path / "cache"))
        if not any(k in params for k in ("index_file", "archive_url", "index_url", "src")) \
                and params.get("state") != "absent":
            params["index_url"] = go_dl.index_url
        return run_playbook(playbook(params, facts=facts), inv, check=check, diff=diff,
                            args=args)

    return run


def installed_state(host: SimHost, root: str = ROOT) -> dict[str, Any]:
    data = host.read_file(root + r"\toolchains.json")
    return json.loads(data) if data else {}


def versions_recorded(host: SimHost, root: str = ROOT) -> list[str]:
    return [t["version"] for t in installed_state(host, root).get("toolchains", [])]


def listing(host: SimHost, path: str) -> list[str]:
    res = host.run_batch({"ops": [{"op": "file.list", "args": {"path": path}}]})
    return [e["name"] for e in res["results"][0]["entries"]]


def junction(host: SimHost, path: str = CURRENT) -> str | None:
    res = host.run_batch({"ops": [{"op": "file.stat", "args": {"path": path}}]})
    stat = res["results"][0]
    return stat.get("target") if stat.get("exists") else None


def machine_path(host: SimHost) -> str:
    return host.env("machine", "Path")["value"]


def rounds(host: SimHost) -> int:
    return host.stats()["round_trips"]


def prepare(inv: Any, run_playbook: Callable) -> SimHost:
    """Create the host (one facts run) and return it."""
    run_playbook(playbook({}, facts=True, name="noop").replace(
        "  - name: noop\n    winops.golang.win_go_install: {}\n", ""), inv).assert_ok()
    return sim(inv)


# -- install, idempotence, round trips --------------------------------------------------


def test_fresh_install_then_nothing_changes_in_one_round_trip(
        sim_inventory: Callable, go: Callable, go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    run = go(inv, version="1.22").assert_ok()
    res = run.task("win-01", TASK)
    assert res.changed is True
    assert res["version"] == "1.22.10" and res["active_version"] == "1.22.10"
    assert res["installed_versions"] == ["1.22.10"]
    assert res["install_path"] == ROOT + r"\go1.22.10"
    assert res["url"] == go_dl.archive_url(ZIP.format("go1.22.10"))
    assert res["sha256"] == go_dl.releases.windows_archive("go1.22.10")["sha256"]
    assert res["index_status"] == "fetched"
    assert [c["step"] for c in res["changes"]] == ["download", "extract", "record", "activate",
                                                   "path"]
    host = sim(inv)
    # the win_go_facts task (1) + read (1) + write (1)
    assert rounds(host) == 3
    assert host.read_file(ROOT + r"\go1.22.10\VERSION").startswith(b"go1.22.10\n")
    assert host.read_file(ROOT + r"\go1.22.10\bin\go.exe").startswith(b"MZ")
    assert junction(host) == ROOT + r"\go1.22.10"
    path = machine_path(host)
    assert path.split(";")[-1] == CURRENT_BIN and path.count(CURRENT_BIN) == 1
    assert path.startswith(r"%SystemRoot%\system32;")  # untouched, unexpanded
    state = installed_state(host)
    assert state["toolchains"][0]["sha256"] == res["sha256"]
    assert state["toolchains"][0]["url"] == res["url"]
    # The archive is gone; no staging leftovers.
    assert listing(host, ROOT) == [".downloads", "current", "go1.22.10", "toolchains.json"]
    assert listing(host, ROOT + r"\.downloads") == []
    assert host.env("machine", "GOROOT") is None
    assert go_dl.downloads(ZIP.format("go1.22.10")) == 1

    before = rounds(host)
    again = go(inv, version="1.22").assert_ok().task("win-01", TASK)
    assert again.changed is False and again["changes"] == []
    assert again["index_status"] == "cached"
    assert rounds(host) - before == 2  # facts + the module's single read batch
    before = rounds(host)
    exact = go(inv, facts=False, version="1.22.10", active=True).assert_ok()
    assert exact.task("win-01", TASK).changed is False
    # Without facts (and without install_root) they ride in the single read batch.
    assert rounds(host) - before == 1
    assert go_dl.downloads(ZIP.format("go1.22.10")) == 1


def test_relocated_program_files_without_facts_costs_one_more_read(
        sim_inventory: Callable, go: Callable) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, facts=False, version="1.22.5", check=True).assert_ok()  # creates the host
    host = sim(inv)
    host.set_reg(r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion", "ProgramFilesDir",
                 "REG_SZ", r"C:\Apps")
    host.write_file(r"C:\Apps\placeholder.txt", b"")
    before = rounds(host)
    res = go(inv, facts=False, version="1.22.5").assert_ok().task("win-01", TASK)
    assert res["install_path"] == r"C:\Apps\GoToolchains\go1.22.5"
    # The guess (C:\Program Files) was read with the facts, then the real root: 2 reads + 1 write.
    assert rounds(host) - before == 3
    assert host.read_file(r"C:\Apps\GoToolchains\go1.22.5\VERSION").startswith(b"go1.22.5")


def test_facts_report_managed_toolchains(sim_inventory: Callable, go: Callable,
                                         run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, version="1.22.5").assert_ok()
    run = run_playbook(playbook({}, name="x").replace(
        "  - name: x\n    winops.golang.win_go_install: {}\n", ""), inv).assert_ok()
    facts = run.task("win-01", "Gather Go facts")["ansible_facts"]["winops_go"]
    assert facts["managed_toolchains"] == [{
        "version": "1.22.5", "path": ROOT + r"\go1.22.5",
        "sha256": facts["managed_toolchains"][0]["sha256"], "active": True}]
    assert len(facts["managed_toolchains"][0]["sha256"]) == 64
    # The managed toolchain is on PATH: facts see it as the first go.exe.
    assert facts["toolchains"][0]["goroot"] == CURRENT
    assert facts["toolchains"][0]["version"] == "1.22.5"


def test_install_root_given_without_facts_reads_facts_in_the_same_batch(
        sim_inventory: Callable, go: Callable) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, facts=False, version="1.22.5", install_root=r"D:\nope").task("win-01", TASK)
    host = sim(inv)
    start = rounds(host)
    run = go(inv, facts=False, version="1.22.5", install_root=r"C:\Go\toolchains").assert_ok()
    assert run.task("win-01", TASK)["install_path"] == r"C:\Go\toolchains\go1.22.5"
    assert rounds(host) - start == 2
    start = rounds(host)
    go(inv, facts=False, version="1.22.5", install_root=r"C:\Go\toolchains").assert_ok()
    assert rounds(host) - start == 1


def test_upgrade_and_switch_back(sim_inventory: Callable, go: Callable,
                                 go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, version="1.22.0").assert_ok()
    host = sim(inv)
    path_before = machine_path(host)
    up = go(inv, version="1.22.5", active=True).assert_ok().task("win-01", TASK)
    assert up.changed and up["active_version"] == "1.22.5"
    assert up["installed_versions"] == ["1.22.0", "1.22.5"]
    assert [c["step"] for c in up["changes"]] == ["download", "extract", "record", "activate"]
    assert junction(host) == ROOT + r"\go1.22.5"
    assert machine_path(host) == path_before  # only the junction moved

    start = rounds(host)
    back = go(inv, version="1.22.0", active=True).assert_ok().task("win-01", TASK)
    assert rounds(host) - start == 3  # win_go_facts, read, write
    assert back.changed and [c["step"] for c in back["changes"]] == ["activate"]
    assert back["changes"][0]["from"] == "1.22.5" and back["changes"][0]["to"] == "1.22.0"
    assert junction(host) == ROOT + r"\go1.22.0"
    # Never downloaded twice.
    assert go_dl.downloads(ZIP.format("go1.22.0")) == 1
    assert go_dl.downloads(ZIP.format("go1.22.5")) == 1
    # Installing without active keeps the current one active.
    side = go(inv, version="1.23.4").assert_ok().task("win-01", TASK)
    assert side["active_version"] == "1.22.0"
    assert junction(host) == ROOT + r"\go1.22.0"


def test_three_side_by_side_then_keep_two(sim_inventory: Callable, go: Callable) -> None:
    inv = sim_inventory(["win-01"])
    for version in ("1.21.13", "1.22.5", "1.23.4"):
        go(inv, version=version).assert_ok()
    host = sim(inv)
    assert versions_recorded(host) == ["go1.21.13", "go1.22.5", "go1.23.4"]
    assert junction(host) == ROOT + r"\go1.21.13"  # the first install became active
    # keep: 2 with 1.21.13 active keeps it; activating 1.23.4 in the same task lets it go.
    kept = go(inv, version="1.23.4", keep=2).assert_ok().task("win-01", TASK)
    assert kept["installed_versions"] == ["1.21.13", "1.22.5", "1.23.4"]
    assert kept.changed is False
    pruned = go(inv, version="1.23.4", keep=2, active=True).assert_ok().task("win-01", TASK)
    assert pruned["installed_versions"] == ["1.22.5", "1.23.4"]
    assert [(c["step"], c.get("version") or c.get("to")) for c in pruned["changes"]] == [
        ("record", None), ("activate", "1.23.4"), ("prune", "1.21.13")]
    assert listing(host, ROOT) == [".downloads", "current", "go1.22.5", "go1.23.4",
                                   "toolchains.json"]
    assert junction(host) == ROOT + r"\go1.23.4"
    # state: absent with only keep prunes the rest (the active one stays).
    only = go(inv, state="absent", keep=1).assert_ok().task("win-01", TASK)
    assert only["removed_versions"] == ["1.22.5"]
    assert versions_recorded(host) == ["go1.23.4"]


def test_absent_removes_and_full_uninstall(sim_inventory: Callable, go: Callable) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, version="1.21.13").assert_ok()
    go(inv, version="1.22.5", active=True).assert_ok()
    host = sim(inv)
    refused = go(inv, version="1.22.5", state="absent").task("win-01", TASK)
    assert refused.failed and "activate one of them first" in refused.msg
    gone = go(inv, version="1.21", state="absent").assert_ok().task("win-01", TASK)
    assert gone["removed_versions"] == ["1.21.13"] and gone["active_version"] == "1.22.5"
    full = go(inv, version=">=1.0", state="absent").assert_ok().task("win-01", TASK)
    assert full["installed_versions"] == [] and full["active_version"] is None
    assert CURRENT_BIN not in machine_path(host)
    assert listing(host, ROOT) == [".downloads"]
    again = go(inv, version=">=1.0", state="absent").assert_ok().task("win-01", TASK)
    assert again.changed is False


# -- check mode and diff ----------------------------------------------------------------


def test_check_mode_changes_nothing(sim_inventory: Callable, go: Callable,
                                    go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    run = go(inv, version="1.22.5", check=True, verify="build").assert_ok()
    res = run.task("win-01", TASK)
    assert res.changed is True
    assert [c["step"] for c in res["changes"]] == ["download", "extract", "record", "activate",
                                                   "path"]
    assert res["active_version"] == "1.22.5"
    host = sim(inv)
    assert rounds(host) == 2  # facts + the read batch; nothing is written
    writes = [e for e in host.op_log() if e.get("write") and e.get("changed")]
    assert writes == []
    assert host.read_file(STATE) is None
    assert CURRENT_BIN not in machine_path(host)
    assert go_dl.downloads(ZIP.format("go1.22.5")) == 0
    # Against an installed host, check mode predicts exactly what a real run does.
    go(inv, version="1.22.0").assert_ok()
    predicted = go(inv, version="1.22.5", active=True, check=True).assert_ok().task(
        "win-01", TASK)
    real = go(inv, version="1.22.5", active=True).assert_ok().task("win-01", TASK)
    assert [c["step"] for c in predicted["changes"]] == [c["step"] for c in real["changes"]]
    assert predicted["installed_versions"] == real["installed_versions"]


def test_diff_shows_versions_and_path(sim_inventory: Callable, go: Callable) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, version="1.22.0").assert_ok()
    run = go(inv, version="1.22.5", active=True, diff=True).assert_ok()
    diff = run.task("win-01", TASK).diff
    diff = diff[0] if isinstance(diff, list) else diff
    assert "active: 1.22.0" in diff["before"] and "active: 1.22.5" in diff["after"]
    assert "  - 1.22.5" in diff["after"] and "  - 1.22.5" not in diff["before"]
    assert CURRENT_BIN in diff["before"]
    assert "+active: 1.22.5" in run.stdout  # the diff callback shows it
    fresh = sim_inventory(["win-02"], name="fresh")
    first = go(fresh, version="1.22.5", diff=True, check=True).assert_ok()
    diff = first.task("win-02", TASK).diff
    diff = diff[0] if isinstance(diff, list) else diff
    assert CURRENT_BIN not in diff["before"] and CURRENT_BIN in diff["after"]


# -- failures leave the old state --------------------------------------------------------


def test_checksum_mismatch_leaves_nothing_behind(sim_inventory: Callable, go: Callable,
                                                 go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    name = ZIP.format("go1.22.5")
    go_dl.add_file("/dl/" + name, build_windows_zip("go1.22.0", "amd64",
                                                    time="2024-02-06T21:00:14Z"))
    run = go(inv, version="1.22.5")
    res = run.task("win-01", TASK)
    assert res.failed and res["error_code"] == "checksum_mismatch"
    assert "nothing was changed" in res.msg or "file.mkdir" in res.msg
    host = sim(inv)
    assert listing(host, ROOT) == [".downloads"]
    assert listing(host, ROOT + r"\.downloads") == []
    assert host.read_file(STATE) is None and junction(host) is None
    assert CURRENT_BIN not in machine_path(host)


def test_wrong_version_inside_a_verified_archive_is_not_installed(
        sim_inventory: Callable, go: Callable, go_dl: GoDownloadServer, tmp_path: Path) -> None:
    # A mirror that serves 1.22.0's bytes under 1.22.5's name, with an index that agrees:
    # the SHA-256 matches, but VERSION inside does not.
    inv = sim_inventory(["win-01"])
    go(inv, version="1.22.0").assert_ok()
    host = sim(inv)
    path_before = machine_path(host)
    wrong = build_windows_zip("go1.22.0", "amd64", time="2024-02-06T21:00:14Z")
    name = ZIP.format("go1.22.5")
    go_dl.add_file("/golang/" + name, wrong)
    index = go_dl.releases.index()
    for release in index:
        for item in release["files"]:
            if item["filename"] == name:
                item["sha256"] = hashlib.sha256(wrong).hexdigest()
                item["size"] = len(wrong)
    index_file = tmp_path / "index.json"
    index_file.write_text(json.dumps(index))
    res = go(inv, version="1.22.5", active=True, index_file=str(index_file),
             mirror=go_dl.mirror_base).task("win-01", TASK)
    assert res.failed and res["error_code"] == "checksum_mismatch"
    assert "VERSION" in res.msg and "go1.22.5" in res.msg
    assert listing(host, ROOT) == [".downloads", "current", "go1.22.0", "toolchains.json"]
    assert junction(host) == ROOT + r"\go1.22.0"
    assert machine_path(host) == path_before
    assert versions_recorded(host) == ["go1.22.0"]


def test_interrupted_download_keeps_the_old_state_and_a_rerun_converges(
        sim_inventory: Callable, go: Callable, go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, version="1.22.0").assert_ok()
    host = sim(inv)
    path_before = machine_path(host)
    state_before = host.read_file(STATE)
    host.inject_fault("interrupt", op="file.download", after_bytes=1000)
    res = go(inv, version="1.22.5", active=True).task("win-01", TASK)
    assert res.failed and res["error_code"] == "download_failed"
    assert junction(host) == ROOT + r"\go1.22.0"
    assert machine_path(host) == path_before
    assert host.read_file(STATE) == state_before
    assert listing(host, ROOT + r"\.downloads") == []
    assert "go1.22.5" not in listing(host, ROOT)
    again = go(inv, version="1.22.5", active=True).assert_ok().task("win-01", TASK)
    assert again.changed and again["active_version"] == "1.22.5"
    assert versions_recorded(host) == ["go1.22.0", "go1.22.5"]
    assert junction(host) == ROOT + r"\go1.22.5"
    assert go(inv, version="1.22.5", active=True).assert_ok().task("win-01", TASK).changed \
        is False


def test_connection_lost_after_extract_converges(sim_inventory: Callable, go: Callable,
                                                 go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, version="1.22.0").assert_ok()
    host = sim(inv)
    # The connection drops right after the extract: a directory without a record.
    host.inject_fault("connection_lost", op="file.extract", after_ops=1)
    lost = go(inv, version="1.22.5", active=True).task("win-01", TASK)
    assert lost.unreachable
    assert "go1.22.5" in listing(host, ROOT)
    assert versions_recorded(host) == ["go1.22.0"]
    assert junction(host) == ROOT + r"\go1.22.0"
    res = go(inv, version="1.22.5", active=True).assert_ok().task("win-01", TASK)
    assert [c["step"] for c in res["changes"]][:3] == ["download", "remove_unverified",
                                                       "extract"]
    # The archive left in .downloads had the right hash: it was not fetched again.
    assert go_dl.downloads(ZIP.format("go1.22.5")) == 1
    assert versions_recorded(host) == ["go1.22.0", "go1.22.5"]
    assert junction(host) == ROOT + r"\go1.22.5"


# -- sources ---------------------------------------------------------------------------------


def test_offline_index_file_with_a_mirror(sim_inventory: Callable, go: Callable,
                                          go_dl: GoDownloadServer, tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    index_file = tmp_path / "go-index.json"
    index_file.write_text(json.dumps(go_dl.releases.index()))
    res = go(inv, version="oldstable", index_file=str(index_file),
             mirror=go_dl.mirror_base).assert_ok().task("win-01", TASK)
    assert res["version"] == "1.22.10" and res["index_status"] == "file"
    assert res["url"] == go_dl.mirror_url(ZIP.format("go1.22.10"))
    assert go_dl.index_fetches == 0
    assert go_dl.count("/golang/" + ZIP.format("go1.22.10")) == 1
    assert go_dl.count("/dl/" + ZIP.format("go1.22.10")) == 0


def test_unc_mirror_read_by_the_host(sim_inventory: Callable, go: Callable,
                                     go_dl: GoDownloadServer, tmp_path: Path) -> None:
    share = tmp_path / "share"
    go_dl.releases.write(share)
    inv = sim_inventory({"win-01": {"ansible_winsim_shares": {r"\\fs01\golang": str(share)}}})
    index_file = tmp_path / "go-index.json"
    index_file.write_text(json.dumps(go_dl.releases.index()))
    res = go(inv, version="1.23", index_file=str(index_file),
             mirror="\\\\fs01\\golang\\").assert_ok().task("win-01", TASK)
    assert res["version"] == "1.23.4"
    assert res["url"] == r"\\fs01\golang\go1.23.4.windows-amd64.zip"
    assert go_dl.downloads(ZIP.format("go1.23.4")) == 0 and go_dl.index_fetches == 0
    assert junction(sim(inv)) == ROOT + r"\go1.23.4"
    # A pinned archive on the share works the same way.
    entry = go_dl.releases.windows_archive("go1.22.5")
    pinned = go(inv, archive_url=r"\\fs01\golang\go1.22.5.windows-amd64.zip",
                checksum="sha256:" + entry["sha256"]).assert_ok().task("win-01", TASK)
    assert pinned["version"] == "1.22.5" and pinned["index_status"] == "none"


def test_pushed_src(sim_inventory: Callable, go: Callable, go_dl: GoDownloadServer,
                    tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    name = ZIP.format("go1.22.5")
    local = tmp_path / name
    local.write_bytes(go_dl.releases.files[name])
    sha = go_dl.releases.windows_archive("go1.22.5")["sha256"]
    wrong = go(inv, src=str(local), checksum="0" * 64).task("win-01", TASK)
    assert wrong.failed and "nothing was copied" in wrong.msg
    refused = go(inv, src=str(local)).task("win-01", TASK)
    assert refused.failed and "validate_checksum" in refused.msg
    res = go(inv, src=str(local), checksum=sha, active=True).assert_ok().task("win-01", TASK)
    assert res["version"] == "1.22.5" and res["sha256"] == sha
    assert res["url"].startswith("file://") and res["changes"][0]["step"] == "push"
    host = sim(inv)
    assert junction(host) == ROOT + r"\go1.22.5"
    # The pushed copy went through the temp folder and was moved away from it.
    assert not [n for n in listing(host, r"C:\Users\Administrator\AppData\Local\Temp")
                if n.startswith("winops-golang-")]
    assert go_dl.downloads(name) == 0
    # The index can vouch for the file instead of checksum.
    index_file = tmp_path / "index.json"
    index_file.write_text(json.dumps(go_dl.releases.index()))
    again = go(inv, src=str(local), index_file=str(index_file)).assert_ok()
    assert again.task("win-01", TASK).changed is False


def test_pinned_archive_url_and_the_checksum_rule(sim_inventory: Callable, go: Callable,
                                                  go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    url = go_dl.archive_url(ZIP.format("go1.22.5"))
    refused = go(inv, archive_url=url).task("win-01", TASK)
    assert refused.failed and "validate_checksum" in refused.msg
    assert go_dl.downloads(ZIP.format("go1.22.5")) == 0
    res = go(inv, archive_url=url, validate_checksum=False).assert_ok().task("win-01", TASK)
    assert res["sha256"] is None
    assert any("without a checksum" in w for w in res.warnings)
    record = installed_state(sim(inv))["toolchains"][0]
    assert record["checksum_verified"] is False
    # The oldest releases have no published checksum in the index either.
    old = go(inv, version="1.4.3").task("win-01", TASK)
    assert old.failed and "no SHA-256 is known" in old.msg


def test_compatibility_gate_runs_before_any_download(sim_inventory: Callable, go: Callable,
                                                     go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    arm = go_dl.archive_url("go1.22.5.windows-arm64.zip")
    res = go(inv, archive_url=arm, checksum="1" * 64).task("win-01", TASK)
    assert res.failed and "windows-arm64 archive, but the host is AMD64" in res.msg
    host = sim(inv)
    # An ARM64 host and a release before windows/arm64 existed.
    host.set_env("machine", "PROCESSOR_ARCHITECTURE", "ARM64")
    old = go(inv, version="1.4.3", validate_checksum=False).task("win-01", TASK)
    assert old.failed and "arm64" in old.msg
    assert go_dl.requests_for("/dl/" + ZIP.format("go1.4.3")) == []
    assert not [e for e in host.op_log() if e["op"] == "file.download"]


def test_user_scope(sim_inventory: Callable, go: Callable) -> None:
    inv = sim_inventory(["win-01"])
    res = go(inv, version="1.22.5", scope="user").assert_ok().task("win-01", TASK)
    assert res["install_root"] == USER_ROOT
    host = sim(inv)
    user_path = host.env("user", "Path")["value"]
    assert user_path.split(";")[-1] == USER_ROOT + r"\current\bin"
    assert r"%USERPROFILE%\AppData\Local\Microsoft\WindowsApps" in user_path
    assert "GoToolchains" not in machine_path(host)
    assert junction(host, USER_ROOT + r"\current") == USER_ROOT + r"\go1.22.5"
    again = go(inv, version="1.22.5", scope="user").assert_ok().task("win-01", TASK)
    assert again.changed is False


# -- conflicts, GOROOT, verification ----------------------------------------------------------


def test_msi_install_is_a_conflict(sim_inventory: Callable, go: Callable,
                                   run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = prepare(inv, run_playbook)
    host.write_file(r"C:\Program Files\Go\VERSION", b"go1.21.3\ntime 2023-10-09T17:04:35Z\n")
    host.write_file(r"C:\Program Files\Go\bin\go.exe", b"MZ")
    host.set_env("machine", "Path", machine_path(host) + r";C:\Program Files\Go\bin")
    res = go(inv, version="1.22.5").assert_ok().task("win-01", TASK)
    kinds = {(c["kind"], c["version"]) for c in res["conflicts"]}
    assert ("msi", "1.21.3") in kinds and ("path", "1.21.3") in kinds
    assert any("MSI" in w for w in res.warnings)
    entries = machine_path(host).split(";")
    assert entries.index(CURRENT_BIN) == entries.index(r"C:\Program Files\Go\bin") - 1
    ran = host.run_batch({"ops": [{"op": "exec", "args": {
        "executable": "go", "arguments": "version", "read_only": True}}]})
    assert ran["results"][0]["stdout"] == "go version go1.22.5 windows/amd64\n"
    with pytest.raises(AssertionError):
        go(inv, version="1.22.5", install_root=r"c:\program files\GO").assert_ok()


def test_goroot_reported_then_fixed(sim_inventory: Callable, go: Callable,
                                    run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = prepare(inv, run_playbook)
    host.set_env("machine", "GOROOT", r"C:\old\go")
    res = go(inv, version="1.22.5").assert_ok().task("win-01", TASK)
    assert res["goroot"]["machine"] == {"value": r"C:\old\go", "conflict": True,
                                        "removed": False}
    assert any("fix_goroot" in w for w in res.warnings)
    assert host.env("machine", "GOROOT") is not None
    fixed = go(inv, version="1.22.5", fix_goroot=True).assert_ok().task("win-01", TASK)
    assert fixed.changed and fixed["changes"] == [
        {"step": "goroot", "scope": "machine", "removed": r"C:\old\go"}]
    assert host.env("machine", "GOROOT") is None
    assert go(inv, version="1.22.5", fix_goroot=True).assert_ok().task(
        "win-01", TASK).changed is False


def test_verify_true_and_build(sim_inventory: Callable, go: Callable) -> None:
    inv = sim_inventory(["win-01"])
    res = go(inv, version="1.22.5", verify=True).assert_ok().task("win-01", TASK)
    assert res["verify"]["ok"] is True
    assert res["verify"]["version_output"] == "go version go1.22.5 windows/amd64"
    assert res["verify"]["goroot"] == CURRENT
    host = sim(inv)
    start = rounds(host)
    built = go(inv, version="1.22.5", verify="build", active=True).assert_ok().task(
        "win-01", TASK)
    assert built.changed is False and rounds(host) - start == 2  # win_go_facts + one batch
    assert built["verify"]["build"]["ok"] is True
    assert built["verify"]["build"]["output"] == "hello, world\n"
    assert isinstance(built["verify"]["build"]["seconds"], float)
    assert not [n for n in listing(host, ROOT) if n.startswith(".verify")]
    # A toolchain whose files were damaged fails verification and is installed again.
    host.write_file(ROOT + r"\go1.22.5\VERSION", b"go1.21.0\n")
    healed = go(inv, version="1.22.5", verify=True, active=True).assert_ok().task(
        "win-01", TASK)
    assert healed.changed and "extract" in [c["step"] for c in healed["changes"]]
    assert any("failed verification" in w for w in healed.warnings)
    assert healed["verify"]["ok"] is True
    # A missing go.exe too.
    host.run_batch({"ops": [{"op": "file.remove", "args": {
        "path": ROOT + r"\go1.22.5\bin\go.exe"}}]})
    again = go(inv, version="1.22.5", verify=True, active=True).assert_ok().task(
        "win-01", TASK)
    assert again.changed and again["verify"]["ok"] is True


# -- many hosts -----------------------------------------------------------------------------


def test_twenty_hosts_fetch_the_index_once(sim_inventory: Callable, go: Callable,
                                           go_dl: GoDownloadServer) -> None:
    hosts = [f"win-{i:02d}" for i in range(1, 21)]
    inv = sim_inventory(hosts)
    run = go(inv, version="stable", args=("--forks", "20")).assert_ok()
    assert go_dl.index_fetches == 1
    statuses = sorted(run.task(h, TASK)["index_status"] for h in hosts)
    assert statuses.count("fetched") == 1 and statuses.count("cached") == 19
    assert all(run.task(h, TASK)["version"] == "1.23.4" for h in hosts)
    assert go_dl.downloads(ZIP.format("go1.23.4")) == 20


def test_stale_index_is_used_with_a_warning(sim_inventory: Callable, go: Callable,
                                            go_dl: GoDownloadServer) -> None:
    inv = sim_inventory(["win-01"])
    go(inv, version="1.22.5").assert_ok()
    go_dl.set_status("/dl/?mode=json&include=all", 503)
    res = go(inv, version="1.23", cache_ttl=0).assert_ok().task("win-01", TASK)
    assert res["index_status"] == "stale"
    assert any("cached copy" in w for w in res.warnings)


def test_bad_arguments_fail_before_the_host(sim_inventory: Callable, go: Callable,
                                            tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    cases = [
        ({"version": "1.22.5", "verify": "fast"}, "verify must be"),
        ({"version": "1.22.5", "keep": 0}, "keep must be"),
        ({"state": "present"}, "version or version_file is required"),
        ({"version": "nonsense"}, "invalid Go version spec"),
        ({"version": "1.99"}, "no Go release matches"),
        ({"version": "1.22.5", "checksum": "abc"}, "SHA-256"),
        ({"version": "1.22.5", "install_root": r"C:\Program Files\Go\x"}, "collides"),
        ({"version": "1.22.5", "archive_url": "ftp://x/go.zip"}, "archive_url must be"),
    ]
    stats = Path(str(inv.root("win-01"))) / "stats.json"
    for params, message in cases:
        res = go(inv, facts=False, **params).task("win-01", TASK)
        assert res.failed and message in str(res.msg), (params, res.msg)
        # Nothing reached the host.
        assert not stats.exists() or rounds(sim(inv)) == 0, params


def test_version_file(sim_inventory: Callable, go: Callable, tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    mod = tmp_path / "go.mod"
    mod.write_text("module example.com/x\n\ngo 1.21\n\ntoolchain go1.22.5\n")
    res = go(inv, version_file=str(mod)).assert_ok().task("win-01", TASK)
    assert res["version"] == "1.22.5"
    dotfile = tmp_path / ".go-version"
    dotfile.write_text("1.21\n")
    res = go(inv, version_file=str(dotfile)).assert_ok().task("win-01", TASK)
    assert res["version"] == "1.21.13"


def test_download_headers_reach_the_servers_and_never_the_output(
        sim_inventory: Callable, go: Callable, go_dl: GoDownloadServer,
        run_playbook: Callable, tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    secret = "Bearer s3cr3t-token-never-shown"
    params = {"version": "1.22.5", "index_url": go_dl.index_url, "mirror": go_dl.mirror_base,
              "download_headers": {"Authorization": secret}, "proxy": None,
              "cache_dir": str(tmp_path / "cache")}
    params = {k: v for k, v in params.items() if v is not None}
    run = run_playbook(playbook(params), inv, verbosity=3).assert_ok()
    res = run.task("win-01", TASK)
    assert res.changed
    index_requests = go_dl.requests_for("/dl/")
    archive_requests = go_dl.requests_for("/golang/" + ZIP.format("go1.22.5"))
    assert [r.header("Authorization") for r in index_requests] == [secret]
    assert [r.header("Authorization") for r in archive_requests] == [secret]
    assert secret not in run.stdout and secret not in run.stderr
    assert secret not in json.dumps(res.result)
    log = json.dumps(sim(inv).op_log())
    assert secret not in log
