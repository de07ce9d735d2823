"""The HTML page of a fleet report: one self-contained file (inline CSS and JS).

Part of the pure logic of ``winops.golang.compliance_report``; the report
model and its JSON are in :mod:`compliance_report`. Everything is rendered and
HTML-escaped here; the page's script only filters rows and shows details, and
a Content-Security-Policy allows nothing but that script and style.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils.compliance_report import (
    COMPLIANCE,
    ERROR,
    KINDS,
    MISSING,
    TEXT_KEYS,
    ReportKind,
    Status,
)

CSS = """
:root { color-scheme: light; --line: #cfd8dc; --ink: #1c2529; --muted: #546e7a; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0 auto; max-width: 1400px; padding: 1rem 1.5rem 3rem;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: #fafbfc; }
h1 { font-size: 1.6rem; margin: .2rem 0; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
.generated { color: var(--muted); margin: 0 0 1rem; }
.noscript { background: #fff8e1; padding: .5rem; border: 1px solid #ffe082; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; list-style: none; padding: 0; margin: 0; }
.card { min-width: 9rem; padding: .5rem .8rem; border: 1px solid var(--line);
  border-left-width: 6px; border-radius: 6px; background: #fff; }
.card .count { display: block; font-size: 1.6rem; font-weight: 700; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; list-style: none; padding: 0; }
.legend li { display: flex; align-items: center; gap: .4rem; }
.legend .desc { color: var(--muted); font-size: .9em; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 4px;
  border: 1px solid transparent; white-space: nowrap; font-weight: 600; }
#filters { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .8rem 1.5rem;
  padding: .7rem .9rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
#filters fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: .3rem .9rem; }
#filters legend, #filters .field > span { font-weight: 600; display: block; margin-bottom: .2rem; }
#filters label { white-space: nowrap; }
#filters input[type=search], #filters select { font: inherit; padding: .2rem .4rem; }
#filter-info { margin: .5rem 0 0; color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid var(--line); padding: .35rem .55rem; text-align: left;
  vertical-align: top; }
thead th { background: #eceff1; position: sticky; top: 0; }
#matrix thead th small { display: block; font-weight: 400; color: var(--muted); max-width: 12rem; }
#matrix tbody th { white-space: nowrap; }
td.cell { cursor: pointer; white-space: nowrap; font-weight: 600; }
td.cell.error-cell { white-space: normal; }
td.cell:hover, td.cell:focus, tr.finding:hover, tr.finding:focus {
  outline: 3px solid #1565c0; outline-offset: -3px; }
.selected { outline: 3px solid #0d47a1 !important; outline-offset: -3px; }
.col-off { display: none; }
.status-off { visibility: hidden; }
.host-counts { color: var(--muted); font-size: .9em; min-width: 10rem; }
tr.finding { cursor: pointer; }
.tone-bad { background: #fde2e1; color: #8a1c13; border-color: #c62828; }
.tone-fixed { background: #fff1cc; color: #6b4a00; border-color: #f9a825; }
.tone-good { background: #e3f4e5; color: #1e5e2a; border-color: #2e7d32; }
.tone-neutral { background: #eceff1; color: #37474f; border-color: #90a4ae; }
.tone-error { background: #ede1f5; color: #5b2480; border-color: #7b1fa2; }
.tone-missing { background: #fff; color: #78909c; border: 1px dashed #b0bec5; }
.card.tone-bad, .card.tone-fixed, .card.tone-good, .card.tone-neutral, .card.tone-error {
  border-width: 1px 1px 1px 6px; }
#details { margin-top: 1rem; padding: .8rem 1rem; background: #fff; border: 2px solid #1565c0;
  border-radius: 6px; }
.details-head { display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
.details-head h2 { margin: 0; }
.detail dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem;
  margin: .6rem 0; }
.detail dt { font-weight: 600; color: var(--muted); }
.detail dd { margin: 0; white-space: pre-wrap; word-break: break-word; }
.detail h4 { margin: .8rem 0 .3rem; }
.detail ol { padding-left: 1.4rem; }
.detail li { margin-bottom: .5rem; }
table.kv th { background: #f5f7f8; font-weight: 600; width: 1%; white-space: nowrap; }
table.kv td { white-space: pre-wrap; word-break: break-word; font-size: .9em;
  font-family: ui-monospace, Consolas, monospace; }
.empty { color: var(--muted); font-style: italic; }
"""

JS = """
(function () {
  "use strict";
  var doc = document;
  var boxes = Array.prototype.slice.call(doc.querySelectorAll("#filters input[name=status]"));
  var controlSelect = doc.getElementById("filter-control");
  var hostInput = doc.getElementById("filter-host");
  var info = doc.getElementById("filter-info");
  var panel = doc.getElementById("details");
  var panelBody = doc.getElementById("details-body");
  var panelTitle = doc.getElementById("details-title");

  function each(selector, fn) { Array.prototype.forEach.call(doc.querySelectorAll(selector), fn); }

  function apply() {
    var wanted = {};
    boxes.forEach(function (box) { wanted[box.value] = box.checked; });
    var control = controlSelect.value;
    var text = hostInput.value.trim().toLowerCase();
    function hostOk(el) {
      return !text || (el.getAttribute("data-host") || "").toLowerCase().indexOf(text) !== -1;
    }
    function colOk(el) {
      var col = el.getAttribute("data-col");
      return !control || col === null || col === control;
    }
    function statusOk(el) { return wanted[el.getAttribute("data-status")] !== false; }
    each("#matrix [data-col]", function (el) { el.classList.toggle("col-off", !colOk(el)); });
    each("#matrix tbody tr", function (row) {
      var cells = row.querySelectorAll("td.cell");
      var any = cells.length === 0;  // a host without any cell is hidden by the host filter only
      Array.prototype.forEach.call(cells, function (cell) {
        var on = statusOk(cell) && colOk(cell);
        cell.classList.toggle("status-off", !on);
        if (on) { any = true; }
      });
      row.hidden = !(hostOk(row) && any);
    });
    var shown = 0;
    var total = 0;
    each("#findings tbody tr", function (row) {
      var on = hostOk(row) && colOk(row) && statusOk(row);
      row.hidden = !on;
      total += 1;
      if (on) { shown += 1; }
    });
    info.textContent = shown === total ? "Findings list: showing all " + total + " rows"
      : "Findings list: showing " + shown + " of " + total + " rows";
  }

  function close() {
    panel.hidden = true;
    each(".selected", function (el) { el.classList.remove("selected"); });
  }

  function show(id) {
    var source = doc.getElementById(id);
    if (!source) { return; }
    var copy = source.cloneNode(true);
    copy.removeAttribute("id");
    copy.hidden = false;
    while (panelBody.firstChild) { panelBody.removeChild(panelBody.firstChild); }
    panelBody.appendChild(copy);
    panelTitle.textContent = source.getAttribute("data-heading");
    each(".selected", function (el) { el.classList.remove("selected"); });
    each("[data-detail]", function (el) {
      if (el.getAttribute("data-detail") === id) { el.classList.add("selected"); }
    });
    panel.hidden = false;
    panel.scrollIntoView({ block: "nearest" });
  }

  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  controlSelect.addEventListener("change", apply);
  hostInput.addEventListener("input", apply);
  doc.getElementById("filter-reset").addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = true; });
    controlSelect.value = "";
    hostInput.value = "";
    apply();
  });
  doc.getElementById("details-close").addEventListener("click", close);
  doc.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-detail]") : null;
    if (target) { show(target.getAttribute("data-detail")); }
  });
  doc.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { close(); return; }
    var target = event.target;
    if ((event.key === "Enter" || event.key === " ") && target.getAttribute
        && target.getAttribute("data-detail")) {
      event.preventDefault();
      show(target.getAttribute("data-detail"));
    }
  });
  apply();
  doc.body.setAttribute("data-ready", "true");
}());
"""


def _e(value: Any) -> str:
    """HTML-escaped text, quotes included (safe in element text and attribute values)."""
    return html.escape(str(value), quote=True)


def _csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _scalar_text(value: Any) -> str:
    """A scalar as a person reads it (JSON spelling for true, false and null)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def render_value(value: Any) -> str:
    """Any plain value as HTML: dicts as key/value tables, lists of dicts as numbered tables."""
    if isinstance(value, Mapping):
        if not value:
            return '<span class="empty">(empty)</span>'
        rows = "".join(f"<tr><th scope=\"row\">{_e(key)}</th><td>{render_value(item)}</td></tr>"
                       for key, item in value.items())
        return f'<table class="kv">{rows}</table>'
    if isinstance(value, list):
        if not value:
            return '<span class="empty">(none)</span>'
        if all(not isinstance(item, (Mapping, list)) for item in value):
            return _e(", ".join(_scalar_text(item) for item in value))
        return "<ol>" + "".join(f"<li>{render_value(item)}</li>" for item in value) + "</ol>"
    return _e(_scalar_text(value))


def _status_map(kind: ReportKind) -> dict[str, Status]:
    statuses = {status.name: status for status in kind.statuses}
    statuses[ERROR.name] = ERROR
    statuses[MISSING.name] = MISSING
    return statuses


def _badge(status: Status, text: str | None = None) -> str:
    label = f"{status.symbol} {status.label}" if text is None else text
    return (f'<span class="badge status-{_e(status.name)} tone-{_e(status.tone)}">'
            f"{_e(label)}</span>")


def _detail(detail_id: str, record: Mapping[str, Any], status: Status, column: str) -> str:
    """The hidden details of one record, copied into the details panel on click."""
    heading = f"{record['host']} \u00b7 {record['control']}"
    meta = [("Host", _e(record["host"])), (column, _e(record["control"])),
            ("Status", _badge(status))]
    for key in TEXT_KEYS:
        if record.get(key):
            meta.append((key.capitalize(), _e(record[key])))
    parts = [f'<div class="detail" id="{_e(detail_id)}" data-heading="{_e(heading)}" hidden>',
             "<dl>" + "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in meta) + "</dl>"]
    extra = [key for key in record if key not in ("host", "control", "status", *TEXT_KEYS)]
    extra.sort(key=lambda key: (key != "evidence", key))
    for key in extra:
        parts.append(f"<h4>{_e(key)}</h4>{render_value(record[key])}")
    parts.append("</div>")
    return "".join(parts)


def _counts_text(counts: Mapping[str, int], statuses: Mapping[str, Status]) -> str:
    shown = [f"{count} {statuses[name].label}" for name, count in counts.items() if count]
    return ", ".join(shown) or "\u2014"


def render_html(report: Mapping[str, Any]) -> str:
    """One self-contained HTML page: inline CSS and JS, no external resource.

    Everything is rendered here (every text HTML-escaped); the page's script
    only filters (status, control, host text) and shows a finding's details
    on click. A Content-Security-Policy allows that one script and style only.
    """
    kind = KINDS.get(str(report.get("kind")), COMPLIANCE)
    statuses = _status_map(kind)
    hosts: list[str] = list(report["hosts"])
    controls: list[Mapping[str, str]] = list(report["controls"])
    records: list[Mapping[str, Any]] = list(report["records"])
    errors: Mapping[str, str] = report["errors"]
    summary: Mapping[str, Any] = report["summary"]
    title = str(report["title"])
    generated_at = str(report["generated_at"])
    column = kind.column

    cells: dict[tuple[str, str], tuple[str, Mapping[str, Any]]] = {}
    store: list[str] = []
    for index, record in enumerate(records):
        detail_id = f"detail-{index}"
        cells[(record["host"], record["control"])] = (detail_id, record)
        store.append(_detail(detail_id, record, statuses[record["status"]], column))
    error_ids: dict[str, str] = {}
    for index, host in enumerate(host for host in hosts if host in errors):
        detail_id = f"detail-error-{index}"
        error_ids[host] = detail_id
        store.append(_detail(detail_id, {"host": host, "control": "(all)", "status": ERROR.name,
                                         "message": errors[host]}, ERROR, column))

    out: list[str] = []
    add = out.append
    # -- summary cards
    add('<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>'
        '<ul class="cards">')
    add(f'<li class="card" data-count="hosts"><span class="count">{len(hosts)}</span>hosts</li>')
    for name in kind.status_names:
        status = statuses[name]
        add(f'<li class="card tone-{status.tone}" data-count="{_e(name)}">'
            f'<span class="count">{summary["by_status"][name]}</span>'
            f"{_e(status.symbol)} {_e(status.label)}</li>")
    add(f'<li class="card tone-error" data-count="error"><span class="count">'
        f'{len(summary["failed_hosts"])}</span>{_e(ERROR.symbol)} failed hosts</li>')
    add("</ul></section>")
    # -- legend
    add('<section id="legend" aria-labelledby="legend-h"><h2 id="legend-h">Legend</h2>'
        '<ul class="legend">')
    for status in [*kind.statuses, ERROR, MISSING]:
        add(f"<li>{_badge(status)}<span class=\"desc\">{_e(status.description)}</span></li>")
    add("</ul></section>")
    # -- filters
    add('<section id="filters" aria-label="Filters"><fieldset><legend>Status</legend>')
    for status in [*kind.statuses, ERROR, MISSING]:
        add(f'<label><input type="checkbox" name="status" value="{_e(status.name)}" checked> '
            f"{_e(status.symbol)} {_e(status.label)}</label>")
    add(f'</fieldset><label class="field"><span>{_e(column)}</span>'
        f'<select id="filter-control"><option value="">all</option>')
    for control in controls:
        add(f'<option value="{_e(control["control"])}">{_e(control["control"])}</option>')
    add('</select></label><label class="field"><span>Host</span>'
        '<input type="search" id="filter-host" placeholder="part of a host name" '
        'autocomplete="off"></label><button type="button" id="filter-reset">Reset filters</button>'
        '</section><p id="filter-info" aria-live="polite"></p>')
    # -- matrix
    add(f'<section id="matrix-section" aria-labelledby="matrix-h"><h2 id="matrix-h">Hosts \u00d7 '
        f'{_e(column.lower())}s</h2><div class="scroll"><table id="matrix"><thead><tr>'
        f'<th scope="col">Host</th>')
    for control in controls:
        tip = " \u2014 ".join(part for part in (control["title"], control["source"]) if part)
        add(f'<th scope="col" data-col="{_e(control["control"])}" title="{_e(tip)}">'
            f'{_e(control["control"])}<small>{_e(control["title"])}</small></th>')
    add('<th scope="col">Findings</th></tr></thead><tbody>')
    for host in hosts:
        add(f'<tr data-host="{_e(host)}"><th scope="row">{_e(host)}</th>')
        if host in errors:
            add(f'<td class="cell error-cell status-error tone-error" '
                f'colspan="{max(len(controls), 1)}" data-status="error" '
                f'data-detail="{error_ids[host]}" tabindex="0" role="button" '
                f'title="{_e(errors[host])}">{_e(ERROR.symbol)} {_e(ERROR.label)}: '
                f"{_e(errors[host])}</td>")
        else:
            for control in controls:
                found = cells.get((host, control["control"]))
                col = _e(control["control"])
                if found is None:
                    add(f'<td class="cell status-missing tone-missing" data-col="{col}" '
                        f'data-status="missing">{_e(MISSING.symbol)} {_e(MISSING.label)}</td>')
                    continue
                detail_id, record = found
                status = statuses[record["status"]]
                add(f'<td class="cell status-{_e(status.name)} tone-{status.tone}" '
                    f'data-col="{col}" data-status="{_e(status.name)}" '
                    f'data-detail="{detail_id}" tabindex="0" role="button" '
                    f'title="{_e(record["message"])}">'
                    f"{_e(status.symbol)} {_e(status.label)}</td>")
        counts = summary["by_host"].get(host, {})
        add(f'<td class="host-counts">{_e(_counts_text(counts, statuses))}</td></tr>')
    add("</tbody></table></div></section>")
    # -- details panel
    add('<section id="details" aria-labelledby="details-title" hidden><div class="details-head">'
        '<h2 id="details-title">Details</h2><button type="button" id="details-close">Close</button>'
        '</div><div id="details-body"></div></section>')
    # -- findings list
    add(f'<section id="findings-section" aria-labelledby="findings-h"><h2 id="findings-h">Findings'
        f'</h2><div class="scroll"><table id="findings"><thead><tr><th scope="col">Host</th>'
        f'<th scope="col">{_e(column)}</th><th scope="col">Status</th><th scope="col">Mode</th>'
        f'<th scope="col">Message</th></tr></thead><tbody>')
    for host in hosts:
        if host in errors:
            add(f'<tr class="finding" data-host="{_e(host)}" data-status="error" '
                f'data-detail="{error_ids[host]}" tabindex="0"><td>{_e(host)}</td><td>(all)</td>'
                f"<td>{_badge(ERROR)}</td><td></td><td>{_e(errors[host])}</td></tr>")
            continue
        for control in controls:
            found = cells.get((host, control["control"]))
            if found is None:
                continue
            detail_id, record = found
            add(f'<tr class="finding" data-host="{_e(host)}" data-col="{_e(record["control"])}" '
                f'data-status="{_e(record["status"])}" data-detail="{detail_id}" tabindex="0">'
                f'<td>{_e(host)}</td><td>{_e(record["control"])}</td>'
                f'<td>{_badge(statuses[record["status"]])}</td><td>{_e(record["mode"])}</td>'
                f'<td>{_e(record["message"])}</td></tr>')
    add("</tbody></table></div></section>")
    # -- per control counts
    add(f'<section id="by-control" aria-labelledby="by-control-h"><h2 id="by-control-h">By '
        f'{_e(column.lower())}</h2><div class="scroll"><table><thead><tr>'
        f'<th scope="col">{_e(column)}</th><th scope="col">Title</th><th scope="col">Source</th>')
    for name in kind.status_names:
        add(f'<th scope="col">{_e(statuses[name].label)}</th>')
    add("</tr></thead><tbody>")
    for control in controls:
        counts = summary["by_control"][control["control"]]
        add(f'<tr data-control="{_e(control["control"])}"><th scope="row">'
            f'{_e(control["control"])}</th><td>{_e(control["title"])}</td>'
            f'<td>{_e(control["source"])}</td>')
        for name in kind.status_names:
            add(f'<td data-status="{_e(name)}">{counts[name]}</td>')
        add("</tr>")
    add("</tbody></table></div></section>")
    add('<div id="detail-store" hidden>' + "".join(store) + "</div>")

    csp = ("default-src 'none'; img-src data:; style-src " + _csp_hash(CSS) + "; script-src "
           + _csp_hash(JS) + "; base-uri 'none'; form-action 'none'")
    head = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">\n'
        '<meta name="generator" content="winops.golang.compliance_report">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{_e(title)} \u2014 {_e(generated_at)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><h1 id="report-title">{_e(title)}</h1>'
        f'<p class="generated">Run time <time datetime="{_e(generated_at)}">{_e(generated_at)}'
        f"</time> \u00b7 {len(hosts)} hosts \u00b7 {len(controls)} {_e(column.lower())}s \u00b7 "
        f"{len(records)} findings</p></header>\n"
        "<noscript><p class=\"noscript\">The filters and the details panel need JavaScript; "
        "the matrix and the findings list are complete without it.</p></noscript>\n"
    )
    return head + "\n".join(out) + f"\n<script>{JS}</script>\n</body>\n</html>\n"
