"""go_env_rules: every Go variable checked the way the go command reads it, exact messages."""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.module_utils import go_env_rules as rules

VALID = [
    ("GOPROXY", "https://proxy.golang.org,direct"),
    ("GOPROXY", "https://a.example.com|https://b.example.com,off"),
    ("GOPROXY", "direct"),
    ("GOPROXY", "off"),
    ("GOPROXY", "proxy.example.com"),
    ("GOPROXY", "file:///C:/goproxy"),
    ("GOSUMDB", "off"),
    ("GOSUMDB", "sum.golang.org"),
    ("GOSUMDB", "sum.golang.google.cn"),
    ("GOSUMDB", "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"),
    ("GOSUMDB", "sumdb.example.com+1a2b3c4d+AbCd== https://sumdb.example.com"),
    ("GOPRIVATE", "*.corp.example.com,github.com/example/private"),
    ("GONOPROXY", "example.com/[ab]*"),
    ("GONOSUMDB", ""),
    ("GOINSECURE", "insecure.example.com"),
    ("GOTOOLCHAIN", "local"),
    ("GOTOOLCHAIN", "auto"),
    ("GOTOOLCHAIN", "path"),
    ("GOTOOLCHAIN", "go1.22.5"),
    ("GOTOOLCHAIN", "go1.22"),
    ("GOTOOLCHAIN", "go1.23rc1"),
    ("GOTOOLCHAIN", "go1.22.5+auto"),
    ("GOTOOLCHAIN", "go1.22.5+path"),
    ("GOTOOLCHAIN", "local+auto"),
    ("GO111MODULE", "on"),
    ("GO111MODULE", "auto"),
    ("GOTELEMETRY", "local"),
    ("CGO_ENABLED", "0"),
    ("CGO_ENABLED", "1"),
    ("GOPATH", r"C:\go"),
    ("GOPATH", r"C:\go;D:\work\go"),
    ("GOPATH", r"%USERPROFILE%\go"),
    ("GOBIN", r"\\fs01\tools\bin"),
    ("GOCACHE", "off"),
    ("GOCACHE", r"D:\cache\go-build"),
    ("GOMODCACHE", "%LOCALAPPDATA%"),
    ("GOFLAGS", "-mod=readonly -trimpath"),
    ("CC", "gcc"),
    ("CGO_LDFLAGS", "-static"),
]

INVALID = [
    ("GOPROXY", "https://a.example.com,,direct",
     "GOPROXY entry 2 is empty; separate entries with ',' or '|'"),
    ("GOPROXY", "ftp://proxy.example.com",
     "GOPROXY entry 'ftp://proxy.example.com' has scheme 'ftp'; use https, http or file"),
    ("GOPROXY", "https://", "GOPROXY entry 'https://' has no host"),
    ("GOPROXY", "proxy", "GOPROXY entry 'proxy' is not a URL, 'direct' or 'off'"),
    ("GOSUMDB", "", "GOSUMDB is empty; use 'off', 'sum.golang.org' or 'name+key [url]'"),
    ("GOSUMDB", "a b c", "GOSUMDB 'a b c' has too many fields; use 'name+key [url]'"),
    ("GOSUMDB", "off https://x", "GOSUMDB 'off' takes no URL"),
    ("GOSUMDB", "sumdb.example.com",
     "GOSUMDB 'sumdb.example.com' needs a verifier key (name+hash+key); only "
     "sum.golang.org and sum.golang.google.cn are known by name"),
    ("GOSUMDB", "sumdb.example.com+zz",
     "GOSUMDB key 'sumdb.example.com+zz' is malformed; expected name+<8 hex digits>+<base64 key>"),
    ("GOSUMDB", "sum.golang.org ftp://x", "GOSUMDB URL 'ftp://x' must be an http(s) URL"),
    ("GOPRIVATE", "https://github.com/example",
     "GOPRIVATE pattern 'https://github.com/example' is a URL; use a module path pattern "
     "such as example.com/private or *.corp.example.com"),
    ("GONOPROXY", "a.com; b.com",
     "GONOPROXY pattern 'a.com; b.com' contains a space or backslash; patterns are module "
     "paths separated by ','"),
    ("GONOSUMDB", "example.com/[ab", "GONOSUMDB pattern 'example.com/[ab' has an unbalanced "
     "'[' or ']'"),
    ("GOTOOLCHAIN", "go1.22.5+local",
     "GOTOOLCHAIN 'go1.22.5+local' is not valid; use local, auto, path, go1.N.P, "
     "go1.N.P+auto or go1.N.P+path"),
    ("GOTOOLCHAIN", "1.22.5",
     "GOTOOLCHAIN '1.22.5' is not valid; use local, auto, path, go1.N.P, "
     "go1.N.P+auto or go1.N.P+path"),
    ("GO111MODULE", "yes", "GO111MODULE must be one of on, off, auto, not 'yes'"),
    ("GOTELEMETRY", "true", "GOTELEMETRY must be one of on, off, local, not 'true'"),
    ("CGO_ENABLED", "yes", "CGO_ENABLED must be one of 0, 1, not 'yes'"),
    ("GOPATH", r"C:\go;;D:\go",
     "GOPATH has an empty entry; separate absolute paths with a single ';'"),
    ("GOPATH", r"go\work",
     r"GOPATH 'go\work' is not absolute: use a drive path (C:\...) or a UNC path"),
    ("GOBIN", "bin",
     r"GOBIN 'bin' is not absolute: use a drive path (C:\...) or a UNC path"),
    ("GOCACHE", r"C:\cache\a|b",
     r"GOCACHE 'C:\cache\a|b' contains characters Windows forbids: |"),
    ("GOFLAGS", "-mod=mod trimpath",
     "GOFLAGS entry 'trimpath' is not a flag (flags start with '-')"),
    ("GOPROXY", "a\nb", "GOPROXY: the value must not contain line breaks or NUL characters"),
    ("GOPROXY", ["x"], "GOPROXY: the value must be a string, not list"),
    ("BAD=NAME", "x", "'BAD=NAME' is not a valid environment variable name"),
]


