"""Action plugin of winops.golang.win_go_cgo_info: probe a C toolchain, change nothing.

MinGW-w64 and llvm-mingw take one round trip: the compiler files are stat'ed
before the programs run in the same batch, so a missing compiler (which stops
the batch at its ``exec``) is reported from the stat results. MSVC takes one
round trip with ``vcvars`` and two when vswhere has to find Visual Studio first.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import cgo_toolchain as cgo
from ansible_collections.winops.golang.plugins.module_utils import winpath
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
    Batch,
)
from ansible_collections.winops.golang.plugins.module_utils.winargv import quote_argv
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

PROBE_TIMEOUT = 60
VCVARS_TIMEOUT = 300


class ActionModule(AgentAction):
    """Check the C compiler cgo (or an MSVC build) would use; return its environment."""

    ARGUMENT_SPEC: dict[str, Any] = {
        "compiler": {"type": "str", "default": "mingw",
                     "choices": ["mingw", "llvm_mingw", "msvc"]},
        "root": {"type": "str"},
        "vcvars": {"type": "str"},
        "arch": {"type": "str", "choices": list(cgo.VCVARS_ARCHES)},
    }

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        kind = args["compiler"]
        if kind == "msvc":
            if args["root"]:
                raise ValueError("root goes with compiler: mingw or llvm_mingw; for msvc "
                                 "set vcvars (or let vswhere find Visual Studio)")
            result = self._msvc(args, client)
        else:
            if args["vcvars"] or args["arch"]:
                raise ValueError(f"vcvars and arch go with compiler: msvc, not {kind}")
            result = self._gcc(kind, args, client)
        result.update(changed=False, round_trips=client.round_trips)
        return result

    # -- MinGW-w64 and llvm-mingw ------------------------------------------------------

    def _gcc(self, kind: str, args: dict[str, Any], client: AgentClient) -> dict[str, Any]:
        names = cgo.GCC_KINDS[kind]
        cc_name, cxx_name = names["cc"], names["cxx"]
        root = winpath.validate(args["root"], "root") if args["root"] else None
        batch = Batch()
        i_facts = batch.add("facts.get")
        if root is not None:
            bin_dir = winpath.join(root, "bin")
            cc_exe, cxx_exe = winpath.join(bin_dir, cc_name), winpath.join(bin_dir, cxx_name)
            i_found = (batch.add("file.stat", path=cc_exe), batch.add("file.stat", path=cxx_exe))
        else:
            # Searched on PATH by name, in the order path.which reports (machine, user).
            cc_exe, cxx_exe = cc_name, cxx_name
            i_found = (batch.add("path.which", name=cc_name),
                       batch.add("path.which", name=cxx_name))
        probe = {"read_only": True, "timeout": PROBE_TIMEOUT}
        i_version = batch.add("exec", executable=cc_exe, arguments="--version", **probe)
        i_machine = batch.add("exec", executable=cc_exe, arguments="-dumpmachine", **probe)
        i_cxx = batch.add("exec", executable=cxx_exe, arguments="--version", **probe)
        try:
            results = client.run(batch, check_mode=self.check_mode).results
        except AgentError as err:
            if err.code != "not_found" or err.op != "exec":
                raise
            # The exec of a missing program stopped the batch: the reads before it say which.
            cc_path, _cxx_path = self._found(kind, root, err.applied, i_found)
            if root is None:
                missing = cc_name if err.index in (i_version, i_machine) else cxx_name
                raise ValueError(
                    f"{missing} is on the machine or user PATH stored in the registry "
                    f"({winpath.parent(cc_path)}) but not on the PATH of this connection, "
                    "which was read at logon; set root to "
                    f"{winpath.parent(winpath.parent(cc_path))}") from None
            raise
        cc_path, cxx_path = self._found(kind, root, results, i_found)
        version_out = self._output(results[i_version], cc_name, "--version")
        target_out = self._output(results[i_machine], cc_name, "-dumpmachine")
        cxx_out = self._output(results[i_cxx], cxx_name, "--version")
        version = cgo.parse_version(kind, version_out)
        cxx_version = cgo.parse_version(kind, cxx_out)
        target = cgo.parse_target(target_out)
        host_arch = str(results[i_facts].get("architecture") or "")
        cgo.check_target(kind, cc_name, target, host_arch)
        bin_dir = winpath.parent(cc_path)
        result: dict[str, Any] = {
            "compiler": {
                "kind": kind,
                "path": cc_path,
                "cxx_path": cxx_path,
                "version": version,
                "cxx_version": cxx_version,
                "target": target,
                "version_text": cgo.first_line(version_out),
                "root": winpath.parent(bin_dir),
                "host_architecture": host_arch,
            },
            "environment": cgo.gcc_environment(cc_path, cxx_path),
            "path": [bin_dir],
        }
        if cxx_version != version:
            result["warnings"] = [f"{cxx_name} is version {cxx_version} but {cc_name} is "
                                  f"{version}: they come from different installs"]
        return result

    @staticmethod
    def _found(kind: str, root: str | None, results: list[dict[str, Any]],
               indexes: tuple[int, int]) -> tuple[str, str]:
        """The compiler's full paths from the reads, or a clear error when one is missing."""
        names = cgo.GCC_KINDS[kind]
        label = names["label"]
        cc_res = results[indexes[0]] if indexes[0] < len(results) else {}
        cxx_res = results[indexes[1]] if indexes[1] < len(results) else {}
        if root is not None:
            bin_dir = winpath.join(root, "bin")
            if cc_res.get("type") != "file":
                raise ValueError(f"{names['cc']} not found in {bin_dir}; install {label} "
                                 "there or set root to the directory that holds "
                                 f"bin\\{names['cc']}")
            if cxx_res.get("type") != "file":
                raise ValueError(f"{names['cxx']} not found in {bin_dir} ({names['cc']} is "
                                 f"there); install the C++ compiler of {label} there")
            return winpath.join(bin_dir, names["cc"]), winpath.join(bin_dir, names["cxx"])
        cc_matches = cc_res.get("matches") or []
        if not cc_matches:
            raise ValueError(f"{names['cc']} not found on the machine or user PATH; install "
                             f"{label} and add its bin directory to PATH, or set root")
        cc_path = cc_matches[0]["path"]
        cxx_matches = cxx_res.get("matches") or []
        if not cxx_matches or not winpath.same_path(cxx_matches[0]["dir"],
                                                    cc_matches[0]["dir"]):
            raise ValueError(f"{names['cxx']} not found beside {cc_path} (the first "
                             f"{names['cc']} on PATH); install the C++ compiler of {label} "
                             "there, or set root")
        return cc_path, cxx_matches[0]["path"]

    @staticmethod
    def _output(res: dict[str, Any], exe: str, what: str) -> str:
        """A probe's stdout, or an error that shows the first line of its stderr."""
        if res.get("rc") != 0:
            line = cgo.first_line(res.get("stderr")) or cgo.first_line(res.get("stdout"))
            raise ValueError(f"{exe} {what} failed with exit code {res.get('rc')}: "
                             f"{line or 'no output'}")
        return str(res.get("stdout") or "")

    # -- MSVC ----------------------------------------------------------------------------

    def _msvc(self, args: dict[str, Any], client: AgentClient) -> dict[str, Any]:
        arch = args["arch"]
        install = None
        batch = Batch()
        i_facts = batch.add("facts.get")
        if args["vcvars"]:
            vcvars = cgo.check_cmd_path(winpath.validate(args["vcvars"], "vcvars"), "vcvars")
            found_by = "vcvars"
        else:
            component = cgo.vc_component(arch or "x64")
            i_stat = batch.add("file.stat", path=cgo.VSWHERE)
            i_where = batch.add(
                "exec", executable=cgo.VSWHERE, read_only=True, timeout=PROBE_TIMEOUT,
                arguments=quote_argv(["-latest", "-products", "*", "-requires", component,
                                      "-property", "installationPath", "-utf8"]))
            missing = (f"vswhere.exe not found at {cgo.VSWHERE}: Visual Studio 2017 or "
                       "later (or its Build Tools) is not installed; install the Build "
                       "Tools with the C++ workload, or set vcvars")
            try:
                found = client.run(batch, check_mode=self.check_mode).results
            except AgentError as err:
                if err.code == "not_found" and err.op == "exec":
                    raise ValueError(missing) from None
                raise
            if found[i_stat].get("type") != "file":
                raise ValueError(missing)
            where = self._output(found[i_where], "vswhere.exe", "-latest")
            install = cgo.first_line(where)
            if not install:
                raise ValueError(f"vswhere found no Visual Studio installation with {component} "
                                 "(the MSVC build tools); install that component, or set "
                                 "vcvars")
            install = winpath.validate(install, "the installation path vswhere returned")
            vcvars = cgo.check_cmd_path(winpath.join(install, cgo.VCVARSALL_REL), "vcvars")
            facts = found[i_facts]
            batch = Batch()
            i_facts = None
            found_by = "vswhere"
        argument = cgo.vcvars_argument(vcvars, arch)
        effective = cgo.vcvars_arch(vcvars, arch)
        i_vcvars = batch.add("file.stat", path=vcvars)
        probe = {"executable": "cmd.exe", "read_only": True, "timeout": VCVARS_TIMEOUT}
        i_before = batch.add("exec", arguments=cgo.cmd_arguments("set"), **probe)
        i_after = batch.add("exec", arguments=cgo.cmd_arguments(
            cgo.vcvars_command(vcvars, argument, "set")), **probe)
        i_cl = batch.add("exec", arguments=cgo.cmd_arguments(
            cgo.vcvars_command(vcvars, argument, "cl.exe")), **probe)
        results = client.run(batch, check_mode=self.check_mode).results
        if i_facts is not None:
            facts = results[i_facts]
        if results[i_vcvars].get("type") != "file":
            where = (f"(vswhere found Visual Studio in {install}, but its vcvarsall.bat is "
                     "missing; repair the installation or set vcvars)" if install else
                     "; set vcvars to vcvarsall.bat (VC\\Auxiliary\\Build under the Visual "
                     "Studio installation)")
            raise ValueError(f"vcvars not found: {vcvars} {where}")
        shown = f'"{vcvars}"' + (f" {argument}" if argument else "")
        before = cgo.parse_set_output(self._output(results[i_before], "cmd.exe", "/c set"))
        after_res = results[i_after]
        if after_res.get("rc") != 0:
            line = cgo.first_line(after_res.get("stderr"))
            raise ValueError(f"{shown} failed with exit code {after_res.get('rc')}"
                             + (f": {line}" if line else "; run it in a command prompt "
                                "to see why"))
        after = cgo.parse_set_output(str(after_res.get("stdout") or ""))
        variables, path = cgo.env_diff(before, after)
        if not variables and not path:
            raise ValueError(f"{shown} changed no environment variable; it is not a "
                             "vcvars script")
        cl_res = results[i_cl]
        cl_err = str(cl_res.get("stderr") or "")
        try:
            version, target = cgo.parse_cl_banner(cl_err)
        except cgo.CgoToolchainError as err:
            if cl_res.get("rc") == 9009 or "cl.exe" in cgo.first_line(cl_err):
                raise ValueError(
                    f"cl.exe is not on the PATH {shown} sets; install the MSVC build tools "
                    f"({cgo.vc_component(effective)}) in that Visual Studio") from None
            raise ValueError(f"cl.exe (run after {shown}) exited with code "
                             f"{cl_res.get('rc')}: {err}") from None
        wanted = cgo.cl_arch(effective)
        if target != wanted:
            raise ValueError(f"the cl.exe {shown} puts first on PATH targets {target}, not "
                             f"{wanted} ({effective})")
        cl_exe = cgo.cl_path(variables, path)
        return {
            "compiler": {
                "kind": "msvc",
                "path": cl_exe,
                "cxx_path": cl_exe,
                "version": version,
                "target": target,
                "version_text": cgo.first_line(cl_err),
                "vcvars": vcvars,
                "arch": effective,
                "found_by": found_by,
                "installation_path": install,
                "host_architecture": str(facts.get("architecture") or ""),
            },
            "environment": variables,
            "path": path,
            "warnings": [cgo.MSVC_WARNING],
        }
