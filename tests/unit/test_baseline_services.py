"""The service_accounts control: service accounts, SeServiceLogonRight holders, fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import baseline_services as bsv
from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.baseline import evaluate_on, run_ops

C = bsv.CONTROL
RIGHT = "SeServiceLogonRight"
ALL = {"sid": "S-1-5-80-0", "name": "NT SERVICE\\ALL SERVICES"}
GMSA_SID = "S-1-5-21-1-2-3-1105"
USER_SID = "S-1-5-21-9-9-9-1001"
ODD_SID = "S-1-5-21-9-9-9-1002"


def params(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"services": (), "enforce_service_accounts": False,
                            "logon_right_accounts": ()}
    base.update(over)
    return base


def svc(name: str, account: str) -> dict[str, Any]:
    return {"exists": True, "name": name, "display_name": name, "start_mode": "auto",
            "state": "running", "account": account, "path": f'"C:\\svc\\{name}.exe"'}


def holders(*accounts: dict[str, Any]) -> dict[str, Any]:
    return {"right": RIGHT, "accounts": list(accounts)}


@pytest.mark.parametrize(("account", "kind", "shown"), [
    (None, "system", "LocalSystem"),
    ("localsystem", "system", "LocalSystem"),
    ("NT AUTHORITY\\SYSTEM", "system", "LocalSystem"),
    ("NT AUTHORITY\\Local Service", "local_service", "NT AUTHORITY\\LocalService"),
    ("NT AUTHORITY\\NetworkService", "network_service", "NT AUTHORITY\\NetworkService"),
    ("NT SERVICE\\goapi", "virtual", "NT SERVICE\\goapi"),
    ("nt service\\GOAPI", "virtual", "NT SERVICE\\goapi"),
    ("NT SERVICE\\other", "other", "NT SERVICE\\other"),
    ("CORP\\gmsa-go$", "gmsa", "CORP\\gmsa-go$"),
    (".\\gobuild", "user", ".\\gobuild"),
    ("CORP\\svc-go", "user", "CORP\\svc-go"),
])
def test_account_kind(account: str | None, kind: str, shown: str) -> None:
    assert bsv.account_kind(account, "goapi") == (kind, shown)


def test_reads() -> None:
    got = C.reads(params(services=("goapi", "gojobs"), logon_right_accounts=("CORP\\sql",)))
    assert got == {
        "service0": ("service.get", {"name": "goapi"}),
        "service1": ("service.get", {"name": "gojobs"}),
        "holders": ("lsa.get", {"right": RIGHT}),
        "allowed": ("acl.resolve", {"names": ["CORP\\sql"]}),
    }
    assert "allowed" not in C.reads(params())


def test_virtual_and_gmsa_with_expected_holders_are_compliant() -> None:
    res = {"service0": svc("goapi", "NT SERVICE\\goapi"),
           "service1": svc("gojobs", "CORP\\gmsa-go$"),
           "service2": {"exists": False, "name": "gone"},
           "holders": holders(ALL, {"sid": GMSA_SID, "name": "CORP\\gmsa-go$"})}
    ev = C.evaluate(params(services=("goapi", "gojobs", "gone")), res)
    assert (ev.status, ev.evidence, ev.fix) == (COMPLIANT, [], [])
    assert ev.message == ("goapi, gojobs run as virtual accounts or gMSAs; only the expected "
                          f"accounts hold {RIGHT}; not present: gone")


def test_audit_reports_localsystem_and_unexpected_holders_without_fixes() -> None:
    res = {"service0": svc("goapi", "LocalSystem"),
           "service1": svc("gojobs", ".\\gobuild"),
           "holders": holders(ALL, {"sid": USER_SID, "name": "WIN01\\gobuild"},
                              {"sid": ODD_SID, "name": "WIN01\\olduser"},
                              {"sid": "S-1-5-21-4-4-4-500", "name": None})}
    ev = C.evaluate(params(services=("goapi", "gojobs")), res)
    assert ev.status == NON_COMPLIANT and ev.fix == []
    assert ev.evidence == [
        {"service": "goapi", "account": "LocalSystem", "kind": "system",
         "issue": "account_not_allowed", "expected": "NT SERVICE\\goapi or a gMSA (DOMAIN\\name$)"},
        {"service": "gojobs", "account": ".\\gobuild", "kind": "user",
         "issue": "account_not_allowed",
         "expected": "NT SERVICE\\gojobs or a gMSA (DOMAIN\\name$)"},
        {"right": RIGHT, "sid": ODD_SID, "name": "WIN01\\olduser", "issue": "unexpected_holder"},
        {"right": RIGHT, "sid": "S-1-5-21-4-4-4-500", "name": None,
         "issue": "unexpected_holder"},
    ]
    assert ev.message == ("goapi runs as LocalSystem; gojobs runs as .\\gobuild; "
                          f"{RIGHT} is also held by WIN01\\olduser, S-1-5-21-4-4-4-500 "
                          "(audit only: set enforce_service_accounts to fix)")


def test_enforce_fixes_accounts_and_revokes_by_sid() -> None:
    res = {"service0": svc("GoApi", "NT AUTHORITY\\NetworkService"),
           "holders": holders(ALL, {"sid": ODD_SID, "name": "CORP\\olduser"},
                              {"sid": USER_SID, "name": "CORP\\sql"}),
           "allowed": {"accounts": [{"name": "CORP\\sql", "sid": USER_SID, "exists": True}]}}
    ev = C.evaluate(params(services=("goapi",), enforce_service_accounts=True,
                           logon_right_accounts=("corp\\SQL",)), res)
    assert ev.status == NON_COMPLIANT
    assert ev.fix == [("service.set", {"name": "GoApi", "account": "NT SERVICE\\GoApi"}),
                      ("lsa.revoke", {"right": RIGHT, "account": ODD_SID})]
    assert ev.message == f"GoApi runs as NT AUTHORITY\\NetworkService; {RIGHT} is also held by " \
                         "CORP\\olduser"


def test_unknown_allowed_account_blocks_every_revoke() -> None:
    res = {"holders": holders(ALL, {"sid": ODD_SID, "name": "CORP\\olduser"}),
           "allowed": {"accounts": [{"name": "CORP\\gone", "sid": None, "exists": False},
                                    {"name": ODD_SID, "sid": ODD_SID, "exists": False}]}}
    ev = C.evaluate(params(enforce_service_accounts=True,
                           logon_right_accounts=("CORP\\gone", ODD_SID)), res)
    # The orphan SID given as a SID is allowed; the unknown name blocks revoking.
    assert ev.status == NON_COMPLIANT and ev.fix == []
    assert ev.evidence == [{"account": "CORP\\gone", "issue": "unknown_account"}]
    assert ev.message == ("logon_right_accounts names accounts the host does not know "
                          f"(CORP\\gone), so no holder of {RIGHT} is revoked")


def test_only_all_services_holds_it_on_a_clean_host_without_services() -> None:
    ev = C.evaluate(params(), {"holders": holders(ALL)})
    assert (ev.status, ev.message) == (COMPLIANT, f"only the expected accounts hold {RIGHT}")


# -- against the simulated host --------------------------------------------------------


def test_enforce_round_trip_on_the_simulated_host(tmp_path: Path) -> None:
    host = SimHost(str(tmp_path / "h"), accounts=["gobuild", "olduser"])
    host.add_service("goapi", r"C:\svc\goapi.exe", state="stopped")
    run_ops(host, [("lsa.grant", {"right": RIGHT, "account": ".\\olduser"}),
                   ("lsa.grant", {"right": RIGHT, "account": ".\\gobuild"})])
    p = params(services=("goapi",), enforce_service_accounts=True,
               logon_right_accounts=("gobuild",))
    ev = evaluate_on(host, C, p)
    assert ev.status == NON_COMPLIANT
    assert [op for op, _args in ev.fix] == ["service.set", "lsa.revoke"]
    assert [e.get("name") for e in ev.evidence if e["issue"] == "unexpected_holder"] == [
        f"{host_name(host)}\\olduser"]
    run_ops(host, ev.fix)
    again = evaluate_on(host, C, p)
    assert (again.status, again.fix) == (COMPLIANT, [])


def host_name(host: SimHost) -> str:
    return str(run_ops(host, [("facts.get", {})])[0]["hostname"])
