"""Helpers of the simulated host's unit tests."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost


def run(host: SimHost, op: str, check_mode: bool = False, **args: Any) -> dict[str, Any]:
    """One op in its own batch: its result, or the failed_op record plus ``failed``."""
    res = host.run_batch({"ops": [{"op": op, "args": args}], "check_mode": check_mode})
    if res["failed_op"]:
        return {"failed": True, **res["failed_op"]}
    return res["results"][0]


def b64(data: bytes) -> str:
    """Base64 text of ``data``."""
    return base64.b64encode(data).decode()


class WebServer:
    """Serves ``files`` on 127.0.0.1 and records every request (also as an HTTP proxy)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path
                proxied = path.startswith("http://")
                if proxied:
                    path = "/" + path.split("/", 3)[3]
                server.requests.append({"path": path, "proxied": proxied,
                                        "headers": dict(self.headers)})
                body = server.files.get(path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        """The URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
