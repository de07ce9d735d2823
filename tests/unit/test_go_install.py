"""Pure logic of win_go_install: options, layout, state file, reads and the plan."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import go_install_layout as gi_layout
from ansible_collections.winops.golang.plugins.module_utils import go_install_observe as gi_observe
from ansible_collections.winops.golang.plugins.module_utils import go_install_plan as gi_plan

ROOT = r"C:\Program Files\GoToolchains"
LAYOUT = gi_layout.Layout(ROOT)
SYSTEM_PATH = r"%SystemRoot%\system32;%SystemRoot%"
FACTS = {
    "architecture": "AMD64",
    "os": {"build": 20348},
    "dirs": {"program_files": r"C:\Program Files", "temp": r"C:\Windows\TEMP",
             "system_root": r"C:\Windows", "program_data": r"C:\ProgramData"},
    "user": {"localappdata": r"C:\Users\Administrator\AppData\Local",
             "profile": r"C:\Users\Administrator"},
}
SHA = "a" * 64
NOW = "2024-07-01T00:00:00Z"


def record(version: str, sha: str = SHA) -> dict[str, Any]:
    return {"version": version, "sha256": sha, "url": f"https://go.dev/dl/{version}.zip",
            "installed": NOW, "size": 10, "checksum_verified": True}


def state_read(versions: list[str] | None) -> dict[str, Any]:
    if versions is None:
        return {"op": "file.read", "changed": False, "exists": False}
    data = gi_layout.render_state({v: record(v) for v in versions})
    return {"op": "file.read", "changed": False, "exists": True, "size": len(data),
            "content_b64": base64.b64encode(data).decode(), "truncated": False}


def observed(
    *,
    recorded: list[str] | None = None,
    dirs: list[str] = (),
    current: str | None = None,
    path: str | None = SYSTEM_PATH,
    user_path: str | None = None,
    goroot: dict[str, str] | None = None,
    matches: list[dict[str, Any]] = (),
    msi: str | None = None,
    scope: str = "machine",
    layout: gi_layout.Layout = LAYOUT,
) -> gi_observe.Observed:
    reads = gi_observe.read_batch(layout, msi=gi_layout.MSI_GOROOT, verify_exe=None,
                                  verify="none", build_dir=None, with_facts=False)
    env: dict[str, dict[str, Any]] = {"machine": {}, "user": {}}
    if path is not None:
        env["machine"]["Path"] = {"value": path, "type": "REG_EXPAND_SZ"}
    if user_path is not None:
        env["user"]["Path"] = {"value": user_path, "type": "REG_EXPAND_SZ"}
    for scope_name, value in (goroot or {}).items():
        env[scope_name]["GOROOT"] = {"value": value, "type": "REG_SZ"}
    results: dict[str, dict[str, Any]] = {
        "state": state_read(recorded),
        "root": {"exists": bool(dirs) or current is not None,
                 "entries": [{"name": d, "type": "directory"} for d in dirs]},
        "current": ({"exists": True, "type": "junction", "target": current}
                    if current else {"exists": False}),
        "machine": {"vars": env["machine"]},
        "user": {"vars": env["user"]},
        "which": {"matches": list(matches)},
        "msi": ({"exists": True, "content_b64": base64.b64encode(msi.encode()).decode()}
                if msi else {"exists": False}),
    }
    ordered = [results[k] for k in sorted(reads.index, key=reads.index.get)]
    return gi_observe.observe(layout, scope, ordered, reads.index, msi=gi_layout.MSI_GOROOT)


def source(version: str) -> gi_plan.Source:
    return gi_plan.Source(version, f"{version}.windows-amd64.zip",
                          f"https://go.dev/dl/{version}.windows-amd64.zip", SHA, 100)


def ops(plan: gi_plan.Plan) -> list[str]:
    return [op["op"] for op in plan.ops]


def present(obs: gi_observe.Observed, version: str | None = None, src: gi_plan.Source | None = None,
            **kw: Any) -> gi_plan.Plan:
    kw.setdefault("activate", False)
    kw.setdefault("keep", None)
    kw.setdefault("fix_goroot", False)
    return gi_plan.plan_present(obs, version=version, source=src, facts=FACTS, now=NOW, **kw)


def vdir(name: str) -> str:
    return LAYOUT.version_dir(name)


# -- options ----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "mode"), [
    (False, "none"), (None, "none"), (True, "version"), ("true", "version"), ("yes", "version"),
    ("build", "build"), ("BUILD", "build"), ("no", "none"),
])
def test_verify_mode(value: Any, mode: str) -> None:
    assert gi_layout.verify_mode(value) == mode


@pytest.mark.parametrize("value", ["fast", 3, ["build"]])
def test_verify_mode_refuses(value: Any) -> None:
    with pytest.raises(ValueError, match="verify must be"):
        gi_layout.verify_mode(value)


def test_parse_checksum() -> None:
    assert gi_layout.parse_checksum("sha256:" + "AB" * 32) == "ab" * 32
    assert gi_layout.parse_checksum(" " + "cd" * 32) == "cd" * 32
    with pytest.raises(ValueError, match="only sha256"):
        gi_layout.parse_checksum("sha512:" + "ab" * 32)
    with pytest.raises(ValueError, match="64 hex"):
        gi_layout.parse_checksum("sha256:abc")


@pytest.mark.parametrize(("spec", "exact"), [
    ("1.22.5", True), ("go1.22.5", True), ("1.23rc1", True), ("go1.17beta1", True),
    ("1.22", False), ("go1.20", False), ("latest", False), (">=1.21,<1.23", False),
    ("1.22.x", False),
])
def test_is_exact_spec(spec: str, exact: bool) -> None:
    assert gi_layout.is_exact_spec(spec) is exact


def test_archive_names_and_urls() -> None:
    assert gi_layout.archive_name_info("go1.22.5.windows-amd64.zip") == ("go1.22.5", "amd64")
    assert gi_layout.archive_name_info("go1.24rc1.windows-arm64.zip") == ("go1.24rc1", "arm64")
    assert gi_layout.archive_name_info("go1.22.5.linux-amd64.tar.gz") is None
    assert gi_layout.url_basename("https://x/a/go1.22.5.windows-amd64.zip?sig=1") == \
        "go1.22.5.windows-amd64.zip"
    assert gi_layout.url_basename(r"\\fs01\golang\go1.22.5.windows-amd64.zip") == \
        "go1.22.5.windows-amd64.zip"
    name = "go1.22.5.windows-amd64.zip"
    assert gi_layout.archive_url(name, mirror=None, index_url=None) == "https://go.dev/dl/" + name
    assert gi_layout.archive_url(name, mirror="https://m/golang", index_url=None) == \
        "https://m/golang/" + name
    assert gi_layout.archive_url(name, mirror="\\\\fs01\\golang\\", index_url=None) == \
        "\\\\fs01\\golang\\" + name
    assert gi_layout.archive_url(name, mirror=None, index_url="http://h/dl/?mode=json") == \
        "http://h/dl/" + name


def test_default_root_and_checks() -> None:
    assert gi_layout.default_root("machine", FACTS) == ROOT
    assert gi_layout.default_root("user", FACTS) == \
        r"C:\Users\Administrator\AppData\Local\GoToolchains"
    assert gi_layout.check_root("c:/tools/go/") == r"c:\tools\go"
    for bad in (r"C:\Program Files\Go", "c:\\PROGRAM FILES\\go\\", r"C:\Program Files\Go\sdk",
                r"\\fs01\go", "C:\\", "relative\\dir", r"C:\%X%\go"):
        with pytest.raises(ValueError):
            gi_layout.check_root(bad)
    with pytest.raises(ValueError, match="MSI"):
        gi_layout.check_root(r"D:\Apps\Go", msi=r"D:\Apps\Go")


# -- the state file -------------------------------------------------------------------


def test_state_round_trip_and_damage() -> None:
    data = gi_layout.render_state({"go1.22.5": record("go1.22.5"), "go1.21.0": record("go1.21.0")})
    assert json.loads(data)["toolchains"][0]["version"] == "go1.21.0"
    read = {"exists": True, "content_b64": base64.b64encode(data).decode()}
    state = gi_layout.parse_state(read)
    assert sorted(state.records) == ["go1.21.0", "go1.22.5"]
    assert state.sha256 == hashlib.sha256(data).hexdigest() and state.error is None
    bad = gi_layout.parse_state(
        {"exists": True, "content_b64": base64.b64encode(b"{junk").decode()})
    assert bad.records == {} and bad.exists and "not readable" in (bad.error or "")
    assert gi_layout.parse_state({"exists": False}).exists is False


# -- observation ----------------------------------------------------------------------


def test_observed_installed_unverified_active() -> None:
    obs = observed(recorded=["go1.22.5", "go1.21.0"], dirs=["go1.22.5", "Go1.20", "junk"],
                   current=vdir("go1.22.5"))
    assert list(obs.installed) == ["go1.22.5"]
    assert obs.unverified == ["Go1.20"]
    assert obs.stale_records == ["go1.21.0"]
    assert obs.active == "go1.22.5"
    assert obs.find("go1.22.5") == "go1.22.5" and obs.find("go1.22.4") is None
    outside = observed(recorded=["go1.22.5"], dirs=["go1.22.5"], current=r"D:\go1.22.5")
    assert outside.active is None


# -- plan_present ---------------------------------------------------------------------


def test_fresh_install_order() -> None:
    plan = present(observed(), src=source("go1.22.5"))
    assert ops(plan) == ["file.mkdir", "file.download", "file.extract", "file.write",
                         "file.junction", "env.set", "file.remove"]
    extract = plan.ops[2]["args"]
    assert extract["expect_first_line"] == {"path": "VERSION", "line": "go1.22.5"}
    assert extract["strip_components"] == 1 and extract["dest"] == vdir("go1.22.5")
    assert plan.ops[1]["args"]["sha256"] == SHA
    assert plan.ops[3]["args"]["expected_sha256"] is None  # must not exist yet
    env = plan.ops[5]["args"]
    assert env["value"] == SYSTEM_PATH + ";" + LAYOUT.current_bin
    assert env["expected"] == SYSTEM_PATH
    assert plan.active_after == "go1.22.5" and plan.installed_after == ["go1.22.5"]
    assert [s["step"] for s in plan.steps] == ["download", "extract", "record", "activate",
                                               "path"]


def test_nothing_to_do_when_installed_active_and_on_path() -> None:
    obs = observed(recorded=["go1.22.5"], dirs=["go1.22.5"], current=vdir("go1.22.5"),
                   path=SYSTEM_PATH + ";" + LAYOUT.current_bin)
    plan = present(obs, version="go1.22.5", activate=True)
    assert plan.ops == [] and not plan.changed


def test_upgrade_without_active_keeps_the_old_one_active() -> None:
    obs = observed(recorded=["go1.22.0"], dirs=["go1.22.0"], current=vdir("go1.22.0"),
                   path=SYSTEM_PATH + ";" + LAYOUT.current_bin)
    plan = present(obs, src=source("go1.22.5"))
    assert "file.junction" not in ops(plan)
    assert plan.active_after == "go1.22.0"
    assert plan.installed_after == ["go1.22.0", "go1.22.5"]
    switched = present(obs, src=source("go1.22.5"), activate=True)
    assert ops(switched).index("file.write") < ops(switched).index("file.junction")
    assert "env.set" not in ops(switched)  # only the junction moves


def test_switch_back_is_only_a_junction() -> None:
    obs = observed(recorded=["go1.22.0", "go1.22.5"], dirs=["go1.22.0", "go1.22.5"],
                   current=vdir("go1.22.5"), path=SYSTEM_PATH + ";" + LAYOUT.current_bin)
    plan = present(obs, version="go1.22.0", activate=True)
    assert ops(plan) == ["file.junction"]
    assert plan.ops[0]["args"] == {"path": LAYOUT.current, "target": vdir("go1.22.0")}


def test_unverified_directory_is_replaced() -> None:
    obs = observed(recorded=[], dirs=["GO1.22.5"])
    plan = present(obs, src=source("go1.22.5"))
    assert ops(plan)[:4] == ["file.mkdir", "file.download", "file.remove", "file.extract"]
    assert plan.ops[2]["args"]["path"] == vdir("GO1.22.5")


def test_keep_prunes_oldest_but_never_the_active_or_the_new() -> None:
    obs = observed(recorded=["go1.21.0", "go1.22.0", "go1.23.0"],
                   dirs=["go1.21.0", "go1.22.0", "go1.23.0", "go1.19"],
                   current=vdir("go1.21.0"), path=LAYOUT.current_bin)
    plan = present(obs, src=source("go1.22.5"), keep=2)
    removed = [op["args"]["path"] for op in plan.ops if op["op"] == "file.remove"]
    # Newest two are 1.23.0 and 1.22.5; 1.21.0 stays because it is active; 1.22.0 goes, and
    # the unrecorded go1.19 directory too.
    assert vdir("go1.22.0") in removed and vdir("go1.19") in removed
    assert vdir("go1.21.0") not in removed
    assert plan.installed_after == ["go1.21.0", "go1.22.5", "go1.23.0"]
    # Activating the new one in the same task lets the old active one go.
    switched = present(obs, src=source("go1.22.5"), keep=2, activate=True)
    assert switched.installed_after == ["go1.22.5", "go1.23.0"]
    order = ops(switched)
    assert order.index("file.junction") < max(
        i for i, op in enumerate(switched.ops)
        if op["op"] == "file.remove" and op["args"]["path"] == vdir("go1.21.0"))


def test_keep_one_installing_an_older_version_keeps_it() -> None:
    obs = observed(recorded=["go1.23.0"], dirs=["go1.23.0"], current=vdir("go1.23.0"),
                   path=LAYOUT.current_bin)
    plan = present(obs, src=source("go1.22.5"), keep=1)
    assert plan.installed_after == ["go1.22.5", "go1.23.0"]


def test_path_goes_before_other_go_and_conflicts_are_reported() -> None:
    other = {"scope": "machine", "entry": r"C:\Program Files\Go\bin",
             "dir": r"C:\Program Files\Go\bin", "path": r"C:\Program Files\Go\bin\go.exe",
             "files": {"..\\VERSION": "go1.21.3\n"}}
    obs = observed(path=SYSTEM_PATH + r";C:\Program Files\Go\bin", matches=[other],
                   msi="go1.21.3\n")
    plan = present(obs, src=source("go1.22.5"))
    assert plan.path_after == SYSTEM_PATH + ";" + LAYOUT.current_bin + r";C:\Program Files\Go\bin"
    kinds = sorted(c["kind"] for c in plan.conflicts)
    assert kinds == ["msi", "path"]
    assert any("MSI" in w for w in plan.warnings)


def test_user_scope_warns_about_machine_go() -> None:
    layout = gi_layout.Layout(r"C:\Users\Administrator\AppData\Local\GoToolchains")
    other = {"scope": "machine", "entry": r"C:\tools\go\bin", "dir": r"C:\tools\go\bin",
             "path": r"C:\tools\go\bin\go.exe", "files": {"..\\VERSION": "go1.20"}}
    obs = observed(scope="user", layout=layout, user_path=None, matches=[other])
    plan = present(obs, src=source("go1.22.5"))
    env = [op for op in plan.ops if op["op"] == "env.set"][0]["args"]
    assert env["scope"] == "user" and env["expected"] is None
    assert env["value"] == layout.current_bin
    assert any("user-scope" in w for w in plan.warnings)


def test_goroot_reported_and_fixed() -> None:
    obs = observed(recorded=["go1.22.5"], dirs=["go1.22.5"], current=vdir("go1.22.5"),
                   path=LAYOUT.current_bin, goroot={"machine": r"C:\old\go",
                                                    "user": LAYOUT.current})
    plan = present(obs, version="go1.22.5")
    assert plan.ops == [] and plan.goroot["machine"]["conflict"] is True
    assert plan.goroot["user"]["conflict"] is False
    assert any("GOROOT" in w for w in plan.warnings)
    fixed = present(obs, version="go1.22.5", fix_goroot=True)
    assert fixed.ops == [{"op": "env.remove", "args": {"scope": "machine", "name": "GOROOT",
                                                       "expected": r"C:\old\go"}}]


def test_current_that_is_not_a_junction_is_refused() -> None:
    obs = observed()
    obs.current_kind = "directory"
    with pytest.raises(ValueError, match="not a junction"):
        present(obs, src=source("go1.22.5"))


# -- plan_absent ----------------------------------------------------------------------


def test_absent_removes_matching_non_active_versions() -> None:
    obs = observed(recorded=["go1.20.14", "go1.21.0", "go1.22.5"],
                   dirs=["go1.20.14", "go1.21.0", "go1.22.5"], current=vdir("go1.22.5"),
                   path=LAYOUT.current_bin)
    plan = gi_plan.plan_absent(obs, spec="<1.22", keep=None, fix_goroot=False, facts=FACTS)
    assert ops(plan) == ["file.write", "file.remove", "file.remove"]
    assert plan.installed_after == ["go1.22.5"] and plan.active_after == "go1.22.5"


def test_absent_of_the_active_one_needs_the_others_gone() -> None:
    obs = observed(recorded=["go1.21.0", "go1.22.5"], dirs=["go1.21.0", "go1.22.5"],
                   current=vdir("go1.22.5"), path=LAYOUT.current_bin)
    with pytest.raises(ValueError, match="activate one of them first"):
        gi_plan.plan_absent(obs, spec="1.22.5", keep=None, fix_goroot=False, facts=FACTS)
    full = gi_plan.plan_absent(obs, spec=">=1.0", keep=None, fix_goroot=False, facts=FACTS)
    assert ops(full) == ["env.set", "file.remove", "file.remove", "file.remove", "file.remove"]
    assert full.path_after == "" and full.active_after is None
    assert full.ops[-1]["args"]["path"] == LAYOUT.state_file


def test_absent_refuses_moving_targets_and_keep_only_prunes() -> None:
    obs = observed(recorded=["go1.21.0", "go1.22.5"], dirs=["go1.21.0", "go1.22.5"],
                   current=vdir("go1.21.0"), path=LAYOUT.current_bin)
    with pytest.raises(ValueError, match="latest"):
        gi_plan.plan_absent(obs, spec="latest", keep=None, fix_goroot=False, facts=FACTS)
    plan = gi_plan.plan_absent(obs, spec=None, keep=1, fix_goroot=False, facts=FACTS)
    assert plan.ops == []  # the newest is kept, and the active one is never pruned
    none = gi_plan.plan_absent(obs, spec="1.19", keep=None, fix_goroot=False, facts=FACTS)
    assert none.ops == [] and not none.changed


# -- verification ---------------------------------------------------------------------


def test_verify_ops_and_evaluation() -> None:
    exe = LAYOUT.go_exe(None)
    built = gi_observe.verify_ops(exe, "build", LAYOUT.verify_dir("t"))
    keys = [k for k, _op in built]
    assert keys[:2] == ["verify_version", "verify_goroot"] and keys[-1] == "build_cleanup"
    build_op = dict(built)["build"]["args"]
    assert build_op["env"]["GOTOOLCHAIN"] == "local" and build_op["cwd"] == LAYOUT.verify_dir("t")
    index = {k: i for i, k in enumerate(keys)}
    results: list[dict[str, Any]] = [{} for _k in keys]
    results[index["verify_version"]] = {"rc": 0, "stdout": "go version go1.22.5 windows/amd64\n"}
    results[index["verify_goroot"]] = {"rc": 0, "stdout": LAYOUT.current + "\n"}
    results[index["build_src_stat"]] = {"mtime": "2024-07-01T00:00:00.000000Z"}
    results[index["build"]] = {"rc": 0, "stdout": "", "stderr": ""}
    results[index["build_exe_stat"]] = {"mtime": "2024-07-01T00:00:01.500000Z"}
    results[index["build_run"]] = {"rc": 0, "stdout": "hello, world\r\n"}
    good = gi_observe.evaluate_verify(results, index, version="go1.22.5",
                                      goroots=[LAYOUT.current, vdir("go1.22.5")])
    assert good["ok"] is True and good["build"]["seconds"] == 1.5
    results[index["verify_version"]] = {"rc": 0, "stdout": "go version go1.22.4 windows/amd64"}
    results[index["verify_goroot"]] = {"rc": 0, "stdout": r"C:\Go" + "\n"}
    bad = gi_observe.evaluate_verify(results, index, version="go1.22.5",
                                     goroots=[LAYOUT.current])
    assert bad["ok"] is False and len(bad["problems"]) == 2
