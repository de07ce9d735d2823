"""Release index parsing, version order and specs, version files, Windows archives."""

from __future__ import annotations

import random

import pytest

from ansible_collections.winops.golang.plugins.module_utils.go_releases import (
    GoFile,
    GoRelease,
    check_compatibility,
    normalize_version,
    parse_index,
    resolve_version,
    version_key,
    version_spec_from_file,
    windows_archive,
)
from support.go_releases import (
    DEFAULT_RELEASES,
    build_release_set,
    parse_go_version,
    releases_from_versions,
)

SPEC_HELP = (
    "use a version (1.22.5, go1.22.5, 1.23rc1), a minor (1.22), "
    "latest, stable, oldstable or a range (>=1.21,<1.23)"
)

# Besides the default history: a minor from before windows/arm64 (1.16), betas
# and rcs of one minor (1.18), rcs before the first 1.21 release, a pre-release
# only minor after the newest (1.25), and a minor without windows/arm (1.26).
EXTRA_VERSIONS = [
    "go1.16.15",
    "go1.18beta1",
    "go1.18beta2",
    "go1.18rc1",
    "go1.18",
    "go1.18.1",
    "go1.21rc2",
    "go1.21rc3",
    "go1.25beta1",
    "go1.25rc1",
]


@pytest.fixture(scope="module")
def release_set():
    return build_release_set()


@pytest.fixture(scope="module")
def releases(release_set):
    return parse_index(release_set.index())


@pytest.fixture(scope="module")
def extended():
    extra = releases_from_versions(EXTRA_VERSIONS)
    return parse_index(build_release_set(DEFAULT_RELEASES + tuple(extra)).index())


def by_version(releases, version):
    return next(release for release in releases if release.version == version)


# ------------------------------------------------------------ parse_index


def test_parse_index_keeps_every_release_newest_first(release_set, releases):
    assert [release.version for release in releases] == release_set.versions
    assert [release.stable for release in releases] == [r.stable for r in release_set.releases]


def test_parse_index_turns_each_file_entry_into_a_gofile(release_set, releases):
    release = by_version(releases, "go1.22.5")
    expected = [GoFile(**entry) for entry in release_set.index()[6]["files"]]
    assert release_set.index()[6]["version"] == "go1.22.5"
    assert list(release.files) == expected
    assert release.number == "1.22.5"
    assert release.stable is True


def test_parse_index_sorts_an_unordered_index(release_set):
    shuffled = release_set.index()
    random.Random(4).shuffle(shuffled)
    assert [r.version for r in parse_index(shuffled)] == release_set.versions


@pytest.mark.parametrize("version", ["go1.4.3", "go1.2.2"])
def test_old_releases_keep_an_empty_sha256(releases, version):
    release = by_version(releases, version)
    assert release.files
    assert {file.sha256 for file in release.files} == {""}


def test_an_uppercase_sha256_is_lowered():
    digest = "AB" * 32
    entry = {
        "version": "go1.22.5",
        "stable": True,
        "files": [
            {
                "filename": "go1.22.5.windows-amd64.zip",
                "os": "windows",
                "arch": "amd64",
                "version": "go1.22.5",
                "sha256": digest,
                "size": 10,
                "kind": "archive",
            }
        ],
    }
    assert parse_index([entry])[0].files[0].sha256 == "ab" * 32


