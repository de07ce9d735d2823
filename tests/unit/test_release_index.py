"""The controller-side index loader against a local go.dev stand-in."""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
import os
import socket
import threading
import time

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.release_index import (
    DEFAULT_INDEX_URL,
    IndexLoadError,
    cache_path,
    load_index,
    load_index_with_status,
)
from support.go_releases import build_release_set, releases_from_versions
from support.http_server import GoDownloadServer

INDEX_ROUTE = "/dl/?mode=json&include=all"
FALLBACK = (
    "no cached copy to fall back on; check that the controller can reach it "
    "(proxy settings), use a mirror URL, or point index_file at a local copy of the index"
)


@pytest.fixture
def server():
    with GoDownloadServer() as running:
        yield running


@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / "cache")


def age_cache(path: str, seconds: float) -> None:
    """Make the cache file look ``seconds`` old."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def closed_port_url() -> str:
    """A 127.0.0.1 URL nothing listens on: the port was just released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{INDEX_ROUTE}"


def test_default_url_is_the_full_go_dev_index():
    assert DEFAULT_INDEX_URL == "https://go.dev/dl/?mode=json&include=all"


def test_fetched_once_then_cached(server, cache_dir):
    first, status = load_index_with_status(index_url=server.index_url, cache_dir=cache_dir)
    assert status == "fetched"
    assert first == server.releases.index()
    second, status = load_index_with_status(index_url=server.index_url, cache_dir=cache_dir)
    assert status == "cached"
    assert second == first
    assert server.index_fetches == 1


def test_cache_file_is_named_by_the_urls_sha256(server, cache_dir):
    load_index(index_url=server.index_url, cache_dir=cache_dir)
    digest = hashlib.sha256(server.index_url.encode()).hexdigest()
    path = cache_path(cache_dir, server.index_url)
    assert path == os.path.join(cache_dir, f"go-release-index-{digest}.json")
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle) == server.releases.index()
    # written by rename: no temporary file is left behind
    assert sorted(os.listdir(cache_dir)) == sorted(
        [os.path.basename(path), os.path.basename(path) + ".lock"]
    )


def test_each_url_has_its_own_cache(server, cache_dir):
    full = load_index(index_url=server.index_url, cache_dir=cache_dir)
    supported = load_index(index_url=server.stable_index_url, cache_dir=cache_dir)
    assert full == server.releases.index()
    assert supported == server.releases.index(include_all=False)
    assert server.index_fetches == 2
    load_index(index_url=server.index_url, cache_dir=cache_dir)
    load_index(index_url=server.stable_index_url, cache_dir=cache_dir)
    assert server.index_fetches == 2


def test_ttl_expiry_refetches(server, cache_dir):
    load_index(index_url=server.index_url, cache_dir=cache_dir, ttl=60)
    path = cache_path(cache_dir, server.index_url)
    age_cache(path, 59)
    assert load_index_with_status(index_url=server.index_url, cache_dir=cache_dir, ttl=60)[1] == (
        "cached"
    )
    assert server.index_fetches == 1
    age_cache(path, 61)
    assert load_index_with_status(index_url=server.index_url, cache_dir=cache_dir, ttl=60)[1] == (
        "fetched"
    )
    assert server.index_fetches == 2
    # the refetch renewed the cache
    assert time.time() - os.stat(path).st_mtime < 30


def test_a_cache_dated_in_the_future_is_refetched(server, cache_dir):
    load_index(index_url=server.index_url, cache_dir=cache_dir, ttl=60)
    age_cache(cache_path(cache_dir, server.index_url), -3600)
    status = load_index_with_status(index_url=server.index_url, cache_dir=cache_dir, ttl=60)[1]
    assert status == "fetched"


def test_ttl_zero_always_fetches_but_still_writes(server, cache_dir):
    for _attempt in range(2):
        status = load_index_with_status(index_url=server.index_url, cache_dir=cache_dir, ttl=0)[1]
        assert status == "fetched"
    assert server.index_fetches == 2
    assert os.path.exists(cache_path(cache_dir, server.index_url))
    status = load_index_with_status(index_url=server.index_url, cache_dir=cache_dir)[1]
    assert status == "cached"
    assert server.index_fetches == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [(503, b"upstream down"), (404, b"404 page not found\n"), (200, b"<html>maintenance</html>")],
)
def test_a_stale_cache_is_used_when_the_fetch_fails(server, cache_dir, status, body):
    original = load_index(index_url=server.index_url, cache_dir=cache_dir, ttl=60)
    age_cache(cache_path(cache_dir, server.index_url), 7200)
    server.set_status(INDEX_ROUTE, status, body=body)
    data, how = load_index_with_status(index_url=server.index_url, cache_dir=cache_dir, ttl=60)
    assert how == "stale"
    assert data == original
    assert server.index_fetches == 2


