# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that judge how a Windows host is reached, on the controller, for roles.

Every role of the collection starts with the same task: it passes the host's
variables (``hostvars[inventory_hostname]``) to ``transport_warning`` and
prints what comes back, so a connection that exposes credentials or traffic is
reported once per role, in the same words, before any host call.

The checks read the variables the configured connection plugin reads, with
its defaults and precedence:

* ``ansible.builtin.winrm``: ``ansible_winrm_transport`` (unset means Basic
  for a user name that is not a UPN; ``ssl`` and ``plaintext`` are Basic),
  ``ansible_winrm_port`` over ``ansible_port`` (default 5986),
  ``ansible_winrm_scheme`` (unset means http on port 5985, else https),
  ``ansible_winrm_message_encryption`` and
  ``ansible_winrm_server_cert_validation``;
* ``ansible.builtin.psrp``: ``ansible_psrp_auth`` (default negotiate),
  ``ansible_psrp_port`` over ``ansible_port``, ``ansible_psrp_protocol``
  (unset means http on port 5985, else https),
  ``ansible_psrp_message_encryption`` and ``ansible_psrp_cert_validation``.

Any other connection (``ssh``, ``winops.golang.winsim``, ``local``) reports
nothing: WinRM and PSRP variables set for such a host are not used by it, so
they expose nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

_PREFIXES = ("ansible.builtin.", "ansible.legacy.", "ansible.windows.")
_BASIC_TRANSPORTS = frozenset({"basic", "plaintext", "ssl"})

_EXPOSED_ADVICE = (
    "Credentials or the commands and data of this run can be read or changed on the "
    "network. Use WinRM or PSRP over HTTPS (port 5986) with NTLM, Kerberos or CredSSP "
    "message encryption, or Windows OpenSSH."
)
_UNVERIFIED_ADVICE = (
    "Anyone on the network path can pose as the host and collect the credentials. Trust "
    "the CA that issued the host's listener certificate instead (ansible_winrm_ca_trust_path, "
    "ansible_psrp_ca_cert)."
)


