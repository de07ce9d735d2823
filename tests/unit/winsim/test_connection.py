"""The winops.golang.winsim connection plugin, loaded by Ansible's own plugin loader.

Each check runs in a child process: initialising Ansible's collection loader
changes global import state that the rest of the test session must not see.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
COLLECTIONS = REPO / ".collections"

PROBE = textwrap.dedent(r"""
    import json, os, sys
    from ansible.errors import AnsibleConnectionFailure, AnsibleError
    from ansible.playbook.play_context import PlayContext
    from ansible.plugins.loader import connection_loader, init_plugin_loader

    init_plugin_loader([sys.argv[1]])
    root, local = sys.argv[2], sys.argv[3]
    out = {}

    def connect(**extra):
        conn = connection_loader.get("winops.golang.winsim", PlayContext(), None)
        conn.set_options(var_options={"ansible_winsim_root": root,
                                      "inventory_hostname": "build-agent-number-07.corp.example",
                                      **extra})
        return conn

    conn = connect(ansible_winsim_os="2019")
    res = conn.run_batch({"ops": [{"op": "facts.get", "args": {}}]})
    out["hostname"] = res["results"][0]["hostname"]
    out["build"] = res["results"][0]["os"]["build"]
    with open(local, "wb") as fh:
        fh.write(b"payload")
    conn.put_file(local, r"C:\Users\Administrator\payload.bin")
    conn.fetch_file(r"C:\USERS\administrator\PAYLOAD.BIN", local + ".back")
    out["fetched"] = open(local + ".back", "rb").read().decode()
    try:
        conn.put_file(local, r"C:\no\such\dir\payload.bin")
    except AnsibleError as err:
        out["put_missing_parent"] = str(err)
    try:
        conn.exec_command("whoami")
    except AnsibleConnectionFailure as err:
        out["exec"] = str(err)
    from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
    SimHost(root).inject_fault("connection_lost", after_ops=1)
    try:
        conn.run_batch({"ops": [{"op": "file.mkdir", "args": {"path": r"C:\lost"}},
                                {"op": "file.mkdir", "args": {"path": r"C:\never"}}]})
    except AnsibleConnectionFailure as err:
        out["lost"] = str(err)
    again = connect(ansible_winsim_hostname="OTHER", ansible_user="builder")
    res = again.run_batch({"ops": [{"op": "facts.get", "args": {}}]})
    out["second_user"] = [res["results"][0]["hostname"], res["results"][0]["user"]["profile"]]
    print(json.dumps(out))
""")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COLLECTIONS),
                                                      env.get("PYTHONPATH", "")]))
    env["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS)
    return env


def test_connection_plugin_through_ansibles_loader(tmp_path: Path) -> None:
    root = tmp_path / "state" / "build-07"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(COLLECTIONS), str(root), str(tmp_path / "local")],
        capture_output=True, text=True, env=_env(), timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # Inventory name -> NetBIOS name: host part, upper case, 15 characters.
    assert out["hostname"] == "BUILD-AGENT-NUM"
    assert out["build"] == 17763
    assert out["fetched"] == "payload"
    assert "not_found" in out["put_missing_parent"]
    assert "runs only this collection's modules (winops.golang.*)" in out["exec"]
    assert "lost" in out["lost"]
    # The host stays what it was created as; a new user gets a profile on first logon.
    assert out["second_user"] == ["BUILD-AGENT-NUM", r"C:\Users\builder"]


def test_gather_facts_fails_clearly_in_a_playbook(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  hosts:\n    win1:\n      ansible_connection: winops.golang.winsim\n"
        f"      ansible_winsim_root: {tmp_path / 'state'}\n")
    playbook = tmp_path / "site.yml"
    playbook.write_text("- hosts: all\n  gather_facts: true\n  tasks: []\n")
    binary = Path(sys.executable).parent / "ansible-playbook"
    proc = subprocess.run([str(binary), "-i", str(inventory), str(playbook)],
                          capture_output=True, text=True, env=_env(), cwd=tmp_path,
                          timeout=300, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "UNREACHABLE" in output
    assert "runs only this collection's modules (winops.golang.*)" in output
