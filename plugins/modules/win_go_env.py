#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_go_env
short_description: Manage the Go environment of a Windows machine, user, service or go env file
version_added: 0.1.0
description:
  - Sets and removes Go environment variables (C(GOPATH), C(GOPROXY),
    C(GOTOOLCHAIN), C(CGO_ENABLED), ... and any other name) and C(PATH)
    entries in one scope, because each kind of process reads its environment
    from a different place.
  - "C(machine) and C(user) are the environment keys a new logon session reads.
    C(service) is a service's own C(Environment) value
    (C(HKLM:\\SYSTEM\\CurrentControlSet\\Services\\<name>), C(NAME=value)
    strings): services read neither user variables nor C(go env -w) files,
    and see machine changes only after a reboot, but their own value is read
    each time they start. C(go_env_file) is the file C(go env -w) writes
    (C(%AppData%\\go\\env)), which only the C(go) command of that user reads."
  - Every value is checked on the controller before anything reaches the host
    (proxy lists, checksum database, module path patterns, toolchain names,
    absolute Windows paths, C(on)/C(off) switches). A C(GO)-prefixed name Go
    does not know gives a warning naming the closest known one.
  - "Round trips: one agent round trip when nothing changes (one read batch),
    two when something changes. Writes are compare-and-set: when another
    writer changed the scope between the read and the write (a rare race, for
    example two plays editing C(PATH) at once), the module reads again and
    plans again, up to O(conflict_retries) times, each retry costing two more
    round trips. Nothing the other writer did is lost."
  - Machine and user changes are announced to running programs with one
    C(WM_SETTINGCHANGE) broadcast per task.
