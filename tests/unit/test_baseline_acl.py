"""The toolchain and workspace ACL controls of the security baseline (pure logic)."""

from __future__ import annotations

from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl
from ansible_collections.winops.golang.plugins.module_utils import baseline_acl as ba

ROOT = r"C:\Program Files\GoToolchains"
DIR = ["ContainerInherit", "ObjectInherit"]
FULL = 0x1F01FF
RX = 0x1200A9  # ReadAndExecute, Synchronize
MODIFY = 0x1301BF  # Modify, Synchronize
BUILD_SID = "S-1-5-21-1-2-3-1001"


def ace(sid: str, rights: int, inheritance: list[str] | None = None, inherited: bool = False,
        type: str = "allow", propagation: list[str] | None = None,
        name: str | None = None) -> dict[str, Any]:
    return {"sid": sid, "name": name or acl.sid_name(sid), "type": type, "rights": rights,
            "inheritance": DIR if inheritance is None else inheritance,
            "propagation": propagation or [], "inherited": inherited}


def doc(aces: list[dict[str, Any]], protected: bool = True,
        owner: str = acl.ADMINISTRATORS) -> dict[str, Any]:
    out = {"op": "acl.get", "exists": True, "owner": {"sid": owner, "name": acl.sid_name(owner)},
           "protected": protected, "aces": aces}
    out["hash"] = acl.acl_hash(out)
    return out


BASELINE = [ace(acl.ADMINISTRATORS, FULL), ace(acl.SYSTEM, FULL), ace(acl.USERS, RX),
            ace(acl.AUTHENTICATED_USERS, RX)]
PARAMS = {"toolchain_root": ROOT, "workspace_directories": (r"C:\gopath", r"D:\cache"),
          "workspace_accounts": ("svc-gobuild",)}


def test_toolchain_reads_and_missing_root() -> None:
    assert ba.TOOLCHAIN_ACL.reads(PARAMS) == {"acl": ("acl.get", {"path": ROOT})}
    ev = ba.TOOLCHAIN_ACL.evaluate(PARAMS, {"acl": {"op": "acl.get", "exists": False}})
    assert ev.status == "not_applicable" and ev.fix == []
    assert ev.message == rf"the Go install root {ROOT} does not exist"


def test_toolchain_baseline_is_compliant_in_any_allow_order() -> None:
    ev = ba.TOOLCHAIN_ACL.evaluate(PARAMS, {"acl": doc(BASELINE)})
    assert ev.status == "compliant" and ev.evidence == [] and ev.fix == []
    assert ev.message == rf"the ACL of {ROOT} is the baseline's"
    ev = ba.TOOLCHAIN_ACL.evaluate(PARAMS, {"acl": doc(list(reversed(BASELINE)))})
    assert ev.status == "compliant"


def test_toolchain_extra_write_ace() -> None:
    got = doc([*BASELINE[:2], ace(acl.USERS, MODIFY), BASELINE[3]])
    ev = ba.TOOLCHAIN_ACL.evaluate(PARAMS, {"acl": got})
    assert ev.status == "non_compliant"
    assert ev.message == (rf"the ACL of {ROOT} differs from the baseline: 1 offending ACE, "
                          "1 missing ACE")
    assert ev.evidence == [
        {"path": ROOT, "issue": "missing_ace", "sid": acl.USERS, "name": "BUILTIN\\Users",
         "type": "allow", "rights": ["ReadAndExecute", "Synchronize"], "inheritance": DIR,
         "propagation": [], "inherited": False},
        {"path": ROOT, "issue": "extra_ace", "sid": acl.USERS, "name": "BUILTIN\\Users",
         "type": "allow", "rights": ["Modify", "Synchronize"], "inheritance": DIR,
         "propagation": [], "inherited": False},
    ]
    assert ev.fix == [("acl.set", {
        "path": ROOT, "protected": True, "owner": acl.ADMINISTRATORS, "expected": got["hash"],
        "aces": [{"sid": s, "type": "allow", "rights": r, "inheritance": DIR, "propagation": []}
                 for s, r in ((acl.ADMINISTRATORS, FULL), (acl.SYSTEM, FULL), (acl.USERS, RX),
                              (acl.AUTHENTICATED_USERS, RX))]})]


def test_toolchain_inheriting_root_names_offending_inherited_aces() -> None:
    inherited = [
        ace(acl.SYSTEM, FULL, [], inherited=True),
        ace(acl.SYSTEM, 0x10000000, DIR, True, propagation=["InheritOnly"]),
        ace(acl.USERS, 0xA0000000, DIR, True, propagation=["InheritOnly"]),
        ace(acl.CREATOR_OWNER, 0x10000000, DIR, True, propagation=["InheritOnly"]),
        ace(acl.EVERYONE, 0x1, [], True, type="deny"),
    ]
    ev = ba.TOOLCHAIN_ACL.evaluate(PARAMS, {"acl": doc(inherited, protected=False,
                                                       owner=acl.USERS)})
    assert ev.message == (rf"the ACL of {ROOT} differs from the baseline: wrong owner, "
                          "inheritance on, 2 offending ACEs, 4 missing ACEs")
    assert ev.evidence[0] == {"path": ROOT, "issue": "owner", "sid": acl.USERS,
                              "name": "BUILTIN\\Users",
                              "expected": {"sid": acl.ADMINISTRATORS,
                                           "name": "BUILTIN\\Administrators"}}
    assert ev.evidence[1] == {"path": ROOT, "issue": "inheritance", "protected": False,
                              "expected_protected": True}
    assert [e["issue"] for e in ev.evidence[2:6]] == ["missing_ace"] * 4
    # SYSTEM and Users get no more than the baseline gives them; CREATOR OWNER and a
    # deny ACE are not in it.
    assert ev.evidence[6:] == [
        {"path": ROOT, "issue": "extra_ace", "sid": acl.CREATOR_OWNER, "name": "CREATOR OWNER",
         "type": "allow", "rights": ["GenericAll"], "inheritance": DIR,
         "propagation": ["InheritOnly"], "inherited": True},
        {"path": ROOT, "issue": "extra_ace", "sid": acl.EVERYONE, "name": "Everyone",
         "type": "deny", "rights": ["ListDirectory"], "inheritance": [], "propagation": [],
         "inherited": True},
    ]
    assert ev.fix[0][1]["expected"] == doc(inherited, False, acl.USERS)["hash"]


