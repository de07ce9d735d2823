"""Windows paths on the simulated file system: case, junctions, shares, protections."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import OpError, SimHost

from .helpers import b64, run


def test_new_items_keep_their_case_and_are_found_in_any_case(host: SimHost) -> None:
    host.write_file(r"C:\Tools\Go\Bin\go.exe", b"MZ")
    real = host.host_path(r"c:\TOOLS\go\bin\GO.EXE")
    assert real.endswith(os.path.join("fs", "C", "Tools", "Go", "Bin", "go.exe"))
    assert Path(real).read_bytes() == b"MZ"
    # Writing through another case updates the existing file, it does not add one.
    run(host, "file.write", path=r"C:\TOOLS\GO\BIN\Go.Exe", content_b64=b64(b"MZ2"))
    assert sorted(os.listdir(os.path.dirname(real))) == ["go.exe"]
    assert Path(real).read_bytes() == b"MZ2"


def test_host_path_of_a_missing_item_uses_the_stored_case_of_its_parents(host: SimHost) -> None:
    real = host.host_path(r"c:\program files\Go")
    assert real.endswith(os.path.join("fs", "C", "Program Files", "Go"))
    assert not os.path.exists(real)


def test_forward_slashes_are_backslashes(host: SimHost) -> None:
    host.write_file(r"C:\data\a.txt", b"x")
    assert run(host, "file.stat", path="C:/data/a.txt")["exists"] is True


def test_junction_is_traversed_and_listed_with_its_windows_target(host: SimHost) -> None:
    host.write_file(r"C:\go\1.22.5\bin\go.exe", b"MZ")
    assert run(host, "file.junction", path=r"C:\go\current", target=r"C:\go\1.22.5")["changed"]
    entries = run(host, "file.list", path=r"C:\go")["entries"]
    assert entries == [
        {"name": "1.22.5", "type": "directory", "size": None, "target": None},
        {"name": "current", "type": "junction", "size": None, "target": r"C:\go\1.22.5"},
    ]
    assert run(host, "file.stat", path=r"C:\GO\CURRENT\bin\go.exe")["size"] == 2
    # A file written through the junction lands in the target directory.
    run(host, "file.write", path=r"C:\go\current\VERSION", content_b64=b64(b"go1.22.5"))
    assert Path(host.host_path(r"C:\go\1.22.5\VERSION")).read_bytes() == b"go1.22.5"
    # Listing the junction itself lists its target.
    names = [e["name"] for e in run(host, "file.list", path=r"C:\go\current")["entries"]]
    assert names == ["bin", "VERSION"]


def test_junction_target_is_a_path_string_resolved_on_every_traversal(host: SimHost) -> None:
    host.write_file(r"C:\go\v1\bin\go.exe", b"one")
    run(host, "file.junction", path=r"C:\go\current", target=r"C:\go\v1")
    run(host, "file.remove", path=r"C:\go\v1")
    # Dangling: the junction is there, nothing behind it.
    assert run(host, "file.stat", path=r"C:\go\current")["type"] == "junction"
    assert run(host, "file.stat", path=r"C:\go\current\bin\go.exe")["exists"] is False
    # A new directory at the same path (another case even) brings it back.
    host.write_file(r"C:\GO\V1\bin\go.exe", b"two")
    got = run(host, "file.read", path=r"C:\go\current\bin\go.exe")
    assert base64.b64decode(got["content_b64"]) == b"two"


def test_junction_loop_is_an_error_not_a_hang(host: SimHost) -> None:
    run(host, "file.mkdir", path=r"C:\loop\a")
    run(host, "file.mkdir", path=r"C:\loop\b")
    run(host, "file.junction", path=r"C:\loop\a\to_b", target=r"C:\loop\b")
    run(host, "file.junction", path=r"C:\loop\b\to_a", target=r"C:\loop\a")
    # 40 reparse points in one path: Windows follows up to 63.
    deep = r"C:\loop\a" + r"\to_b\to_a" * 20 + r"\x"
    assert run(host, "file.stat", path=deep)["exists"] is False
    run(host, "file.mkdir", path=r"C:\loop\c")
    run(host, "file.junction", path=r"C:\loop\x", target=r"C:\loop\c")
    run(host, "file.junction", path=r"C:\loop\y", target=r"C:\loop\x")
    run(host, "file.remove", path=r"C:\loop\c")
    assert run(host, "file.move", src=r"C:\loop\y", dest=r"C:\loop\c")["after"] == "junction"
    # C:\loop\c -> C:\loop\x -> C:\loop\c -> ...: ERROR_CANT_RESOLVE_FILENAME.
    res = run(host, "file.stat", path=r"C:\loop\c\z")
    assert res.get("failed") is True and res["code"] == "error"
    assert "cannot be resolved" in res["message"]


def test_moving_a_tree_keeps_the_junctions_inside_it_working(host: SimHost) -> None:
    host.write_file(r"C:\sdk\go1.22.5\VERSION", b"go1.22.5")
    run(host, "file.mkdir", path=r"C:\stage\links")
    run(host, "file.junction", path=r"C:\stage\links\go", target=r"C:\sdk\go1.22.5")
    assert run(host, "file.move", src=r"C:\stage", dest=r"C:\final")["changed"] is True
    got = run(host, "file.read", path=r"C:\final\links\go\VERSION")
    assert base64.b64decode(got["content_b64"]) == b"go1.22.5"
    # The link on disk was re-pointed as well, for people browsing the state directory.
    assert Path(host.host_path(r"C:\final\links\go"), "VERSION").read_bytes() == b"go1.22.5"
    assert run(host, "file.remove", path=r"C:\final\links\go")["before"] == "junction"
    assert run(host, "file.stat", path=r"C:\sdk\go1.22.5\VERSION")["exists"] is True


def test_unc_paths_go_through_the_share_map(host: SimHost, share_dir: Path) -> None:
    (share_dir / "Releases").mkdir()
    (share_dir / "Releases" / "go.zip").write_bytes(b"PK")
    res = run(host, "file.stat", path=r"\\FS01\Golang\releases\GO.ZIP")
    assert res["exists"] is True and res["size"] == 2
    res = run(host, "file.write", path=r"\\fs01\golang\new.txt", content_b64=b64(b"hi"))
    assert res["changed"] is True
    assert (share_dir / "new.txt").read_bytes() == b"hi"


def test_unknown_share_reads_as_missing_and_fails_writes(host: SimHost) -> None:
    assert run(host, "file.stat", path=r"\\nosuch\share\x")["exists"] is False
    res = run(host, "file.write", path=r"\\nosuch\share\x", content_b64=b64(b"x"))
    assert res["failed"] is True and res["code"] == "not_found"
    assert "network path was not found" in res["message"]


def test_admin_share_of_the_host_itself(host: SimHost) -> None:
    host.write_file(r"C:\admin\a.txt", b"abc")
    assert run(host, "file.stat", path=r"\\WIN1\C$\admin\a.txt")["size"] == 3
    assert run(host, "file.stat", path=r"\\localhost\c$\ADMIN\A.TXT")["exists"] is True


def test_a_missing_drive_is_not_found(host: SimHost) -> None:
    assert run(host, "file.stat", path=r"D:\x")["exists"] is False
    res = run(host, "file.mkdir", path=r"D:\x")
    assert res["failed"] is True and res["code"] == "not_found"


@pytest.mark.parametrize("length", [259, 260])
def test_max_path(host: SimHost, length: int) -> None:
    # Two components: one name may not exceed 255 characters.
    path = "C:\\" + "d" * 200 + "\\" + "e" * (length - 204)
    res = run(host, "file.stat", path=path)
    if length < 260:
        assert res["exists"] is False
    else:
        assert res["failed"] is True and res["code"] == "too_long"


def test_system_directories_and_programs_cannot_be_removed(host: SimHost) -> None:
    for path in (r"C:\Windows", r"C:\Program Files", r"C:\Windows\System32\cmd.exe"):
        res = run(host, "file.remove", path=path)
        assert res["failed"] is True and res["code"] == "access_denied", path
    assert run(host, "file.remove", path="C:\\")["code"] == "access_denied"
    assert os.path.isfile(host.host_path(r"C:\Windows\System32\cmd.exe"))
    # Writing over a TrustedInstaller file is refused too; beside it is fine.
    res = run(host, "file.write", path=r"C:\Windows\System32\cmd.exe", content_b64=b64(b"x"))
    assert res["code"] == "access_denied"
    assert run(host, "file.write", path=r"C:\Windows\System32\mine.txt",
               content_b64=b64(b"x"))["changed"] is True


def test_a_running_service_locks_its_executable_and_directory(host: SimHost) -> None:
    host.write_file(r"C:\runner\bin\runner.exe", b"MZ v1")
    host.add_service("gorunner", r"C:\runner\bin\runner.exe", state="running")
    res = run(host, "file.write", path=r"C:\runner\bin\runner.exe", content_b64=b64(b"MZ v2"))
    assert res["failed"] is True and res["code"] == "in_use"
    res = run(host, "file.remove", path=r"C:\runner")
    assert res["failed"] is True and res["code"] == "in_use"
    assert host.read_file(r"C:\runner\bin\runner.exe") == b"MZ v1"
    # Other files of the same directory are not locked.
    assert run(host, "file.write", path=r"C:\runner\bin\config.yml",
               content_b64=b64(b"a: 1"))["changed"] is True
    host.add_service("gorunner", r"C:\runner\bin\runner.exe", state="stopped")
    assert run(host, "file.write", path=r"C:\runner\bin\runner.exe",
               content_b64=b64(b"MZ v2"))["changed"] is True


def test_remove_leaves_no_renamed_copy_behind(host: SimHost) -> None:
    host.write_file(r"C:\work\tree\a\b.txt", b"b")
    host.write_file(r"C:\work\file.txt", b"f")
    run(host, "file.remove", path=r"C:\work\tree")
    run(host, "file.remove", path=r"C:\work\FILE.TXT")
    assert os.listdir(host.host_path(r"C:\work")) == []


def test_move_across_volumes(host: SimHost, share_dir: Path) -> None:
    host.write_file(r"C:\out\go.zip", b"zip")
    res = run(host, "file.move", src=r"C:\out\go.zip", dest=r"\\fs01\golang\go.zip")
    assert res["changed"] is True and res["sha256"]
    assert (share_dir / "go.zip").read_bytes() == b"zip"
    assert run(host, "file.stat", path=r"C:\out\go.zip")["exists"] is False
    run(host, "file.mkdir", path=r"C:\out\dir")
    res = run(host, "file.move", src=r"C:\out\dir", dest=r"\\fs01\golang\dir")
    assert res["failed"] is True and res["code"] == "error"
    assert "identical roots" in res["message"]


def test_move_renames_case_only(host: SimHost) -> None:
    run(host, "file.mkdir", path=r"C:\sdk\go")
    assert run(host, "file.move", src=r"C:\sdk\go", dest=r"C:\sdk\Go")["changed"] is True
    assert [e["name"] for e in run(host, "file.list", path=r"C:\sdk")["entries"]] == ["Go"]


def test_move_into_itself_is_refused(host: SimHost) -> None:
    run(host, "file.mkdir", path=r"C:\a\b")
    res = run(host, "file.move", src=r"C:\a", dest=r"C:\a\b\c")
    assert res["failed"] is True and res["code"] == "invalid_argument"


def test_read_of_a_directory_is_access_denied_like_filestream(host: SimHost) -> None:
    res = run(host, "file.read", path=r"C:\Windows")
    assert res["failed"] is True and res["code"] == "access_denied"


def test_mkdir_under_a_file_is_exists(host: SimHost) -> None:
    host.write_file(r"C:\f.txt", b"x")
    res = run(host, "file.mkdir", path=r"C:\f.txt\sub\dir")
    assert res["failed"] is True and res["code"] == "exists"


def test_file_ops_refuse_bad_paths_before_touching_anything(host: SimHost) -> None:
    with pytest.raises(OpError) as err:
        host.write_file(r"C:\bad\nul.txt", b"x")
    assert err.value.code == "invalid_argument"
    assert not os.path.exists(host.host_path(r"C:\bad"))
