"""The go_env_problems and go_env_warnings filters (controller-side checks for roles)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.winops.golang.plugins.filter.go_env import (
    FilterModule,
    go_env_problems,
    go_env_warnings,
)


def test_valid_variables_have_no_problem() -> None:
    good = {"GOPATH": r"C:\gopath", "GOPROXY": "https://proxy.golang.org,direct",
            "GOPRIVATE": "git.corp.example.com", "GOTOOLCHAIN": "local"}
    assert go_env_problems(good) == []
    assert go_env_warnings(good) == []


@pytest.mark.parametrize(("variables", "message"), [
    ({"GOPROXY": "htps://x.example.com"}, "GOPROXY entry 'htps://x.example.com'"),
    ({"GOTOOLCHAIN": "newest"}, "GOTOOLCHAIN 'newest' is not valid"),
    ({"GOPATH": "gopath"}, "GOPATH"),
    ({"GO111MODULE": "yes"}, "GO111MODULE must be one of on, off, auto, not 'yes'"),
    ({"GOPATH": r"C:\a", "gopath": r"C:\b"}, "name the same variable"),
])
def test_the_first_problem_is_returned_with_win_go_env_text(variables: dict[str, str],
                                                            message: str) -> None:
    problems = go_env_problems(variables)
    assert len(problems) == 1 and message in problems[0], problems
    assert go_env_warnings(variables) == []


def test_warnings_name_the_closest_known_variable() -> None:
    assert go_env_warnings({"GOPROXI": "direct"}) == [
        "GOPROXI is not a variable Go knows; did you mean GOPROXY?"]
    assert go_env_problems({"GOPROXI": "direct"}) == []


def test_not_a_dict_is_a_filter_error() -> None:
    with pytest.raises(AnsibleFilterError, match="expects a dict of variables, not list"):
        go_env_problems(["GOPATH"])


def test_the_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"go_env_problems", "go_env_warnings"}
