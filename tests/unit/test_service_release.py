"""Release naming, layout, pruning and the rollback decision of win_go_service."""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.module_utils import service_release
from ansible_collections.winops.golang.plugins.module_utils.service_release import (
    Release,
    ReleaseConflict,
    ReleaseError,
    prune,
    release_name,
    rollback_decision,
)

SHA = "0123456789ABCDEF" + "0" * 48


@pytest.mark.parametrize(
    ("version", "name"),
    [
        (None, "sha256-0123456789ab"),
        ("", "sha256-0123456789ab"),
        ("  ", "sha256-0123456789ab"),
        ("1.4.2", "1.4.2"),
        (" v2.0.0-rc.1+build7 ", "v2.0.0-rc.1+build7"),
    ],
)
def test_release_name(version: str | None, name: str) -> None:
    assert release_name(version, SHA) == name


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.0/2", "cannot name a release directory"),
        ("-x", "cannot name a release directory"),
        ("1.0.", "cannot name a release directory"),
        ("a b", "cannot name a release directory"),
        ("sha256-abc", "must not start with 'sha256-'"),
        ("con", "reserved device name 'con'"),
        ("x" * 65, "longer than 64 characters"),
    ],
)
def test_release_name_refuses(version: str, message: str) -> None:
    with pytest.raises(ReleaseError) as err:
        release_name(version, SHA)
    assert message in str(err.value)


def test_release_name_needs_a_digest() -> None:
    with pytest.raises(ReleaseError, match="is not a SHA-256 digest"):
        release_name(None, "abc")


def test_layout() -> None:
    root = "D:/svc/api/"
    assert service_release.releases_dir(root) == r"D:\svc\api\releases"
    assert service_release.release_dir(root, "1.4.2") == r"D:\svc\api\releases\1.4.2"
    assert service_release.current_link(root) == r"D:\svc\api\current"
    assert service_release.program_path(root, "api.exe") == r"D:\svc\api\current\api.exe"


def test_check_existing() -> None:
    assert service_release.check_existing("1.0", None, SHA) is True
    assert service_release.check_existing("1.0", SHA.lower(), SHA) is False
    with pytest.raises(ReleaseConflict) as err:
        service_release.check_existing("1.0", "f" * 64, SHA)
    assert str(err.value) == (
        "release '1.0' already exists with another binary (sha256 ffffffffffff..., new "
        "0123456789ab...): give a new version, or leave version unset to name the release "
        "by its hash"
    )


RELEASES = [
    Release("1.0", "2026-01-01T00:00:00Z"),
    Release("1.1", "2026-02-01T00:00:00Z"),
    Release("1.2", "2026-03-01T00:00:00Z"),
    Release("1.3", "2026-04-01T00:00:00Z"),
    Release("1.4", "2026-05-01T00:00:00Z"),
]


def test_prune_keeps_the_newest() -> None:
    assert prune(RELEASES, 3, "1.4", "1.3") == ["1.0", "1.1"]


def test_prune_never_deletes_current_or_previous() -> None:
    # After a rollback the current release is older than the newest ones.
    assert prune(RELEASES, 1, "1.1", "1.0") == ["1.2", "1.3"]
    assert prune(RELEASES, 2, "1.0", None) == ["1.1", "1.2"]


def test_prune_compares_names_case_insensitively() -> None:
    releases = [Release("V1", "2026-01-01"), Release("v2", "2026-02-01"),
                Release("v3", "2026-03-01")]
    assert prune(releases, 1, "v3", "v1") == ["v2"]


def test_prune_refuses_keep_zero() -> None:
    with pytest.raises(ReleaseError, match="keep must be at least 1, not 0"):
        prune(RELEASES, 0, None, None)


def test_prune_nothing_to_do() -> None:
    assert prune(RELEASES, 5, "1.4", "1.3") == []
    assert prune([], 3, None, None) == []


HEALTHY = {"healthy": True, "detail": "200 OK"}
WHY = "release 1.4 failed its health check (connection refused on 127.0.0.1:8080); "
BROKEN = {"healthy": False, "detail": "connection refused on 127.0.0.1:8080"}


ROLLBACK, FAIL = ("rollback", "1.3", True, True), ("fail", "1.4", False, True)


@pytest.mark.parametrize(
    ("previous", "before", "after", "rollback", "expected"),
    [
        ("1.3", HEALTHY, HEALTHY, True, ("keep", "1.4", False, False, "release 1.4 is healthy")),
        (None, None, HEALTHY, True, ("keep", "1.4", False, False, "release 1.4 is healthy")),
        ("1.3", HEALTHY, BROKEN, True, (*ROLLBACK, WHY + "rolled back to 1.3")),
        ("1.3", None, {"healthy": False}, True,
         (*ROLLBACK, "release 1.4 failed its health check; rolled back to 1.3")),
        (None, None, BROKEN, True, (*FAIL, WHY + "there is no previous release to roll back to")),
        ("1.4", HEALTHY, BROKEN, True, (*FAIL, WHY + "there is no previous release to roll "
                                        "back to")),
        ("1.3", {"healthy": False, "detail": "timeout"}, BROKEN, True,
         (*FAIL, WHY + "the previous release 1.3 was not healthy either (timeout), so it was "
          "kept")),
        ("1.3", HEALTHY, BROKEN, False, (*FAIL, WHY + "rollback is off, so it was kept")),
    ],
)
def test_rollback_decision_table(previous: str | None, before: dict | None, after: dict,
                                 rollback: bool, expected: tuple) -> None:
    decision = rollback_decision("1.4", previous, before, after, rollback)
    assert (decision.action, decision.target, decision.rolled_back, decision.failed,
            decision.message) == expected
