"""Fleet reports: one record per host and control, a summary, JSON and one HTML page.

Pure logic of ``winops.golang.compliance_report``. :func:`build_report` turns
``{host: findings or an error text}`` into a report dict (records in a
deterministic order, a summary of counts); :func:`render_json` turns
it into the JSON file; :mod:`report_html` renders the HTML page.

The record model is general: a record is ``host``, ``control``, ``status`` and
the text fields ``title``, ``source``, ``mode`` and ``message``, plus any
other key of the finding (``evidence`` for a compliance report, ``before`` and
``after`` for a drift report), kept as plain data and shown in the HTML page as
key/value tables. A :class:`ReportKind` names the statuses a kind of report
allows (worst first) and how the page shows them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCHEMA = "winops.golang.report/1"
TEXT_KEYS = ("title", "source", "mode", "message")


@dataclass(frozen=True)
class Status:
    """One status of a kind of report, as the page shows it (never by colour alone)."""

    name: str
    label: str
    symbol: str
    tone: str  # bad | fixed | good | neutral | error | missing: the colour of the cell
    description: str


@dataclass(frozen=True)
class ReportKind:
    """What a kind of report allows and how its page names things."""

    name: str
    statuses: tuple[Status, ...]  # worst first
    column: str = "Control"  # heading of the matrix columns
    list_keys: tuple[str, ...] = ("evidence",)  # lists of dicts every record carries

    @property
    def status_names(self) -> tuple[str, ...]:
        """The allowed statuses, worst first."""
        return tuple(status.name for status in self.statuses)


COMPLIANCE = ReportKind(
    name="compliance",
    statuses=(
        Status("non_compliant", "non compliant", "\u2717", "bad",
               "The host does not meet the control."),
        Status("changed", "changed", "\u21bb", "fixed",
               "Was not compliant; this run put it right (enforce mode)."),
        Status("compliant", "compliant", "\u2713", "good", "The host meets the control."),
        Status("not_applicable", "not applicable", "\u2013", "neutral",
               "Nothing to check on this host."),
    ),
)

DRIFT = ReportKind(
    name="drift",
    statuses=(
        Status("drifted", "drifted", "\u2260", "bad", "Differs from the desired state."),
        Status("changed", "changed", "\u21bb", "fixed", "Differed; this run put it back."),
        Status("in_sync", "in sync", "=", "good", "Matches the desired state."),
        Status("not_applicable", "not applicable", "\u2013", "neutral", "Not managed here."),
    ),
    column="Setting",
    list_keys=(),
)

KINDS = {kind.name: kind for kind in (COMPLIANCE, DRIFT)}

# Pseudo-statuses of the page only: a host without findings, a cell without a record.
ERROR = Status("error", "host failed", "!", "error",
               "The host was unreachable or the task failed: no findings.")
MISSING = Status("missing", "not reported", "\u00b7", "missing",
                 "The host returned no finding for this control.")


# ------------------------------------------------------------------ input


def outcome_from_result(host: str, value: Any) -> list[Any] | str:
    """What one host's entry of ``results`` says: its findings, or why it has none.

    ``value`` is a registered module result (a dict with ``findings``, or a
    failed, unreachable or skipped result), a list of findings, or an error
    text. Raises ValueError for anything else.
    """
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text = value.strip()
        return text or "no result"
    if value is None:
        return "no result"
    if isinstance(value, Sequence):
        return list(value)
    if not isinstance(value, Mapping):
        raise ValueError(f"results[{host!r}] must be a module result (dict), a list of "
                         f"findings or an error text, not {type(value).__name__}")
    msg = str(value.get("msg") or "").strip()
    if value.get("unreachable"):
        return "unreachable: " + (msg or "the host could not be reached")
    if value.get("failed"):
        return "failed: " + (msg or "the task failed")
    if value.get("skipped"):
        return "skipped: " + (str(value.get("skip_reason") or "").strip() or "the task was skipped")
    findings = value.get("findings")
    if findings is None:
        raise ValueError(f"results[{host!r}] has no 'findings': pass the result registered "
                         f"from win_go_baseline, or its list of findings")
    if isinstance(findings, (str, bytes)) or not isinstance(findings, Sequence):
        raise ValueError(f"results[{host!r}].findings must be a list, "
                         f"not {type(findings).__name__}")
    return list(findings)


def plain(value: Any) -> Any:
    """``value`` as JSON data: dicts with text keys, lists, text, numbers, booleans, None."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (Sequence, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [plain(item) for item in items]
    return str(value)


