"""The example inventories for real hosts (inventories/examples/) and the connection check
every role runs first (plugins/filter/connection.py).

* ``ansible-inventory --list`` parses each example with the example vault password and
  shows the connection variables, the secrets decrypted from group_vars/all/vault.yml;
* the insecure-transport filter finds nothing wrong with the secure examples and reports
  Basic and HTTP for the deliberately insecure ``legacy01`` host;
* each of the four roles prints the same warning for a WinRM host over HTTP with Basic
  authentication (on 127.0.0.1, where nothing answers, so the run then fails), and none
  for a simulated host: its connection, winops.golang.winsim, uses no WinRM variable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.filter.connection import (
    insecure_transport,
    transport_warning,
    unvalidated_certificates,
)
from support.playbooks import PlaybookRun, SimInventory

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "inventories" / "examples"
VAULT_PASSWORD = EXAMPLES / ".vault-password.example"
VAULT_FILE = EXAMPLES / "group_vars" / "all" / "vault.yml"
CA = "/etc/pki/winops/corp-root-ca.pem"
WARN_TRANSPORT = "Warn that the connection exposes credentials or traffic"

WINRM_HTTPS = {"ansible_connection": "ansible.builtin.winrm", "ansible_port": 5986,
               "ansible_winrm_scheme": "https", "ansible_winrm_message_encryption": "always",
               "ansible_winrm_server_cert_validation": "validate",
               "ansible_winrm_ca_trust_path": CA}

# example file -> host -> (connection variables, vault variable, its decrypted value)
EXPECTED: dict[str, dict[str, tuple[dict[str, Any], str | None, str | None]]] = {
    "winrm.yml": {
        "build01.corp.example.com": (
            {**WINRM_HTTPS, "ansible_winrm_transport": "ntlm", "ansible_user": "CORP\\svc-ansible"},
            "vault_winrm_ntlm_password", "example-ntlm-password"),
        "svc01.corp.example.com": (
            {**WINRM_HTTPS, "ansible_winrm_transport": "kerberos",
             "ansible_winrm_kinit_mode": "managed",
             "ansible_user": "svc-ansible@CORP.EXAMPLE.COM"},
            "vault_winrm_kerberos_password", "example-kerberos-password"),
        "svc03.corp.example.com": (
            {**WINRM_HTTPS, "ansible_winrm_transport": "credssp",
             "ansible_user": "CORP\\svc-ansible"},
            "vault_winrm_credssp_password", "example-credssp-password"),
        "legacy01.lab.example.com": (
            {"ansible_connection": "ansible.builtin.winrm", "ansible_port": 5985,
             "ansible_winrm_transport": "basic"},
            "vault_legacy_password", "example-legacy-password"),
    },
    "psrp.yml": {
        host: ({"ansible_connection": "ansible.builtin.psrp", "ansible_port": 5986,
                "ansible_psrp_protocol": "https", "ansible_psrp_auth": "negotiate",
                "ansible_psrp_cert_validation": "validate", "ansible_psrp_ca_cert": CA,
                "ansible_user": "CORP\\svc-ansible"},
               "vault_psrp_password", "example-psrp-password")
        for host in ("build11.corp.example.com", "svc11.corp.example.com")
    },
    "openssh.yml": {
        host: ({"ansible_connection": "ansible.builtin.ssh", "ansible_shell_type": "powershell",
                "ansible_port": 22, "ansible_ssh_host_key_checking": True,
                "ansible_ssh_private_key_file": "~/.ssh/winops_ed25519"}, None, None)
        for host in ("build21.corp.example.com", "svc21.corp.example.com")
    },
}
INSECURE = {"legacy01.lab.example.com"}


def ansible_inventory(example: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(EXAMPLES / example),
         "--list", *args],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"},
    )


def rendered_passwords(example: str) -> dict[str, str]:
    """``ansible_password`` of every host as a connection gets it: templated, decrypted."""
    expr = ("{{ dict(groups['all'] | zip(groups['all'] | map('extract', hostvars)"
            " | map(attribute='ansible_password', default=''))) }}")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible"), "localhost", "-i", str(EXAMPLES / example),
         "--vault-password-file", str(VAULT_PASSWORD), "-m", "ansible.builtin.debug",
         "-a", f"msg={expr}"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
             "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
             "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]["msg"]


@pytest.fixture(scope="module")
def listings() -> dict[str, dict[str, Any]]:
    out = {}
    for example in EXPECTED:
        proc = ansible_inventory(example, "--vault-password-file", str(VAULT_PASSWORD))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out[example] = json.loads(proc.stdout)
    return out


@pytest.mark.parametrize("example", list(EXPECTED))
def test_example_parses_with_the_vault_password(listings: dict[str, dict[str, Any]],
                                                example: str) -> None:
    listing = listings[example]
    hostvars = listing["_meta"]["hostvars"]
    assert set(EXPECTED[example]) <= set(hostvars)
    windows = set(listing["build_hosts"]["hosts"]) | set(listing["service_hosts"]["hosts"])
    passwords = rendered_passwords(example)
    for host, (connection, secret, value) in EXPECTED[example].items():
        assert host in windows  # every host gets the roles of playbooks/site.yml
        seen = hostvars[host]
        for name, expected in connection.items():
            assert seen.get(name) == expected, (host, name, seen.get(name))
        if secret is None:
            assert "ansible_password" not in seen and passwords[host] == ""
        else:
            # The password is the vault variable of group_vars/all/vault.yml, which
            # --list shows encrypted and a connection gets decrypted.
            assert seen["ansible_password"] == "{{ " + secret + " }}"
            assert seen[secret]["__ansible_vault"].startswith("$ANSIBLE_VAULT;1.1;AES256")
            assert passwords[host] == value


def test_the_secrets_are_encrypted_and_need_the_password() -> None:
    raw = VAULT_FILE.read_text(encoding="utf-8")
    values = {entry[2] for by_host in EXPECTED.values() for entry in by_host.values() if entry[2]}
    assert len(values) == 5
    assert raw.count("!vault |") == 6 and raw.count("$ANSIBLE_VAULT;1.1;AES256") == 6
    assert not any(value in raw for value in values)
    # Without the password, the values stay encrypted.
    proc = ansible_inventory("winrm.yml")
    assert proc.returncode == 0, proc.stderr
    hostvars = json.loads(proc.stdout)["_meta"]["hostvars"]["build01.corp.example.com"]
    assert hostvars["vault_winrm_ntlm_password"]["__ansible_vault"].startswith("$ANSIBLE_VAULT")
    assert not any(value in proc.stdout for value in values)


@pytest.mark.parametrize("example", list(EXPECTED))
def test_the_filter_reports_only_the_deliberately_insecure_host(
        listings: dict[str, dict[str, Any]], example: str) -> None:
    hostvars = listings[example]["_meta"]["hostvars"]
    for host in EXPECTED[example]:
        reasons = insecure_transport(hostvars[host])
        assert unvalidated_certificates(hostvars[host]) == []
        if host in INSECURE:
            assert [r.split(" (")[0] for r in reasons] == [
                "WinRM Basic authentication", "WinRM over plain HTTP"], reasons
        else:
            assert reasons == [], (host, reasons)
            assert transport_warning(hostvars[host]) == []


# ----------------------------------------------------------- the roles' warning

ROLE_VARS: dict[str, dict[str, Any]] = {
    "runtime": {"winops_golang_versions": ["1.23.4"]},
    "workspace": {},
    "security_baseline": {},
    "ci_runner": {"winops_golang_ci_runner_url": "https://github.com/example-org/go-services",
                  "winops_golang_ci_runner_registration_token": "not-used"},
}
INSECURE_WINRM = {"ansible_connection": "ansible.builtin.winrm", "ansible_host": "127.0.0.1",
                  "ansible_port": 5985, "ansible_winrm_transport": "basic",
                  "ansible_user": "ansible", "ansible_password": "not-used"}


def role_play(role: str) -> str:
    return (f"- name: Role {role}\n  hosts: all\n  gather_facts: false\n"
            f"  roles:\n    - role: winops.golang.{role}\n")


@pytest.mark.parametrize("role", list(ROLE_VARS))
def test_every_role_prints_the_same_warning_before_any_host_call(
        sim_inventory: Callable[..., SimInventory], run_playbook: Callable[..., PlaybookRun],
        role: str) -> None:
    # Nothing answers WinRM on 127.0.0.1, so the run stops at the first host call.
    inv = sim_inventory({"win-01": INSECURE_WINRM})
    run = run_playbook(role_play(role), inv, extra_vars=ROLE_VARS[role])
    assert run.rc != 0
    warning = run.task("win-01", WARN_TRANSPORT)
    assert not warning.skipped and warning.ok
    expected = transport_warning({**INSECURE_WINRM, "inventory_hostname": "win-01"})
    assert warning.msg == expected
    assert expected[0] == ("WARNING: win-01 is reached with WinRM Basic authentication "
                           "(ansible_winrm_transport: basic) and WinRM over plain HTTP "
                           "(ansible_winrm_scheme: http, port 5985).")
    # The warning comes before any task that needs the host.
    first_host_call = next(i for i, r in enumerate(run.tasks("win-01")) if r.unreachable)
    assert run.tasks("win-01").index(warning) < first_host_call


def test_a_simulated_host_is_not_warned_about_winrm_variables_it_does_not_use(
        sim_inventory: Callable[..., SimInventory],
        run_playbook: Callable[..., PlaybookRun]) -> None:
    """winops.golang.winsim ignores the WinRM variables, so nothing crosses a network: the
    check follows ansible_connection and stays quiet, and the role converges."""
    inv = sim_inventory({"win-01": {"ansible_port": 5985, "ansible_winrm_transport": "basic",
                                    "ansible_winrm_scheme": "http"}})
    run = run_playbook(role_play("security_baseline"), inv).assert_ok()
    assert run.task("win-01", WARN_TRANSPORT).skipped
    assert run.task("win-01", "Check the security baseline").ok
