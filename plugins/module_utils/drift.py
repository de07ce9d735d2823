"""Drift findings: what a check-mode run (with diff) of the roles says about each setting.

Pure logic of the ``winops.golang.drift_findings`` filter and of
``playbooks/drift_report.yml``. A role task run in check mode with diff
reports what it *would* change; :func:`findings_from_results` turns the
registered results of the collection's modules into one finding per managed
setting, in the record format of :mod:`compliance_report` (kind ``drift``)::

    {"control": "GOPROXY (machine)", "status": "drifted", "title": ...,
     "source": "win_go_env", "message": ..., "before": ..., "after": ...}

``status`` is ``drifted`` (the setting differs from the desired state: a
converge would change it), ``in_sync`` or ``not_applicable``. A failed or
unreachable result makes the whole host an error (a text), as the report
expects. Values that a module masks stay masked; secrets (``_netrc``
content, tokens, passwords) are never read from a result, so they cannot
reach a finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import go_env_rules

DRIFTED = "drifted"
IN_SYNC = "in_sync"
NOT_APPLICABLE = "not_applicable"
MASK = go_env_rules.MASK

MODULES = (
    "win_go_install",
    "win_go_env",
    "win_go_profile",
    "win_remote_dev",
    "win_tcp_tuning",
    "win_go_baseline",
    "win_actions_runner",
    "win_go_service",
)

Finding = dict[str, Any]


class DriftInputError(ValueError):
    """The input is not a list of registered results tagged with their module."""


# ------------------------------------------------------------------ helpers


def _finding(control: str, drifted: bool, title: str, source: str, message: str,
             before: Any = None, after: Any = None) -> Finding:
    """One finding; ``before``/``after`` only when the setting drifted."""
    finding: Finding = {
        "control": control,
        "status": DRIFTED if drifted else IN_SYNC,
        "title": title,
        "source": source,
        "message": message,
    }
    if drifted:
        finding["before"] = before
        finding["after"] = after
    return finding


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _diff(result: Mapping[str, Any]) -> tuple[Any, Any]:
    diff = result.get("diff")
    if isinstance(diff, Sequence) and not isinstance(diff, (str, bytes)):
        diff = diff[0] if diff else None
    if not isinstance(diff, Mapping):
        return None, None
    return diff.get("before"), diff.get("after")


def _differing_lines(before: Any, after: Any) -> tuple[list[str], list[str]]:
    """The lines only ``before`` has and the lines only ``after`` has (text diffs)."""
    old = _text(before).splitlines()
    new = _text(after).splitlines()
    return [line for line in old if line not in new], [line for line in new if line not in old]


def _sections(text: Any) -> dict[str, Any]:
    """``key: value`` lines and indented lists under ``key:`` of a win_go_install diff."""
    sections: dict[str, Any] = {}
    current: str | None = None
    for line in _text(text).splitlines():
        if line.startswith(" ") and current is not None:
            item = line.strip()
            if item.startswith("- "):
                item = item[2:]
            sections.setdefault(current, []).append(item)
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        current = key.strip()
        sections[current] = value.strip() if value.strip() else []
    return sections


def _changed_keys(before: Mapping[str, Any], after: Mapping[str, Any],
                  keys: Sequence[str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    names = keys if keys is not None else sorted(set(before) | set(after))
    old = {key: before.get(key) for key in names if before.get(key) != after.get(key)}
    new = {key: after.get(key) for key in names if before.get(key) != after.get(key)}
    return old, new


def _state_change(lines: Sequence[str], current: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The service state a ``...: started``/``stopped``/``restarted`` line would set."""
    for line in lines:
        tail = line.rsplit(":", 1)[-1].strip()
        if tail == "started":
            return {"state": _text(current) or "stopped"}, {"state": "running"}
        if tail == "stopped":
            return {"state": _text(current) or "running"}, {"state": "stopped"}
        if tail == "restarted":
            return {"state": _text(current)}, {"state": "restarted"}
    return {}, {}


def _lines(value: Any) -> list[str]:
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [str(item) for item in value]
    return []


# ------------------------------------------------------------------ modules


