"""Conformance: file.signature.

Signing needs a code-signing certificate, so signed files are made on the
simulated host (``SimHost.sign_file``); a real host checks the Windows
PowerShell executable Microsoft signed, and unsigned files of our own.
"""

from __future__ import annotations

import base64

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .targets import Target

pytestmark = pytest.mark.conformance

SUBJECT = "CN=Example Go Builds, O=Example Corp, C=US"
THUMBPRINT = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
POWERSHELL = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"


def write(target: Target, path: str, data: bytes) -> None:
    res = target.one("file.write", path=path, content_b64=base64.b64encode(data).decode())
    assert not res.get("failed"), res


def signed(target: Target, name: str = "app.exe", status: str = "Valid") -> tuple[SimHost, str]:
    """A file of ours, signed on the simulated host (skips on a real one)."""
    if target.sim is None:
        pytest.skip("signing needs a certificate; simulated host only")
    path = target.scratch + "\\" + name
    write(target, path, b"MZ signed build")
    target.sim.sign_file(path, SUBJECT, THUMBPRINT, status=status)
    return target.sim, path


def test_valid_signature_in_check_mode_too(target: Target) -> None:
    sim, path = signed(target)
    for check in (False, True):
        res = target.one("file.signature", check_mode=check, path=path.lower())
        assert res == {
            "op": "file.signature", "changed": False, "exists": True, "status": "Valid",
            "signer": {"subject": SUBJECT, "thumbprint": THUMBPRINT.upper(),
                       "not_after": "2030-01-01T00:00:00Z"},
            "status_message": "Signature verified.",
        }


def test_changed_content_is_a_hash_mismatch(target: Target) -> None:
    sim, path = signed(target)
    write(target, path, b"MZ tampered build")
    res = target.one("file.signature", path=path)
    assert res["status"] == "HashMismatch"
    assert res["signer"]["thumbprint"] == THUMBPRINT.upper()
    assert "hash of the file does not match" in res["status_message"]
    # Putting the signed bytes back makes it valid again.
    write(target, path, b"MZ signed build")
    assert target.one("file.signature", path=path)["status"] == "Valid"


def test_untrusted_root_stays_not_trusted(target: Target) -> None:
    sim, path = signed(target, status="NotTrusted")
    res = target.one("file.signature", path=path)
    assert res["status"] == "NotTrusted" and res["signer"]["subject"] == SUBJECT
    assert "not trusted" in res["status_message"]


def test_a_copy_carries_the_signature(target: Target) -> None:
    sim, path = signed(target)
    copy = target.scratch + r"\copy\app.exe"
    target.one("file.mkdir", path=target.scratch + r"\copy")
    write(target, copy, b"MZ signed build")
    assert target.one("file.signature", path=copy)["status"] == "Valid"


def test_unsigned_executable(target: Target) -> None:
    path = target.scratch + r"\plain.exe"
    write(target, path, b"MZ nobody signed this")
    res = target.one("file.signature", path=path)
    assert res["exists"] is True and res["status"] in ("NotSigned", "UnknownError")
    assert res["signer"] is None and res["status_message"]
    if target.sim is not None:
        assert res["status"] == "NotSigned"


def test_type_without_a_subject_package(sim_target: Target) -> None:
    path = sim_target.scratch + r"\notes.txt"
    write(sim_target, path, b"hello")
    res = sim_target.one("file.signature", path=path)
    assert res["status"] == "UnknownError" and res["signer"] is None


def test_missing_file_and_directory(target: Target) -> None:
    res = target.one("file.signature", path=target.scratch + r"\nope.exe")
    assert res == {"op": "file.signature", "changed": False, "exists": False, "status": None,
                   "signer": None, "status_message": None}
    res = target.one("file.signature", path=target.scratch)
    assert res["failed"] is True and res["code"] == "invalid_argument"


@pytest.mark.parametrize(("args", "why"), [
    ({}, "path missing"),
    ({"path": "relative\\app.exe"}, "relative path"),
    ({"path": "C:\\a\\b", "checksum": True}, "unknown argument"),
])
def test_bad_arguments(target: Target, args: dict, why: str) -> None:
    res = target.one("file.signature", **args)
    assert res.get("failed") is True and res["code"] == "invalid_argument", why


def test_windows_binaries_are_signed_by_microsoft(target: Target) -> None:
    if target.sim is not None:
        pytest.skip("the simulated host's programs are unsigned placeholders")
    res = target.one("file.signature", path=POWERSHELL)
    assert res["status"] == "Valid"
    assert "Microsoft" in res["signer"]["subject"]
    assert len(res["signer"]["thumbprint"]) == 40
    assert res["signer"]["thumbprint"] == res["signer"]["thumbprint"].upper()


def test_sign_file_refuses_bad_input(sim_target: Target) -> None:
    sim, path = signed(sim_target)
    for kwargs in ({"thumbprint": "xyz"}, {"status": "HashMismatch"}, {"subject": ""}):
        args = {"subject": SUBJECT, "thumbprint": THUMBPRINT, **kwargs}
        with pytest.raises(ValueError):
            sim.sign_file(path, **args)
