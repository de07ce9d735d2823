"""Pure logic of GitHub Actions self-hosted runners (module_utils/actions_runner.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import actions_runner as ar
from ansible_collections.winops.golang.plugins.module_utils.github_runner_api import parse_scope
from ansible_collections.winops.golang.plugins.module_utils.winargv import split_command_line

TOKEN = "AABBCCDDEEFF0011223344556677"


def spec(**options: Any) -> ar.RunnerSpec:
    """A spec for https://github.com/acme/app on host WIN1, with ``options`` on top."""
    return ar.parse_runner_spec({"url": "https://github.com/acme/app", **options}, "WIN1")


def refused(message: str, **options: Any) -> None:
    with pytest.raises(ar.RunnerError) as err:
        spec(**options)
    assert str(err.value) == message


# -- options ------------------------------------------------------------------------


def test_defaults() -> None:
    s = spec()
    assert (s.url, s.scope, s.name, s.labels, s.runner_group, s.work) == \
        ("https://github.com/acme/app", "repository", "WIN1", (), None, "_work")
    assert (s.ephemeral, s.disable_update, s.replace) == (False, False, False)
    assert s.folder == "C:\\actions-runner\\WIN1"
    assert s.account.object_name == "NT AUTHORITY\\NetworkService"
    assert s.password is None


@pytest.mark.parametrize(("url", "normal", "scope"), [
    ("https://github.com/acme/app/", "https://github.com/acme/app", "repository"),
    ("https://GitHub.com/acme/app.git", "https://github.com/acme/app", "repository"),
    ("https://github.com/acme", "https://github.com/acme", "organization"),
    ("https://github.com/enterprises/big", "https://github.com/enterprises/big", "enterprise"),
    ("https://ghes.corp.example:8443/Team/Tools", "https://ghes.corp.example:8443/Team/Tools",
     "repository"),
])
def test_url_forms(url: str, normal: str, scope: str) -> None:
    assert ar.parse_url(url) == (normal, scope)


@pytest.mark.parametrize(("url", "message"), [
    ("http://github.com/acme/app", "url 'http://github.com/acme/app' must start with https://"),
    ("https://github.com/a/b/c", "url 'https://github.com/a/b/c' should point to an org or "
     "repository (https://<host>/<org>, /<owner>/<repo> or /enterprises/<name>)"),
    ("https://github.com/", "url 'https://github.com/' should point to an org or repository "
     "(https://<host>/<org>, /<owner>/<repo> or /enterprises/<name>)"),
    ("https://x:y@github.com/acme", "url 'https://x:y@github.com/acme' must be "
     "https://<host>/<owner>[/<repo>] without credentials, query or fragment"),
])
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ar.RunnerError) as err:
        ar.parse_url(url)
    assert str(err.value) == message


def test_missing_url() -> None:
    with pytest.raises(ar.RunnerError, match="^url is required"):
        ar.parse_runner_spec({}, "WIN1")


def test_name_rules() -> None:
    assert spec(name="build-01.go_x").name == "build-01.go_x"
    assert spec(name="a" * 64).name == "a" * 64
    refused(f"name '{'a' * 65}' is 65 characters; GitHub allows runner names of at most 64",
            name="a" * 65)
    refused("name 'my runner' may only contain letters, digits, '.', '_' and '-' (it becomes "
            "part of a Windows service name)", name="my runner")


def test_labels_drop_defaults_and_duplicates_case_insensitively() -> None:
    s = spec(labels=["go", "SELF-HOSTED", "windows", "x64", "Go", "gpu"])
    assert s.labels == ("go", "gpu")
    refused("labels must be a list of strings", labels="go,gpu")
    refused("label 'a,b' must not contain commas or white space", labels=["a,b"])
    refused("label 'a&b' contains characters config.cmd cannot pass through cmd.exe: &",
            labels=["a&b"])
    with pytest.raises(ar.RunnerError, match="longer than 256 characters"):
        spec(labels=["x" * 257])