def _path_finding(label: str, before: str, after: str, source: str) -> Finding:
    """The ``Path (<scope>)`` finding: the stored value before and after, and what moves."""
    old = [entry for entry in before.split(";") if entry]
    new = [entry for entry in after.split(";") if entry]
    added = [entry for entry in new if entry.casefold() not in {e.casefold() for e in old}]
    removed = [entry for entry in old if entry.casefold() not in {e.casefold() for e in new}]
    parts = ([f"add {', '.join(added)}"] if added else []) + (
        [f"remove {', '.join(removed)}"] if removed else [])
    message = "a converge would " + ("; ".join(parts) if parts else "reorder the entries")
    return _finding(f"Path ({label})", True, f"Path of the {label} environment", source,
                    message, before, after)


def _scope_of_header(header: Any) -> str:
    match = re.search(r"\(([a-z]+)\)\s*$", _text(header))
    return match.group(1) if match else "machine"


def from_go_install(result: Mapping[str, Any]) -> list[Finding]:
    """One finding per toolchain task (installed, active), and ``Path (<scope>)`` when the
    toolchain's PATH entry drifted."""
    version = _text(result.get("version")) or "unknown"
    root = _text(result.get("install_root"))
    control = f"toolchain go{version}"
    title = f"Go {version} installed in {root}" if root else f"Go {version} installed"
    active = result.get("active_version")
    state = "active" if active and active == result.get("version") else "installed"
    in_sync = _finding(control, False, title, "win_go_install", f"go{version} is {state} as wanted")
    if not result.get("changed"):
        return [in_sync]
    changes = [item for item in result.get("changes") or [] if isinstance(item, Mapping)]
    steps = [_text(step.get("step")) for step in changes if step.get("step")]
    before_text, after_text = _diff(result)
    old_sections, new_sections = _sections(before_text), _sections(after_text)
    findings: list[Finding] = []
    if old_sections.get("PATH") != new_sections.get("PATH") and "PATH" in new_sections:
        scope = _scope_of_header((result.get("diff") or {}).get("after_header")
                                 if isinstance(result.get("diff"), Mapping) else None)
        findings.append(_path_finding(scope, ";".join(old_sections.get("PATH") or []),
                                      ";".join(new_sections.get("PATH") or []),
                                      "win_go_install"))
    old, new = _changed_keys(old_sections, new_sections, ["active", "installed"])
    other_steps = [step for step in steps if step != "path"]
    if old or new:
        findings.append(_finding(control, True, title, "win_go_install",
                                 f"a converge would {', '.join(other_steps) or 'change it'}",
                                 old, new))
    elif other_steps:
        findings.append(_finding(control, True, title, "win_go_install",
                                 f"a converge would {', '.join(other_steps)}",
                                 {"steps": []}, {"steps": other_steps}))
    else:
        findings.append(in_sync)
    return findings


def _env_label(result: Mapping[str, Any], item: Any) -> str:
    scope = _text(result.get("scope")) or "machine"
    if scope == "service":
        target = _text(item) or _text(result.get("target")).rsplit("\\", 1)[-1]
        return f"service {target}"
    return scope


