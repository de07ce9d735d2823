"""Pure GitHub runner logic: scopes, URLs, release packages, error messages, masking."""

from __future__ import annotations

import json

import pytest

from ansible_collections.winops.golang.plugins.module_utils.github_runner_api import (
    MINIMUM_RUNNER_VERSION,
    GitHubApiError,
    Scope,
    api_error,
    api_url,
    check_runner_version,
    explain_runner_output,
    mask,
    notes_sha256,
    parse_runner_version,
    parse_scope,
    parse_token,
    release_url,
    server_url,
    token_url,
    windows_package,
)

SHA = "1c78c51d20b817fb639e0b0ab564cf0469d083ad543ca3d0d7a2cdad5723f3a7"
OTHER = "0" * 64
TOKEN = "AABF3JGZDX3P5PMEXLND6TS6FCWO6"
ZIP = "actions-runner-win-x64-2.319.1.zip"
NOTES = (
    "## SHA-256 Checksums\n\nThe SHA-256 checksums for the packages included in this build "
    "are shown below:\n\n"
    f"- {ZIP} <!-- BEGIN SHA win-x64 -->{SHA}<!-- END SHA win-x64 -->\n"
    "- actions-runner-win-arm64-2.319.1.zip <!-- BEGIN SHA win-arm64 -->"
    f"{OTHER}<!-- END SHA win-arm64 -->\n"
)


def release(digest: str | None = f"sha256:{SHA}", body: str = NOTES) -> dict:
    asset = {
        "name": ZIP,
        "size": 1234,
        "browser_download_url": f"https://github.com/actions/runner/releases/download/v2.319.1/{ZIP}",
    }
    if digest is not None:
        asset["digest"] = digest
    other = {"name": "actions-runner-linux-x64-2.319.1.tar.gz", "digest": f"sha256:{OTHER}",
             "browser_download_url": "https://example.invalid/linux.tar.gz"}
    return {"tag_name": "v2.319.1", "body": body, "assets": [other, asset]}


# ------------------------------------------------------------------ scopes


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("octo/app", "repository", "octo/app"),
        (" octo-org/my.repo_1 ", "repository", "octo-org/my.repo_1"),
        ("octo-org", "organization", "octo-org"),
        ("enterprises/acme", "enterprise", "acme"),
    ],
)
def test_scope_forms(text, kind, name):
    assert parse_scope(text) == Scope(kind, name)


@pytest.mark.parametrize(
    "text", ["", "a/b/c", "-octo", "octo-", "octo/..", "octo/", "/app", "oc to", None, 7]
)
def test_bad_scope_message(text):
    with pytest.raises(ValueError) as caught:
        parse_scope(text)
    assert str(caught.value) == (
        f"not a runner scope: {text!r} (use owner/repo for a repository, org for an "
        "organisation or enterprises/name for an enterprise)"
    )


# -------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("scope", "kind", "server", "url"),
    [
        ("octo/app", "registration", "https://github.com",
         "https://api.github.com/repos/octo/app/actions/runners/registration-token"),
        ("octo/app", "remove", "https://github.com/",
         "https://api.github.com/repos/octo/app/actions/runners/remove-token"),
        ("octo", "registration", "https://github.com",
         "https://api.github.com/orgs/octo/actions/runners/registration-token"),
        ("enterprises/acme", "remove", "https://github.com",
         "https://api.github.com/enterprises/acme/actions/runners/remove-token"),
        ("octo/app", "registration", "https://ghe.example.com",
         "https://ghe.example.com/api/v3/repos/octo/app/actions/runners/registration-token"),
        ("enterprises/acme", "registration", "https://GHE.example.com:8443/",
         "https://ghe.example.com:8443/api/v3/enterprises/acme/actions/runners/"
         "registration-token"),
    ],
)
def test_token_urls(scope, kind, server, url):
    assert token_url(parse_scope(scope), kind, server) == url


def test_token_kind_is_checked():
    with pytest.raises(ValueError, match="token kind must be registration or remove, got 'x'"):
        token_url(parse_scope("octo"), "x")


