"""`make site`'s path end to end: playbooks/site.yml against a copy of
inventories/simulated/, with what the hosts download served by tools/site_mirror.py.

The copy lives in tmp_path, so the hosts' state (``<copy>/.winsim/<host>``, from
``inventory_dir`` as in the repository) and the mirror's files never touch the
repository's ``.winsim/``.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.playbooks import PlaybookRun

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import site_mirror  # noqa: E402

SITE = REPO / "playbooks" / "site.yml"
BUILD_HOSTS = ("win-build-01", "win-build-02")
SERVICE_HOSTS = ("win-svc-01", "win-svc-02")
SERVICES = {"orders-api": 8080, "billing-api": 8081}
GO_ROOT = "C:\\Program Files\\GoToolchains"
RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)"
    r"\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)", re.M)


def op(host: SimHost, op_name: str, **args: Any) -> dict[str, Any]:
    batch = {"ops": [{"op": op_name, "args": args}], "check_mode": False}
    return host.run_batch(batch)["results"][0]


def recap(run: PlaybookRun) -> dict[str, dict[str, int]]:
    """The PLAY RECAP lines ansible-playbook printed, by host."""
    assert "PLAY RECAP" in run.stdout, run.output_tail()
    text = run.stdout.split("PLAY RECAP", 1)[1]
    return {m["host"]: {k: int(m[k]) for k in ("ok", "changed", "unreachable", "failed")}
            for m in RECAP_LINE.finditer(text)}


def toolchains(run: PlaybookRun, host: str) -> list[str]:
    """The Go versions the final report play found installed on ``host``."""
    facts = run.task(host, "Gather Go environment facts")["ansible_facts"]["winops_go"]
    return [tc["version"] for tc in facts["toolchains"]]


def test_site_converges_the_simulated_fleet_then_changes_nothing(
    tmp_path: Path, run_playbook: Callable[..., PlaybookRun],
) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "inventories" / "simulated", site / "inventories" / "simulated")
    inventory = site / "inventories" / "simulated" / "hosts.yml"
    hosts = BUILD_HOSTS + SERVICE_HOSTS

    # Two mirrors one after the other, as two `make site` runs start them: the second
    # serves the same files on another port.
    with site_mirror.SiteMirror(site / ".winsim" / "mirror") as mirror:
        first_url = mirror.url
        first = run_playbook(SITE, inventory, extra_vars=mirror.extra_vars()).assert_ok()
    with site_mirror.SiteMirror(site / ".winsim" / "mirror") as mirror:
        assert mirror.written == 0 and mirror.url != first_url
        second = run_playbook(SITE, inventory, extra_vars=mirror.extra_vars()).assert_ok()

    # Every host converged on the first run, and the recap printed says so.
    printed = recap(first)
    assert set(printed) == set(hosts)
    for host in hosts:
        assert first.stats[host]["failures"] == 0 and first.stats[host]["unreachable"] == 0
        assert printed[host]["changed"] > 0 and printed[host]["failed"] == 0, printed
        assert (site / ".winsim" / host).is_dir()  # the copy's state directory, from inventory_dir

    for host in BUILD_HOSTS:
        sim = SimHost(str(site / ".winsim" / host))
        install = first.task(host, "Install and activate Go 1.23")
        assert install["active_version"].startswith("1.23."), install.result
        minors = sorted(v.rsplit(".", 1)[0] for v in install["installed_versions"])
        assert minors == ["1.22", "1.23"], install.result
        assert [v.rsplit(".", 1)[0] for v in toolchains(first, host)] == ["1.23"]  # the active one
        assert sim.read_file(GO_ROOT + "\\current\\bin\\go.exe") is not None
        runner = op(sim, "service.get",
                    name=f"actions.runner.example-org-go-services.{host.upper()}")
        assert runner["exists"] and runner["state"] == "running", runner
        assert runner["account"].lower().replace(" ", "") == "ntauthority\\networkservice"
        result = first.task(host, "Set up the GitHub Actions runners")
        assert result["results"][0]["version"] == site_mirror.RUNNER_VERSION
        assert result["results"][0]["registered"] is True

    for host in SERVICE_HOSTS:
        sim = SimHost(str(site / ".winsim" / host))
        assert [v.rsplit(".", 1)[0] for v in toolchains(first, host)] == ["1.23"]
        tuned = first.task(host, "Apply TCP tuning profile high_concurrency_server")
        assert tuned.changed
        deployed = first.task(host, "Deploy the Go services")["results"]
        assert [r["name"] for r in deployed] == list(SERVICES)
        for (name, port), result in zip(SERVICES.items(), deployed, strict=True):
            assert result["status"] == "running" and result["release"] == "1.0.0", result
            assert result["health"]["ok"] is True
            service = op(sim, "service.get", name=name)
            assert service["exists"] and service["state"] == "running", service
            assert service["path"] == (
                f'"C:\\Services\\{name}\\current\\{site_mirror.SERVICE_PROGRAM}" '
                f"-addr 127.0.0.1:{port}")
            probe = op(sim, "net.probe", http_url=f"http://127.0.0.1:{port}/healthz", timeout=1)
            assert probe["ok"] and probe["http_status"] == 200, probe

    # The second run finds nothing to do anywhere, although the mirror's URLs changed:
    # the hosts compare versions and checksums.
    again = recap(second)
    assert set(again) == set(hosts)
    for host in hosts:
        assert again[host]["changed"] == 0 and again[host]["failed"] == 0, again
        assert second.stats[host]["changed"] == 0
        assert second.changed(host) == []
