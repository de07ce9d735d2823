"""The connection filters (insecure_transport, unvalidated_certificates, transport_warning):
what the winrm and psrp connection plugins would do with a host's variables."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.winops.golang.plugins.filter.connection import (
    FilterModule,
    connection_name,
    insecure_transport,
    transport_warning,
    unvalidated_certificates,
)

WINRM = "ansible.builtin.winrm"
PSRP = "ansible.builtin.psrp"
BASIC = ["WinRM Basic authentication"]


def short(reasons: list[str]) -> list[str]:
    """The reasons without their parenthesised details."""
    return [reason.split(" (")[0] for reason in reasons]


@pytest.mark.parametrize(("variables", "expected"), [
    # WinRM: the plugin's defaults (port 5986 -> https; no transport -> Basic unless a UPN).
    ({"ansible_connection": "winrm"}, ["WinRM Basic authentication"]),
    ({"ansible_connection": WINRM, "ansible_user": "ops@CORP.EXAMPLE.COM"}, []),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ntlm"}, []),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "kerberos",
      "ansible_port": 5986}, []),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "credssp"}, []),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "basic"}, BASIC),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "Basic"}, BASIC),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ssl"}, BASIC),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": ["ntlm", "basic"]},
     ["WinRM Basic authentication"]),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ntlm,plaintext"},
     ["WinRM Basic authentication"]),
    # HTTP: an explicit scheme, or port 5985 without one.
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ntlm", "ansible_port": 5985},
     ["WinRM over plain HTTP"]),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ntlm", "ansible_port": "5985"},
     ["WinRM over plain HTTP"]),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ntlm", "ansible_port": 5986,
      "ansible_winrm_scheme": "http"}, ["WinRM over plain HTTP"]),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ntlm", "ansible_port": 5985,
      "ansible_winrm_scheme": "https"}, []),
    # ansible_winrm_port wins over ansible_port, as in the plugin.
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ntlm", "ansible_port": 5986,
      "ansible_winrm_port": 5985}, ["WinRM over plain HTTP"]),
    ({"ansible_connection": WINRM, "ansible_winrm_transport": "ntlm", "ansible_port": 5985,
      "ansible_winrm_message_encryption": "never"},
     ["WinRM over plain HTTP", "WinRM message encryption turned off"]),
    ({"ansible_connection": WINRM, "ansible_port": 5985, "ansible_winrm_transport": "basic"},
     ["WinRM Basic authentication", "WinRM over plain HTTP"]),
    # PSRP: negotiate and https by default.
    ({"ansible_connection": PSRP}, []),
    ({"ansible_connection": "psrp", "ansible_psrp_auth": "basic"}, ["PSRP Basic authentication"]),
    ({"ansible_connection": PSRP, "ansible_port": 5985}, ["PSRP over plain HTTP"]),
    ({"ansible_connection": PSRP, "ansible_psrp_protocol": "http"}, ["PSRP over plain HTTP"]),
    ({"ansible_connection": PSRP, "ansible_port": 5985, "ansible_psrp_protocol": "https"}, []),
    ({"ansible_connection": PSRP, "ansible_port": 5986, "ansible_psrp_port": 5985},
     ["PSRP over plain HTTP"]),
    ({"ansible_connection": PSRP, "ansible_psrp_protocol": "http",
      "ansible_psrp_message_encryption": "never"},
     ["PSRP over plain HTTP", "PSRP message encryption turned off"]),
    # Connections that use none of these variables.
    ({"ansible_connection": "ssh", "ansible_winrm_transport": "basic", "ansible_port": 5985}, []),
    ({"ansible_connection": "winops.golang.winsim", "ansible_winrm_transport": "basic",
      "ansible_port": 5985, "ansible_psrp_auth": "basic"}, []),
    ({"ansible_winrm_transport": "basic"}, []),  # no connection: ssh
])
def test_insecure_transport(variables: dict[str, Any], expected: list[str]) -> None:
    assert short(insecure_transport(variables)) == expected


def test_reasons_name_the_variables_and_port() -> None:
    assert insecure_transport({"ansible_connection": WINRM, "ansible_port": 5985,
                               "ansible_winrm_transport": "basic"}) == [
        "WinRM Basic authentication (ansible_winrm_transport: basic)",
        "WinRM over plain HTTP (ansible_winrm_scheme: http, port 5985)",
    ]
    assert insecure_transport({"ansible_connection": WINRM}) == [
        "WinRM Basic authentication (ansible_winrm_transport unset, which means Basic for a "
        "user that is not a UPN)"]
    assert insecure_transport({"ansible_connection": PSRP, "ansible_psrp_protocol": "http"}) == [
        "PSRP over plain HTTP (ansible_psrp_protocol: http, port 5985)"]


@pytest.mark.parametrize(("variables", "expected"), [
    ({"ansible_connection": WINRM, "ansible_winrm_server_cert_validation": "ignore"},
     ["WinRM over HTTPS without certificate validation"]),
    ({"ansible_connection": WINRM, "ansible_winrm_server_cert_validation": "validate"}, []),
    # Over HTTP there is no certificate: insecure_transport reports the HTTP itself.
    ({"ansible_connection": WINRM, "ansible_port": 5985,
      "ansible_winrm_server_cert_validation": "ignore"}, []),
    ({"ansible_connection": PSRP, "ansible_psrp_cert_validation": "ignore"},
     ["PSRP over HTTPS without certificate validation"]),
    ({"ansible_connection": PSRP, "ansible_psrp_cert_validation": False},
     ["PSRP over HTTPS without certificate validation"]),
    ({"ansible_connection": PSRP, "ansible_psrp_cert_validation": "validate"}, []),
    ({"ansible_connection": "ssh", "ansible_winrm_server_cert_validation": "ignore"}, []),
])
def test_unvalidated_certificates(variables: dict[str, Any], expected: list[str]) -> None:
    assert short(unvalidated_certificates(variables)) == expected
    # Certificate validation is a separate warning, never an insecure-transport reason.
    assert not any("certificate" in r for r in insecure_transport(variables))


def test_transport_warning_has_two_lines_per_problem() -> None:
    hostvars = {"inventory_hostname": "legacy01", "ansible_connection": WINRM,
                "ansible_port": 5985, "ansible_winrm_transport": "basic"}
    lines = transport_warning(hostvars)
    assert len(lines) == 2
    assert lines[0].startswith("WARNING: legacy01 is reached with WinRM Basic authentication")
    assert " and WinRM over plain HTTP" in lines[0]
    assert "HTTPS (port 5986)" in lines[1]

    both = transport_warning({"ansible_connection": PSRP, "ansible_psrp_auth": "basic",
                              "ansible_psrp_cert_validation": "ignore"}, "svc01")
    assert len(both) == 4 and both[0].startswith("WARNING: svc01 is reached with PSRP Basic")
    assert "without certificate validation" in both[2] and "ansible_psrp_ca_cert" in both[3]

    assert transport_warning({"inventory_hostname": "ok", "ansible_connection": WINRM,
                              "ansible_winrm_transport": "kerberos"}) == []


@pytest.mark.parametrize(("value", "name"), [
    ("ansible.builtin.winrm", "winrm"), ("ansible.legacy.psrp", "psrp"), ("WinRM", "winrm"),
    ("winops.golang.winsim", "winops.golang.winsim"), (None, "ssh"), ("", "ssh"),
])
def test_connection_name(value: Any, name: str) -> None:
    assert connection_name({"ansible_connection": value}) == name


def test_not_a_mapping_is_an_error_that_says_what_to_pass() -> None:
    with pytest.raises(AnsibleFilterError, match=r"hostvars\[inventory_hostname\]"):
        insecure_transport("winrm")


def test_the_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"insecure_transport", "unvalidated_certificates",
                                             "transport_warning"}