def from_go_env(result: Mapping[str, Any], item: Any = None) -> list[Finding]:
    """One finding per Go variable of the scope, the Path when it drifted, the ``_netrc``
    file and each workspace directory. Masked values stay masked."""
    label = _env_label(result, item)
    scope = _text(result.get("scope")) or "machine"
    source = "win_go_env"
    findings: dict[str, Finding] = {}
    variables = result.get("variables") if isinstance(result.get("variables"), Mapping) else {}
    for name in sorted(variables, key=str.upper):
        if scope == "service" or go_env_rules.is_managed_name(str(name)):
            control = f"{name} ({label})"
            findings[control.upper()] = _finding(control, False, f"{name} in the {label} "
                                                 f"environment", source,
                                                 f"{name} is set as wanted")
    for change in result.get("changes") or []:
        if not isinstance(change, Mapping):
            continue
        name = _text(change.get("name"))
        control = f"{name} ({label})"
        if name.casefold() == "path":
            findings[control.upper()] = _path_finding(label, _text(change.get("before")),
                                                      _text(change.get("after")), source)
            continue
        before, after = change.get("before"), change.get("after")
        if go_env_rules.is_secret(name):
            before = MASK if before is not None else None
            after = MASK if after is not None else None
        reason = _text(change.get("reason")) or "set"
        message = (f"{name} would be removed (was {before!r})" if after is None
                   else f"{name} would be {reason} to {after!r} (is {before!r})")
        findings[control.upper()] = _finding(control, True, f"{name} in the {label} "
                                             f"environment", source, message, before, after)
    netrc = result.get("netrc")
    if isinstance(netrc, Mapping) and netrc.get("path"):
        control = f"netrc {netrc['path']}"
        machines = ", ".join(_text(m) for m in netrc.get("machines") or [])
        count = int(netrc.get("entries") or 0)
        wanted = (f"{count} {'entry' if count == 1 else 'entries'} for {machines or 'no machine'}"
                  if netrc.get("state", "present") == "present" else "absent")
        if netrc.get("changed"):
            old = {"content": ("differs (not shown)" if netrc.get("content_changed")
                               else "as wanted"),
                   "acl": "differs" if netrc.get("acl_changed") else "as wanted"}
            new = {"content": wanted, "acl": "account, SYSTEM and Administrators only"}
            findings[control.upper()] = _finding(control, True, "Credentials file of the build "
                                                 "account", source, "the _netrc file would be "
                                                 "rewritten (its content is never shown)", old, new)
        else:
            findings[control.upper()] = _finding(control, False, "Credentials file of the build "
                                                 "account", source, f"_netrc holds {wanted}")
    for directory in result.get("directories") or []:
        if not isinstance(directory, Mapping) or not directory.get("path"):
            continue
        control = f"directory {directory['path']}"
        if directory.get("changed"):
            old = {"exists": not directory.get("created"),
                   "acl": directory.get("acl_differences") or ("differs" if directory.get(
                       "acl_changed") else "as wanted")}
            new = {"exists": True, "acl": "as wanted"}
            findings[control.upper()] = _finding(control, True, "Workspace directory", source,
                                                 "the directory would be created or its ACL set",
                                                 old, new)
        else:
            findings[control.upper()] = _finding(control, False, "Workspace directory", source,
                                                 "exists with the wanted ACL")
    if not findings:
        findings[label] = _finding(f"environment ({label})", bool(result.get("changed")),
                                   f"The {label} environment", source,
                                   "the environment would change" if result.get("changed")
                                   else "the environment is as wanted",
                                   *_differing_lines(*_diff(result)))
    return list(findings.values())


def _profile_state(found: Any, edited: Any) -> str:
    if not found:
        return "no winops.golang block"
    return "block edited by hand" if edited else "block as written"


def from_go_profile(result: Mapping[str, Any]) -> list[Finding]:
    """One finding for the profile file's winops.golang block."""
    path = _text(result.get("path")) or "profile"
    control = f"profile {path}"
    title = "Go helpers in the PowerShell profile"
    if not result.get("changed"):
        return [_finding(control, False, title, "win_go_profile", "the block is as written")]
    wanted_present = _text(result.get("state") or "present") == "present"
    before = {"file": "missing" if result.get("created") else "present",
              "block": _profile_state(result.get("block_found"), result.get("block_edited"))}
    after = {"file": "present" if wanted_present else before["file"],
             "block": "block as written" if wanted_present else "no winops.golang block"}
    return [_finding(control, True, title, "win_go_profile",
                     "the winops.golang block would be rewritten", before, after)]


def from_remote_dev(result: Mapping[str, Any]) -> list[Finding]:
    """One finding per managed feature, and one for the sshd service."""
    findings: list[Finding] = []
    features = result.get("features") if isinstance(result.get("features"), Mapping) else {}
    for name in sorted(features):
        feature = features[name]
        if not isinstance(feature, Mapping):
            continue
        control = f"feature {feature.get('option') or name}"
        title = f"Windows feature {name}"
        if feature.get("changed"):
            findings.append(_finding(control, True, title, "win_remote_dev",
                                     f"{name} would go from {feature.get('before')} to "
                                     f"{feature.get('after')}",
                                     feature.get("before"), feature.get("after")))
        else:
            findings.append(_finding(control, False, title, "win_remote_dev",
                                     f"{name} is {feature.get('after')}"))
    before, after = _diff(result)
    if isinstance(result.get("sshd"), Mapping):
        old = before.get("sshd") if isinstance(before, Mapping) else None
        new = after.get("sshd") if isinstance(after, Mapping) else None
        old = old if isinstance(old, Mapping) else {}
        new = new if isinstance(new, Mapping) else {}
        drift_old, drift_new = _changed_keys(old, new)
        findings.append(_finding("service sshd", bool(drift_old or drift_new),
                                 "OpenSSH server service", "win_remote_dev",
                                 "sshd would change" if drift_old or drift_new
                                 else f"sshd is {result['sshd'].get('state')}",
                                 drift_old, drift_new))
    if not findings:
        findings.append(_finding("remote development", bool(result.get("changed")),
                                 "Remote development features", "win_remote_dev",
                                 "nothing managed"))
    return findings


