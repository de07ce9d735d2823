"""The real-host target is configured only from WINOPS_TEST_* variables."""

from __future__ import annotations

from .targets import real_inventory


def test_psrp_is_the_default_transport() -> None:
    inv = real_inventory({"WINOPS_TEST_HOST": "win.example.com", "WINOPS_TEST_PASSWORD": "pw"})
    host = inv["all"]["hosts"]["winhost"]
    assert host["ansible_connection"] == "psrp"
    assert host["ansible_port"] == 5986
    assert host["ansible_psrp_cert_validation"] == "validate"
    assert host["ansible_user"] == "Administrator"


def test_winrm_and_ssh_transports() -> None:
    winrm = real_inventory({"WINOPS_TEST_HOST": "h", "WINOPS_TEST_TRANSPORT": "winrm",
                            "WINOPS_TEST_CERT_VALIDATION": "ignore"})["all"]["hosts"]["winhost"]
    assert (winrm["ansible_connection"], winrm["ansible_winrm_transport"]) == ("winrm", "ntlm")
    assert winrm["ansible_winrm_server_cert_validation"] == "ignore"
    ssh = real_inventory({"WINOPS_TEST_HOST": "h", "WINOPS_TEST_TRANSPORT": "ssh",
                          "WINOPS_TEST_PORT": "2222"})["all"]["hosts"]["winhost"]
    assert ssh["ansible_shell_type"] == "powershell" and ssh["ansible_port"] == 2222