def test_toolchain_deny_before_allow_order_is_a_difference() -> None:
    # An explicit deny stored after the allows is not canonical (and not wanted).
    got = doc([*BASELINE, ace(acl.EVERYONE, 0x2, type="deny")])
    ev = ba.TOOLCHAIN_ACL.evaluate(PARAMS, {"acl": got})
    assert [e["issue"] for e in ev.evidence] == ["extra_ace"]
    assert ev.evidence[0]["type"] == "deny"


def workspace_results(dirs: list[dict[str, Any]],
                      accounts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"accounts": {"op": "acl.resolve", "accounts": accounts if accounts
                                        is not None else [{"name": "WIN-01\\svc-gobuild",
                                                           "sid": BUILD_SID, "exists": True}]}}
    for i, item in enumerate(dirs):
        out[f"dir{i}"] = item
    return out


WORKSPACE = [ace(BUILD_SID, MODIFY, name="WIN-01\\svc-gobuild"), ace(acl.ADMINISTRATORS, FULL),
             ace(acl.SYSTEM, FULL)]


def test_workspace_reads() -> None:
    assert ba.WORKSPACE_ACL.reads(PARAMS) == {
        "accounts": ("acl.resolve", {"names": ["svc-gobuild"]}),
        "dir0": ("acl.get", {"path": r"C:\gopath"}),
        "dir1": ("acl.get", {"path": r"D:\cache"}),
    }
    assert ba.WORKSPACE_ACL.reads({**PARAMS, "workspace_accounts": ()}) == {
        "dir0": ("acl.get", {"path": r"C:\gopath"}),
        "dir1": ("acl.get", {"path": r"D:\cache"}),
    }


def test_workspace_is_what_win_go_env_writes() -> None:
    written = acl.account_directory_acl(BUILD_SID)
    assert ba.workspace_acl([BUILD_SID]) == written
    ev = ba.WORKSPACE_ACL.evaluate(PARAMS, workspace_results(
        [doc(WORKSPACE), {"op": "acl.get", "exists": False}]))
    assert ev.status == "compliant"
    assert ev.message == r"the ACLs of C:\gopath are the baseline's; not present: D:\cache"


def test_workspace_other_account_is_offending() -> None:
    other = "S-1-5-21-1-2-3-1002"
    got = doc([*WORKSPACE, ace(other, MODIFY, name="WIN-01\\intruder")])
    ev = ba.WORKSPACE_ACL.evaluate(PARAMS, workspace_results([doc(WORKSPACE), got]))
    assert ev.status == "non_compliant"
    assert ev.message == r"ACLs differ from the baseline: D:\cache (1 offending ACE)"
    assert ev.evidence == [{"path": r"D:\cache", "issue": "extra_ace", "sid": other,
                            "name": "WIN-01\\intruder", "type": "allow",
                            "rights": ["Modify", "Synchronize"], "inheritance": DIR,
                            "propagation": [], "inherited": False}]
    assert [(op, args["path"]) for op, args in ev.fix] == [("acl.set", r"D:\cache")]
    assert ev.fix[0][1]["aces"][0] == {"sid": BUILD_SID, "type": "allow", "rights": MODIFY,
                                       "inheritance": DIR, "propagation": []}


def test_workspace_missing_account_grant_is_named_from_resolve() -> None:
    got = doc(WORKSPACE[1:])
    ev = ba.WORKSPACE_ACL.evaluate({**PARAMS, "workspace_directories": (r"C:\gopath",)},
                                   workspace_results([got]))
    assert ev.evidence == [{"path": r"C:\gopath", "issue": "missing_ace", "sid": BUILD_SID,
                            "name": "WIN-01\\svc-gobuild", "type": "allow",
                            "rights": ["Modify", "Synchronize"], "inheritance": DIR,
                            "propagation": [], "inherited": False}]


def test_workspace_unknown_account_and_nothing_to_check() -> None:
    ev = ba.WORKSPACE_ACL.evaluate(PARAMS, workspace_results(
        [doc(WORKSPACE), doc(WORKSPACE)],
        accounts=[{"name": "svc-gobuild", "sid": None, "exists": False}]))
    assert ev.status == "non_compliant" and ev.fix == []
    assert ev.evidence == [{"issue": "unknown_account", "account": "svc-gobuild"}]
    assert ev.message == "cannot check the workspaces: the host does not know svc-gobuild"
    none = ba.WORKSPACE_ACL.evaluate({**PARAMS, "workspace_directories": ()}, {})
    assert none.status == "not_applicable"
    assert none.message == "no workspace_directories to check"
    gone = ba.WORKSPACE_ACL.evaluate(PARAMS, workspace_results(
        [{"op": "acl.get", "exists": False}] * 2))
    assert gone.status == "not_applicable"
    assert gone.message == r"no workspace directory exists; not present: C:\gopath, D:\cache"
