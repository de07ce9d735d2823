"""The test harness itself: release builders, the download server, the playbook runner."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

from support import go_releases
from support.http_server import GoDownloadServer
from support.playbooks import SIM_CONNECTION

LOCAL_INVENTORY = """\
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""


def fetch(url: str, headers: dict[str, str] | None = None) -> bytes:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def fetch_json(url: str) -> list[dict]:
    return json.loads(fetch(url))


# ---------------------------------------------------------------- releases


def test_release_builds_are_deterministic() -> None:
    first = go_releases.build_release_set()
    second = go_releases.build_release_set()
    assert first.files == second.files
    assert first.index() == second.index()


def test_versions_sort_like_go_releases() -> None:
    ordered = [
        "go1.2.2",
        "go1.17beta1",
        "go1.20",
        "go1.20.14",
        "go1.21.0",
        "go1.23rc2",
        "go1.23.0",
        "go1.24rc1",
    ]
    shuffled = [ordered[i] for i in (5, 0, 7, 2, 6, 1, 4, 3)]
    assert sorted(shuffled, key=go_releases.parse_go_version) == ordered
    with pytest.raises(ValueError):
        go_releases.parse_go_version("1.22.5")


def test_windows_archive_layout_per_arch() -> None:
    releases = go_releases.build_release_set()
    for arch in ("amd64", "arm64", "386"):
        entry = releases.windows_archive("go1.22.5", arch)
        data = releases.files[entry["filename"]]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            version_lines = archive.read("go/VERSION").decode().splitlines()
            assert version_lines[0] == "go1.22.5"
            assert version_lines[1].startswith("time 2024-")
            for exe in (
                "go/bin/go.exe",
                "go/bin/gofmt.exe",
                f"go/pkg/tool/windows_{arch}/compile.exe",
            ):
                assert exe in names
                assert archive.read(exe).startswith(b"MZ")
            assert "go/src/runtime/extern.go" in names
            assert all(name.startswith("go/") for name in names)


