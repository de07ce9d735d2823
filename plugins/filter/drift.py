# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter that turns registered check-mode results of the roles into drift findings.

``playbooks/drift_report.yml`` runs the roles in check mode with diff, then
passes each host's registered results, tagged with their module, through
``winops.golang.drift_findings`` and the list (or error text) it returns to
M(winops.golang.compliance_report) with O(kind=drift).
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.winops.golang.plugins.module_utils import drift


def drift_findings(entries: Any) -> list[dict[str, Any]] | str:
    """The drift findings of one host's ``[{module, result}, ...]``, or its error text."""
    try:
        return drift.findings_from_results(entries)
    except drift.DriftInputError as exc:
        raise AnsibleFilterError(f"drift_findings: {exc}") from exc


class FilterModule:
    """Drift report filters."""

    def filters(self) -> dict[str, Any]:
        """The filters of this file."""
        return {"drift_findings": drift_findings}
