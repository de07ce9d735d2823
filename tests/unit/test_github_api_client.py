"""The controller's GitHub client against a local GitHub stand-in on 127.0.0.1."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
import urllib.request
from datetime import UTC, datetime

import pytest

from ansible_collections.winops.golang.plugins.module_utils.github_runner_api import (
    GitHubApiError,
)
from ansible_collections.winops.golang.plugins.plugin_utils.github_api import GitHubClient
from support.github_server import ACCEPTED_TOKEN, GitHubServer

SCOPES = ["octo/app", "octo", "enterprises/acme"]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def server():
    with GitHubServer() as running:
        yield running


@pytest.fixture
def run_dir(tmp_path):
    return str(tmp_path / "run" / "github")


def client(server, run_dir=None, token=ACCEPTED_TOKEN, **options):
    return GitHubClient(token, server="https://ghe.example.com", api=server.api_url,
                        releases_api=server.releases_api, cache_dir=run_dir, **options)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# ------------------------------------------------------------------ tokens


@pytest.mark.parametrize("scope", SCOPES)
def test_tokens_for_each_scope(server, run_dir, scope):
    github = client(server, run_dir)
    registration = github.registration_token(scope)
    remove = github.remove_token(scope)
    assert registration.kind == "registration" and remove.kind == "remove"
    assert registration.token and registration.token != remove.token
    assert registration.expires_epoch > datetime.now(UTC).timestamp() + 3000
    assert server.token_requests(scope) == 1
    assert server.token_requests(scope, "remove") == 1


def test_request_headers(server):
    client(server).registration_token("octo/app")
    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == "/repos/octo/app/actions/runners/registration-token"
    assert request.header("Authorization") == f"Bearer {ACCEPTED_TOKEN}"
    assert request.header("Accept") == "application/vnd.github+json"
    assert request.header("X-GitHub-Api-Version") == "2022-11-28"


def test_one_request_per_scope_per_run(server, run_dir):
    for _round in range(3):
        fresh = client(server, run_dir)
        for scope in SCOPES:
            fresh.registration_token(scope)
    assert [server.token_requests(scope) for scope in SCOPES] == [1, 1, 1]


def test_without_cache_every_call_asks(server):
    github = client(server)
    github.registration_token("octo")
    github.registration_token("octo")
    assert server.token_requests("octo") == 2


def test_token_close_to_expiry_is_requested_again(server, run_dir):
    # The server's tokens live one hour: a margin above that makes them too old at once.
    github = client(server, run_dir, margin=4000)
    first = github.registration_token("octo")
    second = github.registration_token("octo")
    assert server.token_requests("octo") == 2
    assert first.token != second.token


def _fork_worker(api, releases_api, run_dir, scope, results):
    github = GitHubClient(ACCEPTED_TOKEN, server="https://ghe.example.com", api=api,
                          releases_api=releases_api, cache_dir=run_dir)
    try:
        results.put(("ok", github.registration_token(scope).token))
    except GitHubApiError as error:
        results.put(("error", str(error)))


def _run_forks(server, run_dir, scope, count=6):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(target=_fork_worker,
                        args=(server.api_url, server.releases_api, run_dir, scope, results))
        for _index in range(count)
    ]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=30) for _index in range(count)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return answers


def test_forks_share_one_request(server, run_dir):
    server.slow("octo/app", 0.5)  # every fork is waiting while the first asks
    answers = _run_forks(server, run_dir, "octo/app")
    assert server.token_requests("octo/app") == 1
    assert {kind for kind, _value in answers} == {"ok"}
    assert len({value for _kind, value in answers}) == 1


def test_forks_share_one_failure(server, run_dir):
    server.slow("octo", 0.5)
    server.fail("octo", 404)
    answers = _run_forks(server, run_dir, "octo")
    assert server.token_requests("octo") == 1
    assert {kind for kind, _value in answers} == {"error"}
    assert len({value for _kind, value in answers}) == 1
    assert "(404)" in answers[0][1]


def test_cache_is_private(server, run_dir):
    client(server, run_dir).registration_token("octo/app")
    assert mode(run_dir) == 0o700
    names = os.listdir(run_dir)
    assert any(name.endswith(".json") for name in names)
    for name in names:
        assert mode(os.path.join(run_dir, name)) == 0o600, name


def test_failure_record_is_private_and_masked(server, run_dir):
    server.fail("octo", 500, f"echo {ACCEPTED_TOKEN}")
    with pytest.raises(GitHubApiError):
        client(server, run_dir).registration_token("octo")
    for name in os.listdir(run_dir):
        path = os.path.join(run_dir, name)
        assert mode(path) == 0o600
        with open(path, encoding="utf-8") as handle:
            assert ACCEPTED_TOKEN not in handle.read()


def test_existing_directory_is_made_private(server, run_dir):
    os.makedirs(run_dir, mode=0o755)
    os.chmod(run_dir, 0o755)
    client(server, run_dir).registration_token("octo")
    assert mode(run_dir) == 0o700


# ------------------------------------------------------------------ errors


def raised(github, scope="octo/app"):
    with pytest.raises(GitHubApiError) as caught:
        github.registration_token(scope)
    for text in (str(caught.value), repr(caught.value), repr(github)):
        assert ACCEPTED_TOKEN not in text
    return caught.value


def test_wrong_token_is_401(server, run_dir):
    found = raised(client(server, run_dir, token="ghp_wrong_token_value_123456"))
    assert str(found) == (
        "the personal access token or GitHub App token was refused (401): it is wrong or expired"
    )
    assert found.status == 401


def test_configured_401(server):
    server.fail("octo/app", 401)
    assert "(401): it is wrong or expired" in str(raised(client(server)))


def test_403_without_rate_limit(server):
    server.fail("octo", 403, headers={"x-ratelimit-remaining": "4999"})
    assert str(raised(client(server), "octo")) == (
        "the token may not create a registration token for organization octo (403): a classic "
        "token needs the admin:org scope; a fine-grained token or GitHub App needs the "
        "organisation permission Self-hosted runners: write (GitHub said: Resource not "
        "accessible by personal access token)"
    )


@pytest.mark.parametrize("status", [403, 429])
def test_rate_limit_with_reset_time(server, status):
    reset = int(datetime.now(UTC).timestamp()) + 600
    server.rate_limit("octo/app", reset=reset, status=status)
    found = raised(client(server))
    when = datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert str(found).startswith(
        f"GitHub's API rate limit for this token is exhausted ({status}): it resets at {when} (in "
    )
    assert found.reset_at == reset


def test_404(server):
    server.fail("enterprises/acme", 404)
    assert str(raised(client(server), "enterprises/acme")) == (
        "enterprise acme was not found, or the token cannot see it (404): check its spelling and "
        "that the token's owner administers it"
    )


def test_422_with_githubs_message(server):
    server.fail("octo/app", 422, errors=[{"resource": "Runner", "code": "already_exists",
                                          "message": "A runner named win01 already exists"}])
    assert str(raised(client(server))) == (
        "GitHub refused to create a registration token for repository octo/app (422): "
        "Validation Failed: A runner named win01 already exists"
    )


def test_token_echoed_by_server_is_masked(server):
    server.fail("octo/app", 500, f"token {ACCEPTED_TOKEN} rejected")
    assert str(raised(client(server))) == (
        "GitHub could not create a registration token for repository octo/app: HTTP 500: "
        "token ******** rejected"
    )


def test_timeout(server):
    server.slow("octo/app", 2)
    found = raised(client(server, timeout=0.3))
    assert str(found).startswith("could not create a registration token: ")
    assert str(found).endswith("did not answer: no answer within 0.3s")


def test_unreachable_server():
    with GitHubServer() as gone:
        api = gone.api_url
    github = GitHubClient(ACCEPTED_TOKEN, api=api, timeout=2)
    found = raised(github)
    assert str(found).startswith(f"could not create a registration token: {api}/repos/octo/app")


def test_missing_ca_bundle(tmp_path):
    missing = tmp_path / "ca.pem"
    with pytest.raises(GitHubApiError) as caught:
        GitHubClient(ACCEPTED_TOKEN, ca_path=str(missing))
    assert str(caught.value) == f"cannot use the CA bundle {missing}: No such file or directory"


def test_empty_token_is_refused():
    with pytest.raises(GitHubApiError, match="a GitHub token is required to manage runners"):
        GitHubClient("  ")


def test_proxy_from_environment(server, monkeypatch):
    monkeypatch.setenv("http_proxy", server.base_url)
    github = GitHubClient(ACCEPTED_TOKEN, api="http://ghe.invalid/api/v3")
    github.registration_token("octo")
    (request,) = server.requests
    assert request.target == "http://ghe.invalid/api/v3/orgs/octo/actions/runners/registration-token"


def test_private_cache_dir_of_someone_else_is_refused(server, tmp_path, monkeypatch):
    run_dir = tmp_path / "shared"
    run_dir.mkdir(mode=0o700)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(run_dir).st_uid + 1)
    with pytest.raises(GitHubApiError) as caught:
        client(server, str(run_dir)).registration_token("octo")
    assert str(caught.value) == (
        f"the runner token cache directory {run_dir} is not private to this user (it must be "
        "owned by the controller user with mode 0700); use another directory"
    )


# ---------------------------------------------------------------- releases


def test_latest_release_and_download(server):
    server.add_release("2.319.1")
    sha = server.add_release("2.320.0")
    package = client(server).release("latest")
    assert (package.version, package.sha256, package.sha256_source) == ("2.320.0", sha, "digest")
    assert package.url == (
        f"{server.base_url}/actions/runner/releases/download/v2.320.0/"
        "actions-runner-win-x64-2.320.0.zip"
    )
    with urllib.request.urlopen(package.url, timeout=5) as response:
        data = response.read()
    assert hashlib.sha256(data).hexdigest() == sha
    assert len(data) == package.size


def test_release_by_tag_without_digest_uses_notes(server):
    sha = server.add_release("2.319.1", digest=False)
    server.add_release("2.320.0")
    package = client(server).release("2.319.1")
    assert (package.version, package.sha256, package.sha256_source) == (
        "2.319.1", sha, "release notes")
    (request,) = [r for r in server.requests if "/releases/" in r.path]
    assert request.path == "/repos/actions/runner/releases/tags/v2.319.1"


def test_release_token_stays_on_its_server(server):
    server.add_release("2.320.0")
    other_origin = server.releases_api.replace("127.0.0.1", "localhost")
    GitHubClient(ACCEPTED_TOKEN, api=server.api_url, releases_api=other_origin).release()
    (request,) = server.requests
    assert request.header("Authorization") is None


def test_unknown_release(server):
    with pytest.raises(GitHubApiError) as caught:
        client(server).release("2.1.0")
    assert str(caught.value) == (
        "actions/runner has no release v2.1.0 (404): check the version against "
        "https://github.com/actions/runner/releases"
    )


def test_release_with_conflicting_sums(server):
    server.add_release("2.320.0", notes_sha256="f" * 64)
    with pytest.raises(GitHubApiError, match="refusing to trust either"):
        client(server).release()
