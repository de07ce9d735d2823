#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_actions_runner
short_description: A GitHub Actions self-hosted runner as a Windows service
version_added: 0.1.0
description:
  - Installs, registers and keeps one GitHub Actions self-hosted runner on a Windows
    host, in a folder of its own, running as a Windows service; or removes it.
  - The runner package (C(actions-runner-win-x64-<version>.zip)) comes from GitHub, a
    mirror, a UNC share, a host path or the controller, and is verified against its
    SHA-256 (the release asset's digest, or O(checksum)) before it is extracted.
  - Registration runs C(config.cmd --unattended). The registration token reaches it in
    the C(ACTIONS_RUNNER_INPUT_TOKEN) environment variable, never on a command line,
    in a result, a diff or the log.
  - With O(github_token) the controller asks the REST API for registration and remove
    tokens, once per run per repository, organization or enterprise however many hosts
    and forks need one (tokens are cached in a private per-run directory).
  - A runner already registered (its C(.runner) names the same URL and name) is not
    registered again. A change of labels, runner group, work folder, O(ephemeral) or
    O(disable_update) re-registers it with C(--replace), which keeps the same runner with new settings.
  - The module installs the service itself (C("<folder>\bin\RunnerService.exe"), the
    package's service host) rather than through C(config.cmd --runasservice), so every
    account works the same way, a gMSA included, and the module owns the service's
    account, recovery, start mode and environment.
  - The service's own environment holds C(GOTOOLCHAIN), C(GOCACHE), C(GOMODCACHE) and a
    PATH with the Go toolchain first. A service only sees machine environment changes
    after a reboot, so this is how a runner gets Go now; the service is restarted when
    its environment changes.
  - Every option is checked on the controller; bad input fails the task before the
    host is contacted. A runner whose registration fails is removed again (a new one) or
    put back as it was (a re-registration).
options:
  url:
    description:
      - Where the runner registers. V(https://github.com/OWNER/REPO) (repository),
        V(https://github.com/ORG) (organization), V(https://github.com/enterprises/SLUG)
        (enterprise), or the same paths on a GitHub Enterprise Server host.
    type: str
    required: true
  state:
    description:
      - V(present) installs, registers and starts the runner.
      - V(absent) stops and removes its service, unregisters it from GitHub (with a remove
        token) and deletes its folder.
    type: str
    default: present
    choices: [present, absent]
  name:
    description:
      - The runner's name on GitHub, at most 64 letters, digits, C(.), C(_) or C(-).
      - Defaults to the host's computer name, as the runner itself does.
    type: str
  labels:
    description:
      - Labels added to the runner's own C(self-hosted), C(Windows) and C(X64).
      - Compared without case; changing them re-registers the runner.
    type: list
    elements: str
    default: []
  runner_group:
    description:
      - The runner group of an organization or enterprise runner. Default the C(Default)
        group; refused for a repository URL.
    type: str
  work:
    description:
      - The work folder, relative to the runner folder or absolute (never under
        C(C:\Users)).
    type: str
    default: _work
  ephemeral:
    description:
      - Register a runner that takes one job and then unregisters itself.
    type: bool
    default: false
  disable_update:
    description:
      - Stop the runner from updating itself. GitHub refuses jobs to runners that fall
        too far behind, so pin O(version) and keep it current when this is set.
    type: bool
    default: false
  replace:
    description:
      - Take over the name when another runner is registered with it at O(url); that
        runner stops receiving jobs.
    type: bool
    default: false
  folder:
    description:
      - The runner's own folder. Default C(C:\actions-runner\<name>). Never a user
        profile, a share or a drive root. Its ACL gives Administrators and SYSTEM full
        control and the service account Modify, nobody else (C(.credentials) lives here).
    type: str
  account:
    description:
      - The account the service logs on as. C(NT AUTHORITY\NetworkService) (default), a
        group managed service account C(DOMAIN\name$), or a user C(DOMAIN\user) /
        C(.\user) with O(password).
      - Virtual accounts (C(NT SERVICE\...)) are refused; LocalSystem is allowed but gives
        every workflow full control of the host.
      - A gMSA or user gets C(SeServiceLogonRight) when it does not hold it.
    type: str
    default: NT AUTHORITY\NetworkService
  password:
    description:
      - The password of a user O(account). Applied when the service is created or its
        account changes; never logged or returned.
    type: str
  version:
    description:
      - V(latest) (resolved on the controller through the releases API) or a version such
        as V(2.321.0). Versions GitHub no longer sends jobs to are refused.
      - The package of a registered runner is not replaced; runners update themselves
        unless O(disable_update) is set. The module warns when the version differs.
    type: str
    default: latest
  package_url:
    description:
      - Where the host fetches the package instead of GitHub's release asset. An http(s)
        URL, a UNC path or a host path; C({version}) and C({filename}) are replaced.
      - With a pinned O(version) and O(checksum) no GitHub request is made for it.
    type: str
  src:
    description:
      - The package on the controller, copied to the host. Needs a pinned O(version).
      - Mutually exclusive with O(package_url).
    type: path
  checksum:
    description:
      - The package's SHA-256 (hex, or C(sha256:<hex>)). Default the release asset's
        digest from the releases API. Required for O(package_url) when the releases API
        is not reachable.
    type: str
  registration_token:
    description:
      - A registration token (from the runner settings page or the REST API). Valid one
        hour. Either this or O(github_token) is needed with O(state=present). Never logged
        or returned.
    type: str
  remove_token:
    description:
      - A remove token for O(state=absent), when O(github_token) is not given. Never
        logged or returned.
    type: str
  github_token:
    description:
      - A personal access token or GitHub App installation token allowed to manage
        self-hosted runners of the scope (repository Administration, organization Self-hosted
        runners, or C(manage_runners:enterprise)). The controller uses it to create
        registration and remove tokens; it never reaches the host and is never
        logged or returned.
    type: str
  api_url:
    description:
      - The REST API to ask for tokens. Default C(https://api.github.com) for github.com
        and C(https://HOST/api/v3) for GitHub Enterprise Server.
    type: str
  releases_api_url:
    description:
      - The API where V(latest) and release digests of C(actions/runner) are looked up
        (an internal mirror of it, for example).
    type: str
    default: https://api.github.com
  validate_certs:
    description:
      - Verify the TLS certificates of the API.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle on the controller for the API (a GitHub Enterprise Server with an
        internal CA).
    type: path
  token_cache_dir:
    description:
      - The controller directory where one run's tokens and release answers are shared by
        its forks. Default a private (0700) directory per run in the temp folder, removed
        by a later run once its run has ended.
    type: path
  go_root:
    description:
      - A Go toolchain root, for example C(C:\Program Files\GoToolchains\current) (the
        junction the runtime role keeps). Its C(bin) goes first on the service's PATH.
    type: str
  go_cache:
    description:
      - C(GOCACHE) of the runner service. Created and given to the service account.
    type: str
  go_mod_cache:
    description:
      - C(GOMODCACHE) of the runner service. Created and given to the service account.
    type: str
  go_toolchain:
    description:
      - C(GOTOOLCHAIN) of the runner service. V(local) keeps builds on the installed
        toolchain (no toolchain download from a go.mod line). Empty leaves it unset.
    type: str
    default: local
  environment:
    description:
      - More variables for the runner service's environment (not PATH or the Go variables
        above, which have their own options).
    type: dict
    default: {}
  start_mode:
    description:
      - How the service starts.
    type: str
    default: auto
    choices: [auto, delayed, manual]
  recovery:
    description:
      - The service's failure actions, as in M(winops.golang.win_go_service). Default a
        restart after 60 seconds for every failure, the count reset after a day.
    type: dict
  timeout:
    description:
      - Seconds C(config.cmd) may run before it is stopped (10 to 3600).
    type: int
    default: 300
attributes:
  check_mode:
    support: full
    description: Reports what would change after one read; no token is requested and nothing is written.
  diff_mode:
    support: full
    description: The registration, service and environment before and after; never a secret.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025 (x64).
notes:
  - Several runners per host are several tasks (or a loop), each with its own O(name) and
    folder; the package is downloaded once per host into C(_packages) beside the folders.
  - A registration token is valid for one hour and for one scope. Errors from the API
    (401, 403, 404, 422, rate limits) and from C(config.cmd) (name taken, group unknown,
    token refused, runner too old) are reported with what to do.
  - The service runs C(RunnerService.exe), which starts C(Runner.Listener.exe). Its name
    is C(actions.runner.<owner[-repo]>.<name>) (shortened past 80 characters), as the
    runner's own installer names it, and is written to C(.service) so the runner's own
    C(config.cmd remove) finds it.
seealso:
  - name: Self-hosted runners
    description: GitHub's documentation of self-hosted runners.
    link: https://docs.github.com/en/actions/hosting-your-own-runners
  - name: REST API endpoints for self-hosted runners
    description: The registration-token and remove-token endpoints the controller calls.
    link: https://docs.github.com/en/rest/actions/self-hosted-runners
  - module: winops.golang.win_go_install
  - module: winops.golang.win_go_service
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Register a repository runner with a GitHub App token
  winops.golang.win_actions_runner:
    url: https://github.com/acme/payments
    github_token: "{{ github_app_token }}"
    labels: [go, windows-2022]
    go_root: C:\Program Files\GoToolchains\current
    go_cache: D:\go-cache\build
    go_mod_cache: D:\go-cache\mod

- name: Two organization runners on one host, as a gMSA
  winops.golang.win_actions_runner:
    url: https://github.com/acme
    name: "{{ inventory_hostname }}-{{ item }}"
    runner_group: windows-build
    account: CONTOSO\gmsa-runner$
    github_token: "{{ github_pat }}"
  loop: [1, 2]

- name: Air-gapped, from a share with a pinned version and a given token
  winops.golang.win_actions_runner:
    url: https://ghes.corp.example/platform/tools
    version: 2.321.0
    package_url: \\fs01\mirror\actions-runner\{filename}
    checksum: sha256:88d754da46f4053aec9007d172020c1b75ab2e2049c08aef759b643316580bbc
    registration_token: "{{ runner_registration_token }}"

- name: Remove a runner
  winops.golang.win_actions_runner:
    url: https://github.com/acme/payments
    name: BUILD01
    state: absent
    github_token: "{{ github_app_token }}"
"""

RETURN = r"""
name:
  description: The runner's name.
  returned: always
  type: str
  sample: BUILD01
url:
  description: The URL the runner is registered at, normalised.
  returned: always
  type: str
  sample: https://github.com/acme/payments
folder:
  description: The runner's folder.
  returned: always
  type: str
  sample: C:\actions-runner\BUILD01
service_name:
  description: The Windows service of the runner.
  returned: always
  type: str
  sample: actions.runner.acme-payments.BUILD01
version:
  description: The package version the module installed (null when it did not install it).
  returned: state=present
  type: str
  sample: 2.321.0
labels:
  description: The labels configured, without the runner's own.
  returned: state=present
  type: list
  elements: str
  sample: [go, windows-2022]
account:
  description: The service account.
  returned: state=present
  type: str
  sample: NT AUTHORITY\NetworkService
registered:
  description: Whether C(config.cmd) registered a new runner in this run (would, in check mode).
  returned: always
  type: bool
reregistered:
  description: Whether the runner was registered again with C(--replace) to change its settings.
  returned: always
  type: bool
service:
  description: The service after the task (before it, in check mode).
  returned: state=present
  type: dict
  sample:
    state: running
    start_mode: auto
    account: NT AUTHORITY\NetworkService
environment:
  description: The variables the module manages in the service's own environment.
  returned: state=present
  type: dict
  sample:
    GOTOOLCHAIN: local
    GOCACHE: D:\go-cache\build
    PATH: C:\Program Files\GoToolchains\current\bin;C:\Windows\system32;C:\Windows
changes:
  description: What changed (would change, in check mode), one line each.
  returned: always
  type: list
  elements: str
  sample:
    - "labels: go -> go, windows-2022"
    - "service actions.runner.acme-payments.BUILD01: restarted"
"""