def _tuning_value(value: Any) -> Any:
    """A decoded tuning value, shortened to what it is (``value`` of a decoded dict)."""
    if isinstance(value, Mapping) and "value" in value and "set" in value:
        return value.get("value") if value.get("set") else None
    return value


def from_tcp_tuning(result: Mapping[str, Any]) -> list[Finding]:
    """One finding per managed tuning setting (``tuning.<setting>``)."""
    findings: list[Finding] = []
    settings = result.get("settings") if isinstance(result.get("settings"), Mapping) else {}
    for name in sorted(settings):
        setting = settings[name]
        if not isinstance(setting, Mapping):
            continue
        control = f"tuning.{name}"
        title = f"{name} (applies {setting.get('applies') or 'at once'})"
        before, after = _tuning_value(setting.get("before")), _tuning_value(setting.get("after"))
        if setting.get("changed"):
            findings.append(_finding(control, True, title, "win_tcp_tuning",
                                     f"{name} would be set to {after!r} (is {before!r})",
                                     before, after))
        else:
            findings.append(_finding(control, False, title, "win_tcp_tuning",
                                     f"{name} is {after!r}"))
    return findings


def from_go_baseline(result: Mapping[str, Any]) -> list[Finding]:
    """One finding per baseline control: ``changed`` (enforce would put it right) is drift;
    a control the role only audits, or cannot put right, is not drift (not applicable)."""
    findings: list[Finding] = []
    for item in result.get("findings") or []:
        if not isinstance(item, Mapping) or not item.get("control"):
            continue
        status = _text(item.get("status"))
        control = f"baseline {item['control']}"
        title = _text(item.get("title"))
        message = _text(item.get("message"))
        if status == "changed":
            findings.append(_finding(control, True, title, "win_go_baseline",
                                     f"enforce would put it right: {message}",
                                     "non_compliant", "compliant"))
        elif status == "compliant":
            findings.append(_finding(control, False, title, "win_go_baseline", message))
        else:
            note = message if status == NOT_APPLICABLE else (
                f"not compliant, and a converge would not change it ({item.get('mode')} mode): "
                f"{message}; see the compliance report")
            findings.append({"control": control, "status": NOT_APPLICABLE, "title": title,
                             "source": "win_go_baseline", "message": note})
    return findings


def _service_like(result: Mapping[str, Any], control: str, title: str, source: str,
                  state: Any) -> Finding:
    lines = _lines(result.get("changes"))
    if not result.get("changed"):
        return _finding(control, False, title, source,
                        f"as wanted{', ' + _text(state) if state else ''}")
    before, after = _state_change(lines, state)
    old_diff, new_diff = _diff(result)
    if isinstance(old_diff, Mapping) and isinstance(new_diff, Mapping):
        fields = [field.strip() for line in lines if line.startswith("service: ")
                  for field in line[len("service: "):].split(",")]
        old, new = _changed_keys(old_diff, new_diff, [f for f in fields if f in new_diff])
        before.update(old)
        after.update(new)
    else:
        old_lines, new_lines = _differing_lines(old_diff, new_diff)
        if old_lines or new_lines:
            before["settings"] = old_lines
            after["settings"] = new_lines
    if not before and not after:
        before, after = {"changes": []}, {"changes": lines}
    return _finding(control, True, title, source,
                    "a converge would change: " + "; ".join(lines), before, after)


