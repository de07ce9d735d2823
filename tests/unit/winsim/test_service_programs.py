"""The programs simulated services run (service_programs) and the SCM around them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.service_programs import (
    image_executable,
)

from .helpers import run


@pytest.mark.parametrize(("image", "expected"), [
    ('"C:\\Program Files\\App\\app.exe" --port 80', ("C:\\Program Files\\App\\app.exe", True)),
    ('"C:\\app.exe"', ("C:\\app.exe", True)),
    ("C:\\svc\\app.exe -k x", ("C:\\svc\\app.exe -k x", False)),
    ("%SystemRoot%\\system32\\svchost.exe -k netsvcs",
     ("C:\\Windows\\system32\\svchost.exe -k netsvcs", False)),
])
def test_image_executable(image: str, expected: tuple[str, bool]) -> None:
    assert image_executable(image) == expected


def listeners(host: SimHost) -> dict:
    return json.loads(Path(host.root, "model.json").read_text()).get("listeners", {})


def create(host: SimHost, name: str, path: str, **extra: object) -> dict:
    return run(host, "service.create", name=name, path=path, display_name=name, **extra)


def test_unquoted_path_with_spaces_finds_the_existing_prefix(host: SimHost) -> None:
    host.write_file(r"C:\Program Files\Go App\app.exe", b"listen=18100\n")
    create(host, "spaced", r"C:\Program Files\Go App\app.exe --flag value")
    assert run(host, "service.control", name="spaced", state="started")["after"] == "running"
    assert listeners(host) == {"18100": {"service": "spaced", "http_status": 200}}


def test_unquoted_path_without_extension_gets_exe(host: SimHost) -> None:
    host.write_file(r"C:\svc\tool.exe", b"listen=18101\n")
    create(host, "noext", r"C:\svc\tool run")
    assert run(host, "service.control", name="noext", state="started")["after"] == "running"


def test_a_port_held_by_another_service_ends_the_program(host: SimHost) -> None:
    host.write_file(r"C:\svc\a.exe", b"listen=18102\n")
    host.write_file(r"C:\svc\b.exe", b"listen=18102\n")
    create(host, "first", '"C:\\svc\\a.exe"')
    create(host, "second", '"C:\\svc\\b.exe"')
    run(host, "service.control", name="first", state="started")
    res = run(host, "service.control", name="second", state="started")
    assert res["failed"] is True and "1067" in res["message"]
    assert listeners(host)["18102"]["service"] == "first"


def test_winsw_without_its_xml_cannot_start(host: SimHost) -> None:
    host.write_file(r"C:\svc\wrapped.exe", b"WinSW\n")
    create(host, "wrapped", '"C:\\svc\\wrapped.exe"')
    res = run(host, "service.control", name="wrapped", state="started")
    assert res["failed"] is True and res["code"] == "not_found" and "(2)" in res["message"]


def test_winsw_relative_executable_and_its_lock(host: SimHost) -> None:
    host.write_file(r"C:\svc\w.exe", b"winsw\n")
    host.write_file(r"C:\svc\w.xml", b"<service><executable>app.exe</executable></service>")
    host.write_file(r"C:\svc\app.exe", b"listen=18103\nhttp_status=204\n")
    create(host, "w", '"C:\\svc\\w.exe"')
    run(host, "service.control", name="w", state="started")
    assert listeners(host) == {"18103": {"service": "w", "http_status": 204}}
    res = run(host, "file.move", src=r"C:\svc\app.exe", dest=r"C:\svc\old.exe")
    assert res["failed"] is True and res["code"] == "in_use"


def test_preinstalled_services_keep_running_without_a_file(host: SimHost) -> None:
    host.add_service("legacy", r"C:\nowhere\legacy.exe", state="stopped", start_type="manual")
    assert run(host, "service.control", name="legacy", state="started")["after"] == "running"


def test_check_mode_start_runs_nothing(host: SimHost) -> None:
    host.write_file(r"C:\svc\c.exe", b"listen=18104\n")
    create(host, "c", '"C:\\svc\\c.exe"')
    res = run(host, "service.control", check_mode=True, name="c", state="started")
    assert res["changed"] is True and listeners(host) == {}