def natural_key(text: str) -> tuple[tuple[Any, ...], str]:
    """Sort key that puts ``win-2`` before ``win-10``; ties broken by the text itself."""
    parts = re.split(r"(\d+)", text.casefold())
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts)), text


def _record(host: str, index: int, finding: Any, kind: ReportKind) -> dict[str, Any]:
    """One finding of ``host`` as a report record; ValueError when it is malformed."""
    where = f"host {host!r}, finding {index + 1}"
    if not isinstance(finding, Mapping):
        raise ValueError(f"{where}: a finding must be a dict, not {type(finding).__name__}")
    control = finding.get("control")
    if not isinstance(control, str) or not control.strip():
        raise ValueError(f"{where}: 'control' must be a non-empty text")
    status = finding.get("status")
    if status not in kind.status_names:
        raise ValueError(f"{where} ({control}): status {status!r} is not one of "
                         f"{', '.join(kind.status_names)}")
    record: dict[str, Any] = {"host": host, "control": str(control), "status": str(status)}
    for key in TEXT_KEYS:
        value = finding.get(key)
        record[key] = "" if value is None else str(value)
    for key in kind.list_keys:
        items = finding.get(key)
        if items is None:
            items = []
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
            raise ValueError(f"{where} ({control}): {key!r} must be a list of dicts")
        record[key] = [plain(item) if isinstance(item, Mapping) else {"value": plain(item)}
                       for item in items]
    for key, value in finding.items():
        name = str(key)
        if name not in record:
            record[name] = plain(value)
    return record


# ------------------------------------------------------------------ report


def build_report(outcomes: Mapping[str, Any], *, title: str, generated_at: str,
                 kind: ReportKind = COMPLIANCE) -> dict[str, Any]:
    """The report of ``{host: findings (list) or error text (str)}``.

    Hosts are in natural order (``win-2`` before ``win-10``), controls in
    alphabetical order, records by host then control. Raises ValueError for
    malformed input, naming the host and finding.
    """
    if not isinstance(outcomes, Mapping):
        raise ValueError("the results must be a dict of host name to findings")
    hosts = sorted((str(host) for host in outcomes), key=natural_key)
    if len(set(hosts)) != len(hosts):
        raise ValueError("a host name appears twice in the results")
    by_name = {str(host): value for host, value in outcomes.items()}
    records: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for host in hosts:
        value = by_name[host]
        if isinstance(value, str):
            errors[host] = value
            continue
        if isinstance(value, (bytes, Mapping)) or not isinstance(value, Sequence):
            raise ValueError(f"host {host!r}: expected a list of findings or an error text")
        seen: set[str] = set()
        for index, finding in enumerate(value):
            record = _record(host, index, finding, kind)
            if record["control"] in seen:
                raise ValueError(f"host {host!r} reports control {record['control']!r} twice")
            seen.add(record["control"])
            records.append(record)
    records.sort(key=lambda rec: (natural_key(rec["host"]), rec["control"]))

    controls: dict[str, dict[str, str]] = {}
    for record in sorted(records, key=lambda rec: rec["control"]):
        entry = controls.setdefault(record["control"], {
            "control": record["control"], "title": "", "source": ""})
        for key in ("title", "source"):
            if not entry[key] and record[key]:
                entry[key] = record[key]

    names = kind.status_names
    by_status = dict.fromkeys(names, 0)
    by_control = {control: dict.fromkeys(names, 0) for control in controls}
    by_host = {host: dict.fromkeys(names, 0) for host in hosts}
    for record in records:
        by_status[record["status"]] += 1
        by_control[record["control"]][record["status"]] += 1
        by_host[record["host"]][record["status"]] += 1
    worst = names[0]
    return {
        "schema": SCHEMA,
        "kind": kind.name,
        "title": str(title),
        "generated_at": str(generated_at),
        "statuses": list(names),
        "hosts": hosts,
        "controls": list(controls.values()),
        "records": records,
        "errors": errors,
        "summary": {
            "hosts": len(hosts),
            "records": len(records),
            "by_status": by_status,
            "by_control": by_control,
            "by_host": by_host,
            "failed_hosts": [host for host in hosts if host in errors],
            "flagged_hosts": [host for host in hosts if by_host[host][worst]],
        },
    }


def render_json(report: Mapping[str, Any]) -> str:
    """The report as stable JSON: sorted keys, indent 2, UTF-8 text, final newline."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------- HTML
