"""Action plugin of winops.golang.compliance_report: write the fleet report on the controller.

Runs entirely on the controller (no connection, no agent): it turns the
registered ``win_go_baseline`` results of many hosts (``kind=compliance``), or
their drift findings (``kind=drift``, see ``playbooks/drift_report.yml``), into one report
(:mod:`compliance_report`) and writes ``<name>.json`` and ``<name>.html``
into ``dest_dir``, each replaced atomically and only when its content changed.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.winops.golang.plugins.module_utils import compliance_report, report_html

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_name(name: str) -> str:
    """The file stem, or ValueError when it is not a plain file name."""
    if not NAME_RE.match(name) or name.endswith("."):
        raise ValueError(f"name {name!r} must be a plain file stem (letters, digits, '.', '_' "
                         f"and '-', starting with a letter or digit), e.g. compliance-report")
    return name


def check_dest_dir(dest_dir: str) -> str:
    """``dest_dir`` as an absolute path; ValueError when it cannot hold the report."""
    if not dest_dir or not dest_dir.strip():
        raise ValueError("dest_dir must name a directory on the controller")
    path = os.path.abspath(dest_dir)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"dest_dir {path} exists and is not a directory")
    return path


def write_if_changed(path: str, text: str, check_mode: bool) -> bool:
    """Replace ``path`` with ``text`` atomically when it differs; True when it did (or would)."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except FileNotFoundError:
        pass
    if check_mode:
        return True
    directory = os.path.dirname(path)
    handle_fd, tmp_path = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                                           suffix=".tmp")
    try:
        with os.fdopen(handle_fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise
    return True


def now_utc() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class ActionModule(ActionBase):
    """Build the report from ``results`` and write its JSON and HTML files."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    ARGUMENT_SPEC: dict[str, Any] = {
        "results": {"type": "dict", "required": True},
        "dest_dir": {"type": "path", "required": True},
        "kind": {"type": "str", "default": "compliance", "choices": ["compliance", "drift"]},
        "name": {"type": "str"},
        "title": {"type": "str"},
        "generated_at": {"type": "str"},
    }

    # The file name and title of each kind of report, when the task gives none.
    KIND_DEFAULTS: dict[str, dict[str, str]] = {
        "compliance": {"name": "compliance-report", "title": "Go security baseline compliance"},
        "drift": {"name": "drift-report", "title": "Go fleet drift"},
    }

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict:
        """Validate the options, build the report, write both files."""
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        try:
            result.update(self.report(args, check_mode=bool(self._task.check_mode)))
        except ValueError as err:
            raise AnsibleActionFail(str(err)) from err
        except OSError as err:
            raise AnsibleActionFail(f"cannot write the report into {args['dest_dir']}: "
                                    f"{err}") from err
        return result

    @staticmethod
    def report(args: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        """Do the work for validated ``args``; ValueError for bad input."""
        kind_name = str(args.get("kind") or "compliance")
        if kind_name not in compliance_report.KINDS:
            raise ValueError(f"kind must be one of {', '.join(sorted(compliance_report.KINDS))}, "
                             f"not {kind_name!r}")
        kind = compliance_report.KINDS[kind_name]
        defaults = ActionModule.KIND_DEFAULTS[kind_name]
        name = check_name(str(defaults["name"] if args.get("name") is None else args["name"]))
        dest_dir = check_dest_dir(str(args["dest_dir"]))
        results = args["results"]
        if not results:
            raise ValueError("results is empty: pass a dict of host name to the result "
                             "registered from win_go_baseline (or its list of findings)"
                             if kind_name == "compliance" else
                             "results is empty: pass a dict of host name to its drift "
                             "findings (winops.golang.drift_findings) or error text")
        title = str(defaults["title"] if args.get("title") is None else args["title"]).strip()
        if not title:
            raise ValueError("title must not be empty")
        generated_at = str(args.get("generated_at") or "").strip() or now_utc()
        outcomes = {str(host): compliance_report.outcome_from_result(str(host), value)
                    for host, value in results.items()}
        report = compliance_report.build_report(outcomes, title=title,
                                                generated_at=generated_at, kind=kind)
        json_path = os.path.join(dest_dir, name + ".json")
        html_path = os.path.join(dest_dir, name + ".html")
        if not check_mode:
            os.makedirs(dest_dir, exist_ok=True)
        changed_json = write_if_changed(json_path, compliance_report.render_json(report),
                                        check_mode)
        changed_html = write_if_changed(html_path, report_html.render_html(report),
                                        check_mode)
        return {
            "changed": changed_json or changed_html,
            "json_path": json_path,
            "html_path": html_path,
            "generated_at": generated_at,
            "kind": kind_name,
            "summary": report["summary"],
        }