def from_actions_runner(result: Mapping[str, Any], item: Any = None) -> list[Finding]:
    """One finding per runner: registration, settings and its service."""
    name = _text(result.get("name")) or _text(item) or "runner"
    service = result.get("service") if isinstance(result.get("service"), Mapping) else {}
    return [_service_like(result, f"runner {name}",
                          f"GitHub Actions runner {name} ({_text(result.get('url'))})",
                          "win_actions_runner", service.get("state"))]


def from_go_service(result: Mapping[str, Any], item: Any = None) -> list[Finding]:
    """One finding per Go service: release, configuration and state."""
    name = _text(result.get("name")) or _text(item) or "service"
    finding = _service_like(result, f"service {name}",
                            f"Go service {name} (release {_text(result.get('release'))})",
                            "win_go_service", result.get("status"))
    return [finding]


EXTRACTORS: dict[str, Callable[..., list[Finding]]] = {
    "win_go_install": lambda result, item=None: from_go_install(result),
    "win_go_env": from_go_env,
    "win_go_profile": lambda result, item=None: from_go_profile(result),
    "win_remote_dev": lambda result, item=None: from_remote_dev(result),
    "win_tcp_tuning": lambda result, item=None: from_tcp_tuning(result),
    "win_go_baseline": lambda result, item=None: from_go_baseline(result),
    "win_actions_runner": from_actions_runner,
    "win_go_service": from_go_service,
}


# ------------------------------------------------------------------ entry point


def module_name(name: Any) -> str:
    """``winops.golang.win_go_env`` or ``win_go_env`` as ``win_go_env``; DriftInputError
    for a module the drift report does not know."""
    short = _text(name).strip().rsplit(".", 1)[-1]
    if short not in EXTRACTORS:
        raise DriftInputError(f"module {name!r} is not one of {', '.join(MODULES)}")
    return short


def _error(result: Mapping[str, Any], module: str) -> str | None:
    msg = _text(result.get("msg")).strip()
    if result.get("unreachable"):
        return "unreachable: " + (msg or "the host could not be reached")
    if result.get("failed"):
        return f"failed: {module}: " + (msg or "the task failed")
    return None


def _items(result: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Any]]:
    """The result itself, or each item of a loop's ``results``."""
    if isinstance(result.get("results"), Sequence) and not isinstance(result.get("results"), str):
        out = []
        for entry in result["results"]:
            if isinstance(entry, Mapping):
                loop_var = _text(entry.get("ansible_loop_var")) or "item"
                out.append((entry, entry.get(loop_var)))
        return out
    return [(result, None)]


def findings_from_results(entries: Any) -> list[Finding] | str:
    """The drift findings of one host, or an error text when a result failed.

    ``entries`` is a list of ``{"module": <module name>, "result": <registered
    result>}``; a result may be a loop's (``results``), skipped (no findings)
    or missing (None: the task did not run). Controls are unique: the last
    finding of a control wins, and a drifted finding beats an in-sync one.
    """
    if isinstance(entries, (Mapping, str, bytes)) or not isinstance(entries, Sequence):
        raise DriftInputError("drift_findings expects a list of {module, result} dicts")
    findings: dict[str, Finding] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise DriftInputError(f"entry {index + 1} must be a dict with module and result")
        module = module_name(entry.get("module"))
        result = entry.get("result")
        if result is None or (isinstance(result, str) and not result.strip()):
            continue
        if not isinstance(result, Mapping):
            raise DriftInputError(f"entry {index + 1} ({module}): result must be a registered "
                                  f"result (dict), not {type(result).__name__}")
        error = _error(result, module)
        if error:
            return error
        if result.get("skipped"):
            continue
        for item_result, item in _items(result):
            error = _error(item_result, module)
            if error:
                return error
            if item_result.get("skipped"):
                continue
            for finding in EXTRACTORS[module](item_result, item):
                key = finding["control"].upper()
                if key in findings and findings[key]["status"] == DRIFTED and \
                        finding["status"] != DRIFTED:
                    continue
                findings[key] = finding
    return sorted(findings.values(), key=lambda f: f["control"])


def drifted(findings: Sequence[Mapping[str, Any]]) -> list[str]:
    """The controls of ``findings`` that drifted."""
    return [str(f["control"]) for f in findings if f.get("status") == DRIFTED]