options:
  scope:
    description:
      - Where the variables live.
      - C(machine) for every user and every service started after the next
        reboot; C(user) for the connecting account.
      - C(service) for the service O(service) only, read each time it starts.
      - C(go_env_file) for the file C(go env -w) writes, of O(profile) or at
        O(env_file); the C(go) command reads it after the process
        environment, so a variable set in the environment wins over it.
    type: str
    choices: [machine, user, service, go_env_file]
    default: machine
  service:
    description:
      - The service name (not the display name) whose own environment is
        managed, with O(scope=service). It must exist.
    type: str
  profile:
    description:
      - With O(scope=go_env_file), the user name whose
        C(<profiles>\<name>\AppData\Roaming\go\env) is managed; the profiles
        folder is the parent of the connecting user's profile in the
        C(winops_go) facts (C(C:\Users) without facts).
      - Defaults to the connecting user (its C(AppData) from the C(winops_go)
        facts, or read in the same batch without them).
    type: str
  env_file:
    description:
      - With O(scope=go_env_file), an explicit absolute path of the go env
        file, as C(GOENV) names it. Mutually exclusive with O(profile).
    type: str
  variables:
    description:
      - Names and values to set (O(state=present)) or names to remove
        (O(state=absent), values ignored). Names are case-insensitive except
        in the go env file, where they must be upper case and known to the
        C(go) command (C(go env -w) refuses others).
      - C(GOPROXY) is a list of C(https://...), C(http://...), C(file://...)
        URLs or host names, C(direct) and C(off), joined by C(,) or C(|);
        entries after C(direct) or C(off) give a warning (Go never uses them).
      - C(GOSUMDB) is C(off), C(sum.golang.org), C(sum.golang.google.cn),
        C(name+hash+key) or C(name+hash+key url).
      - C(GOPRIVATE), C(GONOPROXY), C(GONOSUMDB) and C(GOINSECURE) are
        comma-separated module path patterns (not URLs).
      - C(GOTOOLCHAIN) is C(local), C(auto), C(path), C(go1.N.P),
        C(go1.N.P+auto) or C(go1.N.P+path).
      - C(GO111MODULE) is C(on), C(off) or C(auto); C(GOTELEMETRY) C(on),
        C(off) or C(local); C(CGO_ENABLED) C(0) or C(1).
      - C(GOPATH) (a C(;) list), C(GOBIN), C(GOCACHE) (or C(off)),
        C(GOMODCACHE), C(GOTMPDIR) and C(GOTELEMETRYDIR) are absolute
        Windows paths, or start with a C(%VAR%) reference (kept unexpanded,
        stored as C(REG_EXPAND_SZ)).
      - Values of names containing C(TOKEN), C(PASSWORD), C(SECRET) or
        C(KEY) are masked in the diff and the results.
      - C(PATH) is managed with O(path), not here.
    type: dict
    default: {}
  path:
    description:
      - Directories to add to (O(state=present)) or remove from
        (O(state=absent)) C(PATH) in the scope; with O(scope=service), the
        service's own C(Path) (started from the expanded machine C(Path) when
        the service has none, with a warning).
      - Entries are matched case-insensitively, C(/) as C(\), a trailing
        C(\) ignored, C(%VAR%) references compared expanded and written as
        given. Entries already present keep their place and spelling, except
        that O(path_placement=prepend) moves them to the front. Other entries
        are never touched or reordered. A C(PATH) longer than Windows stores
        in one variable (32767 characters) is refused before anything is written.
    type: list
    elements: str
    default: []
  path_placement:
    description:
      - C(append) adds missing entries at the end; C(prepend) puts the
        entries, in the order given, at the front of C(PATH).
    type: str
    choices: [prepend, append]
    default: append
  state:
    description:
      - C(present) sets O(variables) and adds O(path); C(absent) removes only
        the names in O(variables) and the entries in O(path).
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove the Go variables of the scope that
        O(variables) does not list (Go's own C(GO*) names and every
        C(CGO_*) name; in the go env file every name), shown in the diff.
        Other variables are never touched.
    type: bool
    default: false
  services:
    description:
      - With O(scope=machine), the services to check for
        RV(services_needing_reboot). Windows does not record in the registry
        which services run; this module does not guess, it checks the
        services named here (a missing one gives a warning).
    type: list
    elements: str
    default: []
  conflict_retries:
    description:
      - How many times a write that lost a compare-and-set race (another
        writer changed the scope since the read) is planned again on a fresh
        read before the task fails.
    type: int
    default: 3
  netrc:
    description:
      - Credentials for private module hosts, written as the C(_netrc) file of
        the profile of O(netrc_user). The C(go) command on Windows reads
        C(%USERPROFILE%\_netrc) (C(os.UserHomeDir)), or the file named by the
        C(NETRC) variable when it is set (Go 1.24 and later read
        C(%USERPROFILE%\.netrc) instead when that exists, and the
        module warns then), when it fetches a module directly
        (C(GOPRIVATE), C(GONOPROXY), C(direct)) or from a proxy that asks
        for credentials.
      - Rendered as one C(machine X login Y password Z) line per entry, in
        machine order, and compared on the controller by SHA-256 with the
        file on the host (the file is never read back).
      - The file's ACL is protected and grants FullControl to the account,
        C(SYSTEM) and C(Administrators) only, as Windows protects a profile
        folder, so administrators and backup tools running as C(SYSTEM) can
        still repair or restore it while other users cannot read it.
      - Never logged. The diff shows only the number of entries and the
        machines; logins and passwords are never in the results, the diff,
        warnings or verbose output.
    type: list
    elements: dict
    default: []
    suboptions:
      machine:
        description: The host name the credentials are for (no white space).
        type: str
        required: true
      login:
        description: The user name (no white space).
        type: str
        required: true
      password:
        description: The password or token (no white space). Never logged.
        type: str
        required: true
  netrc_user:
    description:
      - The account whose profile holds the C(_netrc) file and who alone
        (besides C(SYSTEM) and C(Administrators)) may read it.
      - Defaults to the connecting user, whose profile folder comes from the
        C(winops_go) facts (C(C:\Users\<name>) without facts); for another
        account the profile is C(C:\Users\<name>).
    type: str
  netrc_state:
    description:
      - C(present) writes the O(netrc) file and its ACL; C(absent) removes
        the file of O(netrc_user) (O(netrc) must then be empty).
    type: str
    choices: [present, absent]
    default: present
  directories:
    description:
      - Directories to create and lock down for O(directories_account),
        absolute Windows paths, or C(GOPATH), C(GOCACHE) and C(GOMODCACHE)
        standing for the values this task sets in O(variables) (every
        element of C(GOPATH)).
      - Each gets a protected ACL inherited by its subdirectories and files,
        C(Administrators) and C(SYSTEM) FullControl and the account Modify,
        nobody else; the owner is C(Administrators), so the account cannot
        rewrite the ACL. Explicit ACEs not in that list are removed.
    type: list
    elements: str
    default: []
  directories_account:
    description:
      - The account (name or SID, resolved on the host) that gets Modify on
        O(directories). Required with O(directories).
    type: str
attributes:
  check_mode:
    support: full
    description: Reads the scope in one round trip and reports what would change; nothing is written.
  diff_mode:
    support: full
    description: Shows the scope's Go variables (and C(Path) when O(path) is given) before and after, secrets masked.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025.
