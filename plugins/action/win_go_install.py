"""Action plugin of winops.golang.win_go_install: side-by-side Go toolchains.

Round trips (DESIGN.md budget): one read batch, and one write batch only when
something changes. The install root and the architecture come from the
``winops_go`` facts that win_go_facts left in the task vars; without them a
``facts.get`` rides in the read batch and the default root is guessed from
Windows' default folders (a wrong guess costs one more read).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from ansible.errors import AnsibleError

from ansible_collections.winops.golang.plugins.module_utils import go_install_layout as gi_layout
from ansible_collections.winops.golang.plugins.module_utils import go_install_observe as gi_observe
from ansible_collections.winops.golang.plugins.module_utils import go_install_plan as gi_plan
from ansible_collections.winops.golang.plugins.module_utils import go_releases, winpath
from ansible_collections.winops.golang.plugins.module_utils.agent_client import (
    AgentClient,
    AgentError,
    Batch,
)
from ansible_collections.winops.golang.plugins.plugin_utils import controller_files, release_index
from ansible_collections.winops.golang.plugins.plugin_utils.agent_action import AgentAction

_FACT_KEYS = ("architecture", "os", "dirs", "user")


class ActionModule(AgentAction):
    """Install, activate and remove Go toolchains side by side."""

    # src is copied with the connection's put_file into the host's temp folder
    # (a known path from the facts), so Ansible's remote tmp directory is not needed.
    TRANSFERS_FILES = False

    ARGUMENT_SPEC: dict[str, Any] = {
        "version": {"type": "str"},
        "version_file": {"type": "path"},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "active": {"type": "bool", "default": False},
        "scope": {"type": "str", "default": "machine", "choices": ["machine", "user"]},
        "install_root": {"type": "str"},
        "allow_prerelease": {"type": "bool", "default": False},
        "keep": {"type": "int"},
        "index_url": {"type": "str"},
        "index_file": {"type": "path"},
        "mirror": {"type": "str"},
        "archive_url": {"type": "str"},
        "checksum": {"type": "str"},
        "src": {"type": "path"},
        "validate_checksum": {"type": "bool", "default": True},
        "cache_dir": {"type": "path", "default": "~/.cache/winops-golang"},
        "cache_ttl": {"type": "int", "default": 3600},
        "proxy": {"type": "str"},
        "download_headers": {"type": "dict", "no_log": True},
        "download_timeout": {"type": "int", "default": 300},
        "fix_goroot": {"type": "bool", "default": False},
        "verify": {"type": "raw", "default": False},
    }
    MUTUALLY_EXCLUSIVE = [
        ["version", "version_file"],
        ["archive_url", "src"],
        ["index_url", "index_file"],
        ["archive_url", "mirror"],
        ["src", "mirror"],
    ]

    # -- entry point ---------------------------------------------------------------

    def execute(
        self, args: dict[str, Any], client: AgentClient, task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        self._warnings: list[str] = []
        self._index_status = "none"
        self._releases: list[go_releases.GoRelease] | None = None
        opts = self._check_args(args)
        verify = opts["verify"]

        # The version is resolved (and the arguments checked) before the host is touched.
        target = None
        if args["state"] == "present":
            target = self._target(args, opts)
        if args["install_root"]:
            gi_layout.check_root(args["install_root"])

        facts = facts_from_vars(task_vars)
        # Without facts the default root is guessed from Windows' defaults and the
        # facts ride in the read batch; a wrong guess (a relocated Program Files or
        # profile) costs one more read, never a write in the wrong place.
        guessed = facts is None and not args["install_root"]
        root_facts = facts or (guess_facts(args["scope"], task_vars) if guessed else {})
        msi = gi_layout.msi_goroot(facts)
        root = gi_layout.check_root(
            args["install_root"] or gi_layout.default_root(args["scope"], root_facts), msi
        )
        layout = gi_layout.Layout(root)
        reads, results, verify_missing, verify_exe = self._read(
            client, layout, args, target, verify, msi, with_facts=facts is None
        )
        if facts is None:
            facts = results[reads.index["facts"]]
        if guessed:
            real_msi = gi_layout.msi_goroot(facts)
            real = gi_layout.check_root(gi_layout.default_root(args["scope"], facts), real_msi)
            if not (winpath.same_path(real, root) and winpath.same_path(real_msi, msi)):
                msi, layout = real_msi, gi_layout.Layout(real)
                reads, results, verify_missing, verify_exe = self._read(
                    client, layout, args, target, verify, msi, with_facts=False
                )
        obs = gi_observe.observe(layout, args["scope"], results, reads.index, msi=msi)

        read_check = None
        if target and verify_exe:
            found = obs.find(target)
            via_current = verify_exe == layout.go_exe(None)
            relevant = found is not None and (
                not via_current
                or (
                    obs.junction is not None
                    and winpath.same_path(obs.junction, layout.version_dir(found))
                )
            )
            if verify_missing and found is not None and relevant:
                obs.broken.add(found)
            elif relevant and not verify_missing:
                read_check = gi_observe.evaluate_verify(
                    results,
                    reads.index,
                    version=found,
                    goroots=[winpath.parent(winpath.parent(verify_exe)), layout.version_dir(found)],
                )
                if not read_check["ok"]:
                    self._warnings.append(
                        f"{found} failed verification and is installed again: "
                        + "; ".join(read_check["problems"])
                    )
                    obs.broken.add(found)
                    read_check = None

        # -- decide ----------------------------------------------------------------
        source = None
        if target is not None:  # state: present (the target is always known by now)
            found = obs.find(target)
            if found is None:
                source = self._source(args, opts, target, facts, layout)
                target = source.version
            else:
                target = found
            plan = gi_plan.plan_present(
                obs,
                version=target,
                source=source,
                activate=args["active"],
                keep=args["keep"],
                fix_goroot=args["fix_goroot"],
                facts=facts,
                now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                download_args=self._download_args(args),
            )
        else:
            plan = gi_plan.plan_absent(
                obs,
                spec=opts["spec"],
                keep=args["keep"],
                fix_goroot=args["fix_goroot"],
                facts=facts,
            )
        self._warnings.extend(plan.warnings)

        # -- one batch of writes ----------------------------------------------------
        check = read_check
        if plan.ops and not self.check_mode:
            if source is not None and source.push_from:
                controller_files.push(self._connection, opts["src_local"], source.push_from)
            batch = Batch()
            batch.ops.extend(plan.ops)
            write_verify: dict[str, int] = {}
            exe = None
            if target and verify != gi_layout.VERIFY_NONE and (plan.install or plan.switch):
                exe = layout.go_exe(None if plan.active_after == target else target)
                for key, op in gi_observe.verify_ops(
                    exe, verify, layout.verify_dir(uuid.uuid4().hex[:8])
                ):
                    write_verify[key] = len(batch.ops)
                    batch.ops.append(op)
            try:
                written = client.run(batch, check_mode=False).results
            except AgentError as err:
                return self._failed_write(err, plan)
            if exe is not None:
                check = gi_observe.evaluate_verify(
                    written,
                    write_verify,
                    version=target,
                    goroots=[winpath.parent(winpath.parent(exe)), layout.version_dir(target)],
                )

        result = self._result(args, plan, layout, source, target, obs)
        if verify != gi_layout.VERIFY_NONE and args["state"] == "present":
            if check is None and self.check_mode:
                check = {"ok": None, "skipped": "check mode: the toolchain is not installed yet"}
            result["verify"] = check
            if check is not None and check.get("ok") is False:
                result["failed"] = True
                result["msg"] = f"{target} is installed but failed verification: " + "; ".join(
                    check["problems"]
                )
        if self._warnings:
            result["warnings"] = self._warnings
        return result

    # -- arguments -----------------------------------------------------------------

    def _check_args(self, args: dict[str, Any]) -> dict[str, Any]:
        opts: dict[str, Any] = {"verify": gi_layout.verify_mode(args["verify"])}
        if args["keep"] is not None and args["keep"] < 1:
            raise ValueError(f"keep must be 1 or more, not {args['keep']}")
        if args["cache_ttl"] < 0:
            raise ValueError("cache_ttl must be 0 or more seconds")
        if args["download_timeout"] < 1:
            raise ValueError("download_timeout must be 1 or more seconds")
        if args["checksum"] is not None:
            opts["checksum"] = gi_layout.parse_checksum(args["checksum"])
        if args["checksum"] is not None and not (args["archive_url"] or args["src"]):
            raise ValueError(
                "checksum goes with archive_url or src (the index has the "
                "checksums of go.dev's archives)"
            )
        if (
            args["mirror"]
            and not gi_layout.is_unc(args["mirror"])
            and not args["mirror"].lower().startswith(("http://", "https://"))
        ):
            raise ValueError(
                f"mirror must be an http(s) URL or a UNC path "
                f"(\\\\server\\share\\dir), not {args['mirror']!r}"
            )
        if (
            args["archive_url"]
            and not gi_layout.is_unc(args["archive_url"])
            and not args["archive_url"].lower().startswith(("http://", "https://"))
        ):
            raise ValueError(
                f"archive_url must be an http(s) URL or a UNC path, not {args['archive_url']!r}"
            )
        spec = args["version"]
        if args["version_file"]:
            path = self._controller_file(args["version_file"], "version_file")
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError) as err:
                raise ValueError(f"cannot read version_file {path}: {err}") from None
            spec = go_releases.version_spec_from_file(os.path.basename(path), text)
        opts["spec"] = spec.strip() if isinstance(spec, str) and spec.strip() else None
        if args["src"]:
            opts["src_local"] = self._controller_file(args["src"], "src")
        if args["state"] == "absent":
            if opts["spec"] is None and args["keep"] is None:
                raise ValueError("state: absent needs version, version_file or keep")
        elif opts["spec"] is None and not (args["archive_url"] or args["src"]):
            raise ValueError(
                "version or version_file is required (or archive_url/src whose "
                "file name names the version)"
            )
        return opts

    def _controller_file(self, path: str, what: str) -> str:
        try:
            return self._find_needle("files", path)
        except AnsibleError:
            raise ValueError(f"{what} {path!r} was not found on the controller") from None

    # -- versions and sources ------------------------------------------------------

    def _target(self, args: dict[str, Any], opts: dict[str, Any]) -> str:
        """The version to install (``go1.22.5``), known before the reads when possible."""
        spec = opts["spec"]
        pinned = args["archive_url"] or (
            os.path.basename(opts["src_local"]) if args["src"] else None
        )
        if pinned:
            info = gi_layout.archive_name_info(gi_layout.url_basename(pinned))
            named = canonical(go_releases.normalize_version(spec)) if spec else None
            if spec and not gi_layout.is_exact_spec(spec):
                raise ValueError(
                    f"with archive_url or src, version must name one release "
                    f"(e.g. 1.22.5), not {spec!r}"
                )
            if (
                info
                and named
                and go_releases.version_key(info[0]) != go_releases.version_key(named)
            ):
                raise ValueError(
                    f"the archive {gi_layout.url_basename(pinned)} is {info[0]}, but "
                    f"version asks for {named}"
                )
            if named:
                return named
            if info:
                return canonical(info[0])
            raise ValueError(
                f"cannot tell the Go version of {gi_layout.url_basename(pinned)!r}: set "
                "version to the exact version it holds"
            )
        if gi_layout.is_exact_spec(spec):
            return canonical(go_releases.normalize_version(spec))
        releases = self._load_releases(args)
        return go_releases.resolve_version(
            spec, releases, allow_prerelease=args["allow_prerelease"]
        ).version

    def _load_releases(self, args: dict[str, Any]) -> list[go_releases.GoRelease]:
        if self._releases is None:
            index_file = (
                self._controller_file(args["index_file"], "index_file")
                if args["index_file"]
                else None
            )
            data, status = release_index.load_index_with_status(
                index_url=args["index_url"],
                index_file=index_file,
                cache_dir=os.path.expanduser(args["cache_dir"]),
                ttl=args["cache_ttl"],
                timeout=min(60, args["download_timeout"]),
                headers=args["download_headers"] if args["index_url"] else None,
            )
            self._releases = go_releases.parse_index(data)
            self._index_status = status
            if status == release_index.STALE:
                self._warnings.append(
                    f"the Go release index {args['index_url'] or release_index.DEFAULT_INDEX_URL} "
                    "could not be fetched; an older cached copy was used (newer releases may "
                    "be missing)"
                )
        return self._releases

    def _read(
        self,
        client: AgentClient,
        layout: gi_layout.Layout,
        args: dict[str, Any],
        target: str | None,
        verify: str,
        msi: str,
        *,
        with_facts: bool,
    ) -> tuple[gi_observe.ReadBatch, list[dict[str, Any]], bool, str | None]:
        """Run the one batch of reads (plus the verification of the toolchain asked for).

        Returns the batch, its results, whether the verified ``go.exe`` was missing
        (then it is not, or not properly, installed), and the exe verified.
        """
        verify_exe = None
        if target and verify != gi_layout.VERIFY_NONE:
            verify_exe = layout.go_exe(None if args["active"] else target)
        read_verify = (
            gi_layout.VERIFY_VERSION
            if (self.check_mode and verify != gi_layout.VERIFY_NONE)
            else verify
        )
        reads = gi_observe.read_batch(
            layout,
            msi=msi,
            verify_exe=verify_exe,
            verify=read_verify,
            build_dir=layout.verify_dir(uuid.uuid4().hex[:8]),
            with_facts=with_facts,
        )
        try:
            return reads, client.run(reads.batch, check_mode=self.check_mode).results, False, \
                verify_exe
        except AgentError as err:
            first_verify = reads.index.get("verify_version")
            if first_verify is None or err.index is None or err.index < first_verify:
                raise
            if err.code != "not_found":
                raise
            # No go.exe where the toolchain should be: it is not (properly) installed.
            return reads, err.applied, True, verify_exe

    def _source(
        self,
        args: dict[str, Any],
        opts: dict[str, Any],
        target: str,
        facts: dict[str, Any],
        layout: gi_layout.Layout,
    ) -> gi_plan.Source:
        """Where the archive of ``target`` comes from; the compatibility gate and the
        checksum rule run here, before anything reaches the host."""
        arch = str(facts.get("architecture") or "")
        build = int((facts.get("os") or {}).get("build") or 0)
        if args["archive_url"] or args["src"]:
            pinned = args["archive_url"] or opts["src_local"]
            filename = gi_layout.url_basename(pinned)
            info = gi_layout.archive_name_info(filename)
            if info and info[1] != gi_layout.goarch(arch):
                raise ValueError(
                    f"{filename} is a windows-{info[1]} archive, but the host is "
                    f"{arch}: use the windows-{gi_layout.goarch(arch)} archive"
                )
            go_releases.check_compatibility(
                go_releases.GoRelease(version=target, stable=True, files=()),
                os_build=build,
                architecture=arch,
            )
            if args["archive_url"]:
                sha = opts.get("checksum")
                self._checksum_rule(args, sha, filename)
                return gi_plan.Source(target, filename, args["archive_url"], sha)
            return self._pushed_source(args, opts, target, filename, facts, layout)
        releases = self._load_releases(args)
        release = go_releases.resolve_version(target, releases, allow_prerelease=True)
        archive = go_releases.windows_archive(release, arch, releases=releases)
        go_releases.check_compatibility(release, os_build=build, architecture=arch)
        sha = archive.sha256 or None
        self._checksum_rule(args, sha, archive.filename)
        url = gi_layout.archive_url(
            archive.filename, mirror=args["mirror"], index_url=args["index_url"]
        )
        return gi_plan.Source(release.version, archive.filename, url, sha, archive.size or None)

    def _pushed_source(
        self,
        args: dict[str, Any],
        opts: dict[str, Any],
        target: str,
        filename: str,
        facts: dict[str, Any],
        layout: gi_layout.Layout,
    ) -> gi_plan.Source:
        local = opts["src_local"]
        actual = controller_files.sha256_file(local)
        want = opts.get("checksum")
        if want is None and (args["index_url"] or args["index_file"]):
            for release in self._load_releases(args):
                for item in release.files:
                    if item.filename == filename and item.sha256:
                        want = item.sha256
        if want is not None and want != actual:
            raise ValueError(
                f"src {local} has SHA-256 {actual}, expected {want}: nothing was copied to the host"
            )
        self._checksum_rule(args, want, filename)
        remote = controller_files.staging_path(facts, filename)
        return gi_plan.Source(
            target,
            filename,
            "file://" + os.path.abspath(local),
            actual,
            os.path.getsize(local),
            push_from=remote,
        )

    def _checksum_rule(self, args: dict[str, Any], sha: str | None, filename: str) -> None:
        if sha is not None:
            return
        if args["validate_checksum"]:
            raise ValueError(
                f"no SHA-256 is known for {filename}: give checksum "
                "(sha256:<hex>), or set validate_checksum: false to install it "
                "unverified"
            )
        self._warnings.append(
            f"{filename} is installed without a checksum "
            "(validate_checksum: false): its content is not verified"
        )

    def _download_args(self, args: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"timeout": args["download_timeout"]}
        if args["download_headers"]:
            out["headers"] = {str(k): str(v) for k, v in args["download_headers"].items()}
        if args["proxy"]:
            out["proxy"] = args["proxy"]
        return out

    # -- results -------------------------------------------------------------------

    def _failed_write(self, err: AgentError, plan: gi_plan.Plan) -> dict[str, Any]:
        if err.index is not None and err.index >= len(plan.ops):
            # Every change was applied; the verification ops that followed could not run.
            msg = (f"{err.describe()}: {plan.target} was installed and the changes were "
                   "applied, but its verification could not run")
        else:
            done = [op["op"] for op in plan.ops[: len(err.applied)]]
            note = ("nothing was changed" if not err.changed
                    else "applied before the failure: " + ", ".join(done))
            msg = (f"{err.describe()} ({note}). Ops are ordered so the previous toolchain "
                   "stays active; run the task again once the cause is fixed.")
        return {
            "failed": True,
            "changed": err.changed,
            "error_code": err.code,
            "msg": msg,
            "warnings": self._warnings,
            "index_status": self._index_status,
        }

    def _result(
        self,
        args: dict[str, Any],
        plan: gi_plan.Plan,
        layout: gi_layout.Layout,
        source: gi_plan.Source | None,
        target: str | None,
        obs: gi_observe.Observed,
    ) -> dict[str, Any]:
        record = plan.records_after.get(target or "") or obs.state.records.get(target or "") or {}
        result: dict[str, Any] = {
            "changed": plan.changed,
            "version": gi_layout.number(target),
            "url": source.url if source else record.get("url"),
            "sha256": source.sha256 if source else record.get("sha256"),
            "install_root": layout.root,
            "install_path": layout.version_dir(target) if target else None,
            "active_version": gi_layout.number(plan.active_after),
            "installed_versions": [gi_layout.number(n) for n in plan.installed_after],
            "conflicts": plan.conflicts,
            "goroot": plan.goroot,
            "changes": plan.steps,
            "index_status": self._index_status,
        }
        if args["state"] == "absent":
            result["removed_versions"] = [
                s["version"] for s in plan.steps if s["step"] in ("remove", "prune")
            ]
        if self.diff_mode:
            result["diff"] = {
                "before_header": f"{layout.root} ({args['scope']})",
                "after_header": f"{layout.root} ({args['scope']})",
                "before": _view(plan.active_before, plan.installed_before, plan.path_before),
                "after": _view(plan.active_after, plan.installed_after, plan.path_after),
            }
        return result


def _view(active: str | None, installed: list[str], path: str | None) -> str:
    lines = [f"active: {gi_layout.number(active) or '(none)'}", "installed:"]
    lines += [f"  - {gi_layout.number(n)}" for n in installed] or ["  (none)"]
    lines.append("PATH:")
    lines += [f"  {entry}" for entry in (path or "").split(";")] if path else ["  (unset)"]
    return "\n".join(lines) + "\n"


def canonical(name: str) -> str:
    """go.dev's name of a release: before Go 1.21 a minor's first release has no ``.0``."""
    key = go_releases.version_key(name)
    if (
        (key[0], key[1]) < (1, 21)
        and key[2] == 0
        and key[3] == 2
        and name.endswith(".0")
        and name.count(".") == 2
    ):
        return name[:-2]
    return name


def facts_from_vars(task_vars: dict[str, Any]) -> dict[str, Any] | None:
    """The ``winops_go`` facts win_go_facts left for this host, when complete enough."""
    for candidate in (
        task_vars.get("winops_go"),
        (task_vars.get("ansible_facts") or {}).get("winops_go"),
    ):
        if isinstance(candidate, dict) and all(k in candidate for k in _FACT_KEYS):
            return dict(candidate)
    return None


def guess_facts(scope: str, task_vars: dict[str, Any]) -> dict[str, Any]:
    """Windows' default folders, to find the install root before the facts are read."""
    user = str(task_vars.get("ansible_user") or "Administrator")
    user = user.rsplit("\\", maxsplit=1)[-1].split("@", maxsplit=1)[0] or "Administrator"
    return {
        "dirs": {"program_files": r"C:\Program Files"},
        "user": {"localappdata": rf"C:\Users\{user}\AppData\Local"},
    }
