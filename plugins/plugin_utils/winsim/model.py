"""The persisted machine model: everything that is not a real file.

``model.json`` in the state directory holds the registry tree, the junction
table, the users (profiles and SIDs), the services table, ``boot_env`` (the
machine environment services.exe read at the last boot), ACLs, TCP settings,
the virtual clock and the UNC share map. It is loaded at the start of every
batch and written back at its end, under the state directory's lock, so every
worker process sees one machine.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from .errors import StateError
from .names import fold
from .registry import RegistryTree

FORMAT = 1


class Model:
    """A loaded ``model.json``; attributes are live views into ``data``."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise StateError(f"state format {data.get('format')!r} is not {FORMAT}")
        self.data = data
        self.registry = RegistryTree(data["registry"])

    # -- persistence -------------------------------------------------------

    @classmethod
    def load(cls, path: str) -> Model:
        """Read ``model.json``."""
        try:
            with open(path, encoding="utf-8") as fh:
                return cls(json.load(fh))
        except (OSError, ValueError) as err:
            raise StateError(f"cannot read the simulated host model {path}: {err}") from err

    def save(self, path: str) -> None:
        """Write ``model.json`` atomically (temp file + rename), so a crash never tears it."""
        write_json_atomic(path, self.data)

    # -- views -------------------------------------------------------------

    @property
    def os_release(self) -> str:
        """The Windows Server release the host was created as (``2022``...)."""
        return self.data["os_release"]

    @property
    def junctions(self) -> dict[str, str]:
        """Junction table: link location (relative to ``fs/``) -> target Windows path."""
        return self.data["junctions"]

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        """Services by folded name (see ops_services: start type, state, account, exe)."""
        return self.data["services"]

    @property
    def shares(self) -> dict[str, str]:
        """UNC shares: folded ``\\\\server\\share`` -> local directory."""
        return self.data["shares"]

    @property
    def boot_env(self) -> dict[str, dict[str, Any]]:
        """Machine environment (stored name -> {value, type}) at the last boot."""
        return self.data["boot_env"]

    @property
    def protected(self) -> list[str]:
        """Windows paths (folded) owned by TrustedInstaller: not removable, not replaceable."""
        return self.data["protected"]

    @property
    def clock(self) -> float:
        """Virtual seconds since the state was created (programs and slow transfers add)."""
        return float(self.data["clock"])

    def advance(self, seconds: float) -> None:
        """Move the virtual clock forward."""
        self.data["clock"] = self.clock + max(0.0, float(seconds))

    def user(self, name: str) -> dict[str, Any] | None:
        """The user record ``{"name", "sid", "profile"}`` or None."""
        return self.data["users"].get(fold(name))

    def set_shares(self, shares: dict[str, str]) -> None:
        """Replace the UNC share map (keys are ``\\\\server\\share``)."""
        self.data["shares"] = {fold(k.rstrip("\\")): str(v) for k, v in shares.items()}


def write_json_atomic(path: str, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` through a temp file in the same directory."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_json(path: str, default: Any) -> Any:
    """Read a JSON file, or ``default`` when it does not exist."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return default
