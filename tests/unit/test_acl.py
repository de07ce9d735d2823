"""The pure ACL model: SIDs, rights, canonical order, merging, diffs, the builder."""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.module_utils import acl
from ansible_collections.winops.golang.plugins.module_utils.acl import Ace, Acl

FULL = acl.RIGHTS["FullControl"]
MODIFY = acl.RIGHTS["Modify"]
SYNC = acl.RIGHTS["Synchronize"]
DIR = ("ContainerInherit", "ObjectInherit")
BUILD = "S-1-5-21-1-2-3-1001"


@pytest.mark.parametrize(("name", "sid"), [
    ("SYSTEM", "S-1-5-18"),
    ("nt authority\\system", "S-1-5-18"),
    ("BUILTIN\\Administrators", "S-1-5-32-544"),
    ("Users", "S-1-5-32-545"),
    ("Authenticated Users", "S-1-5-11"),
    ("CREATOR OWNER", "S-1-3-0"),
    ("Everyone", "S-1-1-0"),
    ("LOCAL SERVICE", "S-1-5-19"),
    ("NT AUTHORITY\\NETWORK SERVICE", "S-1-5-20"),
    ("APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES", "S-1-15-2-1"),
    ("NT SERVICE\\TrustedInstaller",
     "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"),
    ("s-1-5-21-1-2-3-1001", BUILD),
])
def test_well_known_names(name: str, sid: str) -> None:
    assert acl.resolve_sid(name) == sid


def test_service_sid_is_sha1_of_upper_case_name() -> None:
    assert acl.service_sid("trustedinstaller") == acl.TRUSTED_INSTALLER
    assert acl.lookup_sid("NT SERVICE\\TrustedInstaller") == acl.TRUSTED_INSTALLER
    assert acl.lookup_sid("NT SERVICE\\winops-runner").startswith("S-1-5-80-")


def test_unknown_account_needs_the_host_or_a_table() -> None:
    assert acl.lookup_sid("CORP\\gobuild") is None
    with pytest.raises(acl.UnknownAccount):
        acl.resolve_sid("CORP\\gobuild")
    table = {"CORP\\gobuild": BUILD}
    assert acl.resolve_sid("corp\\GOBUILD", table) == BUILD
    assert acl.resolve_sid("gobuild", table) == BUILD
    assert acl.sid_name(BUILD, table) == "CORP\\gobuild"


def test_rights_masks() -> None:
    assert acl.mask("FullControl") == 2032127
    assert acl.mask("Modify, Synchronize") == 1245631
    assert acl.mask(["ReadAndExecute", "Synchronize"]) == 1179817
    assert acl.mask("Read") == 131209 and acl.mask("Write") == 278
    assert acl.mask(-1610612736) == 0xA0000000 == acl.mask("GenericRead, GenericExecute")
    assert acl.mask("268435456") == acl.RIGHTS["GenericAll"]
    assert acl.rights_names(1245631) == ["Modify", "Synchronize"]
    assert acl.map_generic(0xA0000000) == 0x1200A9
    with pytest.raises(ValueError):
        acl.mask("Teleport")


def test_canonical_order_explicit_deny_allow_then_inherited_in_place() -> None:
    inh1 = Ace(acl.USERS, "allow", 1, inherited=True)
    inh2 = Ace(acl.USERS, "deny", 2, inherited=True)
    allow = Ace(acl.SYSTEM, "allow", FULL)
    deny = Ace(acl.EVERYONE, "deny", 0x2)
    out = acl.canonical([inh1, allow, inh2, deny])
    assert out == [deny, allow, inh1, inh2]
    assert not acl.is_canonical([allow, deny])
    assert acl.is_canonical(out)


def test_merge_same_sid_type_flags() -> None:
    a = Ace(BUILD, "allow", acl.RIGHTS["Read"], DIR)
    b = Ace(BUILD, "allow", acl.RIGHTS["Write"], DIR)
    c = Ace(BUILD, "allow", acl.RIGHTS["Write"])  # other flags: kept apart
    merged = acl.merge([a, c, b])
    assert merged == [Ace(BUILD, "allow", acl.RIGHTS["Read"] | acl.RIGHTS["Write"], DIR), c]
    assert acl.merge([Ace(BUILD, "allow", 0)]) == []


def test_same_account_by_name_or_sid_compares_equal() -> None:
    by_name = Ace.make("BUILTIN\\Administrators", "FullControl", inheritance=DIR)
    by_sid = Ace.make("S-1-5-32-544", FULL, inheritance="ContainerInherit, ObjectInherit")
    assert by_name == by_sid
    table = {"WIN1\\gobuild": BUILD}
    want = acl.protected_acl({"Administrators": "FullControl", "WIN1\\gobuild": "Modify"},
                             owner="Administrators", accounts=table)
    have = Acl.from_doc({"owner": {"sid": "S-1-5-32-544", "name": "BUILTIN\\Administrators"},
                         "protected": True,
                         "aces": [{"sid": "S-1-5-32-544", "rights": FULL,
                                   "inheritance": list(DIR)},
                                  {"sid": BUILD, "name": "WIN1\\gobuild",
                                   "rights": MODIFY | SYNC, "inheritance": list(DIR)}]})
    assert acl.compare(want, have) == []


