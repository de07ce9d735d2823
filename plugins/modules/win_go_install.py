#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_go_install
short_description: Install, activate and remove Go toolchains side by side on Windows
version_added: 0.1.0
description:
  - Installs Go toolchains from the official C(.zip) archives, one directory
    per version under an install root (C(<root>\go1.22.5)), machine-wide or
    for the connecting user, and activates one of them through a C(current)
    junction whose C(bin) directory is on C(PATH).
  - The version, the archive URL and its SHA-256 are resolved on the controller
    (from the go.dev release index, a mirror, an offline index file, a pinned
    archive or a controller-side file), so the host only receives an exact URL
    and checksum.
  - "Installation is staged: the archive is downloaded (or copied) into
    C(<root>\\.downloads) and verified against its SHA-256, unpacked beside the
    other versions with its C(VERSION) file checked before it is moved into
    place, recorded in C(<root>\\toolchains.json), and only then activated.
    A failure at any point leaves the previous toolchain active and on C(PATH);
    running the task again converges."
  - A version that is present and recorded is never downloaded again. A
    version directory without a record (an interrupted or manual copy) is
    treated as unverified and installed again.
  - C(GOROOT) is not set; Go finds its root from its own executable. A
    C(GOROOT) pointing elsewhere is reported, and removed with O(fix_goroot).
    Another Go on C(PATH) or an MSI install in C(C:\Program Files\Go) is
    reported in RV(conflicts) and as a warning.
  - "Round trips: one agent round trip when nothing changes, two when
    something does. The install root and the architecture come from the
    C(winops_go) facts of M(winops.golang.win_go_facts); without them the
    facts are read in the same batch, and the default root is first looked
    for in Windows' default folders (C(C:\\Program Files),
    C(C:\\Users\\<user>\\AppData\\Local)): only a host whose folders were
    relocated costs one more read."
