"""net.probe: poll a TCP port and/or an HTTP URL until it answers or time runs out.

Time is virtual: every attempt and every wait between attempts moves the model's
clock, as ``exec`` does with a program's run time, and ``elapsed`` is the virtual
time spent (the whole ``timeout`` when the probe never succeeded).

What answers is the model's ``listeners`` table, which starting a service
fills::

    model.data["listeners"] = {"8080": {"service": "web-blue", "http_status": 200}}

Optional fields: ``ready_at`` (virtual clock value from which the port accepts,
for a service that needs time to come up) and ``http_status`` null (a port that
speaks something other than HTTP). A listener whose ``service`` is in the
services table but not running does not accept. A listener binds every local
address.

How Windows answers, and the simulated host with it:

- no listener: the connection is refused, after about two seconds, because
  Windows retries a SYN that was answered with a reset (``MaxSynRetransmissions``
  2); ``error`` is WSAECONNREFUSED's text;
- a port a portproxy rule takes (ops_portproxy, IP Helper running): the proxy
  accepts the TCP connection whatever the target does, and relays HTTP to the
  target; a dead target closes the connection without a response;
- the host itself is ``localhost``, ``127.x.x.x``, ``::1`` or its own name; any
  other name does not resolve, any other IPv4 address does not answer (the
  attempt waits out the time left).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .args import Args
from .context import OpContext
from .errors import OpError
from .names import fold
from .ops_portproxy import forward, is_address
from .opspec import OpSpec

REFUSED = "No connection could be made because the target machine actively refused it {addr}"
NO_HOST = "No such host is known"
UNABLE = "Unable to connect to the remote server"
UNRESOLVED = "The remote name could not be resolved: '{host}'"
NOT_VALID = "The requested address is not valid in its context {addr}"
CLOSED = "The underlying connection was closed: The connection was closed unexpectedly."
PROTOCOL = "The server committed a protocol violation. Section=ResponseStatusLine"
# Our own wording, the same in the agent: the attempt's slice of the timeout ran out.
TCP_TIMEOUT = "No TCP connection to {addr} within {seconds} s"
HTTP_TIMEOUT = "The operation has timed out"
# A refused connect takes Windows about two seconds (SYN, reset, two retries).
REFUSE_SECONDS = 2.0
MAX_TIMEOUT = 3600.0
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _seconds(value: float) -> str:
    """Seconds as the agent writes them: rounded to milliseconds, no trailing zeros."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


@dataclass
class Answer:
    """What one connection attempt met."""

    open: bool
    http_status: int | None = None
    error: str | None = None
    seconds: float = 0.0


def _kind(ctx: OpContext, host: str) -> str:
    """``local``, ``invalid`` (0.0.0.0), ``remote_ip`` or ``unknown_name``."""
    name = fold(host.strip("[]"))
    if name in ("LOCALHOST", "::1", fold(ctx.hostname)) or name.startswith("127."):
        return "local"
    if name == "0.0.0.0":
        return "invalid"
    if _IPV4.match(name):
        return "remote_ip"
    return "unknown_name"


def _listener(ctx: OpContext, port: int, now: float) -> dict[str, Any] | None:
    entry = ctx.model.data.get("listeners", {}).get(str(port))
    if not isinstance(entry, dict):
        return None
    service = entry.get("service")
    if isinstance(service, str):
        record = ctx.model.services.get(fold(service))
        if record is not None and record.get("state") != "running":
            return None
    if float(entry.get("ready_at") or 0.0) > now:
        return None
    return entry


def _connect(ctx: OpContext, host: str, port: int, now: float, slice_s: float,
             http: bool, depth: int = 0) -> Answer:
    """One connection to ``host:port`` (and a GET when ``http``) at virtual time ``now``."""
    addr = f"{host}:{port}"
    kind = _kind(ctx, host)
    if kind == "invalid":
        return Answer(False, error=NOT_VALID.format(addr=addr))
    if kind == "unknown_name":
        return Answer(False, error=UNRESOLVED.format(host=host) if http else NO_HOST)
    if kind == "remote_ip":
        return Answer(False, error=HTTP_TIMEOUT if http else
                      TCP_TIMEOUT.format(addr=addr, seconds=_seconds(slice_s)), seconds=slice_s)
    entry = _listener(ctx, port, now)
    if entry is not None:
        status = entry.get("http_status")
        if http and not isinstance(status, int):
            return Answer(True, error=PROTOCOL)
        return Answer(True, http_status=status if http else None)
    names = {fold(host.strip("[]"))}
    if names != {fold(ctx.hostname)}:
        names.add("127.0.0.1")  # a loopback name; the host's own name is its LAN address
    rule = forward(ctx.model, port, names)
    if rule is not None and depth < 4:
        # The proxy accepts first, then connects to the target on its own.
        target = _connect(ctx, rule["connect_address"], rule["connect_port"], now, slice_s,
                          http, depth + 1)
        if not http:
            return Answer(True)
        if target.http_status is None and target.error != PROTOCOL:
            return Answer(True, error=CLOSED, seconds=min(target.seconds, slice_s))
        return target
    if slice_s < REFUSE_SECONDS:
        return Answer(False, error=HTTP_TIMEOUT if http else
                      TCP_TIMEOUT.format(addr=addr, seconds=_seconds(slice_s)), seconds=slice_s)
    refused = REFUSED.format(addr=f"127.0.0.1:{port}")
    if http:
        refused = UNABLE + ": " + refused
    return Answer(False, error=refused, seconds=REFUSE_SECONDS)


