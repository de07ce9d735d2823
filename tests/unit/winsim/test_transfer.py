"""file.download and file.extract: staging, verification, proxies, zip checks."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .helpers import WebServer, run

DEST = r"C:\dl\go.zip"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(host: SimHost, win_dir: str) -> list[str]:
    return sorted(os.listdir(host.host_path(win_dir)))


def test_download_verifies_and_then_skips_the_transfer(host: SimHost, web: WebServer) -> None:
    web.files["/go.zip"] = b"zip bytes" * 1000
    run(host, "file.mkdir", path=r"C:\dl")
    want = sha(web.files["/go.zip"])
    res = run(host, "file.download", url=web.url("/go.zip"), dest=DEST, sha256=want.upper(),
              headers={"Authorization": "Bearer s3cret"})
    assert res["changed"] is True and res["sha256"] == want and res["size"] == 9000
    assert res["before_sha256"] is None
    assert web.requests[-1]["headers"]["Authorization"] == "Bearer s3cret"
    assert leftovers(host, r"C:\dl") == ["go.zip"]
    again = run(host, "file.download", url=web.url("/go.zip"), dest=DEST, sha256=want)
    assert again["changed"] is False and len(web.requests) == 1
    # The secret header is not written to the op log.
    assert "s3cret" not in str(host.op_log())


def test_check_mode_transfers_nothing(host: SimHost, web: WebServer) -> None:
    web.files["/a"] = b"a"
    run(host, "file.mkdir", path=r"C:\dl")
    res = run(host, "file.download", check_mode=True, url=web.url("/a"), dest=DEST)
    assert res["changed"] is True and web.requests == []
    assert leftovers(host, r"C:\dl") == []


def test_checksum_mismatch_keeps_the_old_file(host: SimHost, web: WebServer) -> None:
    web.files["/go.zip"] = b"tampered"
    host.write_file(DEST, b"old")
    res = run(host, "file.download", url=web.url("/go.zip"), dest=DEST, sha256=sha(b"good"))
    assert res["failed"] is True and res["code"] == "checksum_mismatch"
    assert host.read_file(DEST) == b"old"
    assert leftovers(host, r"C:\dl") == ["go.zip"]


def test_http_errors_name_the_status(host: SimHost, web: WebServer) -> None:
    run(host, "file.mkdir", path=r"C:\dl")
    res = run(host, "file.download", url=web.url("/missing.zip"), dest=DEST)
    assert res["failed"] is True and res["code"] == "download_failed"
    assert "(404)" in res["message"]
    res = run(host, "file.download", url="http://127.0.0.1:9/x", dest=DEST, timeout=5)
    assert res["failed"] is True and res["code"] == "download_failed"
    assert leftovers(host, r"C:\dl") == []


def test_explicit_proxy_is_used(host: SimHost, web: WebServer) -> None:
    web.files["/dl/go.zip"] = b"via proxy"
    run(host, "file.mkdir", path=r"C:\dl")
    res = run(host, "file.download", url="http://go.example.invalid/dl/go.zip", dest=DEST,
              proxy=web.url(""))
    assert res["changed"] is True
    assert web.requests[-1] == {**web.requests[-1], "path": "/dl/go.zip", "proxied": True}


def test_system_proxy_comes_from_the_users_internet_settings(host: SimHost,
                                                             web: WebServer) -> None:
    web.files["/x"] = b"x"
    settings = r"HKCU:\Software\Microsoft\Windows\CurrentVersion\Internet Settings"
    host.set_reg(settings, "ProxyEnable", "REG_DWORD", 1)
    host.set_reg(settings, "ProxyServer", "REG_SZ", f"127.0.0.1:{web.port}")
    run(host, "file.mkdir", path=r"C:\dl")
    assert run(host, "file.download", url="http://mirror.invalid/x", dest=DEST)["changed"]
    assert web.requests[-1]["proxied"] is True


def test_download_from_a_share(host: SimHost, share_dir: Path) -> None:
    (share_dir / "go1.22.5.zip").write_bytes(b"from share")
    run(host, "file.mkdir", path=r"C:\dl")
    res = run(host, "file.download", url=r"\\fs01\golang\go1.22.5.zip", dest=DEST,
              sha256=sha(b"from share"))
    assert res["changed"] is True and host.read_file(DEST) == b"from share"
    res = run(host, "file.download", url=r"\\fs01\golang\none.zip", dest=DEST)
    assert res["failed"] is True and res["code"] == "not_found"
    res = run(host, "file.download", url=r"\\other\share\x.zip", dest=DEST)
    assert res["code"] == "not_found"


def make_zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_extract_strips_components_and_creates_parents(host: SimHost) -> None:
    host.write_file(r"C:\dl\go.zip", make_zip({"go/bin/go.exe": b"MZ", "go/VERSION": b"v",
                                               "go/misc/": b""}))
    res = run(host, "file.extract", src=r"C:\dl\go.zip", dest=r"C:\sdk\toolchains\1.22.5",
              strip_components=1)
    assert res == {"op": "file.extract", "changed": True, "before": "absent",
                   "after": "directory", "files": 2}
    assert leftovers(host, r"C:\sdk\toolchains\1.22.5") == ["VERSION", "bin", "misc"]
    assert leftovers(host, r"C:\sdk\toolchains") == ["1.22.5"]
    # An existing destination is taken as done, even once the archive is gone.
    run(host, "file.remove", path=r"C:\dl\go.zip")
    again = run(host, "file.extract", src=r"C:\dl\go.zip", dest=r"C:\SDK\toolchains\1.22.5")
    assert again["changed"] is False


def test_extract_refuses_names_windows_cannot_hold(host: SimHost) -> None:
    for entries in ({"go/aux.txt": b"x"}, {"go/a:b": b"x"}, {"/abs.txt": b"x"},
                    {"C:/evil.txt": b"x"}, {"go/" + "d" * 250 + "/f": b"x"}):
        host.write_file(r"C:\dl\bad.zip", make_zip(entries))
        res = run(host, "file.extract", src=r"C:\dl\bad.zip", dest=r"C:\dl\out")
        assert res["failed"] is True and res["code"] in ("invalid_argument", "too_long"), entries
        assert leftovers(host, r"C:\dl") == ["bad.zip"]


def test_extract_entries_that_differ_only_in_case_collide(host: SimHost) -> None:
    host.write_file(r"C:\dl\case.zip", make_zip({"Go/README": b"1", "go/readme": b"2"}))
    res = run(host, "file.extract", src=r"C:\dl\case.zip", dest=r"C:\dl\out")
    assert res["failed"] is True and res["code"] == "exists"
    host.write_file(r"C:\dl\dirs.zip", make_zip({"Go/a.txt": b"1", "GO/b.txt": b"2"}))
    assert run(host, "file.extract", src=r"C:\dl\dirs.zip", dest=r"C:\dl\out")["files"] == 2
    assert leftovers(host, r"C:\dl\out") == ["Go"]
    assert leftovers(host, r"C:\dl\out\go") == ["a.txt", "b.txt"]
