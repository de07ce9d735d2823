"""Pure planning of win_actions_runner (module_utils/actions_runner_plan.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import actions_runner_plan as plan
from ansible_collections.winops.golang.plugins.module_utils.actions_runner import RunnerError

URL = "https://github.com/acme/app"
TOKEN = "AABBCCDDEEFF00112233445566"


def options(**extra: Any) -> plan.RunnerOptions:
    args: dict[str, Any] = {"url": URL, "github_token": "ghp_x", **extra}
    return plan.parse_options(args, "BUILD01")


def refused(message: str, **extra: Any) -> None:
    with pytest.raises(RunnerError) as err:
        options(**extra)
    assert message in str(err.value)


def observed(opts: plan.RunnerOptions, **state: Any) -> plan.Observed:
    """An Observed as the read batch would give it; a fresh host unless told otherwise."""
    base: dict[str, Any] = {
        "facts": {"hostname": "BUILD01"}, "folder_exists": False, "has_package": False,
        "runner_file": None, "labels": None, "record": {}, "service_file": None,
        "service": {"exists": False}, "key_values": {}, "environment": [],
        "machine_env": {"Path": {"value": "C:\\Windows\\system32;C:\\Windows",
                                 "type": "REG_EXPAND_SZ"}},
        "account_sid": "S-1-5-20",
    }
    base.update(state)
    return plan.Observed(**base)


def registered(opts: plan.RunnerOptions, labels: list[str], **state: Any) -> plan.Observed:
    runner_file = {"agentId": 3, "agentName": opts.spec.name, "poolName": "Default",
                   "gitHubUrl": opts.spec.url, "workFolder": "_work"}
    return observed(opts, folder_exists=True, has_package=True, runner_file=runner_file,
                    labels=labels, **state)


# -- options ------------------------------------------------------------------------


def test_defaults() -> None:
    opts = options()
    assert opts.state == "present" and opts.version == "latest"
    assert opts.service_name == "actions.runner.acme-app.BUILD01"
    assert opts.display_name == "GitHub Actions Runner (acme-app.BUILD01)"
    assert opts.image_path == '"C:\\actions-runner\\BUILD01\\bin\\RunnerService.exe"'
    assert opts.packages_dir == "C:\\actions-runner\\_packages"
    assert opts.environment == {"GOTOOLCHAIN": "local"}
    assert [a.type for a in opts.recovery.actions] == ["restart"] * 3
    assert opts.recovery.actions[0].delay_ms == 60000


def test_go_options_fill_the_service_environment() -> None:
    opts = options(go_cache="D:\\cache\\build", go_mod_cache="D:\\cache\\mod",
                   go_toolchain="go1.23.4+auto", environment={"CGO_ENABLED": 0})
    assert opts.environment == {"CGO_ENABLED": "0", "GOTOOLCHAIN": "go1.23.4+auto",
                                "GOCACHE": "D:\\cache\\build", "GOMODCACHE": "D:\\cache\\mod"}
    assert plan.directories(opts) == ["C:\\actions-runner\\BUILD01", "D:\\cache\\build",
                                      "D:\\cache\\mod"]


@pytest.mark.parametrize(("message", "extra"), [
    ("checksum must be a SHA-256", {"checksum": "abc"}),
    ("package_url may hold {version} and {filename}, not {arch}",
     {"package_url": "https://m/{arch}/x.zip"}),
    ("src needs a pinned version", {"src": "/tmp/runner.zip"}),
    ("older than", {"version": "2.300.0"}),
    ("not a runner version", {"version": "two"}),
    ("environment: set Path with its own option", {"environment": {"Path": "x"}}),
    ("environment: 'A B' is not a variable name", {"environment": {"A B": "x"}}),
    ("go_toolchain 'newest' must be", {"go_toolchain": "newest"}),
    ("must be a literal path", {"go_cache": "C:\\%USERNAME%\\go"}),
    ("start_mode must be one of", {"start_mode": "boot"}),
    ("timeout must be between", {"timeout": 5}),
    ("recovery.actions has 4 entries", {"recovery": {"actions": [{"type": "restart"}] * 4}}),
])
def test_bad_options_are_refused(message: str, extra: dict[str, Any]) -> None:
    refused(message, **extra)


def test_a_token_is_required_for_each_state() -> None:
    with pytest.raises(RunnerError, match="needs registration_token or github_token"):
        plan.parse_options({"url": URL}, "BUILD01")
    with pytest.raises(RunnerError, match="needs remove_token or github_token"):
        plan.parse_options({"url": URL, "state": "absent", "registration_token": TOKEN},
                           "BUILD01")


def test_long_service_names_are_shortened_the_same_way_every_time() -> None:
    name = "r" * 60
    opts = options(name=name, url="https://github.com/acme/" + "a" * 40)
    assert len(opts.service_name) == 80
    assert opts.service_name == options(name=name, url="https://github.com/acme/"
                                        + "a" * 40).service_name
    assert opts.service_name != options(name="r" * 59 + "s", url="https://github.com/acme/"
                                        + "a" * 40).service_name


# -- decisions ----------------------------------------------------------------------


def test_a_fresh_host_installs_and_registers() -> None:
    opts = options()
    decision = plan.decide(opts, observed(opts))
    assert (decision.install, decision.register) == (True, "configure")


def test_a_registered_runner_with_its_labels_needs_nothing() -> None:
    opts = options(labels=["go", "Big"])
    decision = plan.decide(opts, registered(opts, ["big", "GO"]))
    assert (decision.install, decision.register, decision.reasons) == (False, None, [])


def test_changed_labels_re_register_with_replace() -> None:
    opts = options(labels=["go", "big"])
    decision = plan.decide(opts, registered(opts, ["go"]))
    assert decision.register == "replace"
    assert decision.reasons == ["labels: go -> go, big"]


def test_a_folder_of_another_runner_is_refused() -> None:
    opts = options()
    seen = registered(options(url="https://github.com/acme/other"), [])
    with pytest.raises(RunnerError, match="holds runner 'BUILD01' of https://github.com/acme/"
                                          "other: remove that runner first"):
        plan.decide(opts, seen)


def test_a_folder_without_a_package_is_not_taken_over() -> None:
    opts = options()
    with pytest.raises(RunnerError, match="exists but holds no runner package"):
        plan.decide(opts, observed(opts, folder_exists=True))


def test_a_pinned_version_that_differs_warns() -> None:
    opts = options(version="2.330.0")
    decision = plan.decide(opts, registered(opts, [], record={"version": "2.329.0"}))
    assert decision.register is None
    assert "runs version 2.329.0, 2.330.0 was asked for" in decision.warnings[0]


# -- the service --------------------------------------------------------------------


def test_a_new_service_is_created_with_its_environment_and_started() -> None:
    opts = options(go_root="C:\\Go\\current")
    ops, _changes = plan.service_ops(opts, observed(opts), restart=True)
    names = [op for op, _args in ops]
    assert names == ["service.create", "service.set", "reg.set", "file.write", "service.control"]
    create = ops[0][1]
    assert create["account"] == "NT AUTHORITY\\NetworkService"
    assert create["path"] == opts.image_path and "password" not in create
    env = ops[2][1]["value"]
    assert "PATH=C:\\Go\\current\\bin;C:\\Windows\\system32;C:\\Windows" in env
    assert "GOTOOLCHAIN=local" in env
    assert ops[-1][1]["state"] == "started"


def _converged(opts: plan.RunnerOptions) -> plan.Observed:
    """A host where the service is exactly as ``opts`` want it."""
    fresh = observed(opts)
    env = plan.desired_environment(opts, fresh)
    ops, _changes = plan.service_ops(opts, fresh, restart=True)
    recovery = next(args["recovery"] for op, args in ops if op == "service.set")
    from ansible_collections.winops.golang.plugins.module_utils import service_recovery
    values = {name: {"type": kind, "value": value} for name, item in
              service_recovery.registry_values(service_recovery.decode(recovery)).items()
              if item for kind, value in [item]}
    return observed(
        opts, folder_exists=True, has_package=True, service_file=opts.service_name,
        record={"environment": sorted(env)}, key_values=values,
        environment=[f"{k}={v}" for k, v in env.items()],
        service={"exists": True, "state": "running", "start_mode": "auto",
                 "account": "NT AUTHORITY\\NetworkService", "path": opts.image_path,
                 "display_name": opts.display_name})


def test_a_converged_service_needs_no_op() -> None:
    opts = options(go_root="C:\\Go\\current")
    assert plan.service_ops(opts, _converged(opts), restart=False) == ([], [])


def test_a_new_environment_value_restarts_the_service() -> None:
    old = options(go_root="C:\\Go\\current")
    opts = options(go_root="C:\\Go\\current", go_toolchain="auto")
    ops, changes = plan.service_ops(opts, _converged(old), restart=False)
    assert [op for op, _a in ops] == ["reg.set", "service.control", "service.control"]
    assert "GOTOOLCHAIN=auto" in ops[0][1]["value"]
    assert changes == ["service environment GOTOOLCHAIN: set",
                       "service actions.runner.acme-app.BUILD01: restarted"]


def test_a_gmsa_gets_the_logon_right_and_the_folder_acl() -> None:
    opts = options(account="CONTOSO\\gmsa-runner$")
    seen = observed(opts, account_sid="S-1-5-21-1-2-3-1105", logon_holders=set())
    ops, changes = plan.prepare_ops(opts, seen)
    assert ("lsa.grant", {"right": "SeServiceLogonRight",
                          "account": "CONTOSO\\gmsa-runner$"}) in ops
    acl_set = next(args for op, args in ops if op == "acl.set")
    assert acl_set["path"] == "C:\\actions-runner\\BUILD01"
    assert any(ace["sid"] == "S-1-5-21-1-2-3-1105" for ace in acl_set["aces"])
    assert changes == ["SeServiceLogonRight: granted to CONTOSO\\gmsa-runner$"]


# -- reporting ----------------------------------------------------------------------


@pytest.mark.parametrize(("output", "message"), [
    ("A runner exists with the same name BUILD01.",
     "a runner named BUILD01 is already registered at https://github.com/acme/app: set replace"),
    ('Could not find any self-hosted runner group named "gpu".',
     "runner group 'gpu' does not exist"),
    (f"Http response code: NotFound from 'POST https://api.github.com/actions/"
     f"runner-registration' {TOKEN}", "GitHub refused the token given to config.cmd to register"),
    ("Runner version v2.300.0 is deprecated and cannot receive messages.",
     "GitHub refuses actions runner 2.300.0 as too old"),
    (f"something odd {TOKEN}", "config.cmd failed to register runner BUILD01 at "
                               "https://github.com/acme/app: 'cmd.exe' exited with code 1, not 0: "
                               "something odd ********"),
])
def test_config_failures_are_explained_without_the_token(output: str, message: str) -> None:
    text = plan.config_failure(options(), f"'cmd.exe' exited with code 1, not 0: {output}",
                               secrets=(TOKEN,))
    assert message in text
    assert TOKEN not in text


def test_records_hold_version_labels_and_managed_names() -> None:
    import base64
    opts = options(labels=["go"])
    ops = plan.record_ops(opts, "2.330.0", "ab" * 32, ["GOTOOLCHAIN", "PATH"])
    record = json.loads(base64.b64decode(ops[0][1]["content_b64"]))
    labels = json.loads(base64.b64decode(ops[1][1]["content_b64"]))
    assert record == {"version": "2.330.0", "sha256": "ab" * 32,
                      "environment": ["GOTOOLCHAIN", "PATH"]}
    assert labels["labels"] == ["go"] and labels["url"] == URL
