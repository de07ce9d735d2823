"""A local mirror for `make site`: what the simulated site downloads, served over HTTP.

    python tools/site_mirror.py DIR -- ansible-playbook -i INVENTORY playbooks/site.yml [ARGS]

writes into DIR (files already right are left alone)

* ``golang/``: an offline Go release set, a go.dev-style ``index.json`` and the
  archives it names (tools/make_site_releases.py, the small but faithful
  releases of tests/support/go_releases.py);
* ``actions-runner/actions-runner-win-x64-<version>.zip``: a GitHub Actions
  runner package whose ``config.cmd`` and ``bin\\Runner.Listener.exe`` work on
  the simulated host (plugins/plugin_utils/winsim/fake_runner.py);
* ``services/hello-go.exe``: a stand-in for a Go service program. The
  simulated service manager reads a program's lines to know how it behaves
  (plugins/plugin_utils/winsim/service_programs.py): ``listen=from-args``
  makes it listen on the port of its ``-addr 127.0.0.1:PORT`` argument;

serves DIR on 127.0.0.1 (a free port), runs the command with
``-e @DIR/site-vars.json`` (the variables of :meth:`SiteMirror.extra_vars`),
stops serving and exits with the command's exit code. `make site` runs
playbooks/site.yml this way against inventories/simulated/, whose group_vars
map these ``winops_golang_site_*`` variables onto the roles' variables.

From Python (tests)::

    sys.path.insert(0, str(REPO / "tools"))
    import site_mirror
    with site_mirror.SiteMirror(tmp_path / "mirror") as mirror:
        run_playbook(..., extra_vars=mirror.extra_vars())

Only the standard library, the collection (through ``.collections``, as
tests/conftest.py sets it up) and tests/support/go_releases.py are used, so the
controller's virtual environment (requirements/controller.txt) is enough.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

TOOLS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TOOLS_DIR.parent
COLLECTIONS_DIR = REPO_ROOT / ".collections"
for _entry in (str(TOOLS_DIR), str(COLLECTIONS_DIR)):
    if _entry not in sys.path:
        sys.path.insert(0, _entry)

import make_site_releases  # noqa: E402

from ansible_collections.winops.golang.plugins.plugin_utils.winsim import (  # noqa: E402
    fake_runner,
)

GO_DIR = "golang"
RUNNER_DIR = "actions-runner"
SERVICES_DIR = "services"
VARS_FILE = "site-vars.json"

#: The runner version the mirror serves (GitHub refuses runners older than 2.329.0).
RUNNER_VERSION = "2.330.0"
#: The simulated config.cmd accepts any non-empty registration token; a real
#: runner needs a fresh one from GitHub (or winops_golang_ci_runner_github_token).
RUNNER_REGISTRATION_TOKEN = "SIMULATED-REGISTRATION-TOKEN"
#: The repository the simulated runners register with (the fake runner keeps
#: GitHub's side of the registrations on each simulated host).
RUNNER_URL = "https://github.com/example-org/go-services"

SERVICE_PROGRAM = "hello-go.exe"
#: What the program does when the simulated service manager starts it.
SERVICE_PROGRAM_TEXT = (
    "MZ stand-in for a Go service program built with golang.org/x/sys/windows/svc\n"
    "listen=from-args\n"
)
SERVICE_VERSION = "1.0.0"

# A fixed time stamp for the zip entries, so the package (and its SHA-256) is the
# same on every run and a second `make site` finds nothing to do.
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def runner_package(version: str) -> bytes:
    """The fake runner package of ``version``: a zip with the same bytes on every call."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in sorted(fake_runner.package_files(version).items()):
            info = zipfile.ZipInfo(rel.replace("\\", "/"), date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def runner_filename(version: str) -> str:
    """The package's file name, as GitHub publishes it."""
    return f"actions-runner-win-x64-{version}.zip"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the mirror directory; nothing printed per request."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Requests are not logged (ansible-playbook's output stays readable)."""


class SiteMirror:
    """The files of the simulated site in ``directory``, served on 127.0.0.1 inside ``with``."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory).resolve()
        self.written = 0
        self.go_versions: list[str] = []
        self.runner_sha256 = ""
        self.service_sha256 = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._write()

    # ------------------------------------------------------------------ files

    def _write(self) -> None:
        go_dir = self.directory / GO_DIR
        runner_dir = self.directory / RUNNER_DIR
        services_dir = self.directory / SERVICES_DIR
        for path in (go_dir, runner_dir, services_dir):
            path.mkdir(parents=True, exist_ok=True)
        releases = make_site_releases.build_release_set()
        index = json.dumps(releases.index(include_all=True), indent=1).encode() + b"\n"
        written = sum(make_site_releases.write_if_changed(go_dir / name, data)
                      for name, data in releases.files.items())
        written += make_site_releases.write_if_changed(
            go_dir / make_site_releases.INDEX_NAME, index)
        package = runner_package(RUNNER_VERSION)
        written += make_site_releases.write_if_changed(
            runner_dir / runner_filename(RUNNER_VERSION), package)
        program = SERVICE_PROGRAM_TEXT.encode()
        written += make_site_releases.write_if_changed(services_dir / SERVICE_PROGRAM, program)
        self.written = written
        self.go_versions = releases.versions
        self.runner_sha256 = _sha256(package)
        self.service_sha256 = _sha256(program)

    # ----------------------------------------------------------------- server

    def __enter__(self) -> SiteMirror:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Serve the directory on 127.0.0.1 (a free port) from a background thread."""
        if self._server is not None:
            return
        handler = partial(_QuietHandler, directory=str(self.directory))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="site-mirror", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (the files stay)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:PORT``, no trailing slash) while serving."""
        if self._server is None:
            raise RuntimeError("the site mirror is not serving: use it inside `with`")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -------------------------------------------------------------- variables

    def extra_vars(self) -> dict[str, Any]:
        """The variables site.yml needs against inventories/simulated/ to use the mirror.

        They are the ``winops_golang_site_*`` values the simulated inventory's
        group_vars map onto the roles' variables, and the controller's cache
        directory of the Go release index (inside the mirror's directory, so
        runs never share a cached index with another mirror's port).
        """
        base = self.url
        return {
            "winops_golang_site_mirror_url": base,
            "winops_golang_site_go_index_url": f"{base}/{GO_DIR}/{make_site_releases.INDEX_NAME}",
            "winops_golang_site_go_mirror": f"{base}/{GO_DIR}/",
            "winops_golang_site_cache_dir": str(self.directory / "controller-cache"),
            "winops_golang_site_runner_url": RUNNER_URL,
            "winops_golang_site_runner_version": RUNNER_VERSION,
            "winops_golang_site_runner_package_url": f"{base}/{RUNNER_DIR}/{{filename}}",
            "winops_golang_site_runner_checksum": f"sha256:{self.runner_sha256}",
            "winops_golang_site_runner_registration_token": RUNNER_REGISTRATION_TOKEN,
            "winops_golang_site_service_binary_url": f"{base}/{SERVICES_DIR}/{SERVICE_PROGRAM}",
            "winops_golang_site_service_checksum": f"sha256:{self.service_sha256}",
            "winops_golang_site_service_version": SERVICE_VERSION,
        }

    def write_vars(self) -> Path:
        """Write :meth:`extra_vars` to ``DIR/site-vars.json`` (private: it holds a token)."""
        path = self.directory / VARS_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.extra_vars(), handle, indent=1)
            handle.write("\n")
        return path


def main(argv: list[str]) -> int:
    """``site_mirror.py DIR -- COMMAND...``: serve DIR while COMMAND runs with the mirror's vars."""
    usage = f"usage: {Path(argv[0]).name} DIR -- COMMAND [ARGS...]"
    if len(argv) < 4 or argv[2] != "--" or argv[1].startswith("-"):
        print(usage, file=sys.stderr)
        return 2
    command = argv[3:]
    with SiteMirror(Path(argv[1])) as mirror:
        vars_file = mirror.write_vars()
        print(f"Site mirror {mirror.url} serving {mirror.directory} ({mirror.written} files "
              f"written): Go {', '.join(mirror.go_versions[:3])}..., actions runner "
              f"{RUNNER_VERSION}, service program {SERVICE_PROGRAM}", flush=True)
        try:
            return subprocess.call([*command, "-e", f"@{vars_file}"])
        except FileNotFoundError:
            print(f"{Path(argv[0]).name}: command not found: {command[0]}", file=sys.stderr)
            return 127
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv))