def test_api_urls():
    assert api_url("https://github.com") == "https://api.github.com"
    assert api_url("https://ghe.example.com") == "https://ghe.example.com/api/v3"
    assert api_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/api/v3"
    assert server_url("https://www.github.com/") == "https://github.com"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://ghe.example.com", "server_url must be https://HOST such as https://github.com or "
         "https://ghe.example.com (http only for 127.0.0.1 or localhost), got "
         "'http://ghe.example.com'"),
        ("ghe.example.com", "server_url must be https://HOST such as https://github.com or "
         "https://ghe.example.com, got 'ghe.example.com'"),
        ("https://ghe.example.com/api", "server_url must be https://HOST without a path, got "
         "'https://ghe.example.com/api'"),
        ("https://ghe.example.com/?x=1", "server_url must be https://HOST such as "
         "https://github.com or https://ghe.example.com, got 'https://ghe.example.com/?x=1'"),
        ("", "server_url must be https://HOST such as https://github.com or "
         "https://ghe.example.com, got ''"),
        ("https://ghe.example.com:99999", "server_url must be https://HOST such as "
         "https://github.com or https://ghe.example.com, got 'https://ghe.example.com:99999'"),
    ],
)
def test_bad_server_urls(url, message):
    with pytest.raises(ValueError) as caught:
        server_url(url)
    assert str(caught.value) == message


def test_credentials_in_url_are_refused_without_echo():
    with pytest.raises(ValueError) as caught:
        server_url(f"https://user:{TOKEN}@ghe.example.com")
    assert str(caught.value) == (
        "server_url must not contain a user name or password; pass the token instead"
    )
    assert TOKEN not in str(caught.value)


def test_release_urls():
    assert release_url("latest") == "https://api.github.com/repos/actions/runner/releases/latest"
    assert release_url("2.319.1") == (
        "https://api.github.com/repos/actions/runner/releases/tags/v2.319.1"
    )
    assert release_url("v2.319.1", "http://127.0.0.1:9/") == (
        "http://127.0.0.1:9/repos/actions/runner/releases/tags/v2.319.1"
    )


@pytest.mark.parametrize(("text", "version"), [("latest", "latest"), (" LATEST ", "latest"),
                                               ("2.319.1", "2.319.1"), ("v2.319.1", "2.319.1")])
def test_versions(text, version):
    assert parse_runner_version(text) == version


@pytest.mark.parametrize("text", ["2.319", "2.319.1.0", "02.1.1", "newest", "", None])
def test_bad_versions(text):
    with pytest.raises(ValueError) as caught:
        parse_runner_version(text)
    assert str(caught.value) == (
        f"not a runner version: {text!r} (use latest or a runner version such as 2.319.1)"
    )


# ------------------------------------------------------------ release assets


def test_package_from_digest():
    package = windows_package(release())
    assert package.version == "2.319.1"
    assert package.filename == ZIP
    assert package.url.endswith(f"/v2.319.1/{ZIP}")
    assert (package.sha256, package.sha256_source, package.size) == (SHA, "digest", 1234)


def test_package_falls_back_on_release_notes():
    package = windows_package(release(digest=None))
    assert (package.sha256, package.sha256_source) == (SHA, "release notes")


def test_notes_plain_line_is_accepted():
    assert notes_sha256(f"{ZIP}  {SHA.upper()}\n", ZIP) == SHA
    assert notes_sha256("nothing here", ZIP) == ""


def test_notes_pick_the_windows_x64_marker():
    assert notes_sha256(NOTES, ZIP) == SHA
    assert notes_sha256(NOTES, "actions-runner-win-arm64-2.319.1.zip") == OTHER


def test_digest_and_notes_that_disagree_are_refused():
    with pytest.raises(ValueError) as caught:
        windows_package(release(digest=f"sha256:{OTHER}"))
    assert str(caught.value) == (
        f"the SHA-256 of {ZIP} differs between the asset digest ({OTHER}) and the release "
        f"notes ({SHA}): refusing to trust either"
    )


def test_no_checksum_at_all():
    with pytest.raises(ValueError) as caught:
        windows_package(release(digest=None, body="no sums"))
    assert str(caught.value) == (
        f"release v2.319.1 of actions/runner publishes no SHA-256 for {ZIP} "
        "(no asset digest and none in the release notes)"
    )


def test_missing_asset_and_bad_tag():
    data = release()
    data["assets"] = data["assets"][:1]
    with pytest.raises(ValueError, match=f"release v2.319.1 of actions/runner has no asset {ZIP}"):
        windows_package(data)
    with pytest.raises(ValueError, match="not an actions/runner release: tag_name is 'nightly'"):
        windows_package({"tag_name": "nightly"})


def test_bad_digest():
    with pytest.raises(ValueError, match=f"the digest of {ZIP} is not a SHA-256: 'sha256:abc'"):
        windows_package(release(digest="sha256:abc"))


# ----------------------------------------------------------------- tokens


def test_token_is_parsed_and_masked_in_repr():
    token = parse_token({"token": TOKEN, "expires_at": "2020-01-22T12:13:35.123-08:00"},
                        "registration")
    assert token.token == TOKEN
    assert token.expires_epoch == pytest.approx(1579724015.123)
    assert TOKEN not in repr(token)
    assert TOKEN not in str(token)
    assert "********" in repr(token)


