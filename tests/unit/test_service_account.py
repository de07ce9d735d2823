"""Service accounts: the forms accepted, ObjectName, passwords, SeServiceLogonRight."""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.module_utils.service_account import (
    Account,
    AccountError,
    parse_account,
    same_account,
)


@pytest.mark.parametrize(
    ("account", "password", "kind", "object_name", "logon_right"),
    [
        (None, None, "virtual", "NT SERVICE\\api", False),
        ("", "", "virtual", "NT SERVICE\\api", False),
        ("nt service\\API", None, "virtual", "NT SERVICE\\api", False),
        ("LocalSystem", None, "system", "LocalSystem", False),
        ("NT AUTHORITY\\SYSTEM", None, "system", "LocalSystem", False),
        ("local service", None, "local_service", "NT AUTHORITY\\LocalService", False),
        ("NT AUTHORITY\\LOCAL SERVICE", None, "local_service", "NT AUTHORITY\\LocalService",
         False),
        ("NetworkService", None, "network_service", "NT AUTHORITY\\NetworkService", False),
        ("CORP\\svc-api$", None, "gmsa", "CORP\\svc-api$", True),
        ("CORP\\svc-api", "pw", "user", "CORP\\svc-api", True),
        ("svc-api", "pw", "user", ".\\svc-api", True),
        (".\\svc-api", "pw", "user", ".\\svc-api", True),
    ],
)
def test_parse_account(account: str | None, password: str | None, kind: str,
                       object_name: str, logon_right: bool) -> None:
    parsed = parse_account(account, password, "api")
    assert (parsed.kind, parsed.object_name, parsed.needs_logon_right) == (
        kind, object_name, logon_right)
    assert parsed.password == (password or None)


@pytest.mark.parametrize(
    ("account", "password", "message"),
    [
        ("CORP\\svc-api", None, "account 'CORP\\svc-api' is a user account and needs a "
         "password (use a gMSA, DOMAIN\\name$, to run without one)"),
        ("LocalService", "pw", "account 'NT AUTHORITY\\LocalService' takes no password: "
         "built-in, virtual and group managed service accounts have none"),
        ("CORP\\gmsa$", "pw", "account 'CORP\\gmsa$' takes no password: built-in, virtual "
         "and group managed service accounts have none"),
        (None, "pw", "account 'NT SERVICE\\api' takes no password: built-in, virtual and "
         "group managed service accounts have none"),
        ("NT SERVICE\\other", None, "account 'NT SERVICE\\other': a service can only run as "
         "its own virtual account, NT SERVICE\\api"),
        ("gmsa$", None, "account 'gmsa$' looks like a group managed service account: give "
         "its domain (DOMAIN\\name$)"),
        ("svc@corp.example", "pw", "account 'svc@corp.example': give the account as "
         "DOMAIN\\name, not in user@domain form"),
        ("CORP\\", "pw", "account 'CORP\\' is not a valid account name: give DOMAIN\\user, "
         ".\\user, DOMAIN\\gmsa$, NT SERVICE\\<service>, LocalSystem, LocalService or "
         "NetworkService"),
        ("CORP\\svc", 1234, "password must be a string without NUL characters"),
        ("CORP\\svc", "a\x00b", "password must be a string without NUL characters"),
        ("CORP\\a*b", "pw", "account 'CORP\\a*b' is not a valid account name: give "
         "DOMAIN\\user, .\\user, DOMAIN\\gmsa$, NT SERVICE\\<service>, LocalSystem, "
         "LocalService or NetworkService"),
    ],
)
def test_parse_account_refuses(account: str | None, password: str | None,
                               message: str) -> None:
    with pytest.raises(AccountError) as err:
        parse_account(account, password, "api")
    assert str(err.value) == message


def test_password_is_never_shown() -> None:
    account = parse_account("CORP\\svc", "hunter2", "api")
    assert "hunter2" not in repr(account)
    assert account == Account("user", "CORP\\svc")  # the password is not compared
    assert (account.domain, account.user) == ("CORP", "svc")
    system = parse_account("LocalSystem", None, "api")
    assert (system.domain, system.user) == (None, "LocalSystem")


@pytest.mark.parametrize(
    ("object_name", "account", "hostname", "same"),
    [
        (None, "LocalSystem", None, True),
        ("localsystem", "LocalSystem", None, True),
        ("NT AUTHORITY\\LocalService", "LocalService", None, True),
        ("NT AUTHORITY\\LocalService", "NetworkService", None, False),
        ("nt service\\API", None, None, True),
        ("CORP\\SVC", "CORP\\svc", None, True),
        ("WEB01\\svc", "svc", "web01", True),
        ("WEB01\\svc", "svc", None, False),
        (".\\svc", "svc", None, True),
        ("CORP\\svc", "svc", "web01", False),
    ],
)
def test_same_account(object_name: str | None, account: str | None, hostname: str | None,
                      same: bool) -> None:
    needs = account not in (None, "LocalSystem", "LocalService", "NetworkService")
    parsed = parse_account(account, "pw" if needs else None, "api")
    assert same_account(object_name, parsed, hostname) is same