def _entry(**release):
    file = {
        "filename": "go1.22.5.windows-amd64.zip",
        "os": "windows",
        "arch": "amd64",
        "version": "go1.22.5",
        "sha256": "",
        "size": 10,
        "kind": "archive",
    }
    file.update(release.pop("file", {}))
    base = {"version": "go1.22.5", "stable": True, "files": [file]}
    base.update(release)
    return [base]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"go1.22.5": {}}, "expected a list of releases, got an object"),
        ("<html>", "expected a list of releases, got a string"),
        (None, "expected a list of releases, got null"),
        ([], "it lists no releases"),
        ([1], "release #1 is a number, not an object"),
        (
            _entry(version="1.22.5"),
            "release #1 has version '1.22.5', not a Go version such as go1.22.5",
        ),
        (_entry(version=None), "release #1 has version None, not a Go version such as go1.22.5"),
        (_entry(stable="yes"), "go1.22.5 has stable 'yes', not true or false"),
        (_entry(files={}), "the files of go1.22.5 are an object, not a list"),
        (_entry(files=["x"]), "file #1 of go1.22.5 is a string, not an object"),
        (_entry(file={"filename": None}), "file #1 of go1.22.5 has no filename"),
        (_entry(file={"filename": ""}), "file #1 of go1.22.5 has an empty filename"),
        (_entry(file={"arch": 64}), "file #1 of go1.22.5 has arch 64, not a string"),
        (_entry(file={"size": "10"}), "file #1 of go1.22.5 has size '10', not a byte count"),
        (_entry(file={"size": True}), "file #1 of go1.22.5 has size True, not a byte count"),
        (
            _entry(file={"sha256": "abc"}),
            "file #1 of go1.22.5 has sha256 'abc', not a SHA-256 hex digest",
        ),
    ],
)
def test_parse_index_rejects_junk(data, message):
    with pytest.raises(ValueError) as error:
        parse_index(data)
    assert str(error.value) == "not a Go release index: " + message


# ------------------------------------------------------ versions and order


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.22.5", "go1.22.5"),
        ("go1.22.5", "go1.22.5"),
        (" go1.22.5 ", "go1.22.5"),
        ("GO1.22.5\n", "go1.22.5"),
        ("1.20", "go1.20"),
        ("1.23rc1", "go1.23rc1"),
        ("go1.17beta1", "go1.17beta1"),
    ],
)
def test_normalize_version(text, expected):
    assert normalize_version(text) == expected


@pytest.mark.parametrize("text", ["", "latest", "v1.22.5", "1.22.5-custom", "1.022", "go1.22.5 x"])
def test_normalize_version_rejects_junk(text):
    with pytest.raises(ValueError) as error:
        normalize_version(text)
    assert str(error.value) == (
        f"not a Go version: {text!r} (expected e.g. 1.22.5, go1.22.5 or 1.23rc1)"
    )


def test_version_key_orders_betas_rcs_and_both_namings():
    ordered = [
        "go1.2.2",
        "go1.17beta1",
        "go1.18beta1",
        "go1.18beta2",
        "go1.18rc1",
        "go1.18",
        "go1.18.1",
        "go1.20",
        "go1.20.14",
        "go1.21rc1",
        "go1.21rc2",
        "go1.21.0",
        "go1.21.1",
        "go1.21.10",
        "go1.22.0",
    ]
    shuffled = list(ordered)
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=version_key) == ordered


def test_old_and_new_first_release_names_compare_equal():
    assert version_key("go1.20") == version_key("go1.20.0") == (1, 20, 0, 2, 0)
    assert version_key("go1.21") == version_key("1.21.0")
    assert version_key("go1.21rc1") == (1, 21, 0, 1, 1)


def test_version_key_agrees_with_the_test_support_order(release_set):
    versions = release_set.versions
    assert sorted(versions, key=version_key, reverse=True) == sorted(
        versions, key=parse_go_version, reverse=True
    )