def test_old_releases_have_no_arm64_and_a_bare_version_file() -> None:
    releases = go_releases.build_release_set()
    with pytest.raises(KeyError):
        releases.windows_archive("go1.4.3", "arm64")
    data = releases.files["go1.20.windows-amd64.zip"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("go/VERSION") == b"go1.20"


def test_zip_with_directory_entries() -> None:
    data = go_releases.build_zip({"go/bin/go.exe": b"MZ"}, dir_entries=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["go/", "go/bin/", "go/bin/go.exe"]


def test_release_set_write(tmp_path: Path) -> None:
    releases = go_releases.build_release_set(
        go_releases.releases_from_versions(["go1.22.5", "go1.23rc1"])
    )
    written = releases.write(tmp_path / "mirror")
    assert set(written) == set(releases.files)
    assert (
        written["go1.22.5.windows-amd64.zip"].read_bytes()
        == releases.files["go1.22.5.windows-amd64.zip"]
    )
    assert [r["stable"] for r in releases.index()] == [False, True]


# ------------------------------------------------------------ HTTP server


def test_server_serves_full_index_and_archives(go_dl: GoDownloadServer) -> None:
    index = fetch_json(go_dl.index_url)
    versions = [release["version"] for release in index]
    assert versions == go_dl.releases.versions
    assert {"go1.22.5", "go1.23.4", "go1.24rc1", "go1.17beta1", "go1.2.2"} <= set(versions)
    by_version = {release["version"]: release for release in index}
    assert by_version["go1.24rc1"]["stable"] is False
    assert by_version["go1.22.5"]["stable"] is True
    assert {f["kind"] for f in by_version["go1.22.5"]["files"]} == {
        "archive",
        "installer",
        "source",
    }
    assert all(f["sha256"] == "" for f in by_version["go1.2.2"]["files"])
    for field in ("filename", "os", "arch", "version", "sha256", "size", "kind"):
        assert field in by_version["go1.22.5"]["files"][0]

    entry = next(
        f
        for f in by_version["go1.22.5"]["files"]
        if f["os"] == "windows" and f["arch"] == "amd64" and f["kind"] == "archive"
    )
    data = fetch(go_dl.archive_url(entry["filename"]))
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert len(data) == entry["size"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("go/VERSION").decode().splitlines()[0] == "go1.22.5"
        assert "go/bin/go.exe" in archive.namelist()
    assert fetch(go_dl.mirror_url(entry["filename"])) == data


def test_server_stable_index_lists_supported_releases(go_dl: GoDownloadServer) -> None:
    index = fetch_json(go_dl.stable_index_url)
    assert [release["version"] for release in index] == ["go1.23.4", "go1.22.10"]
    assert all(release["stable"] for release in index)


def test_server_counts_requests_and_records_headers(go_dl: GoDownloadServer) -> None:
    assert go_dl.index_fetches == 0
    fetch(go_dl.index_url, headers={"User-Agent": "winops-test"})
    fetch(go_dl.url("/dl/?include=all&mode=json"))
    fetch(go_dl.stable_index_url)
    fetch(go_dl.archive_url("go1.22.5.windows-amd64.zip"))
    assert go_dl.index_fetches == 3
    assert go_dl.downloads("go1.22.5.windows-amd64.zip") == 1
    first = go_dl.requests[0]
    assert first.target == "/dl/?mode=json&include=all"
    assert first.query == {"mode": "json", "include": "all"}
    assert first.header("user-agent") == "winops-test"
    go_dl.reset_requests()
    assert go_dl.index_fetches == 0


def test_server_status_overrides(go_dl: GoDownloadServer) -> None:
    archive = "/dl/go1.22.5.windows-amd64.zip"
    go_dl.set_status(archive, 503, times=1)
    with pytest.raises(urllib.error.HTTPError) as err:
        fetch(go_dl.url(archive))
    assert err.value.code == 503
    assert fetch(go_dl.url(archive)).startswith(b"PK")  # one failure only

    go_dl.set_status("/dl/?include=all&mode=json", 500)
    with pytest.raises(urllib.error.HTTPError) as err:
        fetch(go_dl.index_url)
    assert err.value.code == 500
    assert fetch_json(go_dl.stable_index_url)  # another query is unaffected
    go_dl.clear("/dl/?mode=json&include=all")
    assert fetch_json(go_dl.index_url)

    go_dl.set_status(archive, 404, body=b"gone")
    with pytest.raises(urllib.error.HTTPError) as err:
        fetch(go_dl.url(archive))
    assert err.value.code == 404
    go_dl.clear()
    assert fetch(go_dl.url(archive)).startswith(b"PK")


def test_server_unknown_path_is_404(go_dl: GoDownloadServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        fetch(go_dl.archive_url("go9.9.9.windows-amd64.zip"))
    assert err.value.code == 404


def test_server_serves_registered_files(go_dl: GoDownloadServer) -> None:
    url = go_dl.add_file("/files/tool.zip", b"PK\x05\x06" + b"\x00" * 18)
    assert fetch(url) == b"PK\x05\x06" + b"\x00" * 18
    go_dl.add_file("/files/tool.zip", b"replaced")
    assert fetch(url) == b"replaced"
    assert go_dl.count("/files/tool.zip") == 2


def test_server_truncated_download(go_dl: GoDownloadServer) -> None:
    name = "go1.22.5.windows-amd64.zip"
    go_dl.truncate("/dl/" + name, keep=100, times=1)
    with pytest.raises(http.client.IncompleteRead):
        fetch(go_dl.archive_url(name))
    assert len(fetch(go_dl.archive_url(name))) == go_dl.releases.windows_archive("go1.22.5")["size"]


def test_server_stops(tmp_path: Path) -> None:
    server = GoDownloadServer()
    with server:
        url = server.index_url
        assert fetch_json(url)
    with pytest.raises(urllib.error.URLError):
        fetch(url)


# --------------------------------------------------------- inventory + runner


def test_sim_inventory_is_a_valid_ansible_inventory(sim_inventory, tmp_path: Path) -> None:
    inv = sim_inventory(
        {"win-build-01": {"winops_role": "build"}, "win-svc-01": None},
        groups={"build_hosts": ["win-build-01"], "service_hosts": ["win-svc-01"]},
        common_vars={"ansible_winsim_faults": []},
    )
    assert inv.root("win-build-01") == tmp_path / "sim" / "hosts" / "win-build-01"
    assert inv.root("win-build-01") != inv.root("win-svc-01")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(inv), "--list"],
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    listing = json.loads(proc.stdout)
    hostvars = listing["_meta"]["hostvars"]
    assert hostvars["win-build-01"]["ansible_connection"] == SIM_CONNECTION
    assert hostvars["win-build-01"]["ansible_winsim_root"] == str(inv.root("win-build-01"))
    assert hostvars["win-build-01"]["winops_role"] == "build"
    assert hostvars["win-svc-01"]["ansible_winsim_faults"] == []
    assert listing["build_hosts"]["hosts"] == ["win-build-01"]
    assert listing["service_hosts"]["hosts"] == ["win-svc-01"]


def test_project_inventory_roots_follow_the_checkout() -> None:
    """inventories/simulated/hosts.yml puts each host's state under <repo>/.winsim/<host>."""
    repo = Path(__file__).resolve().parents[2]
    inventory = repo / "inventories" / "simulated" / "hosts.yml"
    hosts = ("win-build-01", "win-svc-01")
    expr = "{{ [" + ", ".join(f"hostvars['{h}'].ansible_winsim_root" for h in hosts) + "] }}"
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible"),
            "localhost",
            "-i",
            str(inventory),
            "-m",
            "ansible.builtin.debug",
            "-a",
            f"msg={expr}",
            "-o",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "ANSIBLE_CONFIG": str(repo / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.split("=>", 1)[1])
    assert result["msg"] == [str(repo / ".winsim" / host) for host in hosts]


def test_run_playbook_reports_tasks_and_recap(run_playbook, tmp_path: Path) -> None:
    inventory = tmp_path / "local.yml"
    inventory.write_text(LOCAL_INVENTORY)
    playbook = """\
- name: Harness play
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Set a fact
      ansible.builtin.set_fact:
        greeting: "hello {{ who }}"
        count: "{{ numbers | length }}"

    - name: Show it
      ansible.builtin.debug:
        msg: "{{ greeting }} x{{ count }} check={{ ansible_check_mode }}"

    - name: Skip me
      ansible.builtin.debug:
        msg: never
      when: false
"""
    run = run_playbook(playbook, inventory, extra_vars={"who": "world", "numbers": [1, 2, 3]})
    run.assert_ok()
    assert run.complete
    assert run.plays == ["Harness play"]
    tasks = run.tasks("localhost")
    assert [t.task for t in tasks] == ["Set a fact", "Show it", "Skip me"]
    fact = run.task("localhost", "Set a fact")
    assert fact.action == "ansible.builtin.set_fact"
    assert fact["ansible_facts"]["greeting"] == "hello world"
    show = run.task("localhost", "Show it")
    assert show.msg == "hello world x3 check=False"
    assert not show.changed and not show.failed and show.ok
    assert run.task("localhost", "Skip me").skipped
    assert run.stats["localhost"] == {
        "ok": 2,
        "changed": 0,
        "failures": 0,
        "unreachable": 0,
        "skipped": 1,
        "rescued": 0,
        "ignored": 0,
    }

    checked = run_playbook(playbook, inventory, extra_vars={"who": "x", "numbers": []}, check=True)
    checked.assert_ok()
    assert checked.task("localhost", "Show it").msg == "hello x x0 check=True"


def test_run_playbook_reports_failures(run_playbook, tmp_path: Path) -> None:
    inventory = tmp_path / "local.yml"
    inventory.write_text(LOCAL_INVENTORY)
    playbook = """\
- name: Failing play
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Tolerated failure
      ansible.builtin.fail:
        msg: not fatal
      ignore_errors: true

    - name: Fail on purpose
      ansible.builtin.fail:
        msg: the harness must see this

    - name: Never reached
      ansible.builtin.debug:
        msg: unreachable
"""
    run = run_playbook(playbook, inventory)
    assert run.rc == 2, run.output_tail()
    tolerated = run.task("localhost", "Tolerated failure")
    assert tolerated.failed and tolerated.ignored
    failed = run.task("localhost", "Fail on purpose")
    assert failed.failed and not failed.ignored
    assert failed.msg == "the harness must see this"
    assert failed.action == "ansible.builtin.fail"
    assert run.failed_tasks == [failed]
    assert "Never reached" not in [t.task for t in run.tasks("localhost")]
    assert run.stats["localhost"]["failures"] == 1
    assert run.stats["localhost"]["ignored"] == 1


def test_run_playbook_reports_diff_changes_and_warnings(run_playbook, tmp_path: Path) -> None:
    """A real module on localhost: changed, diff (with --diff) and module warnings come through."""
    project = tmp_path / "project"
    (project / "library").mkdir(parents=True)
    (project / "library" / "harness_warn.py").write_text(
        "from ansible.module_utils.basic import AnsibleModule\n"
        "m = AnsibleModule(argument_spec={'text': {'type': 'str'}})\n"
        "m.warn('careful: ' + m.params['text'])\n"
        "m.exit_json(changed=True, echoed=m.params['text'])\n"
    )
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    playbook = project / "site.yml"
    playbook.write_text(
        f"""\
- name: Module play
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Warn
      harness_warn:
        text: hi

    - name: Write a file
      ansible.builtin.copy:
        dest: {target}
        content: "new\\n"
        mode: "0644"
"""
    )
    inventory = tmp_path / "local.yml"
    inventory.write_text(LOCAL_INVENTORY)

    run = run_playbook(playbook, inventory, diff=True, check=True)
    run.assert_ok()
    warn = run.task("localhost", "Warn")
    # a module without check-mode support is skipped in check mode
    assert warn.skipped
    copy = run.task("localhost", "Write a file")
    assert copy.changed
    diffs = copy.diff if isinstance(copy.diff, list) else [copy.diff]
    assert any(d.get("before") == "old\n" and d.get("after") == "new\n" for d in diffs), copy.diff
    assert target.read_text() == "old\n"  # check mode wrote nothing

    run = run_playbook(playbook, inventory)
    run.assert_ok()
    warn = run.task("localhost", "Warn")
    assert warn.changed and warn["echoed"] == "hi"
    assert warn.warnings == ["careful: hi"]
    assert run.changed("localhost") == ["Warn", "Write a file"]
    assert target.read_text() == "new\n"
    assert run.stats["localhost"]["changed"] == 2


def test_run_playbook_without_results_still_reports_rc(run_playbook, tmp_path: Path) -> None:
    inventory = tmp_path / "local.yml"
    inventory.write_text(LOCAL_INVENTORY)
    run = run_playbook("- name: Broken\n  hosts: localhost\n  tasks: [oops]\n", inventory)
    assert run.rc != 0
    assert run.hosts == {}
    assert not run.complete
    assert "ERROR" in run.stderr or "ERROR" in run.stdout


def test_yaml_helpers_round_trip(tmp_path: Path) -> None:
    """The inventory writer emits plain YAML that safe_load reads back."""
    from support.playbooks import write_sim_inventory

    inv = write_sim_inventory(tmp_path, ["a", "b"], groups={"g": ["b"]})
    data = yaml.safe_load(inv.path.read_text())
    assert set(data["all"]["hosts"]) == {"a"}
    assert set(data["all"]["children"]["g"]["hosts"]) == {"b"}
    with pytest.raises(ValueError):
        write_sim_inventory(tmp_path / "x", ["a"], groups={"g": ["nope"]})
