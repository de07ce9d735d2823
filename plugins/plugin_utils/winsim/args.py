"""Argument checking for ops: a malformed argument is ``invalid_argument``."""

from __future__ import annotations

from typing import Any

from .errors import OpError

_MISSING = object()


class Args:
    """Typed access to an op's ``args``; unknown names are refused up front."""

    def __init__(self, op: str, args: Any, allowed: set[str]) -> None:
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise OpError("invalid_argument", f"{op}: args must be an object")
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise OpError("invalid_argument", f"{op}: unknown argument(s) {', '.join(unknown)}")
        self.op = op
        self.args = args

    def has(self, name: str) -> bool:
        """True when ``name`` was given (even as null)."""
        return name in self.args

    def _get(self, name: str, required: bool, default: Any) -> Any:
        value = self.args.get(name, _MISSING)
        if value is _MISSING or (value is None and not required):
            if required:
                raise OpError("invalid_argument", f"{self.op}: missing argument '{name}'")
            return default
        if value is None:
            raise OpError("invalid_argument", f"{self.op}: argument '{name}' must not be null")
        return value

    def str(self, name: str, required: bool = True, default: str | None = None) -> Any:
        """A string argument."""
        value = self._get(name, required, default)
        if value is not default and not isinstance(value, str):
            raise OpError("invalid_argument", f"{self.op}: '{name}' must be a string")
        return value

    def bool(self, name: str, default: bool) -> bool:
        """A boolean argument."""
        value = self._get(name, False, default)
        if not isinstance(value, bool):
            raise OpError("invalid_argument", f"{self.op}: '{name}' must be true or false")
        return value

    def int(self, name: str, default: int, minimum: int = 0) -> int:
        """An integer argument >= ``minimum``."""
        value = self._get(name, False, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise OpError("invalid_argument",
                          f"{self.op}: '{name}' must be an integer >= {minimum}")
        return value

    def number(self, name: str, default: float) -> float:
        """A positive number (seconds)."""
        value = self._get(name, False, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise OpError("invalid_argument", f"{self.op}: '{name}' must be a number > 0")
        return float(value)

    def str_list(self, name: str, required: bool = False) -> list[str] | None:
        """A list of strings, or None when omitted."""
        value = self._get(name, required, None)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise OpError("invalid_argument", f"{self.op}: '{name}' must be a list of strings")
        return value

    def str_dict(self, name: str) -> dict[str, str]:
        """A mapping of strings to strings (empty when omitted)."""
        value = self._get(name, False, {})
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise OpError("invalid_argument", f"{self.op}: '{name}' must map strings to strings")
        return value

    def choice(self, name: str, choices: tuple[str, ...], required: bool = True,
               default: str | None = None) -> Any:
        """A string among ``choices``."""
        value = self.str(name, required, default)
        if value is not None and value not in choices:
            raise OpError("invalid_argument",
                          f"{self.op}: '{name}' must be one of {', '.join(choices)}")
        return value

    def raw(self, name: str, default: Any = None) -> Any:
        """The argument as given."""
        return self.args.get(name, default)