def test_diff_reports_missing_extra_owner_protection() -> None:
    want = acl.protected_acl({"SYSTEM": FULL, BUILD: "Modify"}, owner="Administrators")
    have = Acl(acl.TRUSTED_INSTALLER, False, (
        Ace(acl.SYSTEM, "allow", FULL, DIR),
        Ace(acl.USERS, "allow", acl.RIGHTS["Write"], DIR),
        Ace(acl.USERS, "allow", acl.RIGHTS["Read"], DIR, inherited=True),
    ))
    diff = acl.compare(want, have)
    kinds = [(d.kind, d.want, d.have) for d in diff]
    assert kinds[0] == ("owner", acl.ADMINISTRATORS, acl.TRUSTED_INSTALLER)
    assert kinds[1] == ("protected", True, False)
    assert [d.kind for d in diff[2:]] == ["missing", "extra"]
    assert diff[2].want.sid == BUILD and diff[3].have.sid == acl.USERS
    assert diff[3].describe() == "extra ACE: allow BUILTIN\\Users Write (CI,OI)"


def test_diff_reports_non_canonical_order() -> None:
    want = Acl(None, True, (Ace(acl.EVERYONE, "deny", 2), Ace(acl.SYSTEM, "allow", FULL)))
    have = Acl(acl.SYSTEM, True, (Ace(acl.SYSTEM, "allow", FULL), Ace(acl.EVERYONE, "deny", 2)))
    assert [d.kind for d in acl.compare(want, have)] == ["order"]


def test_builder_and_set_args() -> None:
    want = acl.protected_acl({"SYSTEM": "FullControl", "Administrators": "FullControl",
                              BUILD: "Modify"}, owner="BUILTIN\\Administrators",
                             deny={"Everyone": "Delete"})
    args = want.set_args()
    assert args["owner"] == acl.ADMINISTRATORS and args["protected"] is True
    assert [(a["sid"], a["type"]) for a in args["aces"]] == [
        (acl.EVERYONE, "deny"), (acl.SYSTEM, "allow"), (acl.ADMINISTRATORS, "allow"),
        (BUILD, "allow")]
    assert args["aces"][3]["rights"] == MODIFY | SYNC
    assert args["aces"][3]["inheritance"] == list(DIR)
    file_acl = acl.protected_acl({BUILD: "Read"}, directory=False, synchronize=False)
    assert file_acl.set_args()["aces"] == [{"sid": BUILD, "type": "allow",
                                            "rights": acl.RIGHTS["Read"], "inheritance": [],
                                            "propagation": []}]
    assert "owner" not in file_acl.set_args()


def test_hash_ignores_names_and_signed_masks() -> None:
    doc = {"owner": {"sid": acl.SYSTEM, "name": "x"}, "protected": False,
           "aces": [{"sid": acl.USERS, "name": "BUILTIN\\Users", "type": "allow",
                     "rights": -1610612736, "inheritance": ["ContainerInherit"],
                     "propagation": ["InheritOnly"], "inherited": True}]}
    other = {"owner": {"sid": acl.SYSTEM}, "protected": False,
             "aces": [dict(doc["aces"][0], name=None, rights=0xA0000000)]}
    assert acl.acl_hash(doc) == acl.acl_hash(other)
    assert acl.acl_hash(doc) != acl.acl_hash(dict(doc, protected=True))


def test_inheritance_rules() -> None:
    parent = [
        Ace(acl.SYSTEM, "allow", FULL, DIR),
        Ace(acl.USERS, "allow", acl.RIGHTS["AppendData"], ("ContainerInherit",)),
        Ace(acl.USERS, "allow", 0x80000000, ("ObjectInherit",), ("InheritOnly",)),
        Ace(acl.CREATOR_OWNER, "allow", 0x10000000, DIR, ("InheritOnly",)),
        Ace(BUILD, "allow", MODIFY, DIR, ("NoPropagateInherit",)),
        Ace(acl.EVERYONE, "allow", 1),  # not inheritable
    ]
    file_aces = acl.inherit(parent, is_dir=False, owner=acl.ADMINISTRATORS)
    assert file_aces == [
        Ace(acl.SYSTEM, "allow", FULL, inherited=True),
        Ace(acl.USERS, "allow", 0x120089, inherited=True),
        Ace(acl.ADMINISTRATORS, "allow", FULL, inherited=True),
        Ace(BUILD, "allow", MODIFY, inherited=True),
    ]
    dir_aces = acl.inherit(parent, is_dir=True, owner=acl.ADMINISTRATORS)
    assert dir_aces == [
        Ace(acl.SYSTEM, "allow", FULL, DIR, inherited=True),
        Ace(acl.USERS, "allow", acl.RIGHTS["AppendData"], ("ContainerInherit",), inherited=True),
        Ace(acl.USERS, "allow", 0x80000000, ("ObjectInherit",), ("InheritOnly",), True),
        Ace(acl.ADMINISTRATORS, "allow", FULL, inherited=True),
        Ace(acl.CREATOR_OWNER, "allow", 0x10000000, DIR, ("InheritOnly",), True),
        Ace(BUILD, "allow", MODIFY, inherited=True),
    ]
    explicit = [Ace(acl.SYSTEM, "allow", FULL), Ace(acl.EVERYONE, "deny", 2)]
    assert acl.effective(explicit, dir_aces, protected=True) == acl.canonical(explicit)
    assert acl.effective(explicit, dir_aces, protected=False)[2:] == dir_aces


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        Ace.make("SYSTEM", FULL, type="maybe")
    with pytest.raises(ValueError):
        Ace.make("SYSTEM", FULL, inheritance=["Sideways"])
    with pytest.raises(ValueError):
        acl.mask(1 << 40)
