"""Files on the controller that a task copies to its host (``src`` options).

Shared by the action plugins that push a file: hash it on the controller,
name a staging path in the host's temp folder, and copy it with the
connection's ``put_file`` (the agent then verifies and moves it into place).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from ansible.errors import AnsibleError

from ansible_collections.winops.golang.plugins.module_utils import winpath


def sha256_file(path: str) -> str:
    """Lowercase hex SHA-256 of a controller file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def staging_path(facts: dict[str, Any], filename: str) -> str:
    """A fresh path in the host's temp folder (from the ``winops_go`` facts) for ``filename``."""
    temp = (facts.get("dirs") or {}).get("temp")
    if not temp:
        raise ValueError("the winops_go facts have no dirs.temp to copy src to")
    return winpath.join(temp, f"winops-golang-{uuid.uuid4().hex[:8]}-{filename}")


def push(connection: Any, local: str, remote: str) -> None:
    """Copy ``local`` to ``remote`` on the host; a failure is a ``ValueError`` that says so."""
    try:
        connection.put_file(local, remote)
    except AnsibleError as err:
        raise ValueError(f"could not copy {local} to {remote} on the host: {err}") from None