def _variables(variables: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError(
            f"{name} expects the host's variables (hostvars[inventory_hostname]), "
            f"not {type(variables).__name__}"
        )
    return variables


def _get(variables: Mapping[str, Any], *names: str) -> Any:
    """The value of the last of ``names`` that is set, as the connection plugins pick it."""
    value = None
    for name in names:
        found = variables.get(name)
        if found is not None and found != "":
            value = found
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip().lower()


def connection_name(variables: Mapping[str, Any]) -> str:
    """The connection plugin's short name: ``winrm``, ``psrp``, ``ssh``, ``winops.golang.winsim``.
    """
    name = _text(_get(variables, "ansible_connection")) or "ssh"
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _port(variables: Mapping[str, Any], own: str) -> int | None:
    value = _get(variables, "ansible_port", own)
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _winrm(variables: Mapping[str, Any]) -> tuple[str, int, list[str]]:
    """``(scheme, port, transports)`` as the winrm connection plugin works them out."""
    port = _port(variables, "ansible_winrm_port")
    port = 5986 if port is None else port
    scheme = _text(_get(variables, "ansible_winrm_scheme")) or ("http" if port == 5985 else "https")
    raw = _get(variables, "ansible_winrm_transport")
    if isinstance(raw, (list, tuple)):
        transports = [_text(item) for item in raw if _text(item)]
    else:
        transports = [item.strip() for item in _text(raw).split(",") if item.strip()]
    if not transports:
        user = str(_get(variables, "ansible_user", "ansible_winrm_user") or "")
        if "@" in user:
            transports = ["kerberos"]
        else:
            transports = ["ssl"] if scheme == "https" else ["plaintext"]
    return scheme, port, transports


def _psrp(variables: Mapping[str, Any]) -> tuple[str, int]:
    """``(protocol, port)`` as the psrp connection plugin works them out."""
    port = _port(variables, "ansible_psrp_port")
    protocol = _text(_get(variables, "ansible_psrp_protocol"))
    if not protocol:
        protocol = "http" if port == 5985 else "https"
    if port is None:
        port = 5985 if protocol == "http" else 5986
    return protocol, port


def insecure_transport(variables: Any) -> list[str]:
    """Why the host's connection exposes credentials or traffic; empty when it does not.

    ``variables`` are the host's variables (``hostvars[inventory_hostname]``).
    """
    hostvars = _variables(variables, "insecure_transport")
    connection = connection_name(hostvars)
    reasons: list[str] = []
    if connection == "winrm":
        scheme, port, transports = _winrm(hostvars)
        basic = [item for item in transports if item in _BASIC_TRANSPORTS]
        if basic:
            given = _get(hostvars, "ansible_winrm_transport")
            how = (f"ansible_winrm_transport: {', '.join(transports)}" if given
                   else "ansible_winrm_transport unset, which means Basic for a user "
                        "that is not a UPN")
            reasons.append(f"WinRM Basic authentication ({how})")
        if scheme == "http":
            reasons.append(f"WinRM over plain HTTP (ansible_winrm_scheme: http, port {port})")
            if _text(_get(hostvars, "ansible_winrm_message_encryption")) == "never":
                reasons.append("WinRM message encryption turned off "
                               "(ansible_winrm_message_encryption: never)")
    elif connection == "psrp":
        protocol, port = _psrp(hostvars)
        if _text(_get(hostvars, "ansible_psrp_auth")) == "basic":
            reasons.append("PSRP Basic authentication (ansible_psrp_auth: basic)")
        if protocol == "http":
            reasons.append(f"PSRP over plain HTTP (ansible_psrp_protocol: http, port {port})")
            if _text(_get(hostvars, "ansible_psrp_message_encryption")) == "never":
                reasons.append("PSRP message encryption turned off "
                               "(ansible_psrp_message_encryption: never)")
    return reasons


def unvalidated_certificates(variables: Any) -> list[str]:
    """Which HTTPS connection does not check the host's certificate; empty when it does."""
    hostvars = _variables(variables, "unvalidated_certificates")
    connection = connection_name(hostvars)
    if connection == "winrm":
        scheme = _winrm(hostvars)[0]
        if scheme == "https" and _text(
                _get(hostvars, "ansible_winrm_server_cert_validation")) == "ignore":
            return ["WinRM over HTTPS without certificate validation "
                    "(ansible_winrm_server_cert_validation: ignore)"]
    elif connection == "psrp":
        protocol = _psrp(hostvars)[0]
        value = _get(hostvars, "ansible_psrp_cert_validation")
        if protocol == "https" and (_text(value) == "ignore" or value is False):
            return ["PSRP over HTTPS without certificate validation "
                    "(ansible_psrp_cert_validation: ignore)"]
    return []


def transport_warning(variables: Any, host: str | None = None) -> list[str]:
    """The warning lines a role prints for the host's connection; empty when it is sound."""
    hostvars = _variables(variables, "transport_warning")
    name = host or str(hostvars.get("inventory_hostname") or "the host")
    lines: list[str] = []
    exposed = insecure_transport(hostvars)
    if exposed:
        lines += [f"WARNING: {name} is reached with {' and '.join(exposed)}.", _EXPOSED_ADVICE]
    unverified = unvalidated_certificates(hostvars)
    if unverified:
        lines += [f"WARNING: {name} is reached with {' and '.join(unverified)}.",
                  _UNVERIFIED_ADVICE]
    return lines


class FilterModule:
    """Connection checks."""

    def filters(self) -> dict[str, Any]:
        """The filters of this file."""
        return {
            "insecure_transport": insecure_transport,
            "unvalidated_certificates": unvalidated_certificates,
            "transport_warning": transport_warning,
        }
