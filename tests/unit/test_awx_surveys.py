"""The AWX/AAP job templates and surveys (awx/) agree with the roles' argument specs.

A survey question sets an extra variable; these tests check that each one is a
variable the job template's playbook really reads (a variable of a role the
playbook runs, or a documented playbook variable in awx/play_variables.yml),
with the argument spec's type, choices and default, that secrets are asked as
passwords or injected by a credential, and that every playbook has a job template.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
AWX = REPO / "awx"
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
CREDENTIAL_KINDS = {"machine", "vault", "github_token"}
ROLE_RE = re.compile(r"winops\.golang\.(\w+)")


@cache
def role_specs() -> dict[str, dict[str, dict[str, Any]]]:
    """``role -> variable -> option`` from each role's meta/argument_specs.yml, all entry points."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted(REPO.glob("roles/*/meta/argument_specs.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        options: dict[str, dict[str, Any]] = {}
        for entry in data["argument_specs"].values():
            options.update(entry.get("options") or {})
        out[path.parent.parent.name] = options
    return out


@cache
def playbook_variables() -> dict[str, dict[str, dict[str, Any]]]:
    return yaml.safe_load((AWX / "play_variables.yml").read_text(encoding="utf-8"))


@cache
def job_templates() -> dict[str, Any]:
    return yaml.safe_load((AWX / "job_templates.yml").read_text(encoding="utf-8"))


def survey(path: str) -> dict[str, Any]:
    return json.loads((AWX / path).read_text(encoding="utf-8"))


def roles_of(playbook: str) -> set[str]:
    """The collection roles a playbook runs (named by FQCN in it)."""
    text = (REPO / playbook).read_text(encoding="utf-8")
    return set(ROLE_RE.findall(text)) & set(role_specs())


def option_for(playbook: str, variable: str) -> dict[str, Any] | None:
    """The argument spec of ``variable`` as ``playbook`` reads it, or None."""
    documented = playbook_variables().get(playbook, {})
    if variable in documented:
        return documented[variable]
    for role in sorted(roles_of(playbook)):
        if variable in role_specs()[role]:
            return role_specs()[role][variable]
    return None


