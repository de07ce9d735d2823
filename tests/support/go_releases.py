"""Small but faithful Go releases: archives with the real layout, and a go.dev/dl index.

Everything here is pure: functions take data and return bytes or JSON-ready
data. The only I/O is :meth:`ReleaseSet.write`, which writes into a directory
it is given.

Layout of a Windows archive (``go1.22.5.windows-amd64.zip``), as on go.dev::

    go/VERSION                        "go1.22.5\\ntime 2024-06-27T20:11:12Z\\n"
    go/go.env                         (Go 1.21 and later)
    go/LICENSE, go/README.md
    go/bin/go.exe, go/bin/gofmt.exe   placeholder executables starting with "MZ"
    go/pkg/tool/windows_amd64/{compile,link,asm,vet}.exe
    go/src/runtime/extern.go, go/src/fmt/print.go, ...

Before Go 1.21 the VERSION file holds only the version, without a newline.
The index has the shape of ``https://go.dev/dl/?mode=json&include=all``:
newest first, each release ``{"version", "stable", "files": [...]}`` with
files ``{"filename", "os", "arch", "version", "sha256", "size", "kind"}``
(kind ``archive``, ``installer`` or ``source``). The oldest releases carry an
empty ``sha256``, as they do on go.dev.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WINDOWS_ARCHES: tuple[str, ...] = ("amd64", "arm64", "386")
# Ports that exist only from a given minor on (go1.17 added windows/arm64).
_FIRST_MINOR = {("windows", "arm64"): 17, ("darwin", "arm64"): 16, ("linux", "arm64"): 5}
# Besides Windows, a few other ports appear in the index so that clients must
# filter on os/arch rather than assume every file is for Windows.
OTHER_PORTS: tuple[tuple[str, str], ...] = (
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "arm64"),
)

PE_MAGIC = b"MZ"
MSI_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # OLE compound file, as .msi files are

_VERSION_RE = re.compile(r"^go(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(beta|rc)(\d+))?$")


@dataclass(frozen=True)
class GoRelease:
    """One Go release: ``version`` as go.dev spells it (``go1.22.5``, ``go1.24rc1``)."""

    version: str
    time: str
    stable: bool = True
    # True for the oldest releases, whose index entries have an empty sha256.
    unhashed: bool = False


# A realistic history: several stable minors with patches, the first release
# of a minor spelled without ".0" before Go 1.21, an rc of the next minor, a
# beta, and old releases without published checksums.
DEFAULT_RELEASES: tuple[GoRelease, ...] = (
    GoRelease("go1.24rc1", "2024-12-13T18:36:25Z", stable=False),
    GoRelease("go1.23.4", "2024-12-03T18:51:08Z"),
    GoRelease("go1.23.3", "2024-11-06T18:46:45Z"),
    GoRelease("go1.23.0", "2024-08-13T19:19:06Z"),
    GoRelease("go1.23rc2", "2024-07-16T16:33:36Z", stable=False),
    GoRelease("go1.22.10", "2024-12-03T18:44:49Z"),
    GoRelease("go1.22.5", "2024-06-27T20:11:12Z"),
    GoRelease("go1.22.0", "2024-02-06T21:00:14Z"),
    GoRelease("go1.21.13", "2024-08-06T16:38:28Z"),
    GoRelease("go1.21.0", "2023-08-08T15:42:17Z"),
    GoRelease("go1.20.14", "2024-02-06T21:00:07Z"),
    GoRelease("go1.20", "2023-02-01T19:13:23Z"),
    GoRelease("go1.17beta1", "2021-06-10T19:02:37Z", stable=False),
    GoRelease("go1.4.3", "2015-09-23T04:20:44Z", unhashed=True),
    GoRelease("go1.2.2", "2014-05-05T17:05:19Z", unhashed=True),
)


def parse_go_version(version: str) -> tuple[int, int, int, int, int]:
    """Sort key of a go.dev version string: ``go1.22.5`` > ``go1.22rc2`` > ``go1.22beta1``.

    A pre-release of a minor sorts before that minor's first release.
    """
    match = _VERSION_RE.match(version)
    if not match:
        raise ValueError(f"not a Go release version: {version!r}")
    major, minor, patch, pre, pre_num = match.groups()
    stage = {"beta": 0, "rc": 1, None: 2}[pre]
    return (int(major), int(minor or 0), int(patch or 0), stage, int(pre_num or 0))


def minor_of(version: str) -> tuple[int, int]:
    """``go1.22.5`` -> ``(1, 22)``."""
    key = parse_go_version(version)
    return key[0], key[1]


def version_file_text(version: str, time: str) -> str:
    """Content of ``go/VERSION``: version and build time since Go 1.21, version only before."""
    if minor_of(version) >= (1, 21):
        return f"{version}\ntime {time}\n"
    return version


def placeholder_exe(name: str, version: str, goos: str, arch: str) -> bytes:
    """A small stand-in executable: the ``MZ`` magic, then what it pretends to be."""
    return PE_MAGIC + b"\x90\x00" + f" winops placeholder {name} {version} {goos}/{arch}\n".encode()


def archive_members(version: str, goos: str, arch: str, time: str) -> dict[str, bytes]:
    """The files of a binary distribution, keyed by archive path (``go/...``)."""
    exe = ".exe" if goos == "windows" else ""
    tooldir = f"go/pkg/tool/{goos}_{arch}"
    members: dict[str, bytes] = {
        "go/VERSION": version_file_text(version, time).encode(),
        "go/LICENSE": b"Copyright 2009 The Go Authors.\n\nRedistribution ... (BSD-3-Clause)\n",
        "go/README.md": b"# The Go Programming Language\n",
        f"go/bin/go{exe}": placeholder_exe(f"go{exe}", version, goos, arch),
        f"go/bin/gofmt{exe}": placeholder_exe(f"gofmt{exe}", version, goos, arch),
    }
    for tool in ("asm", "compile", "link", "vet"):
        members[f"{tooldir}/{tool}{exe}"] = placeholder_exe(f"{tool}{exe}", version, goos, arch)
    members["go/src/runtime/extern.go"] = (
        b"// Copyright 2009 The Go Authors. All rights reserved.\n\n"
        b"package runtime\n\n"
        b"// GOROOT returns the root of the Go tree.\n"
        b"func GOROOT() string { return defaultGOROOT }\n"
    )
    members["go/src/fmt/print.go"] = (
        b"package fmt\n\nfunc Println(a ...any) (n int, err error) { return }\n"
    )
    members["go/src/cmd/go/main.go"] = b"package main\n\nfunc main() {}\n"
    members["go/misc/wasm/wasm_exec.js"] = b'"use strict";\n'
    if minor_of(version) >= (1, 21):
        members["go/go.env"] = (
            b"# This file contains the initial defaults for go command configuration.\n"
            b"GOPROXY=https://proxy.golang.org,direct\n"
            b"GOSUMDB=sum.golang.org\n"
            b"GOTOOLCHAIN=auto\n"
        )
    return dict(sorted(members.items()))


def source_members(version: str, time: str) -> dict[str, bytes]:
    """The files of a source distribution."""
    return {
        "go/VERSION": version_file_text(version, time).encode(),
        "go/src/make.bat": b"@echo off\r\n:: builds Go\r\n",
        "go/src/make.bash": b"#!/usr/bin/env bash\n# builds Go\n",
        "go/src/runtime/extern.go": b"package runtime\n",
    }


def _zip_date(time: str) -> tuple[int, int, int, int, int, int]:
    match = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)", time)
    if not match:
        raise ValueError(f"not an ISO 8601 time: {time!r}")
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    return (max(year, 1980), month, day, hour, minute, second)


def build_zip(
    members: Mapping[str, bytes],
    *,
    time: str = "2024-06-27T20:11:12Z",
    dir_entries: bool = False,
) -> bytes:
    """A deterministic zip of ``members`` (same input, same bytes, same sha256).

    ``dir_entries`` adds explicit ``dir/`` entries; extraction code must cope
    with archives that have them and archives that do not.
    """
    date_time = _zip_date(time)
    names: list[str] = []
    if dir_entries:
        dirs = {
            "/".join(name.split("/")[:depth]) + "/"
            for name in members
            for depth in range(1, name.count("/") + 1)
        }
        names.extend(sorted(dirs))
    names.extend(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.create_system = 0  # MS-DOS, as the official Windows archives
            if name.endswith("/"):
                info.external_attr = 0x10  # FILE_ATTRIBUTE_DIRECTORY
                archive.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0x20  # FILE_ATTRIBUTE_ARCHIVE
                archive.writestr(info, members[name])
    return buffer.getvalue()


def build_tar_gz(members: Mapping[str, bytes], *, mtime: int = 0) -> bytes:
    """A deterministic ``.tar.gz`` of ``members``."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = mtime
            info.mode = 0o755 if "/bin/" in name else 0o644
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=mtime)


