"""Conformance: file.extract."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest

from .targets import Target

pytestmark = pytest.mark.conformance


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


GO_LAYOUT = {
    "go/VERSION": b"go1.22.5\ntime 2024-06-04T20:55:00Z\n",
    "go/bin/go.exe": b"MZ go",
    "go/bin/gofmt.exe": b"MZ gofmt",
    "go/src/runtime/extern.go": b"package runtime\n",
}


def listing(target: Target, path: str) -> list[str]:
    return [e["name"] for e in target.one("file.list", path=path)["entries"]]


def test_extract_check_apply_reapply(target: Target, tmp_path: Path) -> None:
    archive = target.scratch + r"\go.zip"
    target.put_file(str(make_zip(tmp_path / "go.zip", GO_LAYOUT)), archive)
    dest = target.scratch + r"\1.22.5"

    checked = target.one("file.extract", check_mode=True, src=archive, dest=dest)
    assert checked["changed"] is True
    assert target.one("file.stat", path=dest)["exists"] is False

    res = target.one("file.extract", src=archive, dest=dest, strip_components=1)
    assert res["changed"] is True and res["before"] == "absent" and res["after"] == "directory"
    assert res["files"] == 4
    got = target.one("file.read", path=dest + r"\VERSION")
    assert base64.b64decode(got["content_b64"]).startswith(b"go1.22.5")
    assert target.one("file.stat", path=dest + r"\bin\go.exe")["type"] == "file"
    # Only the archive and the result: no staging directory left behind.
    assert sorted(listing(target, target.scratch)) == ["1.22.5", "go.zip"]

    again = target.one("file.extract", src=archive, dest=dest, strip_components=1)
    assert again["changed"] is False


def test_extract_without_strip_keeps_the_top_folder(target: Target, tmp_path: Path) -> None:
    archive = target.scratch + r"\go.zip"
    target.put_file(str(make_zip(tmp_path / "go.zip", GO_LAYOUT)), archive)
    dest = target.scratch + r"\unstripped"
    target.one("file.extract", src=archive, dest=dest)
    assert listing(target, dest) == ["go"]


def test_zip_slip_is_refused_and_leaves_nothing(target: Target, tmp_path: Path) -> None:
    archive = target.scratch + r"\evil.zip"
    target.put_file(str(make_zip(tmp_path / "evil.zip", {"go/ok.txt": b"ok",
                                                         "../../escaped.txt": b"x"})), archive)
    dest = target.scratch + r"\evil"
    res = target.one("file.extract", src=archive, dest=dest)
    assert res["failed"] is True and res["code"] == "invalid_argument"
    assert sorted(listing(target, target.scratch)) == ["evil.zip"]


def test_corrupt_archive_leaves_nothing(target: Target, tmp_path: Path) -> None:
    archive = target.scratch + r"\bad.zip"
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    target.put_file(str(bad), archive)
    res = target.one("file.extract", src=archive, dest=target.scratch + r"\bad")
    assert res["failed"] is True and res["code"] == "error"
    assert sorted(listing(target, target.scratch)) == ["bad.zip"]


def test_missing_archive(target: Target) -> None:
    res = target.one("file.extract", src=target.scratch + r"\none.zip",
                     dest=target.scratch + r"\d")
    assert res["failed"] is True and res["code"] == "not_found"


# -- expect_first_line ------------------------------------------------------------

EXPECT = {"path": "VERSION", "line": "go1.22.5"}


def test_expect_first_line_check_apply_reapply(target: Target, tmp_path: Path) -> None:
    archive = target.scratch + r"\go.zip"
    target.put_file(str(make_zip(tmp_path / "go.zip", GO_LAYOUT)), archive)
    dest = target.scratch + r"\go1.22.5"

    checked = target.one("file.extract", check_mode=True, src=archive, dest=dest,
                         strip_components=1, expect_first_line=EXPECT)
    assert checked["changed"] is True and checked["files"] == 4
    assert target.one("file.stat", path=dest)["exists"] is False

    res = target.one("file.extract", src=archive, dest=dest, strip_components=1,
                     expect_first_line=EXPECT)
    assert res["changed"] is True and res["after"] == "directory"
    again = target.one("file.extract", src=archive, dest=dest, strip_components=1,
                       expect_first_line=EXPECT)
    assert again["changed"] is False and again["files"] is None
    # The path is compared case-insensitively, like any Windows path.
    lower = target.one("file.extract", src=archive, dest=dest, strip_components=1,
                       expect_first_line={"path": "version", "line": "go1.22.5"})
    assert lower["changed"] is False


def test_expect_first_line_mismatch_leaves_nothing(target: Target, tmp_path: Path) -> None:
    archive = target.scratch + r"\go.zip"
    target.put_file(str(make_zip(tmp_path / "go.zip", GO_LAYOUT)), archive)
    dest = target.scratch + r"\go1.22.4"
    wrong = {"path": "VERSION", "line": "go1.22.4"}

    checked = target.one("file.extract", check_mode=True, src=archive, dest=dest,
                         strip_components=1, expect_first_line=wrong)
    assert checked["failed"] is True and checked["code"] == "checksum_mismatch"

    res = target.one("file.extract", src=archive, dest=dest, strip_components=1,
                     expect_first_line=wrong)
    assert res["failed"] is True and res["code"] == "checksum_mismatch"
    assert "go1.22.4" in res["message"] and "go1.22.5" in res["message"]
    # No dest, no staging directory; the archive itself is left for the caller.
    assert sorted(listing(target, target.scratch)) == ["go.zip"]


def test_expect_first_line_missing_file_is_a_mismatch(target: Target, tmp_path: Path) -> None:
    archive = target.scratch + r"\go.zip"
    layout = {k: v for k, v in GO_LAYOUT.items() if k != "go/VERSION"}
    target.put_file(str(make_zip(tmp_path / "go.zip", layout)), archive)
    res = target.one("file.extract", src=archive, dest=target.scratch + r"\d",
                     strip_components=1, expect_first_line=EXPECT)
    assert res["failed"] is True and res["code"] == "checksum_mismatch"
    assert "missing" in res["message"]
    assert sorted(listing(target, target.scratch)) == ["go.zip"]


def test_expect_first_line_old_version_file_crlf_and_bom(target: Target,
                                                         tmp_path: Path) -> None:
    # Before Go 1.21 VERSION held only the version, without a newline.
    archive = target.scratch + r"\old.zip"
    target.put_file(str(make_zip(tmp_path / "old.zip", {"go/VERSION": b"go1.20",
                                                        "go/bin/go.exe": b"MZ"})), archive)
    res = target.one("file.extract", src=archive, dest=target.scratch + r"\go1.20",
                     strip_components=1, expect_first_line={"path": "VERSION", "line": "go1.20"})
    assert res["changed"] is True
    archive = target.scratch + r"\bom.zip"
    target.put_file(str(make_zip(tmp_path / "bom.zip", {
        "go/VERSION": b"\xef\xbb\xbfgo1.22.5 \r\ntime x\r\n"})), archive)
    res = target.one("file.extract", src=archive, dest=target.scratch + r"\bom",
                     strip_components=1, expect_first_line=EXPECT)
    assert res["changed"] is True


def test_expect_first_line_checks_an_existing_dest(target: Target, tmp_path: Path) -> None:
    archive = target.scratch + r"\go.zip"
    target.put_file(str(make_zip(tmp_path / "go.zip", GO_LAYOUT)), archive)
    dest = target.scratch + r"\go1.22.5"
    target.one("file.extract", src=archive, dest=dest, strip_components=1)
    res = target.one("file.extract", src=archive, dest=dest, strip_components=1,
                     expect_first_line={"path": "VERSION", "line": "go1.23.0"})
    assert res["failed"] is True and res["code"] == "checksum_mismatch"
    # The existing dest is left as it was.
    assert target.one("file.stat", path=dest + r"\bin\go.exe")["type"] == "file"


@pytest.mark.parametrize("bad", [
    {"path": "..\\VERSION", "line": "go1.22.5"},
    {"path": "C:\\VERSION", "line": "go1.22.5"},
    {"path": "\\VERSION", "line": "go1.22.5"},
    {"path": "VERSION"},
    {"path": "VERSION", "line": "go1.22.5", "extra": 1},
    "VERSION",
])
def test_expect_first_line_bad_argument(target: Target, tmp_path: Path, bad: object) -> None:
    archive = target.scratch + r"\go.zip"
    target.put_file(str(make_zip(tmp_path / "go.zip", GO_LAYOUT)), archive)
    res = target.one("file.extract", src=archive, dest=target.scratch + r"\d",
                     strip_components=1, expect_first_line=bad)
    assert res["failed"] is True and res["code"] == "invalid_argument"
    assert sorted(listing(target, target.scratch)) == ["go.zip"]