def test_a_stale_cache_is_used_when_the_server_is_gone(cache_dir):
    with GoDownloadServer() as server:
        url = server.index_url
        original = load_index(index_url=url, cache_dir=cache_dir, ttl=0)
    data, how = load_index_with_status(index_url=url, cache_dir=cache_dir, ttl=0)
    assert how == "stale"
    assert data == original


def test_a_corrupt_cache_is_ignored(server, cache_dir):
    os.makedirs(cache_dir)
    with open(cache_path(cache_dir, server.index_url), "w", encoding="utf-8") as handle:
        handle.write('[{"version": "go1.22.5", "stable": tru')
    data, status = load_index_with_status(index_url=server.index_url, cache_dir=cache_dir)
    assert status == "fetched"
    assert data == server.releases.index()


def test_http_status_without_cache(server, cache_dir):
    server.set_status(INDEX_ROUTE, 503, body=b"upstream down")
    with pytest.raises(IndexLoadError) as error:
        load_index(index_url=server.index_url, cache_dir=cache_dir)
    assert str(error.value) == (
        f"cannot load the Go release index from {server.index_url}: "
        f"HTTP 503 Service Unavailable; {FALLBACK}"
    )
    assert isinstance(error.value, ValueError)


def test_unreachable_url_without_cache(cache_dir):
    url = closed_port_url()
    with pytest.raises(IndexLoadError) as error:
        load_index(index_url=url, cache_dir=cache_dir)
    refused = f"[Errno {errno.ECONNREFUSED}] {os.strerror(errno.ECONNREFUSED)}"
    assert str(error.value) == (
        f"cannot load the Go release index from {url}: {refused}; {FALLBACK}"
    )


def test_a_silent_server_times_out(cache_dir):
    # Listening but never answering: the connection is accepted by the kernel.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}{INDEX_ROUTE}"
        started = time.monotonic()
        with pytest.raises(IndexLoadError) as error:
            load_index(index_url=url, cache_dir=cache_dir, timeout=1)
    assert time.monotonic() - started < 10
    assert str(error.value) == (
        f"cannot load the Go release index from {url}: no answer within 1s; {FALLBACK}"
    )


def test_non_json_without_cache(server, cache_dir):
    server.set_status(INDEX_ROUTE, 200, body=b"<html><body>Sign in to the proxy</body></html>")
    with pytest.raises(IndexLoadError) as error:
        load_index(index_url=server.index_url, cache_dir=cache_dir)
    assert str(error.value) == (
        f"cannot load the Go release index from {server.index_url}: "
        "it is not JSON (it starts with '<html><body>Sign in to the proxy</body><'); "
        f"{FALLBACK}"
    )
    assert not os.path.exists(cache_path(cache_dir, server.index_url))


def test_json_that_is_not_an_index_is_refused_and_not_cached(server, cache_dir):
    server.set_status(INDEX_ROUTE, 200, body=b'{"error": "rate limited"}')
    with pytest.raises(IndexLoadError) as error:
        load_index(index_url=server.index_url, cache_dir=cache_dir)
    assert str(error.value) == (
        f"cannot load the Go release index from {server.index_url}: "
        f"not a Go release index: expected a list of releases, got an object; {FALLBACK}"
    )
    assert not os.path.exists(cache_path(cache_dir, server.index_url))


def test_headers_reach_the_server(server, cache_dir):
    load_index(index_url=server.index_url, cache_dir=cache_dir, headers={"X-Mirror-Token": "t0k"})
    (request,) = server.requests
    assert request.target == INDEX_ROUTE
    assert request.header("X-Mirror-Token") == "t0k"


def test_index_file_wins_and_is_never_cached(server, cache_dir, tmp_path):
    own = build_release_set(releases_from_versions(["go1.22.5", "go1.21.13"])).index()
    index_file = tmp_path / "index.json"
    index_file.write_text(json.dumps(own), encoding="utf-8")
    data, status = load_index_with_status(
        index_url=server.index_url, index_file=str(index_file), cache_dir=cache_dir
    )
    assert status == "file"
    assert data == own
    assert server.index_fetches == 0
    assert not os.path.exists(cache_dir)
    assert load_index(index_file=str(index_file), cache_dir=cache_dir) == own


