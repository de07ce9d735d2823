"""Conformance: file.stat, file.list, file.read, file.mkdir, file.write, file.remove,
file.move, file.junction, and the Windows path rules they share."""

from __future__ import annotations

import base64
import hashlib

import pytest

from .targets import Target

pytestmark = pytest.mark.conformance


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(target: Target, path: str, data: bytes) -> dict:
    return target.one("file.write", path=path, content_b64=b64(data))


def test_mkdir_check_apply_reapply(target: Target) -> None:
    path = target.scratch + r"\a\b\c"
    checked = target.one("file.mkdir", check_mode=True, path=path)
    assert checked["changed"] is True
    assert target.one("file.stat", path=path)["exists"] is False
    res = target.one("file.mkdir", path=path)
    assert res["changed"] is True and res["before"] == "absent" and res["after"] == "directory"
    assert target.one("file.stat", path=path)["type"] == "directory"
    assert target.one("file.mkdir", path=path)["changed"] is False


def test_mkdir_over_a_file_fails(target: Target) -> None:
    path = target.scratch + r"\f"
    write(target, path, b"x")
    res = target.one("file.mkdir", path=path)
    assert res["failed"] is True and res["code"] == "exists"


def test_write_is_idempotent_and_leaves_no_temp_files(target: Target) -> None:
    path = target.scratch + r"\conf.txt"
    checked = target.one("file.write", check_mode=True, path=path, content_b64=b64(b"v1"))
    assert checked["changed"] is True and checked["before_sha256"] is None
    assert target.one("file.stat", path=path)["exists"] is False
    res = write(target, path, b"v1")
    assert res["changed"] is True and res["after_sha256"] == sha(b"v1")
    assert write(target, path, b"v1")["changed"] is False
    res = write(target, path, b"v2")
    assert res["before_sha256"] == sha(b"v1") and res["after_sha256"] == sha(b"v2")
    names = [e["name"] for e in target.one("file.list", path=target.scratch)["entries"]]
    assert names == ["conf.txt"]


def test_write_needs_its_parent(target: Target) -> None:
    res = write(target, target.scratch + r"\missing\x.txt", b"x")
    assert res["failed"] is True and res["code"] == "not_found"


def test_write_compare_and_set(target: Target) -> None:
    path = target.scratch + r"\cas.txt"
    write(target, path, b"one")
    stale = target.one("file.write", path=path, content_b64=b64(b"two"),
                       expected_sha256=sha(b"other"))
    assert stale["failed"] is True and stale["code"] == "conflict"
    fresh = target.one("file.write", path=path, content_b64=b64(b"two"),
                       expected_sha256=sha(b"one"))
    assert fresh["changed"] is True
    absent = target.one("file.write", path=path, content_b64=b64(b"3"), expected_sha256=None)
    assert absent["failed"] is True and absent["code"] == "conflict"


def test_read_stat_and_truncation(target: Target) -> None:
    path = target.scratch + r"\data.bin"
    data = bytes(range(256)) * 4
    write(target, path, data)
    got = target.one("file.read", path=path)
    assert got["exists"] is True and got["size"] == len(data) and got["truncated"] is False
    assert base64.b64decode(got["content_b64"]) == data
    part = target.one("file.read", path=path, max_bytes=10)
    assert part["truncated"] is True and base64.b64decode(part["content_b64"]) == data[:10]
    stat = target.one("file.stat", path=path, checksum=True)
    assert stat["type"] == "file" and stat["size"] == len(data) and stat["sha256"] == sha(data)
    assert stat["mtime"].endswith("Z")
    assert target.one("file.read", path=target.scratch + r"\none")["exists"] is False
    assert target.one("file.stat", path=target.scratch + r"\none")["exists"] is False


def test_file_names_are_case_insensitive(target: Target) -> None:
    write(target, target.scratch + r"\ReadMe.TXT", b"hello")
    stat = target.one("file.stat", path=target.scratch.upper() + r"\readme.txt")
    assert stat["exists"] is True
    assert write(target, target.scratch + r"\README.txt", b"hello")["changed"] is False
    names = [e["name"] for e in target.one("file.list", path=target.scratch)["entries"]]
    assert names == ["ReadMe.TXT"]


def test_list_sorted_case_insensitively(target: Target) -> None:
    for name in ("b.txt", "A.txt", "c"):
        if name == "c":
            target.one("file.mkdir", path=target.scratch + "\\" + name)
        else:
            write(target, target.scratch + "\\" + name, b"x")
    listing = target.one("file.list", path=target.scratch)
    assert [(e["name"], e["type"]) for e in listing["entries"]] == [
        ("A.txt", "file"), ("b.txt", "file"), ("c", "directory")]
    assert target.one("file.list", path=target.scratch + r"\nope")["exists"] is False


