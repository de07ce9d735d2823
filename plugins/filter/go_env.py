# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that check Go environment variables on the controller, for roles.

A role calls them in its first task, so that a bad value stops the play before
any host is called, with the same message M(winops.golang.win_go_env) gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.winops.golang.plugins.module_utils import go_env_rules


def _checked(variables: Any) -> tuple[list[str], list[str]]:
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError(
            f"go_env_problems expects a dict of variables, not {type(variables).__name__}"
        )
    try:
        warnings = go_env_rules.check_variables(variables)[1]
    except go_env_rules.GoEnvError as exc:
        return [str(exc)], []
    return [], warnings


def go_env_problems(variables: Any) -> list[str]:
    """The first problem win_go_env would refuse ``variables`` for, as a list (empty: none)."""
    return _checked(variables)[0]


def go_env_warnings(variables: Any) -> list[str]:
    """The warnings win_go_env would give for ``variables`` (unknown GO* names, ...)."""
    return _checked(variables)[1]


class FilterModule:
    """Go environment checks."""

    def filters(self) -> dict[str, Any]:
        """The filters of this file."""
        return {"go_env_problems": go_env_problems, "go_env_warnings": go_env_warnings}