notes:
  - Services receive the environment services.exe read when the host booted,
    whether they run now or start later, so a machine-scope change reaches no
    service until a reboot. RV(services_needing_reboot) lists the services
    named in O(services) that exist and whose own C(Environment) does not
    already set every changed name; set what they need with O(scope=service)
    instead, or reboot.
  - A service's own C(Environment) strings are not expanded by Windows, so
    C(%VAR%) references there stay literal.
  - The go env file is written as C(go env -w) writes it, C(KEY=value) lines
    ending in C(\n), existing lines replaced in place, new ones appended in
    name order, other lines kept.
seealso:
  - module: winops.golang.win_go_facts
  - module: winops.golang.win_go_install
  - name: Agent protocol
    description: The primitive operations this module runs.
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Gather Go facts first
  winops.golang.win_go_facts:

- name: Machine-wide proxy, checksum database and private modules
  winops.golang.win_go_env:
    scope: machine
    variables:
      GOPROXY: https://proxy.corp.example.com,direct
      GOSUMDB: sum.golang.org
      GOPRIVATE: "*.corp.example.com,github.com/example-private"
      GOTOOLCHAIN: local
    services: [GoBuildAgent]
  register: goenv

- name: Give the build service what it needs now, without a reboot
  winops.golang.win_go_env:
    scope: service
    service: GoBuildAgent
    variables:
      GOPROXY: https://proxy.corp.example.com,direct
      GOTOOLCHAIN: local
    path: ['C:\Program Files\GoToolchains\current\bin']
  when: "'GoBuildAgent' in goenv.services_needing_reboot"

- name: A user's GOPATH and its bin directory on the user PATH
  winops.golang.win_go_env:
    scope: user
    variables:
      GOPATH: '%USERPROFILE%\go'
    path: ['%USERPROFILE%\go\bin']

- name: The go env file of the build account, and nothing else in it
  winops.golang.win_go_env:
    scope: go_env_file
    profile: svc-build
    variables:
      GOFLAGS: -mod=readonly
      CGO_ENABLED: "0"
    exclusive: true

- name: Credentials for private modules of the build account, and its Go directories
  winops.golang.win_go_env:
    scope: user
    variables:
      GOPATH: C:\go
      GOMODCACHE: C:\go\pkg\mod
      GOPRIVATE: git.corp.example.com
    netrc:
      - machine: git.corp.example.com
        login: build
        password: "{{ vault_git_token }}"
    directories: [GOPATH, GOMODCACHE]
    directories_account: CORP\svc-build

- name: Remove GOPATH and a PATH entry machine-wide
  winops.golang.win_go_env:
    scope: machine
    state: absent
    variables:
      GOPATH:
    path: ['C:\Go\bin']
"""

RETURN = r"""
scope:
  description: The scope managed.
  returned: always
  type: str
  sample: machine
target:
  description: What holds the scope on the host (the scope name, the service's registry key, or the go env file).
  returned: always
  type: str
  sample: C:\Users\svc-build\AppData\Roaming\go\env
changes:
  description: Each variable changed (or to change in check mode), secrets masked; C(null) means absent.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "GOPROXY", "before": null, "after": "https://proxy.example.com,direct", "reason": "set"}]
variables:
  description: The scope's variables after the task (besides C(Path)), secrets masked.
  returned: always
  type: dict
  sample: {"GOPROXY": "direct", "GOTOOLCHAIN": "local"}
removed:
  description: Names removed (by O(state=absent) or O(exclusive)).
  returned: always
  type: list
  elements: str
  sample: [GOFLAGS]
path_value:
  description: The C(Path) of the scope after the task, as stored (references unexpanded).
  returned: when O(path) is given
  type: str
  sample: "%SystemRoot%\\system32;C:\\tools\\go\\bin"
services_needing_reboot:
  description:
    - The services named in O(services) that will not see this machine-scope
      change until the host reboots. Empty when nothing changed or the scope
      is not C(machine).
  returned: always
  type: list
  elements: str
  sample: [GoBuildAgent]
broadcast:
  description: Whether C(WM_SETTINGCHANGE) was broadcast (once, after machine or user changes).
  returned: always
  type: bool
netrc:
  description: What was done to the C(_netrc) file (never its content).
  returned: when O(netrc) is given or O(netrc_state=absent)
  type: dict
  sample: {"path": "C:\\Users\\build\\_netrc", "state": "present", "entries": 2,
           "machines": ["git.corp.example.com", "github.com"], "changed": true,
           "content_changed": true, "acl_changed": true}
directories:
  description: Per directory of O(directories), whether it was created and whether its ACL changed.
  returned: when O(directories) is given
  type: list
  elements: dict
  sample: [{"path": "C:\\go", "created": true, "acl_changed": true, "changed": true,
            "acl_differences": []}]
round_trips:
  description: Agent round trips this task made (1 when nothing changed, 2 when something did).
  returned: always
  type: int
  sample: 1
"""