def test_missing_index_file(cache_dir, tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(IndexLoadError) as error:
        load_index(index_file=str(missing), cache_dir=cache_dir)
    assert str(error.value) == (
        f"cannot load the Go release index from {missing}: No such file or directory"
    )


def test_index_file_that_is_not_an_index(cache_dir, tmp_path):
    index_file = tmp_path / "index.json"
    index_file.write_text('{"releases": []}', encoding="utf-8")
    with pytest.raises(IndexLoadError) as error:
        load_index(index_file=str(index_file), cache_dir=cache_dir)
    assert str(error.value) == (
        f"cannot load the Go release index from {index_file}: "
        "not a Go release index: expected a list of releases, got an object"
    )
    index_file.write_text("go1.22.5\n", encoding="utf-8")
    with pytest.raises(IndexLoadError) as error:
        load_index(index_file=str(index_file), cache_dir=cache_dir)
    assert str(error.value) == (
        f"cannot load the Go release index from {index_file}: "
        "it is not JSON (it starts with 'go1.22.5')"
    )


def test_unusable_cache_dir(server, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    cache_dir = str(blocker / "cache")
    with pytest.raises(IndexLoadError) as error:
        load_index(index_url=server.index_url, cache_dir=cache_dir)
    assert str(error.value) == (
        f"cannot use the Go release index cache directory {cache_dir}: "
        "Not a directory; set a writable cache directory"
    )
    assert server.index_fetches == 0


@pytest.mark.parametrize("ttl", [-1, "3600"])
def test_ttl_must_be_seconds(cache_dir, ttl):
    with pytest.raises(ValueError) as error:
        load_index(index_url="http://127.0.0.1:9/", cache_dir=cache_dir, ttl=ttl)
    assert str(error.value) == f"ttl must be a number of seconds (0 or more), got {ttl!r}"


# ------------------------------------------------------ parallel forks

FORKS = 20


class SilentServer:
    """Accepts connections on 127.0.0.1, counts them and never answers."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(FORKS)
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}{INDEX_ROUTE}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self._socket.accept()
            except OSError:
                return
            self._held.append(connection)

    @property
    def connections(self) -> int:
        return len(self._held)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()
        for connection in self._held:
            connection.close()


def _load_in_fork(barrier, results, url: str, cache_dir: str, timeout: int) -> None:
    """One Ansible fork: wait for all the others, then load the index."""
    barrier.wait(timeout=60)
    try:
        data, status = load_index_with_status(index_url=url, cache_dir=cache_dir, timeout=timeout)
        results.put((status, len(data)))
    except IndexLoadError as error:
        results.put((str(error), 0))


def run_forks(url: str, cache_dir: str, timeout: int = 30) -> list[tuple[str, int]]:
    """Load the index from FORKS processes started together; their (status, size) results."""
    # Ansible forks its workers, so these processes fork too.
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(FORKS)
    results = context.Queue()
    processes = [
        context.Process(target=_load_in_fork, args=(barrier, results, url, cache_dir, timeout))
        for _child in range(FORKS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _child in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return outcomes


def test_parallel_forks_fetch_once_in_total(server, cache_dir):
    outcomes = run_forks(server.index_url, cache_dir)
    statuses = sorted(status for status, _count in outcomes)
    assert statuses == ["cached"] * (FORKS - 1) + ["fetched"]
    assert {count for _status, count in outcomes} == {len(server.releases.index())}
    assert server.index_fetches == 1


def test_parallel_forks_wait_out_one_failure_only(cache_dir):
    with SilentServer() as silent:
        started = time.monotonic()
        outcomes = run_forks(silent.url, cache_dir, timeout=2)
        elapsed = time.monotonic() - started
        connections = silent.connections
    expected = (
        f"cannot load the Go release index from {silent.url}: no answer within 2s; {FALLBACK}"
    )
    assert outcomes == [(expected, 0)] * FORKS
    assert connections == 1
    # one timeout, not twenty in a row
    assert elapsed < 20


def test_parallel_forks_share_one_stale_fallback(cache_dir):
    index = build_release_set(releases_from_versions(["go1.22.5"])).index()
    with SilentServer() as silent:
        os.makedirs(cache_dir)
        path = cache_path(cache_dir, silent.url)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(index, handle)
        age_cache(path, 7200)
        outcomes = run_forks(silent.url, cache_dir, timeout=2)
        connections = silent.connections
    assert outcomes == [("stale", 1)] * FORKS
    assert connections == 1


def test_a_later_run_tries_again_after_a_failure(server, cache_dir):
    server.set_status(INDEX_ROUTE, 503, times=1)
    with pytest.raises(IndexLoadError):
        load_index(index_url=server.index_url, cache_dir=cache_dir)
    data, status = load_index_with_status(index_url=server.index_url, cache_dir=cache_dir)
    assert status == "fetched"
    assert data == server.releases.index()
    assert server.index_fetches == 2