def test_remove_directory_tree(target: Target) -> None:
    root = target.scratch + r"\tree"
    target.one("file.mkdir", path=root + r"\x\y")
    write(target, root + r"\x\y\z.txt", b"z")
    checked = target.one("file.remove", check_mode=True, path=root)
    assert checked["changed"] is True
    assert target.one("file.stat", path=root + r"\x\y\z.txt")["exists"] is True
    res = target.one("file.remove", path=root)
    assert res["changed"] is True and res["before"] == "directory" and res["after"] == "absent"
    assert target.one("file.stat", path=root)["exists"] is False
    assert target.one("file.remove", path=root)["changed"] is False
    names = [e["name"] for e in target.one("file.list", path=target.scratch)["entries"]]
    assert names == []


def test_move_with_checksum(target: Target) -> None:
    src, dest = target.scratch + r"\in.zip", target.scratch + r"\out.zip"
    write(target, src, b"archive")
    bad = target.one("file.move", src=src, dest=dest, sha256=sha(b"other"))
    assert bad["failed"] is True and bad["code"] == "checksum_mismatch"
    # A file that failed verification is not kept anywhere.
    assert target.one("file.stat", path=src)["exists"] is False
    assert target.one("file.stat", path=dest)["exists"] is False
    write(target, src, b"archive")
    ok = target.one("file.move", src=src, dest=dest, sha256=sha(b"archive"))
    assert ok["changed"] is True and ok["before"] == "absent" and ok["sha256"] == sha(b"archive")
    assert target.one("file.stat", path=src)["exists"] is False
    assert target.one("file.stat", path=dest, checksum=True)["sha256"] == sha(b"archive")


def test_move_refuses_to_replace_unless_asked(target: Target) -> None:
    src, dest = target.scratch + r"\new", target.scratch + r"\old"
    write(target, src, b"new")
    write(target, dest, b"old")
    res = target.one("file.move", src=src, dest=dest)
    assert res["failed"] is True and res["code"] == "exists"
    res = target.one("file.move", src=src, dest=dest, replace=True)
    assert res["changed"] is True and res["before"] == "file"
    got = target.one("file.read", path=dest)
    assert base64.b64decode(got["content_b64"]) == b"new"


def test_move_missing_source(target: Target) -> None:
    res = target.one("file.move", src=target.scratch + r"\none", dest=target.scratch + r"\x")
    assert res["failed"] is True and res["code"] == "not_found"


def test_junction_create_idempotent_retarget_remove(target: Target) -> None:
    v1, v2 = target.scratch + r"\go1.22.4", target.scratch + r"\go1.22.5"
    link = target.scratch + r"\current"
    for d in (v1, v2):
        target.one("file.mkdir", path=d + r"\bin")
    write(target, v1 + r"\bin\go.exe", b"MZ one")
    write(target, v2 + r"\bin\go.exe", b"MZ two")

    checked = target.one("file.junction", check_mode=True, path=link, target=v1)
    assert checked["changed"] is True
    assert target.one("file.stat", path=link)["exists"] is False
    res = target.one("file.junction", path=link, target=v1)
    assert res["changed"] is True and res["before"] is None
    stat = target.one("file.stat", path=link)
    assert stat["type"] == "junction" and stat["target"].lower() == v1.lower()
    # Traversal goes through the junction.
    got = target.one("file.read", path=link + r"\bin\go.exe")
    assert base64.b64decode(got["content_b64"]) == b"MZ one"
    assert target.one("file.junction", path=link, target=v1.upper())["changed"] is False

    res = target.one("file.junction", path=link, target=v2)
    assert res["changed"] is True and res["before"].lower() == v1.lower()
    got = target.one("file.read", path=link + r"\bin\go.exe")
    assert base64.b64decode(got["content_b64"]) == b"MZ two"

    gone = target.one("file.remove", path=link)
    assert gone["changed"] is True and gone["before"] == "junction"
    # Removing a junction never touches what it pointed at.
    assert target.one("file.stat", path=v2 + r"\bin\go.exe")["exists"] is True


def test_junction_refuses_to_replace_a_directory_or_point_nowhere(target: Target) -> None:
    real_dir = target.scratch + r"\real"
    target.one("file.mkdir", path=real_dir)
    res = target.one("file.junction", path=real_dir, target=target.scratch)
    assert res["failed"] is True and res["code"] == "exists"
    res = target.one("file.junction", path=target.scratch + r"\j",
                     target=target.scratch + r"\missing")
    assert res["failed"] is True and res["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (r"relative\path", "invalid_argument"),
        (r"C:\bad|name", "invalid_argument"),
        (r"C:\dir\CON", "invalid_argument"),
        (r"C:\dir\..\escape", "invalid_argument"),
        ("C:\\" + "d" * 300, "too_long"),
        ("C:\\" + "n" * 256, "too_long"),
    ],
)
def test_paths_windows_refuses(target: Target, path: str, code: str) -> None:
    res = target.one("file.stat", path=path)
    assert res["failed"] is True and res["code"] == code


def test_unc_share_unknown_is_not_found(target: Target) -> None:
    if target.sim is None:
        pytest.skip("which shares exist depends on the real host's network")
    # Like Test-Path on Windows: an unreachable share is simply not there.
    res = target.one("file.stat", path=r"\\nosuchserver\share\x.txt")
    assert res["exists"] is False