@pytest.mark.parametrize(("data", "message"), [
    ([], "GitHub's registration token answer is not a JSON object"),
    ({"expires_at": "2020-01-22T12:13:35Z"}, "GitHub's registration token answer has no token"),
    ({"token": TOKEN}, "GitHub's registration token answer has no expires_at"),
])
def test_bad_token_answers(data, message):
    with pytest.raises(ValueError) as caught:
        parse_token(data, "registration")
    assert str(caught.value) == message


def test_mask():
    assert mask(f"a {TOKEN} b {TOKEN}", (TOKEN, "")) == "a ******** b ********"


# ----------------------------------------------------------------- errors

NOW = 1_700_000_000.0
REPO = Scope("repository", "octo/app")
ACTION = "create a registration token"


def error(status, headers=None, body=b"", scope=REPO):
    return api_error(status, headers or {}, body, scope=scope, action=ACTION, now=NOW,
                     secrets=(TOKEN,))


def test_401():
    found = error(401, body=b'{"message": "Bad credentials"}')
    assert isinstance(found, GitHubApiError) and isinstance(found, ValueError)
    assert str(found) == (
        "the personal access token or GitHub App token was refused (401): it is wrong or expired"
    )
    assert found.status == 401


@pytest.mark.parametrize(("scope", "needs"), [
    (REPO, "a classic token needs the repo scope; a fine-grained token or GitHub App needs the "
           "repository permission Administration: write"),
    (Scope("organization", "octo"), "a classic token needs the admin:org scope; a fine-grained "
     "token or GitHub App needs the organisation permission Self-hosted runners: write"),
    (Scope("enterprise", "acme"), "a classic token of an enterprise owner needs the "
     "manage_runners:enterprise scope (fine-grained tokens and GitHub App tokens cannot "
     "manage enterprise runners)"),
])
def test_403_permission(scope, needs):
    found = error(403, body=b'{"message": "Resource not accessible by personal access token"}',
                  scope=scope)
    assert str(found) == (
        f"the token may not {ACTION} for {scope} (403): {needs} "
        "(GitHub said: Resource not accessible by personal access token)"
    )


@pytest.mark.parametrize("status", [403, 429])
def test_rate_limit_says_when_it_resets(status):
    found = error(status, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 754)})
    assert str(found) == (
        f"GitHub's API rate limit for this token is exhausted ({status}): it resets at "
        "2023-11-14 22:25:54 UTC (in 12m34s); run again then, or use a token with a higher "
        "limit (a GitHub App)"
    )
    assert found.reset_at == int(NOW) + 754


def test_secondary_rate_limit_uses_retry_after():
    found = error(429, {"Retry-After": "30"})
    assert str(found) == "GitHub's API rate limit for this token is exhausted (429): retry in 30s"


def test_404():
    assert str(error(404, scope=Scope("enterprise", "acme"))) == (
        "enterprise acme was not found, or the token cannot see it (404): check its spelling and "
        "that the token's owner administers it"
    )


def test_422_includes_githubs_message():
    body = json.dumps({"message": "Validation Failed",
                       "errors": [{"message": "Already exists - A runner named win01 exists"}]})
    assert str(error(422, body=body)) == (
        f"GitHub refused to {ACTION} for repository octo/app (422): Validation Failed: "
        "Already exists - A runner named win01 exists"
    )


def test_other_status_and_token_masking():
    found = error(500, body=json.dumps({"message": f"boom {TOKEN}"}).encode())
    assert str(found) == (
        f"GitHub could not {ACTION} for repository octo/app: HTTP 500: boom ********"
    )
    assert TOKEN not in str(found) and TOKEN not in repr(found)


# ----------------------------------------------------------------- versions


def test_too_old_runner_version():
    assert check_runner_version("latest") == "latest"
    assert check_runner_version(MINIMUM_RUNNER_VERSION) == MINIMUM_RUNNER_VERSION
    with pytest.raises(ValueError) as caught:
        check_runner_version("2.319.1", minimum="2.329.0")
    assert str(caught.value) == (
        "actions runner 2.319.1 is older than 2.329.0, the oldest GitHub still sends jobs to: "
        "it would register, then stop with 'Runner version v2.319.1 is deprecated and cannot "
        "receive messages'; use version latest or 2.329.0 or newer"
    )


def test_explain_runner_output():
    output = "An error occured: Runner version v2.320.0 is deprecated and cannot receive messages."
    assert explain_runner_output(output) == (
        "GitHub refuses actions runner 2.320.0 as too old (it is deprecated and cannot receive "
        "jobs): install version latest, or let the runner update itself (do not configure it "
        "with --disableupdate)"
    )
    assert explain_runner_output("Listening for Jobs") is None
