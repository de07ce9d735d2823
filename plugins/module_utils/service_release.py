"""Versioned releases of a service's program, and the rollback decision.

Part of the pure logic of ``winops.golang.win_go_service``. Every new binary
goes into its own directory and the service runs it through a ``current``
junction, so the exe of a running service is never overwritten: a deploy
copies into a new directory, switches ``current`` and restarts the service::

    <root>\\releases\\1.4.2\\app.exe      a version the user gave
    <root>\\releases\\sha256-0123456789ab\\app.exe   else the binary's hash
    <root>\\current  ->  <root>\\releases\\1.4.2

A release is never rewritten in place: a version that already exists with
another binary is refused (:class:`ReleaseConflict`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ansible_collections.winops.golang.plugins.module_utils import winpath

RELEASES = "releases"
CURRENT = "current"
HASH_PREFIX = "sha256-"
HASH_CHARS = 12
MAX_VERSION = 64
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

KEEP, ROLL_BACK, FAIL = "keep", "rollback", "fail"


class ReleaseError(ValueError):
    """A version name that cannot be a release directory."""


class ReleaseConflict(ReleaseError):
    """A release directory already holds another binary."""


def release_name(version: str | None, sha256: str) -> str:
    """The release directory name: ``version`` when given, else ``sha256-<first 12 hex>``.

    ``sha256`` is the binary's digest (64 hex digits, any case).
    """
    digest = str(sha256).strip().lower()
    if not _SHA256.match(digest):
        raise ReleaseError(f"sha256 {sha256!r} is not a SHA-256 digest (64 hex digits)")
    if version is None or str(version).strip() == "":
        return HASH_PREFIX + digest[:HASH_CHARS]
    text = str(version).strip()
    if len(text) > MAX_VERSION:
        raise ReleaseError(f"version {text!r} is longer than {MAX_VERSION} characters")
    if not _VERSION.match(text) or text.endswith("."):
        raise ReleaseError(
            f"version {text!r} cannot name a release directory: use letters, digits and "
            "'.', '_', '+', '-', starting with a letter or digit and not ending in '.'"
        )
    if text.lower().startswith(HASH_PREFIX):
        raise ReleaseError(f"version {text!r} must not start with {HASH_PREFIX!r}: "
                           "that prefix names releases without a version")
    try:
        winpath.validate("C:\\" + text, "version")
    except winpath.WindowsPathError as err:
        raise ReleaseError(str(err)) from None
    return text


def releases_dir(root: str) -> str:
    """``<root>\\releases``."""
    return winpath.join(root, RELEASES)


def release_dir(root: str, name: str) -> str:
    """``<root>\\releases\\<name>``."""
    return winpath.join(root, RELEASES, name)


def current_link(root: str) -> str:
    """``<root>\\current``, the junction to the active release."""
    return winpath.join(root, CURRENT)


def program_path(root: str, exe_name: str) -> str:
    """The path the service runs: ``<root>\\current\\<exe_name>``."""
    return winpath.join(root, CURRENT, exe_name)


def check_existing(name: str, existing_sha256: str | None, new_sha256: str) -> bool:
    """Whether release ``name`` must be copied: True when it does not exist yet.

    An existing release with the same binary is reused (False); one with
    another binary raises :class:`ReleaseConflict`, because rewriting it could
    replace the exe of a running service and would make rollback lie.
    """
    if existing_sha256 is None:
        return True
    if existing_sha256.strip().lower() == new_sha256.strip().lower():
        return False
    raise ReleaseConflict(
        f"release {name!r} already exists with another binary (sha256 "
        f"{existing_sha256.lower()[:HASH_CHARS]}..., new {new_sha256.lower()[:HASH_CHARS]}...): "
        "give a new version, or leave version unset to name the release by its hash"
    )


@dataclass(frozen=True)
class Release:
    """A release directory as found on the host: its name and creation time (ISO 8601)."""

    name: str
    created: str


def prune(releases: Sequence[Release], keep: int, current: str | None,
          previous: str | None) -> list[str]:
    """The names of the releases to delete, oldest first.

    The ``keep`` newest releases stay (by creation time, then name), and so do
    ``current`` and ``previous`` whatever their age: the running release and
    the one a rollback would return to. Names compare case-insensitively.
    """
    if keep < 1:
        raise ReleaseError(f"keep must be at least 1, not {keep}")
    protected = {n.casefold() for n in (current, previous) if n}
    newest_first = sorted(releases, key=lambda r: (r.created, r.name.casefold()), reverse=True)
    kept = {r.name.casefold() for r in newest_first[:keep]}
    doomed = [r for r in newest_first if r.name.casefold() not in kept | protected]
    return [r.name for r in reversed(doomed)]


@dataclass(frozen=True)
class Decision:
    """What to do after a deploy's health check, and the message to report."""

    action: str  # keep | rollback | fail
    target: str | None  # the release that ends up current
    rolled_back: bool
    failed: bool
    message: str


def _healthy(result: Mapping[str, object] | None) -> bool | None:
    return None if result is None else bool(result.get("healthy"))


def _detail(result: Mapping[str, object]) -> str:
    detail = str(result.get("detail") or "").strip()
    return f" ({detail})" if detail else ""


def rollback_decision(new: str, previous: str | None, before: Mapping[str, object] | None,
                      after: Mapping[str, object], rollback: bool = True) -> Decision:
    """Decide what follows a deploy from the health results before and after it.

    ``before`` is the result of the check against the previous release (None
    when there was none, e.g. a first install), ``after`` the result against
    ``new``; a result is ``{"healthy": bool, "detail": str}``.

    ==============  ===================  =========  =============================
    after healthy   previous release     before     decision
    ==============  ===================  =========  =============================
    yes             any                  any        keep ``new``
    no              none                 any        fail: nothing to roll back to
    no              exists               unhealthy  fail: rolling back would not help
    no              exists               healthy    roll back to ``previous``
                                         or unknown  (fail instead when ``rollback``
                                                     is off)
    ==============  ===================  =========  =============================
    """
    if _healthy(after):
        return Decision(KEEP, new, False, False, f"release {new} is healthy")
    why = f"release {new} failed its health check{_detail(after)}"
    if not previous or previous.casefold() == new.casefold():
        return Decision(FAIL, new, False, True, f"{why}; there is no previous release "
                        "to roll back to")
    if before is not None and not _healthy(before):
        return Decision(FAIL, new, False, True, f"{why}; the previous release {previous} "
                        f"was not healthy either{_detail(before)}, so it was kept")
    if not rollback:
        return Decision(FAIL, new, False, True, f"{why}; rollback is off, so it was kept")
    return Decision(ROLL_BACK, previous, True, True, f"{why}; rolled back to {previous}")