def _url(text: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OpError("invalid_argument",
                      f"net.probe: http_url must be an http:// or https:// URL, not {text!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OpError("invalid_argument", f"net.probe: bad port in {text!r}") from None
    return parts.hostname, port


def _number(a: Args, name: str, default: float) -> float:
    value = a.number(name, default)
    if value > MAX_TIMEOUT:
        raise OpError("invalid_argument",
                      f"net.probe: '{name}' must be at most {MAX_TIMEOUT:g} seconds")
    return value


def check_args(args: dict[str, Any]) -> dict[str, Any]:
    """The probe's arguments, checked, with defaults filled in."""
    a = Args("net.probe", args, {"tcp_port", "http_url", "host", "timeout", "interval",
                                 "expect_status"})
    port = a.raw("tcp_port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int)
                             or not 0 < port <= 65535):
        raise OpError("invalid_argument",
                      f"net.probe: 'tcp_port' must be a port number from 1 to 65535, "
                      f"not {port!r}")
    url = a.str("http_url", required=False)
    if port is None and url is None:
        raise OpError("invalid_argument", "net.probe: give tcp_port, http_url or both")
    target = _url(url) if url is not None else None
    host = a.str("host", required=False, default="127.0.0.1")
    if not is_address(host):
        raise OpError("invalid_argument",
                      f"net.probe: 'host' must be an IPv4 address or a host name, not {host!r}")
    statuses = a.raw("expect_status")
    if statuses is not None and (
        not isinstance(statuses, list) or not statuses
        or not all(isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599
                   for s in statuses)
    ):
        raise OpError("invalid_argument",
                      "net.probe: 'expect_status' must be a list of HTTP status codes")
    return {"tcp_port": port, "http": target, "host": host,
            "timeout": _number(a, "timeout", 30.0), "interval": _number(a, "interval", 1.0),
            "expect": statuses}


def _accepted(status: int | None, expect: list[int] | None) -> bool:
    if status is None:
        return False
    return status in expect if expect is not None else 200 <= status <= 299


def net_probe(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Poll until the port accepts and the URL answers an expected status, or time is up."""
    probe = check_args(args)
    timeout, start = probe["timeout"], ctx.model.clock
    spent, attempts = 0.0, 0
    ok = False
    tcp_open: bool | None = None
    status: int | None = None
    error: str | None = None
    while True:
        attempts += 1
        left = timeout - spent
        tcp_open, status, error = None, None, None
        if probe["tcp_port"] is not None:
            answer = _connect(ctx, probe["host"], probe["tcp_port"], start + spent, left, False)
            spent += answer.seconds
            tcp_open, error = answer.open, answer.error
        if probe["http"] is not None and tcp_open is not False:
            host, port = probe["http"]
            answer = _connect(ctx, host, port, start + spent, timeout - spent, True)
            spent += answer.seconds
            status, error = answer.http_status, answer.error
            if error is None and not _accepted(status, probe["expect"]):
                wanted = ", ".join(str(s) for s in probe["expect"] or []) or "2xx"
                error = f"HTTP status {status}, expected {wanted}"
        ok = error is None
        if ok or spent >= timeout:
            break
        spent = min(timeout, spent + probe["interval"])
        if spent >= timeout:
            break
    elapsed = round(spent if ok else timeout, 3)
    ctx.model.advance(elapsed)
    return {"changed": False, "ok": ok, "tcp_open": tcp_open, "http_status": status,
            "attempts": attempts, "elapsed": elapsed, "error": error}


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    """``NET:\\probe``."""
    return ["NET:\\probe"]


OPS = [
    OpSpec("net.probe", net_probe, False, _targets),
]