# ------------------------------------------------------------ resolution


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # exact
        ("1.22.5", "go1.22.5"),
        ("go1.22.5", "go1.22.5"),
        (" go1.22.5 ", "go1.22.5"),
        ("1.21.0", "go1.21.0"),
        ("1.20.0", "go1.20"),
        ("1.23rc2", "go1.23rc2"),
        ("go1.17beta1", "go1.17beta1"),
        ("1.2.2", "go1.2.2"),
        # minors: the newest patch; 1.20 is the line, not the release go1.20
        ("1.22", "go1.22.10"),
        ("1.21", "go1.21.13"),
        ("1.20", "go1.20.14"),
        ("go1.20", "go1.20.14"),
        ("1.22.x", "go1.22.10"),
        ("1.4", "go1.4.3"),
        # keywords
        ("latest", "go1.23.4"),
        ("LATEST", "go1.23.4"),
        ("stable", "go1.23.4"),
        ("oldstable", "go1.22.10"),
        # ranges
        (">=1.21,<1.23", "go1.22.10"),
        (">= 1.21 , < 1.23", "go1.22.10"),
        ("~1.22", "go1.22.10"),
        ("~1.22.3", "go1.22.10"),
        ("~1.21.0", "go1.21.13"),
        (">1.21.3", "go1.23.4"),
        (">1.21,<1.23", "go1.22.10"),
        ("<=1.22", "go1.22.10"),
        ("<1.22", "go1.21.13"),
        ("<1.21.0", "go1.20.14"),
        (">=1.20,<1.21", "go1.20.14"),
        ("=1.20.0", "go1.20"),
        ("==1.22.5", "go1.22.5"),
        ("=1.22", "go1.22.10"),
        ("<1.23.4,>=1.23", "go1.23.3"),
        ("!=1.23.4,>=1.23", "go1.23.3"),
        ("!=1.23", "go1.22.10"),
        ("<=1.22.5", "go1.22.5"),
    ],
)
def test_resolve_version(releases, spec, expected):
    assert resolve_version(spec, releases).version == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("latest", "go1.24rc1"),
        ("1.24", "go1.24rc1"),
        (">=1.23", "go1.24rc1"),
        ("<1.24", "go1.23.4"),  # 1.24's pre-releases are not below 1.24
        ("1.23", "go1.23.4"),  # a release beats the rc of its minor
        ("stable", "go1.23.4"),
        ("oldstable", "go1.22.10"),
        ("1.17", "go1.17beta1"),
    ],
)
def test_resolve_version_with_prereleases(releases, spec, expected):
    assert resolve_version(spec, releases, allow_prerelease=True).version == expected


def test_prereleases_order_beta_before_rc(extended):
    assert resolve_version("1.25", extended, allow_prerelease=True).version == "go1.25rc1"
    assert resolve_version("1.18", extended).version == "go1.18.1"
    assert resolve_version("<1.18.1", extended).version == "go1.18"
    assert resolve_version("<1.18", extended, allow_prerelease=True).version == "go1.17beta1"
    assert resolve_version("~1.18rc1", extended, allow_prerelease=True).version == "go1.18.1"
    assert resolve_version("<1.21.0,>=1.21rc1", extended, allow_prerelease=True).version == (
        "go1.21rc3"
    )
    assert resolve_version("1.18beta2", extended).version == "go1.18beta2"


def test_releases_without_sha256_stay_resolvable(releases):
    release = resolve_version("1.4", releases)
    assert release.version == "go1.4.3"
    assert windows_archive(release, "AMD64").sha256 == ""


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "1.99",
            "no Go release matches '1.99' "
            "(newest stable is go1.23.4; known minors: 1.21, 1.22, 1.23)",
        ),
        (
            "1.3",
            "no Go release matches '1.3' (newest stable is go1.23.4; known minors: 1.2, 1.4, 1.20)",
        ),
        (
            "1.22.99",
            "no Go release matches '1.22.99' "
            "(newest stable is go1.23.4; 1.22 has go1.22.0, go1.22.5, go1.22.10)",
        ),
        (
            "1.23rc1",
            "no Go release matches '1.23rc1' "
            "(newest stable is go1.23.4; 1.23 has go1.23rc2, go1.23.0, go1.23.3, go1.23.4)",
        ),
        (
            ">=1.30",
            "no Go release matches '>=1.30' "
            "(newest stable is go1.23.4; known minors: 1.21, 1.22, 1.23)",
        ),
        (
            ">1.23.4,<1.23",
            "no Go release matches '>1.23.4,<1.23' "
            "(newest stable is go1.23.4; known minors: 1.21, 1.22, 1.23)",
        ),
        (
            "1.24",
            "no stable Go release matches '1.24' (pre-releases that match: go1.24rc1); "
            "name one exactly (e.g. '1.24rc1') or set allow_prerelease",
        ),
        (
            ">=1.24",
            "no stable Go release matches '>=1.24' (pre-releases that match: go1.24rc1); "
            "name one exactly (e.g. '1.24rc1') or set allow_prerelease",
        ),
        (
            "1.17",
            "no stable Go release matches '1.17' (pre-releases that match: go1.17beta1); "
            "name one exactly (e.g. '1.17beta1') or set allow_prerelease",
        ),
    ],
)
def test_resolve_version_errors_say_what_exists(releases, spec, message):
    with pytest.raises(ValueError) as error:
        resolve_version(spec, releases)
    assert str(error.value) == message


