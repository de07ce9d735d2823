"""win_go_profile end to end: a real ansible-playbook against simulated hosts."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils.go_profile_block import (
    MARK_BEGIN,
    MARK_END,
    render_block,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

ALL_USERS = r"C:\Windows\System32\WindowsPowerShell\v1.0\profile.ps1"
USER = r"C:\Users\Administrator\Documents\WindowsPowerShell\profile.ps1"
ROOT = r"C:\Program Files\GoToolchains"
TASK = "Go profile"
BOM = codecs.BOM_UTF8


def play(facts: bool = False, **options: Any) -> str:
    """A playbook running win_go_profile once with ``options`` (JSON keeps the types)."""
    gather = "    - name: Gather Go facts\n      winops.golang.win_go_facts:\n" if facts else ""
    return f"""
- name: Profile
  hosts: all
  gather_facts: false
  tasks:
{gather}    - name: {TASK}
      winops.golang.win_go_profile: {json.dumps(options)}
"""


def sim(inv: Any, host: str = "win-01") -> SimHost:
    return SimHost(str(inv.root(host)))


def trips(inv: Any) -> int:
    return sim(inv).stats()["round_trips"]


def crlf_block(root: str = ROOT, **kw: bool) -> bytes:
    return render_block(root, **kw).replace("\n", "\r\n").encode("ascii")


def test_added_then_unchanged_in_one_round_trip(sim_inventory: Callable,
                                                run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    res = run_playbook(play(), inv).assert_ok().task("win-01", TASK)
    assert res.changed is True
    assert res["path"] == ALL_USERS and res["install_root"] == ROOT
    assert res["created"] is True and res["encoding"] == "utf-8-bom"
    assert res["line_endings"] == "crlf" and res["block_found"] is False
    assert trips(inv) == 2  # read (with facts.get), then write
    data = sim(inv).read_file(ALL_USERS)
    assert data == BOM + crlf_block()
    assert res["sha256"] is not None

    before = trips(inv)
    again = run_playbook(play(), inv).assert_ok().task("win-01", TASK)
    assert again.changed is False and again["block_found"] is True
    assert trips(inv) - before == 1
    assert sim(inv).read_file(ALL_USERS) == data


def test_with_facts_and_user_scope_creates_the_folder(sim_inventory: Callable,
                                                      run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    res = run_playbook(play(facts=True, scope="user"), inv).assert_ok().task("win-01", TASK)
    assert res.changed is True and res["path"] == USER
    assert sim(inv).read_file(USER) == BOM + crlf_block()
    before = trips(inv)
    again = run_playbook(play(facts=True, scope="user"), inv).assert_ok().task("win-01", TASK)
    assert again.changed is False
    assert trips(inv) - before == 2  # facts + the module's one read


def test_changed_when_options_change_then_removed(sim_inventory: Callable,
                                                  run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(play(), inv).assert_ok()
    res = run_playbook(play(install_root=r"D:\Go", completer=False), inv).assert_ok()
    assert res.task("win-01", TASK).changed is True
    assert sim(inv).read_file(ALL_USERS) == BOM + crlf_block(r"D:\Go", completer=False)

    before = trips(inv)
    gone = run_playbook(play(state="absent"), inv).assert_ok().task("win-01", TASK)
    assert gone.changed is True and gone["block_found"] is True
    assert trips(inv) - before == 2
    assert sim(inv).read_file(ALL_USERS) == BOM  # the file stays, without the block
    before = trips(inv)
    assert run_playbook(play(state="absent"), inv).assert_ok().task("win-01", TASK).changed is False
    assert trips(inv) - before == 1


def test_foreign_profile_is_preserved_byte_for_byte(sim_inventory: Callable,
                                                    run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(play(state="absent"), inv).assert_ok()  # creates the host, writes nothing
    assert sim(inv).read_file(ALL_USERS) is None
    mine = BOM + "Import-Module posh-git\r\n$env:EDITOR = 'code'  # café\r\n".encode()
    sim(inv).write_file(ALL_USERS, mine)

    res = run_playbook(play(), inv).assert_ok().task("win-01", TASK)
    assert res.changed is True and res["created"] is False
    assert sim(inv).read_file(ALL_USERS) == mine + crlf_block()

    run_playbook(play(state="absent"), inv).assert_ok()
    assert sim(inv).read_file(ALL_USERS) == mine


def test_damaged_markers_are_refused_and_nothing_changes(sim_inventory: Callable,
                                                         run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(play(state="absent"), inv).assert_ok()
    damaged = f"# mine\r\n{MARK_BEGIN}\r\n# half a block\r\n".encode()
    sim(inv).write_file(ALL_USERS, damaged)
    run = run_playbook(play(), inv)
    res = run.task("win-01", TASK)
    assert res.failed and "not terminated" in res.msg and "nothing was changed" in res.msg
    assert sim(inv).read_file(ALL_USERS) == damaged
    twice = (render_block(ROOT) + render_block(ROOT)).encode()
    sim(inv).write_file(ALL_USERS, twice)
    res = run_playbook(play(state="absent"), inv).task("win-01", TASK)
    assert res.failed and "more than one" in res.msg
    assert sim(inv).read_file(ALL_USERS) == twice
    assert MARK_END in twice.decode()


def test_check_mode_and_diff(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(play(state="absent"), inv).assert_ok()
    sim(inv).write_file(ALL_USERS, b"# mine\n")
    before = trips(inv)
    res = run_playbook(play(), inv, check=True, diff=True).assert_ok().task("win-01", TASK)
    assert res.changed is True and res["line_endings"] == "lf" and res["encoding"] == "no-bom"
    assert trips(inv) - before == 1
    assert sim(inv).read_file(ALL_USERS) == b"# mine\n"
    assert res.diff["before"] == "# mine\n"
    assert res.diff["after"] == "# mine\n" + render_block(ROOT)

    run_playbook(play(), inv, diff=True).assert_ok()
    assert sim(inv).read_file(ALL_USERS) == b"# mine\n" + render_block(ROOT).encode()
    res = run_playbook(play(state="absent"), inv, check=True, diff=True).assert_ok()
    task = res.task("win-01", TASK)
    assert task.changed is True and task.diff["after"] == "# mine\n"
    assert sim(inv).read_file(ALL_USERS) == b"# mine\n" + render_block(ROOT).encode()


def test_bad_arguments_fail_before_the_host_is_touched(sim_inventory: Callable,
                                                       run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    res = run_playbook(play(user="bob"), inv).task("win-01", TASK)
    assert res.failed and "scope: user" in res.msg
    res = run_playbook(play(path=r"C:\profile.txt"), inv).task("win-01", TASK)
    assert res.failed and ".ps1" in res.msg
    res = run_playbook(play(completer=False, use_go_version=False), inv).task("win-01", TASK)
    assert res.failed and "state: absent" in res.msg


def test_explicit_path_and_install_root_need_no_facts(sim_inventory: Callable,
                                                      run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    path = r"C:\Home\builder\profile.ps1"
    res = run_playbook(play(path=path, install_root=r"D:\Go"), inv).assert_ok()
    task = res.task("win-01", TASK)
    assert task.changed is True and task["path"] == path
    assert sim(inv).read_file(path) == BOM + crlf_block(r"D:\Go")
    ops = [entry.get("op") for entry in sim(inv).op_log()]
    assert "facts.get" not in ops and "file.mkdir" in ops
