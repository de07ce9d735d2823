"""A threaded HTTP server on 127.0.0.1 that tests start and stop (a context manager).

The fake go.dev (:mod:`support.http_server`) and the fake GitHub API
(:mod:`support.github_server`) build on it; each supplies its handler class.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LocalServer:
    """Serves ``handler()``'s requests on an ephemeral port of ``host`` in a thread."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class (bound to this server's state)."""
        raise NotImplementedError

    def start(self) -> Any:
        """Listen (once; a second start is a no-op) and return the server."""
        if self._httpd is None:
            self._httpd = ThreadingHTTPServer((self._host, 0), self.handler())
            self._httpd.daemon_threads = True
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        if self._httpd is None:
            raise RuntimeError("server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://<host>:<port>``."""
        return f"http://{self._host}:{self.port}"