def test_folder_never_in_a_user_profile() -> None:
    refused("folder 'C:\\Users\\build\\actions-runner' is inside a user profile (\\Users): a "
            "runner must never live in a user profile; use e.g. C:\\actions-runner\\WIN1",
            folder="C:\\Users\\build\\actions-runner")
    with pytest.raises(ar.RunnerError, match="inside a user profile"):
        spec(folder="d:/users/x")
    refused("folder '\\\\fs01\\share\\r' must be on a local drive, not a share",
            folder="\\\\fs01\\share\\r")
    refused("folder 'C:\\' must not be a drive root: the runner needs a folder of its own",
            folder="C:\\")
    assert spec(folder="D:/runners/app").folder == "D:\\runners\\app"
    assert spec(name="ci7").folder == "C:\\actions-runner\\ci7"


def test_work_folder() -> None:
    assert spec(work="w").work == "w"
    assert spec(work="E:\\work").work == "E:\\work"
    with pytest.raises(ar.RunnerError, match="must be a folder name below the runner folder"):
        spec(work="..\\up")
    with pytest.raises(ar.RunnerError, match="inside a user profile"):
        spec(work="C:\\Users\\me\\w")


def test_runner_group_only_above_a_repository() -> None:
    refused("runner_group: runner groups belong to organizations and enterprises; a "
            "repository runner goes to the default group", runner_group="gpu")
    org = ar.parse_runner_spec({"url": "https://github.com/acme", "runner_group": "Linux "
                                "pool"}, "WIN1")
    assert org.runner_group == "Linux pool"


def test_accounts() -> None:
    assert spec(account="LocalSystem").account.kind == "system"
    gmsa = spec(account="CORP\\runner$")
    assert (gmsa.account.kind, gmsa.account.object_name) == ("gmsa", "CORP\\runner$")
    user = spec(account="CORP\\builder", password="s3cret!")
    assert user.account.object_name == "CORP\\builder" and user.password == "s3cret!"
    assert "s3cret" not in repr(user)
    with pytest.raises(ar.RunnerError, match="is a user account and needs a password"):
        spec(account="CORP\\builder")
    with pytest.raises(ar.RunnerError, match="takes no password"):
        spec(account="CORP\\runner$", password="x")
    with pytest.raises(ar.RunnerError, match="cannot use a virtual account"):
        spec(account="NT SERVICE\\actions.runner")


def test_spec_is_frozen() -> None:
    s = spec()
    with pytest.raises(AttributeError):
        s.name = "other"  # type: ignore[misc]


# -- config.cmd arguments and environment -------------------------------------------


def test_config_arguments_exact() -> None:
    s = ar.parse_runner_spec({"url": "https://github.com/acme", "name": "ci1",
                              "labels": ["go", "gpu"], "runner_group": "Windows",
                              "work": "w", "ephemeral": True, "disable_update": True,
                              "replace": True}, "WIN1")
    assert ar.config_arguments(s) == [
        "--unattended", "--url", "https://github.com/acme", "--name", "ci1",
        "--labels", "go,gpu", "--runnergroup", "Windows", "--work", "w",
        "--ephemeral", "--disableupdate", "--replace"]
    assert ar.config_arguments(spec()) == [
        "--unattended", "--url", "https://github.com/acme/app", "--name", "WIN1",
        "--work", "_work"]


def test_the_token_travels_only_in_the_environment() -> None:
    s = spec(account="CORP\\runner$")
    args = ar.config_arguments(s)
    env = ar.config_environment(TOKEN)
    assert env == {"ACTIONS_RUNNER_INPUT_TOKEN": TOKEN}
    line = ar.cmd_arguments(args)
    assert all(TOKEN not in a for a in args) and TOKEN not in line
    assert not any(a.lower() in ("--token", "--runasservice", "--windowslogonaccount")
                   for a in args)
    assert ar.config_environment(f" {TOKEN} ") == {"ACTIONS_RUNNER_INPUT_TOKEN": TOKEN}
    with pytest.raises(ar.RunnerError, match="^a registration token is required"):
        ar.config_environment("  ")


