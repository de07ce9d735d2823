"""The account a service logs on as, in the form the SCM stores it.

Part of the pure logic of ``winops.golang.win_go_service``. The SCM keeps the
account in the service key's ``ObjectName`` value: ``LocalSystem``,
``NT AUTHORITY\\LocalService``, ``NT AUTHORITY\\NetworkService``,
``NT SERVICE\\<service>`` (the service's virtual account, the default here),
``DOMAIN\\name$`` (a group managed service account) or ``DOMAIN\\user`` /
``.\\user`` (a user with a password). Built-in, virtual and gMSA accounts take
no password; Windows gives built-in and virtual accounts the right to log on
as a service itself, while users and gMSAs need SeServiceLogonRight granted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SYSTEM, LOCAL_SERVICE, NETWORK_SERVICE = "system", "local_service", "network_service"
VIRTUAL, GMSA, USER = "virtual", "gmsa", "user"
BUILT_IN = (SYSTEM, LOCAL_SERVICE, NETWORK_SERVICE)

_OBJECT_NAMES = {
    SYSTEM: "LocalSystem",
    LOCAL_SERVICE: "NT AUTHORITY\\LocalService",
    NETWORK_SERVICE: "NT AUTHORITY\\NetworkService",
}
# Spellings of the built-in accounts that Windows and administrators use, folded.
_ALIASES = {
    SYSTEM: ("localsystem", "local system", "system", "nt authority\\system",
             ".\\localsystem", "nt authority\\localsystem"),
    LOCAL_SERVICE: ("localservice", "local service", "nt authority\\localservice",
                    "nt authority\\local service"),
    NETWORK_SERVICE: ("networkservice", "network service", "nt authority\\networkservice",
                      "nt authority\\network service"),
}
_BY_ALIAS = {alias: kind for kind, aliases in _ALIASES.items() for alias in aliases}
_VIRTUAL_DOMAIN = "NT SERVICE"
_BAD_NAME_CHARS = frozenset('"/[]:|<>+=;,?*@')


class AccountError(ValueError):
    """An account option the SCM would refuse, or a password where none belongs."""


@dataclass(frozen=True)
class Account:
    """A service account: its kind, ``ObjectName`` and password (never shown)."""

    kind: str
    object_name: str
    password: str | None = field(default=None, repr=False, compare=False)

    @property
    def needs_logon_right(self) -> bool:
        """Whether SeServiceLogonRight must be granted: plain users and gMSAs."""
        return self.kind in (USER, GMSA)

    @property
    def domain(self) -> str | None:
        """The part before ``\\`` (None for LocalSystem)."""
        head, sep, _tail = self.object_name.rpartition("\\")
        return head if sep else None

    @property
    def user(self) -> str:
        """The part after ``\\`` (the whole name for LocalSystem)."""
        return self.object_name.rpartition("\\")[2]

    @property
    def lookup_name(self) -> str:
        """The name as ``acl.resolve`` translates it: the SCM's ``.\\user`` is a local ``user``."""
        return self.user if self.domain == "." else self.object_name


def _check_part(part: str, text: str) -> None:
    if not part or part != part.strip() or any(ch in _BAD_NAME_CHARS for ch in part) or \
            any(ord(ch) < 32 for ch in part):
        raise AccountError(
            f"account '{text}' is not a valid account name: give DOMAIN\\user, .\\user, "
            "DOMAIN\\gmsa$, NT SERVICE\\<service>, LocalSystem, LocalService or NetworkService"
        )


def parse_account(account: str | None, password: str | None, service: str) -> Account:
    """Validate ``account`` and ``password`` for service ``service`` into an :class:`Account`.

    No account means the virtual account ``NT SERVICE\\<service>``. A bare
    ``user`` is a local user (``.\\user``). A password is required for a user
    and refused for every other kind.
    """
    if password is not None and (not isinstance(password, str) or "\x00" in password):
        raise AccountError("password must be a string without NUL characters")
    text = (account or "").strip()
    secret = password or None
    if not text:
        result = Account(VIRTUAL, f"{_VIRTUAL_DOMAIN}\\{service}")
    elif text.casefold() in _BY_ALIAS:
        kind = _BY_ALIAS[text.casefold()]
        result = Account(kind, _OBJECT_NAMES[kind])
    else:
        if "@" in text:
            raise AccountError(f"account '{text}': give the account as DOMAIN\\name, "
                               "not in user@domain form")
        domain, sep, name = text.rpartition("\\")
        if not sep:
            domain = "."
        _check_part(domain, text)
        _check_part(name, text)
        if domain.casefold() == _VIRTUAL_DOMAIN.casefold():
            if name.casefold() != service.casefold():
                raise AccountError(
                    f"account '{text}': a service can only run as its own virtual account, "
                    f"{_VIRTUAL_DOMAIN}\\{service}"
                )
            result = Account(VIRTUAL, f"{_VIRTUAL_DOMAIN}\\{service}")
        elif name.endswith("$"):
            if domain == ".":
                raise AccountError(f"account '{text}' looks like a group managed service "
                                   "account: give its domain (DOMAIN\\name$)")
            result = Account(GMSA, f"{domain}\\{name}")
        else:
            result = Account(USER, f"{domain}\\{name}")
    if result.kind == USER:
        if secret is None:
            raise AccountError(f"account '{result.object_name}' is a user account and needs "
                               "a password (use a gMSA, DOMAIN\\name$, to run without one)")
        return Account(USER, result.object_name, secret)
    if secret is not None:
        raise AccountError(f"account '{result.object_name}' takes no password: built-in, "
                           "virtual and group managed service accounts have none")
    return result


def same_account(object_name: str | None, account: Account, hostname: str | None = None) -> bool:
    """Whether the ``ObjectName`` read from the host is ``account`` (case-insensitive).

    An empty ``ObjectName`` is LocalSystem. A local user (``.\\user``) may come
    back as ``HOST\\user``: with ``hostname`` that form matches too.
    """
    seen = (object_name or "LocalSystem").strip()
    if seen.casefold() in _BY_ALIAS:
        return _OBJECT_NAMES[_BY_ALIAS[seen.casefold()]] == account.object_name
    if account.kind == USER and account.domain == ".":
        domain, sep, name = seen.rpartition("\\")
        local = {"."} | ({hostname.casefold()} if hostname else set())
        return bool(sep) and domain.casefold() in local and name.casefold() == \
            account.user.casefold()
    return seen.casefold() == account.object_name.casefold()
