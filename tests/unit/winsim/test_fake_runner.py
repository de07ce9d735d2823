"""The fake GitHub Actions runner (Runner.Listener.exe behind config.cmd) through exec ops."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import actions_runner as ar
from ansible_collections.winops.golang.plugins.plugin_utils.winsim import fake_runner
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

TOKEN = "AAQ6ZEQHFMACQJNNSFGC23YLHOAP7W"
URL = "https://github.com/acme/app"
TAKEN = "A runner exists with the same name"
NO_TOKEN = "Invalid configuration provided for token. Terminating unattended configuration.\r\n"


@pytest.fixture
def runner(host: SimHost) -> ar.RunnerSpec:
    """A spec for ``URL`` named WIN1 whose package (2.321.0) is unpacked in its folder."""
    s = ar.parse_runner_spec({"url": URL, "labels": ["go"]}, "WIN1")
    for rel, data in fake_runner.package_files("2.321.0").items():
        host.write_file(s.folder + "\\" + rel, data)
    return s


def exec_op(host: SimHost, arguments: str, env: dict[str, str] | None = None,
            cwd: str | None = None, executable: str = "cmd.exe",
            timeout: float = 300) -> dict[str, Any]:
    """Run one exec op; its result, or the failed_op record."""
    args: dict[str, Any] = {"executable": executable, "arguments": arguments,
                            "env": env or {}, "timeout": timeout}
    if cwd:
        args["cwd"] = cwd
    res = host.run_batch({"ops": [{"op": "exec", "args": args}], "check_mode": False})
    return res["failed_op"] or res["results"][0]


def arguments(s: ar.RunnerSpec, service: bool) -> list[str]:
    """config.cmd's arguments; ``service``: with the runner's own service installer, which
    the fake models although the module installs services itself."""
    extra = ["--runasservice", "--windowslogonaccount", s.account.object_name] if service else []
    return ar.config_arguments(s) + extra


def configure(host: SimHost, s: ar.RunnerSpec, token: str | None = TOKEN,
              service: bool = False) -> dict[str, Any]:
    env = ar.config_environment(token) if token else {}
    return exec_op(host, ar.cmd_arguments(arguments(s, service)), env, s.folder)


def remove(host: SimHost, s: ar.RunnerSpec, token: str | None = TOKEN) -> dict[str, Any]:
    env = ar.config_environment(token) if token else {}
    return exec_op(host, ar.cmd_arguments(ar.remove_arguments()), env, s.folder)


def runs(host: SimHost, s: ar.RunnerSpec) -> list[dict[str, Any]]:
    data = host.read_file(s.folder + "\\" + fake_runner.RECORD)
    assert data is not None
    return json.loads(data)["runs"]


def server(host: SimHost) -> dict[str, Any]:
    data = host.read_file(fake_runner.SERVER_STATE)
    return json.loads(data) if data else {}


def test_configure_writes_runner_file_with_bom(host: SimHost, runner: ar.RunnerSpec) -> None:
    res = configure(host, runner)
    assert (res["rc"], res["stderr"]) == (0, "")
    assert "\u221a Runner successfully added\r\n" in res["stdout"]
    assert res["stdout"].endswith("\u221a Settings Saved.\r\n")
    raw = host.read_file(runner.folder + "\\.runner")
    assert raw is not None and raw.startswith(b"\xef\xbb\xbf{\r\n  \"agentId\": 1,")
    data = ar.parse_runner_file(raw)
    assert list(data) == ["agentId", "agentName", "poolId", "poolName", "serverUrl",
                          "gitHubUrl", "workFolder"]
    assert (data["agentName"], data["poolName"], data["gitHubUrl"], data["workFolder"]) == \
        ("WIN1", "Default", URL, "_work")
    assert data["serverUrl"].startswith("https://pipelinesghubeus1.actions.githubusercontent.")
    assert ar.is_configured_as(data, runner)
    assert host.read_file(runner.folder + "\\.credentials") is not None
    assert server(host)[URL]["runners"]["win1"]["labels"] == ["go"]


def test_token_travels_only_in_the_environment(host: SimHost, runner: ar.RunnerSpec) -> None:
    configure(host, runner)
    run = runs(host, runner)[-1]
    assert run["command"] == "configure" and run["rc"] == 0
    assert run["arguments"] == ["configure"] + ar.config_arguments(runner)
    assert all(TOKEN not in a for a in run["arguments"])
    assert run["env_names"] == ["ACTIONS_RUNNER_INPUT_TOKEN"]
    assert run["token_source"] == "environment"
    assert run["token_sha256"] == hashlib.sha256(TOKEN.encode()).hexdigest()
    assert TOKEN.encode() not in host.read_file(runner.folder + "\\" + fake_runner.RECORD)


def test_a_token_argument_is_recorded_as_such(host: SimHost, runner: ar.RunnerSpec) -> None:
    res = exec_op(host, ar.cmd_arguments(ar.config_arguments(runner) +
                                         ["--token", TOKEN]), cwd=runner.folder)
    assert res["rc"] == 0
    assert runs(host, runner)[-1]["token_source"] == "argument"


def test_configure_without_token_is_refused(host: SimHost, runner: ar.RunnerSpec) -> None:
    res = configure(host, runner, token=None)
    assert (res["rc"], res["stderr"]) == (1, NO_TOKEN)
    assert host.read_file(runner.folder + "\\.runner") is None
    assert runs(host, runner)[-1]["token_source"] is None


def test_without_unattended_the_prompt_waits(host: SimHost, runner: ar.RunnerSpec) -> None:
    res = exec_op(host, "/c config.cmd --url " + URL, cwd=runner.folder, timeout=60)
    assert res["code"] == "timeout"


def test_configured_folder_is_refused(host: SimHost, runner: ar.RunnerSpec) -> None:
    configure(host, runner)
    res = configure(host, runner)
    assert res["rc"] == 1
    assert res["stderr"] == ("Cannot configure the runner because it is already configured. "
                             "To reconfigure the runner, run 'config.cmd remove' or "
                             "'./config.sh remove' first.\r\n")


def test_name_taken_then_replace(host: SimHost, runner: ar.RunnerSpec) -> None:
    host.write_file(fake_runner.SERVER_STATE, json.dumps({URL: {
        "groups": ["Default"], "next_id": 8,
        "runners": {"win1": {"id": 7, "name": "WIN1", "labels": []}}}}).encode())
    res = configure(host, runner)
    assert res["rc"] == 1 and TAKEN + "\r\n" in res["stdout"]
    assert res["stderr"] == TAKEN + " WIN1.\r\n"
    assert host.read_file(runner.folder + "\\.runner") is None
    again = ar.parse_runner_spec({"url": URL, "labels": ["go"], "replace": True}, "WIN1")
    res = configure(host, again)
    assert res["rc"] == 0 and "\u221a Successfully replaced the runner\r\n" in res["stdout"]
    data = ar.parse_runner_file(host.read_file(runner.folder + "\\.runner") or b"")
    assert data["agentId"] == 7
    assert server(host)[URL]["runners"]["win1"]["labels"] == ["go"]


def test_name_taken_from_another_folder(host: SimHost, runner: ar.RunnerSpec) -> None:
    assert configure(host, runner)["rc"] == 0
    other = ar.parse_runner_spec({"url": URL.upper().replace("HTTPS", "https"),
                                  "name": "win1", "folder": "C:\\runners\\b"}, "WIN1")
    for rel, data in fake_runner.package_files("2.321.0").items():
        host.write_file(other.folder + "\\" + rel, data)
    res = configure(host, other)
    assert res["rc"] == 1 and res["stderr"] == TAKEN + " win1.\r\n"


def test_unknown_runner_group(host: SimHost, runner: ar.RunnerSpec) -> None:
    s = ar.parse_runner_spec({"url": "https://github.com/acme", "runner_group": "gpu",
                              "folder": runner.folder}, "WIN1")
    res = configure(host, s)
    assert (res["rc"], res["stderr"]) == (
        1, "Could not find any self-hosted runner group named \"gpu\".\r\n")
    host.write_file(fake_runner.SERVER_STATE, json.dumps(
        {"https://github.com/acme": {"groups": ["Default", "GPU"]}}).encode())
    assert configure(host, s)["rc"] == 0
    data = ar.parse_runner_file(host.read_file(s.folder + "\\.runner") or b"")
    assert data["poolName"] == "GPU"


def test_run_as_service_writes_the_service_file(host: SimHost,
                                                runner: ar.RunnerSpec) -> None:
    res = configure(host, runner, service=True)
    assert res["rc"] == 0
    assert "Granting file permissions to 'NT AUTHORITY\\NetworkService'.\r\n" in res["stdout"]
    name = ar.parse_service_file(host.read_file(runner.folder + "\\.service"))
    assert name == "actions.runner.acme-app.WIN1"
    assert runs(host, runner)[-1]["run_as_service"] is True


def test_user_account_password_from_the_environment(host: SimHost,
                                                    runner: ar.RunnerSpec) -> None:
    s = ar.parse_runner_spec({"url": URL, "account": "CORP\\builder", "password": "pw!1"},
                             "WIN1")
    no_password = exec_op(host, ar.cmd_arguments(arguments(s, True)),
                          ar.config_environment(TOKEN), s.folder)
    assert no_password["stderr"] == ("Invalid configuration provided for windowslogonpassword. "
                                     "Terminating unattended configuration.\r\n")
    remove(host, s)
    res = exec_op(host, ar.cmd_arguments(arguments(s, True)),
                  {**ar.config_environment(TOKEN),
                   "ACTIONS_RUNNER_INPUT_WINDOWSLOGONPASSWORD": s.password or ""}, s.folder)
    assert res["rc"] == 0
    run = runs(host, s)[-1]
    assert run["password_source"] == "environment"
    assert run["env_names"] == ["ACTIONS_RUNNER_INPUT_TOKEN",
                                "ACTIONS_RUNNER_INPUT_WINDOWSLOGONPASSWORD"]
    assert all("pw!1" not in a for a in run["arguments"])


def test_remove_frees_the_name(host: SimHost, runner: ar.RunnerSpec) -> None:
    configure(host, runner, service=True)
    res = remove(host, runner)
    assert res["rc"] == 0
    assert res["stdout"].endswith("\u221a Runner removed successfully\r\n"
                                  "\u221a Removed .credentials\r\n\u221a Removed .runner\r\n")
    assert "\u221a Runner service removed\r\n" in res["stdout"]
    for name in (".runner", ".credentials", ".service"):
        assert host.read_file(runner.folder + "\\" + name) is None
    assert server(host)[URL]["runners"] == {}
    run = runs(host, runner)[-1]
    assert (run["command"], run["arguments"], run["token_source"]) == \
        ("remove", ["configure", "remove", "--unattended"], "environment")
    assert configure(host, runner)["rc"] == 0


def test_remove_needs_a_token(host: SimHost, runner: ar.RunnerSpec) -> None:
    configure(host, runner)
    res = remove(host, runner, token=None)
    assert (res["rc"], res["stderr"]) == (1, NO_TOKEN)
    assert host.read_file(runner.folder + "\\.runner") is not None


def test_remove_of_an_unconfigured_folder(host: SimHost, runner: ar.RunnerSpec) -> None:
    res = remove(host, runner, token=None)
    assert res["rc"] == 0
    assert "Cannot connect to server, because config files are missing." in res["stdout"]
    assert res["stdout"].endswith("Does not exist. Skipping Removing .credentials\r\n"
                                  "Does not exist. Skipping Removing .runner\r\n")


def test_version(host: SimHost, runner: ar.RunnerSpec) -> None:
    res = exec_op(host, "--version", executable=runner.folder + "\\" + ar.LISTENER)
    assert (res["rc"], res["stdout"]) == (0, "2.321.0\r\n")


def test_labels_are_a_case_insensitive_set(host: SimHost, runner: ar.RunnerSpec) -> None:
    res = exec_op(host, "/c config.cmd --unattended --url " + URL + " --labels go,GPU,Go,,gpu",
                  ar.config_environment(TOKEN), runner.folder)
    assert res["rc"] == 0
    assert server(host)[URL]["runners"]["win1"]["labels"] == ["go", "GPU"]


def test_an_expired_token_fails_as_github_answers_it(host: SimHost,
                                                     runner: ar.RunnerSpec) -> None:
    host.write_file(fake_runner.SERVER_STATE, json.dumps(
        {"refused_tokens": [hashlib.sha256(TOKEN.encode()).hexdigest()]}).encode())
    res = configure(host, runner)
    assert res["rc"] == 1
    assert res["stderr"].startswith("Http response code: NotFound from 'POST "
                                    "https://api.github.com/actions/runner-registration'")
    assert host.read_file(runner.folder + "\\.runner") is None
    assert configure(host, runner, token=TOKEN + "X")["rc"] == 0