def test_remove_and_cmd_line() -> None:
    assert ar.remove_arguments() == ["remove", "--unattended"]
    assert ar.cmd_arguments(ar.remove_arguments()) == "/c config.cmd remove --unattended"
    line = ar.cmd_arguments(ar.config_arguments(spec(labels=["a", "b"])))
    assert split_command_line(line)[2:] == ar.config_arguments(spec(labels=["a", "b"]))


# -- .runner, labels record, service name, version ----------------------------------

RUNNER_FILE = (b"\xef\xbb\xbf{\r\n  \"agentId\": 7,\r\n  \"agentName\": \"WIN1\",\r\n"
               b"  \"poolId\": 1,\r\n  \"poolName\": \"Default\",\r\n"
               b"  \"serverUrl\": \"https://pipelinesghubeus5.actions.githubusercontent.com/"
               b"Xy12/\",\r\n  \"gitHubUrl\": \"https://github.com/Acme/App\",\r\n"
               b"  \"workFolder\": \"_work\"\r\n}")


def test_parse_runner_file_with_bom() -> None:
    data = ar.parse_runner_file(RUNNER_FILE)
    assert data["agentId"] == 7 and data["poolName"] == "Default"
    assert ar.parse_runner_file(RUNNER_FILE.decode("utf-8")) == data
    with pytest.raises(ar.RunnerError, match="^.runner is not valid JSON"):
        ar.parse_runner_file(b"{")
    with pytest.raises(ar.RunnerError, match="^.runner must hold a JSON object"):
        ar.parse_runner_file("[]")


def test_is_configured_as() -> None:
    data = ar.parse_runner_file(RUNNER_FILE)
    assert ar.is_configured_as(data, spec())
    assert ar.is_configured_as(data, spec(name="win1"))
    assert not ar.is_configured_as(data, spec(name="WIN2"))
    assert not ar.is_configured_as(data, ar.parse_runner_spec(
        {"url": "https://github.com/acme"}, "WIN1"))
    assert not ar.is_configured_as(None, spec())
    assert ar.same_url("https://github.com/acme/app/", "https://GITHUB.com/Acme/App")


def test_labels_record_round_trip() -> None:
    s = spec(labels=["go", "gpu"])
    text = ar.render_labels_record(s)
    assert json.loads(text) == {"url": "https://github.com/acme/app", "name": "WIN1",
                                "labels": ["go", "gpu"]}
    assert ar.parse_labels_record(text) == ["go", "gpu"]
    assert ar.parse_labels_record(b"\xef\xbb\xbf" + text.encode()) == ["go", "gpu"]
    assert ar.parse_labels_record(None) is None
    assert ar.parse_labels_record("not json") is None
    assert not ar.label_change(["GPU", "go", "self-hosted"], s)
    assert ar.label_change(["go"], s)
    assert ar.label_change(None, s)
    assert not ar.label_change([], spec())


def test_service_file() -> None:
    assert ar.parse_service_file(b"actions.runner.acme-app.WIN1-1234\r\n") == \
        "actions.runner.acme-app.WIN1-1234"
    assert ar.parse_service_file("") is None and ar.parse_service_file(None) is None


@pytest.mark.parametrize(("url", "scope", "origin"), [
    ("https://github.com/octo/app", "octo/app", "https://github.com"),
    ("https://GitHub.com/octo/", "octo", "https://github.com"),
    ("https://github.com/enterprises/acme", "enterprises/acme", "https://github.com"),
    ("https://ghe.example.com/octo/app.git", "octo/app", "https://ghe.example.com"),
])
def test_a_runner_url_names_its_api_scope(url: str, scope: str, origin: str) -> None:
    normal, _kind = ar.parse_url(url)
    assert ar.api_scope(normal) == parse_scope(scope)
    assert ar.web_origin(normal) == origin


def test_scope_and_origin_of_a_url() -> None:
    assert ar.api_scope("https://github.com/acme/app").api_path == "/repos/acme/app/actions/runners"
    assert ar.api_scope("https://github.com/acme").kind == "organization"
    assert ar.api_scope("https://github.com/enterprises/big").api_path == \
        "/enterprises/big/actions/runners"
    assert ar.web_origin("https://ghes.corp:8443/acme/app") == "https://ghes.corp:8443"