@pytest.mark.parametrize(("name", "value"), VALID)
def test_valid(name: str, value: str) -> None:
    text, _warnings = rules.check_value(name, value)
    assert text == value


@pytest.mark.parametrize(("name", "value", "message"), INVALID)
def test_invalid(name: str, value: object, message: str) -> None:
    with pytest.raises(rules.GoEnvError) as err:
        rules.check_value(name, value)
    assert str(err.value) == message


def test_goproxy_entries_after_direct_are_a_warning() -> None:
    assert rules.check_goproxy("direct,https://p.example.com") == [
        "GOPROXY: 'https://p.example.com' follows 'direct' and is never used"
    ]


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("GOPROXI", "GOPROXI is not a variable Go knows; did you mean GOPROXY?"),
        ("GOPRIVTE", "GOPRIVTE is not a variable Go knows; did you mean GOPRIVATE?"),
        ("GOTOOLCHIAN", "GOTOOLCHIAN is not a variable Go knows; did you mean GOTOOLCHAIN?"),
        ("GOZZZZZZZZZ", "GOZZZZZZZZZ is not a variable Go knows; it is set as given"),
        ("GOPROXY", None),
        ("CGO_CXXFLAGS", None),
        ("MY_TOOL", None),
    ],
)
def test_unknown_names(name: str, warning: str | None) -> None:
    assert rules.unknown_name_warning(name) == warning


def test_check_variables_bools_and_duplicates() -> None:
    out, warnings = rules.check_variables({"CGO_ENABLED": False, "GO111MODULE": True,
                                           "GOPROXI": "direct"})
    assert out == {"CGO_ENABLED": "0", "GO111MODULE": "on", "GOPROXI": "direct"}
    assert warnings == ["GOPROXI is not a variable Go knows; did you mean GOPROXY?"]
    with pytest.raises(rules.GoEnvError) as err:
        rules.check_variables({"GOPROXY": "direct", "goproxy": "off"})
    assert str(err.value) == "goproxy and GOPROXY name the same variable"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("GOENV", "GOENV cannot be set in the go env file; set it in machine or user scope"),
        ("goproxy", "goproxy: the go env file is case-sensitive; write GOPROXY"),
        ("FOO", "FOO is not a go command variable; go env -w refuses it in the go env file"),
    ],
)
def test_env_file_names(name: str, message: str) -> None:
    with pytest.raises(rules.GoEnvError) as err:
        rules.check_env_file_name(name)
    assert str(err.value) == message


def test_secrets_are_masked() -> None:
    assert rules.shown("GOAUTH_TOKEN", "abc") == rules.MASK
    assert rules.shown("MY_PASSWORD", "abc") == rules.MASK
    assert rules.shown("GOPROXY", "direct") == "direct"
    assert rules.shown("API_KEY", None) is None


def test_managed_names() -> None:
    assert rules.is_managed_name("GOFLAGS") and rules.is_managed_name("cgo_cflags")
    assert not rules.is_managed_name("GOOGLE_APPLICATION_CREDENTIALS")
    assert not rules.is_managed_name("CC")


def test_env_file_parse_and_update() -> None:
    text = "GOFLAGS=-mod=mod\r\n# note=x\n\ngoproxy=lower\nGOPROXY=a\nGOPROXY=b\n"
    assert rules.parse_env_file(text) == {"GOFLAGS": "-mod=mod", "GOPROXY": "b"}
    out = rules.update_env_file(text, {"GOPROXY": "c", "GOBIN": r"C:\b"}, {"GOFLAGS"})
    assert out == "# note=x\n\ngoproxy=lower\nGOPROXY=c\nGOBIN=C:\\b\n"
    assert rules.update_env_file("", {"B": "2", "A": "1"}, set()) == "A=1\nB=2\n"
    assert rules.update_env_file(out, {"GOPROXY": "c", "GOBIN": r"C:\b"}, set()) == out
