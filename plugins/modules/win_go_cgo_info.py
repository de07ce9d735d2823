#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_go_cgo_info
short_description: Check an installed C toolchain for cgo and return the environment to set
version_added: 0.1.0
description:
  - Checks a C compiler already installed on a Windows host, reports its
    version and target, and returns the environment variables and C(PATH)
    entries that point builds at it. It installs and downloads nothing and
    changes nothing; write the result with M(winops.golang.win_go_env)
    (machine, user or one service's environment).
  - C(compiler=mingw) uses MinGW-w64 C(gcc.exe) and C(g++.exe) from C(root\bin),
    or the first C(gcc.exe) on the machine or user C(PATH) when C(root) is
    omitted. C(compiler=llvm_mingw) uses C(clang.exe) and C(clang++.exe) of
    llvm-mingw the same way. Both run C(--version) and C(-dumpmachine) and
    refuse a compiler whose target is not a MinGW target of the host's
    architecture (an C(i686) compiler on an AMD64 host, a C(clang) that targets
    MSVC). They return C(CGO_ENABLED=1), C(CC) and C(CXX) (full paths) and the
    compiler's C(bin) directory.
  - C(compiler=msvc) finds C(vcvarsall.bat) (C(vcvars), or the newest Visual
    Studio with the MSVC build tools according to C(vswhere.exe)), runs it in
    C(cmd.exe) and returns what it adds to the environment (C(INCLUDE),
    C(LIB), C(LIBPATH), C(VCToolsInstallDir), C(WindowsSdkDir)...; C(PATH)
    never among the variables) and the C(PATH) entries it adds, in order; then
    runs C(cl.exe) in that environment and reports its version and target.
  - One agent round trip for MinGW-w64 and llvm-mingw and for MSVC with
    C(vcvars); two when vswhere finds Visual Studio.
options:
  compiler:
    description:
      - The toolchain to check.
    type: str
    default: mingw
    choices: [mingw, llvm_mingw, msvc]
  root:
    description:
      - The install directory of MinGW-w64 or llvm-mingw, whose C(bin) holds the
        compiler (for example C(C:\mingw64)). An absolute Windows path.
      - Omitted, the first C(gcc.exe) (C(clang.exe)) on the machine or user
        C(PATH) is used, and its C(g++.exe) (C(clang++.exe)) must sit beside it.
      - Only with C(compiler=mingw) or C(compiler=llvm_mingw).
    type: str
  vcvars:
    description:
      - The MSVC environment script, C(vcvarsall.bat) or one of its shortcuts
        such as C(vcvars64.bat), as an absolute Windows path.
      - Omitted, C(vswhere.exe) finds the newest Visual Studio (any product,
        Build Tools included) with the MSVC build tools for C(arch), and its
        C(VC\Auxiliary\Build\vcvarsall.bat) is used.
      - Only with C(compiler=msvc).
    type: str
  arch:
    description:
      - The architecture argument of C(vcvarsall.bat), C(host_target) or one
        target for a native build. C(x64) when omitted.
      - A shortcut such as C(vcvars64.bat) sets up its own architecture; C(arch)
        may be omitted, and must agree with it when given.
      - Only with C(compiler=msvc).
    type: str
    choices: [x86, x64, amd64, arm, arm64, x86_x64, x86_amd64, x86_arm, x86_arm64, x64_x86,
              amd64_x86, x64_arm, amd64_arm, x64_arm64, amd64_arm64, arm64_x86, arm64_x64,
              arm64_amd64, arm64_arm]
attributes:
  check_mode:
    support: full
    description: Runs only read-only probes; the same in check mode.
  diff_mode:
    support: none
    description: Returns no diff.
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025.
notes:
  - cgo on Windows needs a GCC-compatible C compiler, MinGW-w64 C(gcc) or the
    C(clang) of llvm-mingw. MSVC's C(cl.exe) (and C(clang-cl)) cannot be cgo's
    C(CC), so C(compiler=msvc) never returns C(CC), C(CXX) or C(CGO_ENABLED)
    and always warns so. Its environment serves builds that run C(cl),
    C(link) or C(rc) themselves, for example Windows resources or C libraries
    a Go program uses through DLLs.
  - The probe runs as the connecting account. The compiler paths it returns
    hold for every account; give a service account read and execute access to
    the compiler directory.
  - The environment is returned, not set. Pass C(environment) and C(path) to
    M(winops.golang.win_go_env) with C(scope=service) for a build service (read
    at each service start), or C(scope=machine) or C(scope=user).
seealso:
  - module: winops.golang.win_go_env
  - name: Agent protocol
    description: The primitive operations this module runs.
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Check MinGW-w64 in C:\mingw64
  winops.golang.win_go_cgo_info:
    compiler: mingw
    root: C:\mingw64
  register: cgo

- name: Give the build service cgo with that compiler
  winops.golang.win_go_env:
    scope: service
    service: gobuild
    variables: "{{ cgo.environment }}"
    path: "{{ cgo.path }}"
    path_placement: prepend

- name: Use the gcc.exe already on PATH, and show its version
  winops.golang.win_go_cgo_info:
  register: cgo_path

- name: Report the compiler
  ansible.builtin.debug:
    msg: "{{ cgo_path.compiler.path }} {{ cgo_path.compiler.version }} ({{ cgo_path.compiler.target }})"

- name: llvm-mingw
  winops.golang.win_go_cgo_info:
    compiler: llvm_mingw
    root: C:\llvm-mingw

- name: MSVC environment of the newest Visual Studio (for builds that run cl, link or rc)
  winops.golang.win_go_cgo_info:
    compiler: msvc
    arch: x64
  register: msvc

- name: MSVC environment from a known vcvars script
  winops.golang.win_go_cgo_info:
    compiler: msvc
    vcvars: C:\Program Files\Microsoft Visual Studio\2022\BuildTools\VC\Auxiliary\Build\vcvars64.bat
"""

RETURN = r"""
compiler:
  description: The compiler checked.
  returned: success
  type: dict
  contains:
    kind:
      description: C(mingw), C(llvm_mingw) or C(msvc).
      type: str
      sample: mingw
    path:
      description:
        - Full path of the C compiler. For MSVC, the C(cl.exe) in the compiler
          directory vcvars puts first on C(PATH) (C(null) when vcvars adds no
          C(bin\Host*\*) directory).
      type: str
      sample: C:\mingw64\bin\gcc.exe
    cxx_path:
      description: Full path of the C++ compiler (C(cl.exe) itself for MSVC).
      type: str
      sample: C:\mingw64\bin\g++.exe
    version:
      description: The compiler version.
      type: str
      sample: 13.2.0
    cxx_version:
      description: The C++ compiler's version (MinGW-w64 and llvm-mingw).
      type: str
      returned: when compiler is mingw or llvm_mingw
      sample: 13.2.0
    target:
      description:
        - The target triple C(-dumpmachine) printed (C(x86_64-w64-mingw32)), or
          for MSVC the architecture in C(cl.exe)'s banner (C(x64), C(x86),
          C(ARM64), C(ARM)).
      type: str
      sample: x86_64-w64-mingw32
    version_text:
      description: The first line of the compiler's version output (C(cl.exe)'s banner).
      type: str
      sample: gcc.exe (x86_64-posix-seh-rev1, Built by MinGW-Builds project) 13.2.0
    root:
      description: The install directory (the parent of C(bin)).
      type: str
      returned: when compiler is mingw or llvm_mingw
      sample: C:\mingw64
    host_architecture:
      description: The host's architecture (C(AMD64), C(ARM64), C(x86)).
      type: str
      sample: AMD64
    vcvars:
      description: The vcvars script that was run.
      type: str
      returned: when compiler is msvc
      sample: C:\Program Files\Microsoft Visual Studio\2022\BuildTools\VC\Auxiliary\Build\vcvarsall.bat
    arch:
      description: The vcvarsall architecture it was run for.
      type: str
      returned: when compiler is msvc
      sample: x64
    found_by:
      description: C(vcvars) (the option) or C(vswhere).
      type: str
      returned: when compiler is msvc
      sample: vswhere
    installation_path:
      description: The Visual Studio installation vswhere found (C(null) with C(vcvars)).
      type: str
      returned: when compiler is msvc
      sample: C:\Program Files\Microsoft Visual Studio\2022\BuildTools
environment:
  description:
    - The variables to set. For MinGW-w64 and llvm-mingw C(CGO_ENABLED), C(CC)
      and C(CXX); for MSVC what vcvars added or changed, never C(PATH).
  returned: success
  type: dict
  sample: {CGO_ENABLED: "1", CC: C:\mingw64\bin\gcc.exe, CXX: C:\mingw64\bin\g++.exe}
path:
  description:
    - Directories to put on C(PATH), in order; for MSVC the entries vcvars added.
  returned: success
  type: list
  elements: str
  sample: [C:\mingw64\bin]
round_trips:
  description: Agent round trips the task used.
  returned: always
  type: int
  sample: 1
"""