def build_windows_zip(version: str, arch: str, *, time: str, dir_entries: bool = False) -> bytes:
    """``go<version>.windows-<arch>.zip`` with the real layout."""
    return build_zip(
        archive_members(version, "windows", arch, time), time=time, dir_entries=dir_entries
    )


def placeholder_msi(version: str, arch: str) -> bytes:
    return MSI_MAGIC + f" winops placeholder installer {version} windows/{arch}\n".encode()


def archive_filename(version: str, goos: str, arch: str, kind: str = "archive") -> str:
    """go.dev file names.

    ``go1.22.5.windows-amd64.zip``, ``.msi``, ``.linux-amd64.tar.gz``, ``go1.22.5.src.tar.gz``.
    """
    if kind == "source":
        return f"{version}.src.tar.gz"
    if kind == "installer":
        return f"{version}.{goos}-{arch}.{'msi' if goos == 'windows' else 'pkg'}"
    return f"{version}.{goos}-{arch}.{'zip' if goos == 'windows' else 'tar.gz'}"


def _ports(version: str) -> list[tuple[str, str]]:
    minor = minor_of(version)[1]
    ports = [("windows", arch) for arch in WINDOWS_ARCHES] + list(OTHER_PORTS)
    return [port for port in ports if minor >= _FIRST_MINOR.get(port, 0)]


