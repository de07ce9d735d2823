# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark stand-in for ansible.windows.win_service (see plugin_utils/fake_call.py)."""

from __future__ import annotations

from ansible_collections.ansible.windows.plugins.plugin_utils.fake_call import (
    FakeWindowsAction as ActionModule,
)

__all__ = ["ActionModule"]
