"""The simulated host's ACLs: new items inherit from their parent like on Windows."""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

FULL = acl.RIGHTS["FullControl"]
MODIFY = acl.RIGHTS["Modify"]
DIR = ["ContainerInherit", "ObjectInherit"]


def _one(host: SimHost, op: str, **args: Any) -> dict[str, Any]:
    res = host.run_batch({"ops": [{"op": op, "args": args}]})
    assert res["failed_op"] is None, res["failed_op"]
    return res["results"][0]


def _shape(aces: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(a["sid"], a["type"], a["rights"], tuple(a["inheritance"]), tuple(a["propagation"]),
             a["inherited"]) for a in aces]


def test_new_file_in_protected_directory_inherits_its_aces(host: SimHost) -> None:
    base = r"C:\secure"
    _one(host, "file.mkdir", path=base)
    _one(host, "acl.set", path=base, protected=True, owner=acl.ADMINISTRATORS, aces=[
        {"sid": acl.SYSTEM, "rights": FULL, "inheritance": DIR},
        {"sid": acl.ADMINISTRATORS, "rights": FULL, "inheritance": DIR},
        {"sid": acl.USERS, "rights": MODIFY, "inheritance": ["ContainerInherit"]},
    ])
    _one(host, "file.write", path=base + r"\netrc", content_b64="eA==")
    got = _one(host, "acl.get", path=base + r"\NETRC")
    assert got["protected"] is False
    assert _shape(got["aces"]) == [
        (acl.SYSTEM, "allow", FULL, (), (), True),
        (acl.ADMINISTRATORS, "allow", FULL, (), (), True),
    ]
    _one(host, "file.mkdir", path=base + r"\sub")
    sub = _one(host, "acl.get", path=base + r"\sub")
    assert _shape(sub["aces"]) == [
        (acl.SYSTEM, "allow", FULL, tuple(DIR), (), True),
        (acl.ADMINISTRATORS, "allow", FULL, tuple(DIR), (), True),
        (acl.USERS, "allow", MODIFY, ("ContainerInherit",), (), True),
    ]


def test_creator_owner_and_generic_rights_split_on_a_new_directory(host: SimHost) -> None:
    _one(host, "file.mkdir", path=r"C:\Program Files\Go")
    got = _one(host, "acl.get", path=r"C:\Program Files\Go")
    shape = _shape(got["aces"])
    # The owner (Administrators) gets CREATOR OWNER's generic-all as full control...
    assert (acl.ADMINISTRATORS, "allow", FULL, (), (), True) in shape
    # ...and CREATOR OWNER stays as an inherit-only ACE for grandchildren.
    assert (acl.CREATOR_OWNER, "allow", 0x10000000, tuple(DIR), ("InheritOnly",), True) in shape
    assert all(a["inherited"] for a in got["aces"])


def test_profile_folder_default_acl(host: SimHost) -> None:
    facts = _one(host, "facts.get")
    profile = facts["user"]["profile"]
    got = _one(host, "acl.get", path=profile)
    assert got["protected"] is True
    sids = [a["sid"] for a in got["aces"]]
    assert acl.SYSTEM in sids and acl.ADMINISTRATORS in sids
    assert got["owner"]["sid"] == sids[-1]
    assert got["owner"]["name"].upper().endswith("\\" + facts["user"]["name"].upper())


def test_parent_change_reaches_unprotected_children(host: SimHost) -> None:
    _one(host, "file.mkdir", path=r"C:\tree\leaf")
    _one(host, "acl.set", path=r"C:\tree", protected=True,
         aces=[{"sid": acl.SYSTEM, "rights": FULL, "inheritance": DIR}])
    leaf = _one(host, "acl.get", path=r"C:\tree\leaf")
    assert _shape(leaf["aces"]) == [(acl.SYSTEM, "allow", FULL, tuple(DIR), (), True)]


def test_recreated_directory_forgets_its_old_acl(host: SimHost) -> None:
    _one(host, "file.mkdir", path=r"C:\again")
    _one(host, "acl.set", path=r"C:\again", protected=True,
         aces=[{"sid": acl.SYSTEM, "rights": FULL, "inheritance": DIR}])
    _one(host, "file.remove", path=r"C:\again")
    _one(host, "file.mkdir", path=r"C:\again")
    got = _one(host, "acl.get", path=r"C:\again")
    assert got["protected"] is False
    assert all(a["inherited"] for a in got["aces"])


def test_rewriting_a_file_keeps_its_explicit_acl(host: SimHost) -> None:
    path = r"C:\netrc-home\_netrc"
    _one(host, "file.mkdir", path=r"C:\netrc-home")
    _one(host, "file.write", path=path, content_b64="YQ==")
    _one(host, "acl.set", path=path, protected=True, owner="SYSTEM",
         aces=[{"sid": acl.SYSTEM, "rights": FULL}])
    _one(host, "file.write", path=path, content_b64="Yg==")
    got = _one(host, "acl.get", path=path)
    assert got["protected"] is True and got["owner"]["sid"] == acl.SYSTEM
    assert _shape(got["aces"]) == [(acl.SYSTEM, "allow", FULL, (), (), False)]
    bad = host.run_batch({"ops": [{"op": "acl.set", "args": {
        "path": path, "protected": True,
        "aces": [{"sid": acl.SYSTEM, "rights": FULL, "inheritance": DIR}]}}]})
    assert bad["failed_op"]["code"] == "invalid_argument"