def test_a_long_minor_is_listed_by_its_newest_releases():
    history = releases_from_versions([f"go1.21.{patch}" for patch in range(10)])
    releases = parse_index(build_release_set(history).index())
    with pytest.raises(ValueError) as error:
        resolve_version("1.21.99", releases)
    assert str(error.value) == (
        "no Go release matches '1.21.99' (newest stable is go1.21.9; "
        "1.21 has ..., go1.21.4, go1.21.5, go1.21.6, go1.21.7, go1.21.8, go1.21.9)"
    )


@pytest.mark.parametrize(
    "spec",
    ["", "   ", "foo", "1", ">=", "1.22,", ">=1.21,,<1.23", "1.22.5-custom", "1.22.xrc1", "=>1.22"],
)
def test_resolve_version_rejects_malformed_specs(releases, spec):
    with pytest.raises(ValueError) as error:
        resolve_version(spec, releases)
    assert str(error.value) == f"invalid Go version spec {spec!r}: {SPEC_HELP}"


def test_keywords_on_an_index_without_stable_releases():
    only_rc = parse_index(build_release_set(releases_from_versions(["go1.24rc1"])).index())
    with pytest.raises(ValueError) as error:
        resolve_version("latest", only_rc)
    assert str(error.value) == (
        "no stable Go release matches 'latest' (pre-releases that match: go1.24rc1); "
        "name one exactly (e.g. '1.24rc1') or set allow_prerelease"
    )
    with pytest.raises(ValueError) as error:
        resolve_version("stable", only_rc, allow_prerelease=True)
    assert str(error.value) == (
        "no Go release matches 'stable' (the index has no stable release; known minors: 1.24)"
    )
    assert resolve_version("latest", only_rc, allow_prerelease=True).version == "go1.24rc1"


def test_resolve_version_on_an_empty_list():
    with pytest.raises(ValueError) as error:
        resolve_version("latest", [])
    assert str(error.value) == "no Go release matches 'latest' (the index has no stable release)"


def test_oldstable_needs_two_stable_minors():
    one_minor = parse_index(
        build_release_set(releases_from_versions(["go1.24rc1", "go1.23.1", "go1.23.0"])).index()
    )
    with pytest.raises(ValueError) as error:
        resolve_version("oldstable", one_minor)
    assert str(error.value) == (
        "no Go release matches 'oldstable' (it needs two stable minors; the index has: 1.23)"
    )


# --------------------------------------------------------- version files


