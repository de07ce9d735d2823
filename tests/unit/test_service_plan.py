"""win_go_service planning: the ops each batch sends, from a spec and what the host holds."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import acl, service_recovery
from ansible_collections.winops.golang.plugins.module_utils.service_observe import (
    observe,
    owned_directories,
    parse_record,
    read_ops,
)
from ansible_collections.winops.golang.plugins.module_utils.service_plan import (
    image_path,
    plan_control,
    plan_service,
    probe_op,
    rollback_ops,
)
from ansible_collections.winops.golang.plugins.module_utils.service_release import (
    ReleaseConflict,
)
from ansible_collections.winops.golang.plugins.module_utils.service_spec import parse_spec

ROOT = "C:\\Services\\api"
SHA = "ab" * 32
BASE = {"name": "api", "binary": "C:\\build\\api.exe", "root": ROOT, "version": "1.0.0",
        "arguments": ["-addr", "127.0.0.1:8080", "C:\\Program Files\\cfg\\"]}


def spec(**given: Any):
    return parse_spec({**BASE, **given})


def seen_from(parsed: Any, **results: dict[str, Any]):
    """Observed from read results; reads not given come back as 'absent'."""
    reads = read_ops(parsed, binary_is_host_file=True)
    defaults: dict[str, dict[str, Any]] = {
        "service": {"exists": False}, "key": {"key_exists": False, "values": {}},
        "record": {"exists": False}, "current": {"exists": False},
        "binary": {"exists": True, "sha256": SHA},
    }
    out = [results.get(key, defaults.get(key, {"exists": False})) for key in reads]
    return observe(parsed, list(reads), out)


def record(current: str, *names: str, sha: str = SHA) -> dict[str, Any]:
    data = {"current": current, "previous": None,
            "releases": [{"name": n, "sha256": sha, "deployed": f"2026-01-0{i + 1}T00:00:00Z"}
                         for i, n in enumerate(names)]}
    raw = json.dumps(data).encode()
    return {"exists": True, "content_b64": base64.b64encode(raw).decode()}


def test_image_path_always_quotes_the_program() -> None:
    assert image_path(spec()) == (
        '"C:\\Services\\api\\current\\api.exe" -addr 127.0.0.1:8080 '
        '"C:\\Program Files\\cfg\\\\"')
    assert image_path(spec(arguments=[])) == '"C:\\Services\\api\\current\\api.exe"'
    assert image_path(spec(mode="winsw", winsw_exe="C:\\tools\\WinSW.exe")) == (
        '"C:\\Services\\api\\api.exe"')


def test_a_fresh_host_gets_everything_in_order() -> None:
    parsed = spec(health_check={"tcp_port": 8080})
    plan = plan_service(parsed, seen_from(parsed), sha256=SHA)
    assert plan.release == "1.0.0" and plan.new_release
    assert [op for op, _args in plan.stage] == ["file.mkdir", "file.download"]
    assert plan.stage[1][1] == {"url": "C:\\build\\api.exe",
                                "dest": ROOT + "\\releases\\1.0.0\\api.exe", "sha256": SHA}
    assert [op for op, _args in plan.apply] == [
        "file.mkdir", "acl.set", "service.create", "file.junction", "file.write",
        "service.control"]
    create = plan.apply[2][1]
    assert create["account"] == "NT SERVICE\\api" and create["start_mode"] == "auto"
    aces = {a["sid"] for a in plan.apply[1][1]["aces"]}
    assert aces == {acl.service_sid("api"), acl.SYSTEM, acl.ADMINISTRATORS}
    assert plan.start and not plan.stop and plan.probe
    assert probe_op(parsed) == ("net.probe", {"timeout": 30, "tcp_port": 8080})
    written = json.loads(base64.b64decode(plan.apply[4][1]["content_b64"]))
    assert written["current"] == "1.0.0" and written["previous"] is None


def test_a_converged_service_plans_nothing() -> None:
    parsed = spec()
    current = {"exists": True, "type": "junction", "target": ROOT + "\\releases\\1.0.0"}
    service = {"exists": True, "path": image_path(parsed), "display_name": "api",
               "account": "NT SERVICE\\api", "start_mode": "auto", "state": "running"}
    values = {name: {"type": kind, "value": value} for name, (kind, value) in
              {k: v for k, v in service_recovery.registry_values(parsed.recovery).items()
               if v is not None}.items()}
    seen = seen_from(parsed, service=service, key={"key_exists": True, "values": values},
                     record=record("1.0.0", "1.0.0"), current=current,
                     **{"dir0.stat": {"exists": True, "type": "directory"},
                        "dir0.acl": acl.account_directory_acl(
                            acl.service_sid("api")).to_doc()})
    plan = plan_service(parsed, seen, sha256=SHA)
    assert plan.changes == [] and plan.apply == [] and plan.stage == []


def test_a_new_version_switches_prunes_and_restarts() -> None:
    parsed = spec(version="1.3.0", keep_releases=2)
    service = {"exists": True, "path": image_path(parsed), "display_name": "api",
               "account": "NT SERVICE\\api", "start_mode": "auto", "state": "running"}
    seen = seen_from(parsed, service=service, record=record("1.2.0", "1.0.0", "1.1.0", "1.2.0"),
                     current={"exists": True, "type": "junction",
                              "target": ROOT + "\\releases\\1.2.0"},
                     **{"dir0.stat": {"exists": True, "type": "directory"}})
    plan = plan_service(parsed, seen, sha256="cd" * 32)
    ops = [op for op, _args in plan.apply]
    assert ops[0] == "service.control" and plan.apply[0][1]["state"] == "stopped"
    assert ops[-1] == "service.control" and plan.apply[-1][1]["state"] == "started"
    removed = [args["path"] for op, args in plan.apply if op == "file.remove"]
    assert removed == [ROOT + "\\releases\\1.0.0", ROOT + "\\releases\\1.1.0"]
    assert plan.record is not None and plan.record.previous == "1.2.0"
    assert "current: 1.2.0 -> 1.3.0" in plan.changes and "service: restarted" in plan.changes


def test_a_version_cannot_change_its_binary() -> None:
    parsed = spec()
    seen = seen_from(parsed, record=record("1.0.0", "1.0.0"))
    with pytest.raises(ReleaseConflict, match="release '1.0.0' already exists with another"):
        plan_service(parsed, seen, sha256="cd" * 32)


def test_control_only_and_rollback() -> None:
    only = parse_spec({"name": "api", "state": "restarted"})
    assert only.control_only
    with pytest.raises(ValueError, match="service api does not exist: give binary"):
        plan_control(only, seen_from(only))
    running = seen_from(only, service={"exists": True, "state": "running"})
    assert [a["state"] for _op, a in plan_control(only, running).apply] == ["stopped", "started"]
    parsed = spec(health_check={"http_url": "http://127.0.0.1:8080/healthz"})
    plan = plan_service(parsed, seen_from(parsed), sha256=SHA)
    assert plan.record is not None
    ops, back = rollback_ops(parsed, plan.record, "0.9.0", start=False)
    assert [op for op, _args in ops] == ["service.control", "file.junction", "file.write"]
    assert back.current == "0.9.0" and back.previous == "1.0.0"
    ops = rollback_ops(parsed, plan.record, "0.9.0")[0]
    assert ops[-1] == ("net.probe", {"timeout": 30, "http_url": "http://127.0.0.1:8080/healthz"})


def test_an_unreadable_record_counts_as_empty() -> None:
    broken = parse_record({"exists": True, "content_b64": base64.b64encode(b"{nope").decode()})
    assert broken.releases == [] and broken.current is None and broken.sha256 is not None
    assert parse_record({"exists": False}).sha256 is None


def test_the_log_directory_is_owned_when_it_is_not_under_the_root() -> None:
    inside = spec(mode="winsw", winsw_exe="C:\\tools\\WinSW.exe")
    assert owned_directories(inside) == [ROOT]
    outside = spec(mode="winsw", winsw_exe="C:\\tools\\WinSW.exe",
                   log={"directory": "D:\\logs\\api"})
    assert owned_directories(outside) == [ROOT, "D:\\logs\\api"]
    plan = plan_service(outside, seen_from(outside), sha256=SHA)
    acl_paths = [args["path"] for op, args in plan.apply if op == "acl.set"]
    assert acl_paths == [ROOT, "D:\\logs\\api"]