def survey_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(job template name, playbook, question) for every question of every survey."""
    cases = []
    for template in job_templates()["job_templates"]:
        if template.get("survey"):
            for question in survey(template["survey"])["spec"]:
                cases.append((template["name"], template["playbook"], question))
    return cases


def _id(case: tuple[str, str, dict[str, Any]]) -> str:
    return f"{Path(case[1]).stem}:{case[2]['variable']}"


# ------------------------------------------------------------------ job templates


def test_every_playbook_has_a_job_template() -> None:
    playbooks = {f"playbooks/{path.name}" for path in (REPO / "playbooks").glob("*.yml")}
    covered = {template["playbook"] for template in job_templates()["job_templates"]}
    assert playbooks, "no playbooks found"
    assert playbooks <= covered, f"playbooks without a job template: {sorted(playbooks - covered)}"


@pytest.mark.parametrize(
    "template", job_templates()["job_templates"], ids=lambda t: Path(t["playbook"]).stem
)
def test_job_template_is_complete(template: dict[str, Any]) -> None:
    data = job_templates()
    assert (REPO / template["playbook"]).is_file()
    assert template["inventory"] == data["inventory"]["name"]
    assert template["project"] == data["project"]["name"]
    assert template["execution_environment"] == data["execution_environment"]["name"]
    kinds = set(template["credentials"])
    assert "machine" in kinds and kinds <= CREDENTIAL_KINDS, kinds
    # the GitHub token credential exactly where the ci_runner role runs
    assert ("github_token" in kinds) == ("ci_runner" in roles_of(template["playbook"]))
    spec = survey(template["survey"])
    assert spec["name"] and spec["description"] and spec["spec"]
    variables = [question["variable"] for question in spec["spec"]]
    assert len(variables) == len(set(variables)), variables


def test_execution_environment_and_inventory_source_point_at_real_files() -> None:
    data = job_templates()
    assert (REPO / data["execution_environment"]["definition"]).is_file()
    source = data["inventory"]["source"]
    assert source["source"] == "scm" and source["source_project"] == data["project"]["name"]
    for group in data["inventory"]["groups"]:
        # every group the playbooks target by default
        assert any(group in (REPO / p).read_text(encoding="utf-8") for p in covered_playbooks())


def covered_playbooks() -> list[str]:
    return [template["playbook"] for template in job_templates()["job_templates"]]


# ----------------------------------------------------------------------- surveys


@pytest.mark.parametrize("case", survey_cases(), ids=_id)
def test_question_sets_a_variable_the_playbook_reads(case: tuple[str, str, dict[str, Any]]) -> None:
    playbook, question = case[1], case[2]
    assert {"question_name", "variable", "type", "required"} <= set(question), question
    assert question["type"] in SURVEY_TYPES
    assert option_for(playbook, question["variable"]) is not None, (
        f"{question['variable']} is neither a variable of the roles {sorted(roles_of(playbook))} "
        f"of {playbook} nor one of its documented variables (awx/play_variables.yml)"
    )


@pytest.mark.parametrize("case", survey_cases(), ids=_id)
def test_question_type_choices_and_default_agree_with_the_spec(
    case: tuple[str, str, dict[str, Any]],
) -> None:
    playbook, question = case[1], case[2]
    option = option_for(playbook, question["variable"])
    assert option is not None
    kind = option.get("type", "str")
    qtype = question["type"]
    if option.get("no_log"):
        assert qtype == "password"
    elif kind == "bool":
        assert qtype == "multiplechoice" and sorted(question["choices"]) == ["false", "true"]
    elif kind == "int":
        assert qtype == "integer"
    elif kind == "float":
        assert qtype in {"float", "integer"}
    elif kind == "list":
        choices = option.get("choices")
        assert qtype == "multiselect" and choices and set(question["choices"]) <= set(choices)
    elif option.get("choices"):
        assert qtype == "multiplechoice"
        assert list(question["choices"]) == list(option["choices"])
    else:
        assert kind in {"str", "path"}, (question["variable"], kind)
        assert qtype in {"text", "textarea"}

    if question["required"]:
        # a required question has no default to fall back on
        assert "default" not in option or option.get("required"), option
        assert question.get("default") in (None, "")
    elif qtype == "password":
        assert not question.get("default"), "a secret never has a default in a survey"
    else:
        assert "default" in option, f"{question['variable']}: optional but no default in the spec"
        expected = option["default"]
        if kind == "bool":
            expected = "true" if expected else "false"
        assert question.get("default") == expected, (question.get("default"), expected)

    if qtype == "multiplechoice" and question.get("default") not in (None, ""):
        assert question["default"] in question["choices"]
    if qtype == "integer" and question.get("default") is not None:
        assert question.get("min", question["default"]) <= question["default"]
        assert question["default"] <= question.get("max", question["default"])
    if qtype in {"text", "textarea", "password"} and question.get("default"):
        assert len(question["default"]) <= question.get("max", 1024)


def test_every_secret_question_is_a_password() -> None:
    secrets_asked = 0
    for _template, playbook, question in survey_cases():
        option = option_for(playbook, question["variable"]) or {}
        if option.get("no_log"):
            secrets_asked += 1
            assert question["type"] == "password", question["variable"]
        if question["type"] == "password":
            assert option.get("no_log"), f"{question['variable']} is a password but not no_log"
    assert secrets_asked > 0, "no survey asks a secret: the check above checked nothing"


def test_github_token_comes_from_the_credential_type() -> None:
    """The custom credential type injects a no_log variable of ci_runner from a secret field."""
    data = job_templates()
    (entry,) = [c for c in data["credential_types"] if c["kind"] == "github_token"]
    ctype = yaml.safe_load((AWX / entry["file"]).read_text(encoding="utf-8"))
    assert ctype["name"] == entry["name"]
    fields = {field["id"]: field for field in ctype["inputs"]["fields"]}
    injected = ctype["injectors"]["extra_vars"]
    assert set(injected) == {"winops_golang_ci_runner_github_token"}
    spec = role_specs()["ci_runner"]
    for variable, template in injected.items():
        assert spec[variable].get("no_log"), variable
        (field_id,) = re.findall(r"\{\{\s*(\w+)\s*\}\}", template)
        assert fields[field_id].get("secret") is True
        assert field_id in ctype["inputs"]["required"]
    # and no survey asks it
    asked = {case[2]["variable"] for case in survey_cases()}
    assert not set(injected) & asked


# ------------------------------------------------------------- playbook variables


@pytest.mark.parametrize("playbook", sorted(playbook_variables()))
def test_documented_playbook_variables_are_real(playbook: str) -> None:
    text = (REPO / playbook).read_text(encoding="utf-8")
    for variable, option in playbook_variables()[playbook].items():
        assert re.search(rf"\b{variable}\b", text), f"{variable} does not occur in {playbook}"
        assert option.get("type", "str") in {"str", "int", "bool", "list", "dict", "path"}
        assert option.get("description"), variable
        # a default a play sets in its vars must be the documented one
        play_defaults = _play_vars(playbook)
        if variable in play_defaults and "default" in option:
            assert play_defaults[variable] == option["default"], variable


def _play_vars(playbook: str) -> dict[str, Any]:
    plays = yaml.safe_load((REPO / playbook).read_text(encoding="utf-8"))
    merged: dict[str, Any] = {}
    for play in plays:
        merged.update(play.get("vars") or {})
    return merged


def test_role_variables_shared_by_roles_agree() -> None:
    """A variable more than one role reads has one type and one default."""
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    for role, options in role_specs().items():
        for name, option in options.items():
            if name in seen:
                other_role, other = seen[name]
                for key in ("type", "default", "choices", "no_log"):
                    assert option.get(key) == other.get(key), (name, key, role, other_role)
            else:
                seen[name] = (role, option)


def test_docs_name_every_template_and_survey_variable() -> None:
    text = (REPO / "docs" / "awx.md").read_text(encoding="utf-8")
    for template in job_templates()["job_templates"]:
        # a | in a Markdown table cell is written \|
        assert template["name"].replace("|", "\\|") in text, template["name"]
        assert template["survey"] in text or f"awx/{template['survey']}" in text
    for case in survey_cases():
        assert f"`{case[2]['variable']}`" in text, case[2]["variable"]