@pytest.mark.parametrize(
    ("filename", "text", "spec"),
    [
        # From Go 1.21 on a go line is a minimum: go 1.21 means 1.21.0.
        ("go.mod", "module example.com/app\n\ngo 1.21\n", "1.21.0"),
        ("go.mod", "module example.com/app\n\ngo 1.22\n", "1.22.0"),
        # Before, it only named the language: the newest 1.20.x.
        ("go.mod", "module example.com/app\n\ngo 1.20\n", "1.20"),
        ("go.mod", "module m\n\ngo 1.22.5\n", "1.22.5"),
        ("go.mod", "module m\n\ngo 1.23rc1\n", "1.23rc1"),
        ("go.mod", "module m\r\n\r\ngo 1.22.5\r\n", "1.22.5"),
        ("go.mod", "\ufeffmodule m\n\ngo 1.22.5\n", "1.22.5"),
        ("go.mod", "// go 1.99 in a comment\nmodule m // main\n\ngo 1.21.3 // pinned\n", "1.21.3"),
        # The toolchain line wins over the go line...
        ("go.mod", "module m\n\ngo 1.21\n\ntoolchain go1.22.5\n", "1.22.5"),
        ("go.mod", "module m\ntoolchain go1.22.5\ngo 1.21.0\n", "1.22.5"),
        ("go.mod", "module m\ngo 1.19\ntoolchain go1.20\n", "1.20.0"),
        ("go.mod", "module m\ngo 1.21.0\ntoolchain go1.23\n", "1.23.0"),
        ("go.mod", "module m\ngo 1.22\ntoolchain go1.23rc2\n", "1.23rc2"),
        # ...unless it is older: that toolchain would refuse the module.
        ("go.mod", "module m\ngo 1.22.5\ntoolchain go1.22.1\n", "1.22.5"),
        ("go.mod", "module m\ngo 1.21\ntoolchain default\n", "1.21.0"),
        ("go.mod", "module m\ntoolchain go1.22.5\n", "1.22.5"),
        # Blocks are skipped, whatever they contain.
        (
            "go.mod",
            "module m\n\ngo 1.22.3\n\nrequire (\n\tgolang.org/x/mod v0.17.0 // go 1.99\n"
            "\tgo 1.99\n)\n\nreplace (\n\texample.com/a => ./a\n)\n",
            "1.22.3",
        ),
        ("go.work", "go 1.23.4\n\nuse (\n\t./api\n\t./worker\n)\n", "1.23.4"),
        ("go.work", "go 1.22\ntoolchain go1.23.4\nuse ./api\n", "1.23.4"),
        ("C:\\src\\app\\go.work", "go 1.21\n", "1.21.0"),
        ("/src/app/GO.MOD", "module m\ngo 1.22.5\n", "1.22.5"),
        (".go-version", "1.22.5\n", "1.22.5"),
        (".go-version", "go1.22.5\r\n", "1.22.5"),
        (".go-version", "1.22\n", "1.22"),
        (".go-version", "1.21\n", "1.21"),
        (".go-version", "\ufeff# pinned for CI\n\n1.23rc2\n", "1.23rc2"),
        ("C:\\src\\app\\.go-version", "1.20.0", "1.20.0"),
    ],
)
def test_version_spec_from_file(filename, text, spec):
    assert version_spec_from_file(filename, text) == spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("module m\ngo 1.21\n", "go1.21.0"),
        ("module m\ngo 1.20\n", "go1.20.14"),
        ("module m\ngo 1.19\ntoolchain go1.20\n", "go1.20"),
        ("module m\ngo 1.21\ntoolchain go1.22.5\n", "go1.22.5"),
    ],
)
def test_go_mod_specs_resolve_to_the_release_go_would_use(releases, text, expected):
    assert resolve_version(version_spec_from_file("go.mod", text), releases).version == expected


@pytest.mark.parametrize(
    ("filename", "text", "message"),
    [
        (
            "go.mod",
            "module m\n",
            "go.mod has no go or toolchain line: add one (e.g. 'go 1.22.5') "
            "or give the version explicitly",
        ),
        (
            "go.mod",
            "module m\ngo 1.21\ngo 1.22\n",
            "go.mod line 3: repeated go line (the first is on line 2)",
        ),
        (
            "go.work",
            "toolchain go1.22.1\ntoolchain go1.22.2\n",
            "go.work line 2: repeated toolchain line (the first is on line 1)",
        ),
        ("go.mod", "go (\n\t1.21\n)\n", "go.mod line 1: a go line cannot be a block"),
        ("go.mod", "go 1.21 1.22\n", "go.mod line 1: malformed go line 'go 1.21 1.22'"),
        ("go.mod", "go\n", "go.mod line 1: malformed go line 'go'"),
        (
            "go.mod",
            "go abc\n",
            "go.mod line 1: 'abc' is not a Go version (expected e.g. 1.22 or 1.22.5)",
        ),
        (
            "go.mod",
            "go 1.21.x\n",
            "go.mod line 1: '1.21.x' is not a Go version (expected e.g. 1.22 or 1.22.5)",
        ),
        (
            "go.mod",
            "go 1.21\ntoolchain go1.21.3-bigcorp\n",
            "go.mod line 2: toolchain go1.21.3-bigcorp is a custom build (suffix after '-'); "
            "go.dev publishes no such release, so give the version explicitly",
        ),
        (
            "go.mod",
            "go 1.21\ntoolchain 1.21.3\n",
            "go.mod line 2: toolchain '1.21.3' is not a toolchain name such as go1.22.5",
        ),
        (".go-version", "", ".go-version names no version: write one, such as 1.22.5"),
        (
            ".go-version",
            "# none yet\n\n",
            ".go-version names no version: write one, such as 1.22.5",
        ),
        (
            ".go-version",
            "1.22\n1.23\n",
            ".go-version names more than one version ('1.22', '1.23'): keep one",
        ),
        (
            ".go-version",
            "latest\n",
            ".go-version: 'latest' is not a Go version (expected e.g. 1.22 or 1.22.5)",
        ),
        (
            "Makefile",
            "GO_VERSION=1.22\n",
            "cannot read a Go version from 'Makefile': expected go.mod, go.work or .go-version",
        ),
    ],
)
def test_version_spec_from_file_errors(filename, text, message):
    with pytest.raises(ValueError) as error:
        version_spec_from_file(filename, text)
    assert str(error.value) == message