options:
  version:
    description:
      - The Go version to install or remove. An exact release (C(1.22.5),
        C(go1.22.5), C(1.23rc1)), a minor (C(1.22), its newest patch),
        C(latest) or C(stable) (the newest stable release), C(oldstable) (the
        newest patch of the minor before), or a range (C(>=1.21,<1.23), the
        newest match).
      - With O(state=absent), every installed version the spec names is
        removed; C(latest), C(stable) and C(oldstable) are refused there.
      - One of O(version) and O(version_file) is required, except with
        O(state=absent) and only O(keep), or with O(archive_url)/O(src)
        whose file name names the version.
    type: str
  version_file:
    description:
      - A file on the controller that names the version, namely C(go.mod) or C(go.work) (its
        C(toolchain) line, else its C(go) line) or C(.go-version).
      - Relative paths are searched like O(src) (the role's or playbook's C(files)).
    type: path
  state:
    description:
      - C(present) installs the version (and activates it as O(active) says).
      - C(absent) removes the versions O(version) names and/or prunes to O(keep).
        The active version is removed only together with all others (a full
        uninstall that also removes the junction, the C(PATH) entry and the
        record); otherwise activate another version first.
    type: str
    choices: [present, absent]
    default: present
  active:
    description:
      - Make the installed version the active one (retarget the C(current) junction).
      - When no version is active yet, the installed version becomes active
        even when this is C(false).
    type: bool
    default: false
  scope:
    description:
      - C(machine) installs for every user and edits the machine C(PATH);
        C(user) installs for the connecting account and edits its C(PATH).
      - The machine C(PATH) comes before the user C(PATH), so a Go on the
        machine C(PATH) runs before a user-scope toolchain (reported as a conflict).
    type: str
    choices: [machine, user]
    default: machine
  install_root:
    description:
      - The directory that holds the versions, the C(current) junction and
        C(toolchains.json).
      - Defaults to C(<ProgramFiles>\GoToolchains) for O(scope=machine) and
        C(<LOCALAPPDATA>\GoToolchains) for O(scope=user).
      - It must be a local absolute path, and must not be (or lie inside) the
        official MSI's C(C:\Program Files\Go), compared case-insensitively.
      - When given and the C(winops_go) facts are missing, the facts are read
        in the same batch as everything else (no extra round trip).
    type: str
  allow_prerelease:
    description:
      - Let C(latest), minors and ranges pick beta and rc releases. An exact
        pre-release (C(1.24rc1)) is always allowed.
    type: bool
    default: false
  keep:
    description:
      - After installing, keep only the I(keep) newest installed versions and
        remove the others.
      - The active version (after this task) and the version this task
        installs are always kept, even beyond I(keep); the previously active
        version is removed only when another one is activated in the same task.
      - Version directories without a record in C(toolchains.json) are removed too.
    type: int
  index_url:
    description:
      - The release index to resolve versions from, in go.dev's JSON format.
      - Defaults to C(https://go.dev/dl/?mode=json&include=all).
      - When set (and O(mirror) is not), archives are downloaded from the same
        directory as the index, as on go.dev.
      - O(download_headers) are sent with it (not with the default index).
    type: str
  index_file:
    description:
      - A release index file on the controller (go.dev's JSON format), for
        offline installs; it is never fetched or cached.
    type: path
  mirror:
    description:
      - Where the host downloads the archives from, with go.dev's file names.
        Either a base URL (C(https://artifactory.example.com/golang/)) or a
        UNC directory (C(\\fs01\golang\)) that the host reads itself.
      - The index still comes from O(index_url) or O(index_file).
    type: str
  archive_url:
    description:
      - Install this one archive (URL or UNC path) instead of resolving the
        index. Its file name (C(go1.22.5.windows-amd64.zip)) or O(version)
        (then exact) names the version.
      - Needs O(checksum) unless O(validate_checksum=false).
    type: str
  checksum:
    description:
      - The SHA-256 of O(archive_url) or O(src), as C(sha256:<hex>) or bare hex.
    type: str
  src:
    description:
      - An archive on the controller, copied to the host with the connection
        and verified there against its SHA-256 before it is used.
      - Its SHA-256 must be known from O(checksum), or from O(index_file) /
        O(index_url) by file name, unless O(validate_checksum=false). A
        mismatch fails before anything is copied.
    type: path
  validate_checksum:
    description:
      - Refuse an archive whose SHA-256 is not known (the oldest releases in
        the index, or O(archive_url) without O(checksum)).
      - When C(false), such an archive is installed with a warning and
        recorded as unverified.
    type: bool
    default: true
  cache_dir:
    description:
      - Controller directory where the release index is cached, shared by
        all hosts and forks of a run (the index is fetched once).
    type: path
    default: ~/.cache/winops-golang
  cache_ttl:
    description:
      - Seconds a cached index is used before it is fetched again. C(0)
        always fetches. When the index cannot be fetched, an older copy is
        used with a warning (RV(index_status=stale)).
    type: int
    default: 3600
  proxy:
    description:
      - Proxy URL the host uses for its downloads. Without it, the host
        account's WinINET proxy settings apply.
    type: str
  download_headers:
    description:
      - HTTP headers the host sends with its downloads (and the controller
        with O(index_url)), such as C(Authorization) for Artifactory.
      - Never logged (the option is C(no_log)).
    type: dict
  download_timeout:
    description:
      - Seconds a host download may take.
    type: int
    default: 300
  fix_goroot:
    description:
      - Remove a C(GOROOT) environment variable (machine or user) that points
        anywhere else than the install root's C(current) junction or the
        active version.
    type: bool
    default: false
  verify:
    description:
      - C(false) checks nothing beyond the checksum and the C(VERSION) file.
      - C(true) runs the toolchain's C(go version) and C(go env GOROOT) on
        the host and fails when they disagree with what was installed.
      - C(build) also compiles and runs a hello-world program in a temporary
        directory under the install root, reports the build time, and removes
        what it created. In check mode only C(go version) and C(go env GOROOT) run.
      - A toolchain that fails the check before any change is installed again.
    type: raw
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the host in one round trip and reports what would change; nothing is downloaded or written.
  diff_mode:
    support: full
    description: Shows the installed versions, the active version and C(PATH), before and after.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025.
notes:
  - Changing the active version only retargets the C(current) junction;
    C(PATH) holds C(<root>\current\bin) once, ahead of any other Go C(bin)
    directory of the same scope, written with compare-and-set so concurrent
    edits are not lost. Unrelated entries and C(%VAR%) references are kept.
  - Services read the machine environment at boot; a C(PATH) change reaches
    them after a reboot. Retargeting the junction reaches them at once.
  - C(file.extract) fails with C(checksum_mismatch) when the archive's
    C(VERSION) does not name the expected release; nothing is left in place.
seealso:
  - module: winops.golang.win_go_facts
  - name: Agent protocol
    description: The primitive operations this module runs.
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Gather Go facts first (the facts every later task reuses)
  winops.golang.win_go_facts:

- name: Install the newest Go 1.22 and make it the active toolchain
  winops.golang.win_go_install:
    version: "1.22"
    active: true

- name: Install the version a project's go.mod asks for, keeping the two newest
  winops.golang.win_go_install:
    version_file: "{{ playbook_dir }}/files/go.mod"
    active: true
    keep: 2

- name: Install from an internal mirror with authentication
  winops.golang.win_go_install:
    version: stable
    index_url: https://artifactory.example.com/golang/index.json
    mirror: https://artifactory.example.com/golang/
    download_headers:
      Authorization: "Bearer {{ artifactory_token }}"
    verify: true

- name: Offline install from a file share
  winops.golang.win_go_install:
    version: 1.22.5
    index_file: files/go-index.json
    mirror: \\fs01\golang\

- name: Install a pinned archive for the connecting user only
  winops.golang.win_go_install:
    archive_url: https://dl.example.com/go1.22.5.windows-amd64.zip
    checksum: sha256:0000000000000000000000000000000000000000000000000000000000000000
    scope: user

- name: Remove every Go 1.20 toolchain
  winops.golang.win_go_install:
    version: "1.20"
    state: absent
"""

RETURN = r"""
version:
  description: The version installed or kept (without the C(go) prefix).
  returned: state is present
  type: str
  sample: 1.22.5
url:
  description: Where its archive came from (a URL, a UNC path, or C(file://) for O(src)).
  returned: state is present
  type: str
  sample: https://go.dev/dl/go1.22.5.windows-amd64.zip
sha256:
  description: The archive's SHA-256 (null when installed with O(validate_checksum=false)).
  returned: state is present
  type: str
  sample: 2cb8f7f6b0e8b1c5d06e7c2b6b4aa3d2c1b7a47f3d8b8f4a9d5b2c6e1f0a9b8c
install_root:
  description: The install root.
  returned: always
  type: str
  sample: C:\Program Files\GoToolchains
install_path:
  description: The version's directory (its GOROOT).
  returned: state is present
  type: str
  sample: C:\Program Files\GoToolchains\go1.22.5
active_version:
  description: The active version after the task (C(current) points to it), or null.
  returned: always
  type: str
  sample: 1.22.5
installed_versions:
  description: The recorded versions after the task, oldest first.
  returned: always
  type: list
  elements: str
  sample: [1.21.13, 1.22.5]
removed_versions:
  description: The versions removed or pruned.
  returned: state is absent
  type: list
  elements: str
  sample: [1.20.14]
conflicts:
  description:
    - Other Go installations and settings that can shadow the managed toolchain.
      C(kind) is C(msi) (the official installer's directory), C(path) (another
      C(go.exe) on C(PATH); C(before_ours) when it comes first) or C(goroot)
      (a C(GOROOT) variable pointing elsewhere).
  returned: always
  type: list
  elements: dict
  sample:
    - {kind: msi, path: "C:\\Program Files\\Go", version: 1.21.3, scope: null, entry: null}
    - {kind: path, path: "C:\\tools\\go", version: 1.20.14, scope: machine, entry: "C:\\tools\\go\\bin", before_ours: false}
goroot:
  description: The C(GOROOT) variable of each scope as found, whether it conflicts, and whether it was removed.
  returned: always
  type: dict
  sample: {machine: {value: null, conflict: false, removed: false}, user: {value: "C:\\go", conflict: true, removed: true}}
changes:
  description:
    - The steps taken (or, in check mode, that would be taken), in order. C(step) is one of
      C(download), C(push), C(remove_unverified), C(extract), C(record), C(activate),
      C(deactivate), C(path), C(goroot), C(prune) and C(remove).
  returned: always
  type: list
  elements: dict
  sample:
    - {step: download, from: "https://go.dev/dl/go1.22.5.windows-amd64.zip", to: "C:\\Program Files\\GoToolchains\\.downloads\\go1.22.5.windows-amd64.zip"}
    - {step: extract, version: 1.22.5, to: "C:\\Program Files\\GoToolchains\\go1.22.5"}
    - {step: record, path: "C:\\Program Files\\GoToolchains\\toolchains.json"}
    - {step: activate, from: 1.21.13, to: 1.22.5, junction: "C:\\Program Files\\GoToolchains\\current"}
verify:
  description:
    - What the verification found. C(ok), C(version_output) (the output of C(go version)),
      C(version), C(goroot), C(problems), and with O(verify=build) C(build) with C(ok),
      C(rc), C(output) and C(seconds) (the build time, from the file times of the source
      and the program).
  returned: when verify is not false
  type: dict
  sample:
    ok: true
    expected_version: go1.22.5
    version_output: go version go1.22.5 windows/amd64
    version: go1.22.5
    goroot: C:\Program Files\GoToolchains\current
    problems: []
    build: {ok: true, rc: 0, output: "hello, world\n", seconds: 1.2, cleaned: true}
index_status:
  description:
    - Where the release index came from. C(fetched), C(cached), C(stale) (the
      fetch failed; an older cached copy was used), C(file) (O(index_file)),
      or C(none) when no index was needed (an installed exact version, a pinned archive).
  returned: always
  type: str
  sample: cached
"""
