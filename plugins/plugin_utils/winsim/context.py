"""What an op function gets: the loaded model, the file system, faults, check mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .environment import EnvBlock, build_env
from .errors import OpError
from .faults import Faults
from .fs import SimFS
from .model import Model
from .registry import RegPath, parse_path


@dataclass
class OpContext:
    """The state one op runs against (shared by the ops of a batch)."""

    state_root: str
    model: Model
    fs: SimFS
    faults: Faults
    check_mode: bool
    user: dict[str, Any]
    hostname: str
    op: str = ""
    targets: list[str] = field(default_factory=list)
    env_changed: bool = False

    @property
    def sid(self) -> str:
        """The connected user's SID (what HKCU maps to)."""
        return str(self.user["sid"])

    def reg_path(self, path: Any) -> RegPath:
        """Parse a registry path of the protocol for the connected user."""
        return parse_path(path, self.sid)

    def identity(self) -> dict[str, str]:
        """``USERNAME``/``USERDOMAIN`` of the connected (local) user."""
        return {"USERNAME": self.user["name"], "USERDOMAIN": self.hostname}

    def process_env(self, extra: dict[str, str] | None = None) -> EnvBlock:
        """The environment a new process of the connected user gets, plus ``extra``."""
        env = build_env(self.model.registry, self.sid, self.user["profile"], self.identity())
        for name, value in (extra or {}).items():
            env.set(name, value)
        return env

    def take(self, kind: str) -> dict[str, Any] | None:
        """Fire a fault of ``kind`` that applies to the running op, if any."""
        return self.faults.take(kind, self.op, self.targets)

    def disk_check(self, what: str) -> None:
        """Fail with disk_full when a disk_full fault applies to this write."""
        if self.take("disk_full") is not None:
            raise OpError(
                "disk_full",
                f"There is not enough space on the disk. (while writing {what})",
            )