# ------------------------------------------------------ Windows archives


@pytest.mark.parametrize(
    ("architecture", "goarch"),
    [("AMD64", "amd64"), ("ARM64", "arm64"), ("x86", "386"), ("amd64", "amd64"), ("386", "386")],
)
def test_windows_archive_picks_the_hosts_own_architecture(
    release_set, releases, architecture, goarch
):
    archive = windows_archive(by_version(releases, "go1.22.5"), architecture)
    assert archive == GoFile(**release_set.windows_archive("go1.22.5", goarch))
    assert archive.filename == f"go1.22.5.windows-{goarch}.zip"
    assert archive.kind == "archive"
    assert len(archive.sha256) == 64


def test_windows_archive_of_an_old_release_name(release_set, releases):
    archive = windows_archive(by_version(releases, "go1.20"), "AMD64")
    assert archive.filename == "go1.20.windows-amd64.zip"
    assert archive.sha256 == release_set.windows_archive("go1.20")["sha256"]


def test_no_arm64_archive_before_go1_17(releases, extended):
    release = by_version(extended, "go1.16.15")
    with pytest.raises(ValueError) as error:
        windows_archive(release, "ARM64")
    assert str(error.value) == (
        "go1.16.15 has no windows-arm64 .zip archive for this ARM64 host; "
        "windows/arm64 archives exist from Go 1.17 on; it has windows archives for: 386, amd64"
    )
    with pytest.raises(ValueError) as error:
        windows_archive(by_version(releases, "go1.4.3"), "ARM64", releases=releases)
    assert str(error.value) == (
        "go1.4.3 has no windows-arm64 .zip archive for this ARM64 host; "
        "windows/arm64 archives exist from Go 1.17 on; releases that have one: go1.20 to go1.23.4"
    )


def test_a_release_without_windows_files():
    source_only = GoRelease(
        "go1.22.5",
        True,
        (GoFile("go1.22.5.src.tar.gz", "", "", "go1.22.5", "", 10, "source"),),
    )
    with pytest.raises(ValueError) as error:
        windows_archive(source_only, "AMD64")
    assert str(error.value) == (
        "go1.22.5 has no windows-amd64 .zip archive for this AMD64 host; "
        "it has no windows archive at all"
    )
    with pytest.raises(ValueError) as error:
        windows_archive(source_only, "AMD64", releases=[source_only])
    assert str(error.value) == (
        "go1.22.5 has no windows-amd64 .zip archive for this AMD64 host; "
        "no release in the index has a windows-amd64 archive"
    )


def test_an_installer_is_not_an_archive(release_set):
    entries = [e for e in release_set.index()[6]["files"] if e["filename"].endswith(".msi")]
    release = parse_index([{"version": "go1.22.5", "stable": True, "files": entries}])[0]
    with pytest.raises(ValueError) as error:
        windows_archive(release, "AMD64")
    assert str(error.value) == (
        "go1.22.5 has no windows-amd64 .zip archive for this AMD64 host; "
        "it has no windows archive at all"
    )


def test_unknown_architecture(releases):
    with pytest.raises(ValueError) as error:
        windows_archive(releases[0], "IA64")
    assert str(error.value) == "unknown Windows architecture 'IA64': expected AMD64, ARM64 or x86"


# -------------------------------------------------------- compatibility