def release_files(release: GoRelease) -> list[tuple[dict[str, Any], bytes]]:
    """The index entries of one release with the bytes of each file, in go.dev's order."""
    out: list[tuple[dict[str, Any], bytes]] = []

    def add(goos: str, arch: str, kind: str, data: bytes) -> None:
        entry = {
            "filename": archive_filename(release.version, goos, arch, kind),
            "os": goos,
            "arch": arch,
            "version": release.version,
            "sha256": "" if release.unhashed else hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "kind": kind,
        }
        out.append((entry, data))

    add("", "", "source", build_tar_gz(source_members(release.version, release.time)))
    for goos, arch in _ports(release.version):
        members = archive_members(release.version, goos, arch, release.time)
        if goos == "windows":
            add(goos, arch, "archive", build_zip(members, time=release.time))
            add(goos, arch, "installer", placeholder_msi(release.version, arch))
        else:
            add(goos, arch, "archive", build_tar_gz(members))
    return out


@dataclass(frozen=True)
class ReleaseSet:
    """Releases, their files (filename -> bytes) and the go.dev index over them."""

    releases: tuple[GoRelease, ...]
    files: Mapping[str, bytes] = field(repr=False)
    entries: tuple[dict[str, Any], ...] = field(repr=False)

    @property
    def versions(self) -> list[str]:
        """All versions, newest first."""
        return [release.version for release in self.releases]

    def index(self, include_all: bool = True) -> list[dict[str, Any]]:
        """The index as go.dev serves it.

        ``include_all`` is ``?mode=json&include=all``: every release, newest
        first. Without it (``?mode=json``): only the latest patch of the two
        newest stable minors, the supported releases.
        """
        releases = self.releases
        if not include_all:
            latest: dict[tuple[int, int], GoRelease] = {}
            for release in releases:
                if release.stable:
                    minor = minor_of(release.version)
                    if minor not in latest or parse_go_version(release.version) > parse_go_version(
                        latest[minor].version
                    ):
                        latest[minor] = release
            newest_two = sorted(latest, reverse=True)[:2]
            releases = tuple(latest[minor] for minor in newest_two)
        return [
            {
                "version": release.version,
                "stable": release.stable,
                "files": [
                    dict(entry) for entry in self.entries if entry["version"] == release.version
                ],
            }
            for release in releases
        ]

    def entry(self, filename: str) -> dict[str, Any]:
        """The index entry of one file."""
        for entry in self.entries:
            if entry["filename"] == filename:
                return dict(entry)
        raise KeyError(filename)

    def windows_archive(self, version: str, arch: str = "amd64") -> dict[str, Any]:
        """The index entry of ``<version>.windows-<arch>.zip``."""
        return self.entry(archive_filename(version, "windows", arch))

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write every file into ``directory``; returns filename -> path."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for name, data in self.files.items():
            path = target / name
            path.write_bytes(data)
            written[name] = path
        return written


def build_release_set(releases: Iterable[GoRelease] = DEFAULT_RELEASES) -> ReleaseSet:
    """Build every file of ``releases`` and the index over them (newest first)."""
    ordered = tuple(sorted(releases, key=lambda r: parse_go_version(r.version), reverse=True))
    files: dict[str, bytes] = {}
    entries: list[dict[str, Any]] = []
    for release in ordered:
        for entry, data in release_files(release):
            files[entry["filename"]] = data
            entries.append(entry)
    return ReleaseSet(releases=ordered, files=files, entries=tuple(entries))


def releases_from_versions(
    versions: Sequence[str], time: str = "2024-06-27T20:11:12Z"
) -> list[GoRelease]:
    """Releases for plain version strings; pre-releases are marked unstable."""
    return [GoRelease(v, time, stable=not re.search(r"(beta|rc)\d+$", v)) for v in versions]
