"""The fleet report: records, summary, ordering, JSON and HTML (module_utils), and the
option checks and file writing of the compliance_report action plugin."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.winops.golang.plugins.action.compliance_report import (
    ActionModule,
    check_dest_dir,
    check_name,
    write_if_changed,
)
from ansible_collections.winops.golang.plugins.module_utils import compliance_report as cr
from ansible_collections.winops.golang.plugins.module_utils import report_html

WHEN = "2026-11-28T21:00:00Z"
DEFAULTS = {key: spec.get("default") for key, spec in ActionModule.ARGUMENT_SPEC.items()}


def winrm(status: str = "compliant", **extra: Any) -> dict[str, Any]:
    return {"control": "winrm", "title": "WinRM", "source": "CIS 18.9.102", "mode": "audit",
            "status": status, "message": "ok", "evidence": [], **extra}


SMALL = {
    "win-01": [winrm("non_compliant", message="Basic auth on",
                     evidence=[{"setting": "AllowBasic", "value": True}])],
    "win-02": "unreachable: timed out",
}

SMALL_JSON = """{
  "controls": [
    {
      "control": "winrm",
      "source": "CIS 18.9.102",
      "title": "WinRM"
    }
  ],
  "errors": {
    "win-02": "unreachable: timed out"
  },
  "generated_at": "2026-11-28T21:00:00Z",
  "hosts": [
    "win-01",
    "win-02"
  ],
  "kind": "compliance",
  "records": [
    {
      "control": "winrm",
      "evidence": [
        {
          "setting": "AllowBasic",
          "value": true
        }
      ],
      "host": "win-01",
      "message": "Basic auth on",
      "mode": "audit",
      "source": "CIS 18.9.102",
      "status": "non_compliant",
      "title": "WinRM"
    }
  ],
  "schema": "winops.golang.report/1",
  "statuses": [
    "non_compliant",
    "changed",
    "compliant",
    "not_applicable"
  ],
  "summary": {
    "by_control": {
      "winrm": {
        "changed": 0,
        "compliant": 0,
        "non_compliant": 1,
        "not_applicable": 0
      }
    },
    "by_host": {
      "win-01": {
        "changed": 0,
        "compliant": 0,
        "non_compliant": 1,
        "not_applicable": 0
      },
      "win-02": {
        "changed": 0,
        "compliant": 0,
        "non_compliant": 0,
        "not_applicable": 0
      }
    },
    "by_status": {
      "changed": 0,
      "compliant": 0,
      "non_compliant": 1,
      "not_applicable": 0
    },
    "failed_hosts": [
      "win-02"
    ],
    "flagged_hosts": [
      "win-01"
    ],
    "hosts": 2,
    "records": 1
  },
  "title": "Baseline"
}
"""


def build(outcomes: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return cr.build_report(outcomes, title=kwargs.pop("title", "Baseline"), generated_at=WHEN,
                           **kwargs)


# ------------------------------------------------------------------ report


def test_exact_json_of_a_small_report() -> None:
    assert cr.render_json(build(SMALL)) == SMALL_JSON


def test_json_is_stable_whatever_the_input_order() -> None:
    first = {"win-10": [winrm(), {**winrm(), "control": "authenticode"}], "win-2": [winrm()]}
    second = {"win-2": [winrm()], "win-10": [{**winrm(), "control": "authenticode"}, winrm()]}
    assert cr.render_json(build(first)) == cr.render_json(build(second))


def test_ordering_hosts_natural_controls_alphabetical() -> None:
    outcomes = {
        "win-10": [winrm(), {**winrm(), "control": "authenticode"}],
        "WIN-9": [{**winrm(), "control": "toolchain_acl"}],
        "win-2": "failed: boom",
        "app-1": [winrm()],
    }
    report = build(outcomes)
    assert report["hosts"] == ["app-1", "win-2", "WIN-9", "win-10"]
    assert [c["control"] for c in report["controls"]] == ["authenticode", "toolchain_acl", "winrm"]
    assert [(r["host"], r["control"]) for r in report["records"]] == [
        ("app-1", "winrm"), ("WIN-9", "toolchain_acl"),
        ("win-10", "authenticode"), ("win-10", "winrm")]


def test_summary_counts_per_status_control_and_host() -> None:
    outcomes = {
        "a": [winrm("compliant"), {**winrm("non_compliant"), "control": "authenticode"}],
        "b": [winrm("changed"), {**winrm("not_applicable"), "control": "authenticode"}],
        "c": [winrm("non_compliant")],
        "d": "unreachable: no route",
    }
    summary = build(outcomes)["summary"]
    assert summary["hosts"] == 4 and summary["records"] == 5
    assert summary["by_status"] == {"non_compliant": 2, "changed": 1, "compliant": 1,
                                    "not_applicable": 1}
    assert summary["by_control"]["winrm"] == {"non_compliant": 1, "changed": 1, "compliant": 1,
                                              "not_applicable": 0}
    assert summary["by_control"]["authenticode"]["non_compliant"] == 1
    assert summary["by_host"]["c"] == {"non_compliant": 1, "changed": 0, "compliant": 0,
                                       "not_applicable": 0}
    assert summary["by_host"]["d"] == dict.fromkeys(cr.COMPLIANCE.status_names, 0)
    assert summary["failed_hosts"] == ["d"]
    assert summary["flagged_hosts"] == ["a", "c"]


def test_control_title_comes_from_the_first_record_that_has_one() -> None:
    report = build({"a": [winrm(title="")], "b": [winrm(title="WinRM hardening")]})
    assert report["controls"] == [{"control": "winrm", "title": "WinRM hardening",
                                   "source": "CIS 18.9.102"}]


def test_records_keep_other_keys_and_wrap_scalar_evidence() -> None:
    record = build({"a": [winrm(evidence=["plain", {"k": ("x", 1)}], fixed_by="enforce")]}
                   )["records"][0]
    assert record["evidence"] == [{"value": "plain"}, {"k": ["x", 1]}]
    assert record["fixed_by"] == "enforce"


@pytest.mark.parametrize(("findings", "message"), [
    ([{"status": "compliant"}], "'control' must be a non-empty text"),
    ([winrm("ok")], "status 'ok' is not one of non_compliant, changed, compliant"),
    (["winrm"], "a finding must be a dict"),
    ([winrm(evidence="ACE")], "'evidence' must be a list of dicts"),
    ([winrm(), winrm()], "reports control 'winrm' twice"),
    ({"control": "winrm"}, "expected a list of findings or an error text"),
])
def test_bad_findings_say_which_host_and_what(findings: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        build({"win-01": findings})
    assert "win-01" in str(err.value)


def test_outcome_from_registered_results() -> None:
    assert cr.outcome_from_result("h", {"changed": False, "findings": [winrm()]}) == [winrm()]
    assert cr.outcome_from_result("h", [winrm()]) == [winrm()]
    assert cr.outcome_from_result("h", {"unreachable": True, "msg": "timed out"}) == (
        "unreachable: timed out")
    assert cr.outcome_from_result("h", {"failed": True, "msg": "access denied"}) == (
        "failed: access denied")
    assert cr.outcome_from_result("h", {"failed": True}) == "failed: the task failed"
    assert cr.outcome_from_result("h", {"skipped": True, "skip_reason": "Conditional"}) == (
        "skipped: Conditional")
    assert cr.outcome_from_result("h", "  no result: not run ") == "no result: not run"
    assert cr.outcome_from_result("h", None) == "no result"
    with pytest.raises(ValueError, match="has no 'findings'"):
        cr.outcome_from_result("h", {"changed": False})
    with pytest.raises(ValueError, match="findings must be a list"):
        cr.outcome_from_result("h", {"findings": "none"})
    with pytest.raises(ValueError, match="not int"):
        cr.outcome_from_result("h", 3)


def test_drift_kind_uses_the_same_record_model() -> None:
    report = build({"win-01": [{"control": "GOPROXY", "status": "drifted",
                                "before": {"value": "direct"}, "after": {"value": "off"}}]},
                   kind=cr.DRIFT)
    assert report["records"][0]["before"] == {"value": "direct"}
    assert report["summary"]["flagged_hosts"] == ["win-01"]
    page = report_html.render_html(report)
    assert "<h4>after</h4><table class=\"kv\"><tr><th scope=\"row\">value</th><td>off</td>" in page
    assert ">Setting</span>" in page


# -------------------------------------------------------------------- HTML

NASTY_HOST = 'h<1>&"2"\'3'
NASTY = '<script>alert("x")</script> & </td>'


def nasty_page() -> str:
    findings = {
        NASTY_HOST: [winrm("non_compliant", message=NASTY, title=NASTY,
                           evidence=[{"path": "C:\\a<b>", NASTY: [NASTY, 1, None]}])],
        "down": "failed: " + NASTY,
    }
    return report_html.render_html(build(findings, title=NASTY))


def test_html_escapes_every_text_and_attribute() -> None:
    page = nasty_page()
    assert "alert(" not in page.replace("alert(&quot;x&quot;)", "")
    assert NASTY not in page and NASTY_HOST not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;/td&gt;"
    assert f"<h1 id=\"report-title\">{escaped}</h1>" in page
    assert 'data-host="h&lt;1&gt;&amp;&quot;2&quot;&#x27;3"' in page
    assert f"<th scope=\"row\">{escaped}</th><td>{escaped}, 1, null</td>" in page
    assert "C:\\a&lt;b&gt;" in page
    assert page.count("<script") == 1  # the page's own script only


def test_html_is_self_contained() -> None:
    page = nasty_page()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "@import" not in page and "url(" not in page
    assert page.count("<style>") == 1 and page.count("<script>") == 1
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert found
    csp = html.unescape(found.group(1))
    assert csp.startswith("default-src 'none'; img-src data:; style-src 'sha256-")
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    assert report_html._csp_hash(script) in csp  # noqa: SLF001


def test_html_matrix_cells_carry_status_class_and_text_label() -> None:
    page = report_html.render_html(build({"a": [winrm("changed")], "b": [], "c": "failed: x"}))
    assert re.search(r'<td class="cell status-changed tone-fixed" data-col="winrm" '
                     r'data-status="changed"[^>]*>\u21bb changed</td>', page)
    assert re.search(r'<td class="cell status-missing tone-missing" data-col="winrm" '
                     r'data-status="missing">\u00b7 not reported</td>', page)
    assert '! host failed: failed: x</td>' in page
    assert f'<time datetime="{WHEN}">{WHEN}</time>' in page


def test_render_value_shapes() -> None:
    assert report_html.render_value({}) == '<span class="empty">(empty)</span>'
    assert report_html.render_value([]) == '<span class="empty">(none)</span>'
    assert report_html.render_value(["a", True, None]) == "a, true, null"
    assert report_html.render_value([{"a": 1}]) == (
        '<ol><li><table class="kv"><tr><th scope="row">a</th><td>1</td></tr></table></li></ol>')


# ------------------------------------------------------------ action plugin


def args(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {**DEFAULTS, "results": SMALL, "dest_dir": str(tmp_path / "reports"),
            "generated_at": WHEN, **extra}


def test_action_writes_both_files_and_reports_changes(tmp_path: Path) -> None:
    first = ActionModule.report(args(tmp_path))
    assert first["changed"] is True
    assert first["json_path"] == str(tmp_path / "reports" / "compliance-report.json")
    assert json.loads(Path(first["json_path"]).read_text(encoding="utf-8"))["hosts"] == [
        "win-01", "win-02"]
    assert Path(first["html_path"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert first["summary"]["failed_hosts"] == ["win-02"]
    assert ActionModule.report(args(tmp_path))["changed"] is False
    assert sorted(os.listdir(tmp_path / "reports")) == ["compliance-report.html",
                                                        "compliance-report.json"]
    later = ActionModule.report(args(tmp_path, generated_at="2026-11-29T08:00:00Z"),
                                check_mode=True)
    assert later["changed"] is True
    assert WHEN in Path(first["json_path"]).read_text(encoding="utf-8")  # check mode wrote nothing


def test_action_in_check_mode_creates_nothing(tmp_path: Path) -> None:
    result = ActionModule.report(args(tmp_path, name="fleet"), check_mode=True)
    assert result["changed"] is True and result["html_path"].endswith("fleet.html")
    assert not (tmp_path / "reports").exists()


def test_action_default_run_time_is_utc(tmp_path: Path) -> None:
    result = ActionModule.report(args(tmp_path, generated_at=None))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result["generated_at"])


@pytest.mark.parametrize(("extra", "message"), [
    ({"name": "../x"}, "must be a plain file stem"),
    ({"name": "report."}, "must be a plain file stem"),
    ({"name": ""}, "must be a plain file stem"),
    ({"results": {}}, "results is empty"),
    ({"title": "  "}, "title must not be empty"),
    ({"results": {"win-01": 42}}, "results['win-01'] must be a module result"),
    ({"results": {"win-01": {"changed": False}}}, "results['win-01'] has no 'findings'"),
    ({"results": {"win-01": [{"control": "winrm", "status": "bad"}]}},
     "status 'bad' is not one of"),
])
def test_action_option_errors(tmp_path: Path, extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ActionModule.report(args(tmp_path, **extra))
    assert not (tmp_path / "reports").exists()


def test_dest_dir_must_be_a_directory(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="exists and is not a directory"):
        check_dest_dir(str(file))
    with pytest.raises(ValueError, match="must name a directory"):
        check_dest_dir(" ")
    assert check_dest_dir("rel") == os.path.abspath("rel")
    assert check_name("fleet-2026.11_a") == "fleet-2026.11_a"


def test_write_if_changed_keeps_the_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    assert write_if_changed(str(path), "new", check_mode=False)
    assert path.read_text(encoding="utf-8") == "new"
    assert path.stat().st_mode & 0o777 == 0o640
    assert not write_if_changed(str(path), "new", check_mode=False)
    assert os.listdir(tmp_path) == ["r.json"]


def test_argument_spec_is_what_the_docs_say() -> None:
    assert ActionModule.ARGUMENT_SPEC["results"] == {"type": "dict", "required": True}
    assert ActionModule.ARGUMENT_SPEC["dest_dir"] == {"type": "path", "required": True}
    assert ActionModule.TRANSFERS_FILES is False


def task_action(task_args: dict[str, Any], check_mode: bool = False) -> ActionModule:
    """The action as the task executor would run it (no connection is used)."""
    act = object.__new__(ActionModule)
    act._connection = SimpleNamespace(_shell=SimpleNamespace(tmpdir="unused"))  # noqa: SLF001
    act._task = SimpleNamespace(args=task_args, async_val=0, check_mode=check_mode,  # noqa: SLF001
                                action="winops.golang.compliance_report", diff=False)
    return act


@pytest.mark.parametrize(("task_args", "message"), [
    ({}, "missing required arguments: dest_dir, results"),
    ({"results": SMALL, "dest_dir": "x", "dest": "y"}, "Unsupported parameters"),
    ({"results": "win-01", "dest_dir": "x"}, "argument 'results' is of type str"),
    ({"results": SMALL, "dest_dir": "x", "name": "a/b"}, "must be a plain file stem"),
])
def test_run_fails_the_task_with_a_clear_message(task_args: dict[str, Any], message: str) -> None:
    with pytest.raises(AnsibleActionFail, match=re.escape(message)):
        task_action(task_args).run(task_vars={})


def test_run_writes_the_report_and_turns_os_errors_into_task_failures(tmp_path: Path) -> None:
    result = task_action({"results": SMALL, "dest_dir": str(tmp_path / "r"),
                          "generated_at": WHEN}).run(task_vars={})
    assert result["changed"] and result["summary"]["hosts"] == 2
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(AnsibleActionFail, match="cannot write the report into"):
        task_action({"results": SMALL, "dest_dir": str(blocker / "sub")}).run(task_vars={})