@pytest.mark.parametrize("build", [14393, 17763, 20348, 26100, 10240])
@pytest.mark.parametrize("architecture", ["AMD64", "ARM64", "x86"])
def test_supported_servers_run_current_go(releases, build, architecture):
    assert check_compatibility(releases[1], os_build=build, architecture=architecture) is None


@pytest.mark.parametrize(
    ("version", "build"),
    [("go1.20.14", 9600), ("go1.20", 7601), ("go1.20", 7600), ("go1.4.3", 6002), ("go1.4.3", 2600)],
)
def test_older_go_runs_on_older_windows(releases, version, build):
    release = by_version(releases, version)
    assert check_compatibility(release, os_build=build, architecture="AMD64") is None


@pytest.mark.parametrize(
    ("version", "build", "message"),
    [
        (
            "go1.21.0",
            9600,
            "go1.21.0 needs Windows 10 or Windows Server 2016 or later (build 10240+), "
            "but the host reports Windows build 9600; use Go 1.20 or older",
        ),
        (
            "go1.23.4",
            10239,
            "go1.23.4 needs Windows 10 or Windows Server 2016 or later (build 10240+), "
            "but the host reports Windows build 10239; use Go 1.20 or older",
        ),
        (
            "go1.23.4",
            6002,
            "go1.23.4 needs Windows 10 or Windows Server 2016 or later (build 10240+), "
            "but the host reports Windows build 6002; use Go 1.10 or older",
        ),
        (
            "go1.20.14",
            6002,
            "go1.20.14 needs Windows 7 or Windows Server 2008 R2 or later (build 7600+), "
            "but the host reports Windows build 6002; use Go 1.10 or older",
        ),
        (
            "go1.4.3",
            2195,
            "go1.4.3 needs Windows XP or Windows Server 2003 or later (build 2600+), "
            "but the host reports Windows build 2195; no Go release supports it",
        ),
    ],
)
def test_windows_build_gate(releases, version, build, message):
    with pytest.raises(ValueError) as error:
        check_compatibility(by_version(releases, version), os_build=build, architecture="AMD64")
    assert str(error.value) == message


def test_arm64_needs_go1_17(extended):
    with pytest.raises(ValueError) as error:
        check_compatibility(by_version(extended, "go1.16.15"), os_build=20348, architecture="ARM64")
    assert str(error.value) == (
        "go1.16.15 has no windows/arm64 port: Go runs natively on Windows ARM64 "
        "from Go 1.17 on; choose 1.17 or later"
    )
    beta = by_version(extended, "go1.17beta1")
    assert check_compatibility(beta, os_build=20348, architecture="ARM64") is None
    assert (
        check_compatibility(by_version(extended, "go1.16.15"), os_build=20348, architecture="x86")
        is None
    )


def test_32_bit_arm_windows():
    gone = parse_index(build_release_set(releases_from_versions(["go1.26.0", "go1.22.5"])).index())
    with pytest.raises(ValueError) as error:
        check_compatibility(gone[0], os_build=17763, architecture="ARM")
    assert str(error.value) == (
        "go1.26.0 has no windows/arm port: 32-bit ARM Windows was removed in Go 1.26"
    )
    with pytest.raises(ValueError) as error:
        check_compatibility(gone[1], os_build=17763, architecture="ARM")
    assert str(error.value) == (
        "go1.22.5 cannot run on 32-bit ARM Windows: the windows/arm port "
        "is broken since Go 1.18 (go.dev/issue/70705)"
    )


@pytest.mark.parametrize("build", ["14393", True, -1, None])
def test_os_build_must_be_a_build_number(releases, build):
    with pytest.raises(ValueError) as error:
        check_compatibility(releases[1], os_build=build, architecture="AMD64")
    assert str(error.value) == (
        f"os_build must be the Windows build number (an integer), got {build!r}"
    )


def test_compatibility_rejects_unknown_architecture(releases):
    with pytest.raises(ValueError) as error:
        check_compatibility(releases[1], os_build=20348, architecture="Itanium")
    assert (
        str(error.value) == "unknown Windows architecture 'Itanium': expected AMD64, ARM64 or x86"
    )
