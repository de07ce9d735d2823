"""The PowerShell block that winops.golang.win_go_profile keeps in a profile.

:func:`render_block` is a pure function: it returns the whole marked block
(markers, the version/hash line and the Windows PowerShell 5.1 code) with
``\\n`` line endings; :mod:`go_profile` puts it into a profile file with that
file's line endings and encoding. The block is always plain ASCII, so it means
the same thing whatever code page Windows PowerShell reads a BOM-less file
with: an install root with other characters is baked in as UTF-8 base64.

``tests/static/test_profile_block.py`` runs the static PowerShell check on
rendered blocks.
"""

from __future__ import annotations

import base64
import hashlib

MARK_BEGIN = "# >>> winops.golang >>>"
MARK_END = "# <<< winops.golang <<<"
FORMAT = 1
HEADER_PREFIX = "# Managed by winops.golang.win_go_profile"

# `go help`'s commands (Go 1.23+), completed as the first argument.
SUBCOMMANDS = (
    "bug build clean doc env fix fmt generate get help install list mod work run telemetry test "
    "tool version vet"
).split()

_BUILD_FLAGS = "-a -n -p -v -x -race -cover -tags -ldflags -gcflags -trimpath -mod -buildvcs -work"

# Flags offered after a subcommand (or `mod <verb>`/`work <verb>`), and the verbs of
# the commands that have them.
FLAGS = {
    "build": "-o " + _BUILD_FLAGS,
    "install": _BUILD_FLAGS,
    "run": _BUILD_FLAGS + " -exec",
    "test": "-run -bench -benchmem -count -cover -coverprofile -timeout -short -failfast "
    "-json -c -o " + _BUILD_FLAGS,
    "vet": "-n -x -tags -json",
    "get": "-t -u -x -tool",
    "list": "-json -m -f -u -e -deps -test -versions " + _BUILD_FLAGS,
    "clean": "-i -n -r -x -cache -testcache -modcache -fuzzcache",
    "fmt": "-n -x -mod",
    "doc": "-all -c -cmd -short -src -u",
    "generate": "-run -skip -n -v -x",
    "version": "-m -v",
    "env": "-w -u -json -changed",
    "tool": "-n",
    "mod download": "-json -x",
    "mod edit": "-fmt -go -toolchain -require -droprequire -replace -dropreplace -json -print",
    "mod graph": "-go -x",
    "mod init": "",
    "mod tidy": "-v -e -go -compat -diff",
    "mod vendor": "-v -e -o",
    "mod verify": "",
    "mod why": "-m -vendor",
    "work edit": "-fmt -go -toolchain -use -dropuse -replace -dropreplace -json -print",
    "work init": "",
    "work sync": "",
    "work use": "-r",
    "work vendor": "-v -e -o",
}
VERBS = {
    "mod": "download edit graph init tidy vendor verify why",
    "work": "edit init sync use vendor",
    "telemetry": "on off local",
}


def _ps_quote(text: str) -> str:
    """A PowerShell expression for ``text`` that is plain ASCII."""
    if text.isascii() and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"[System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('{data}'))"


def _ps_table(table: dict[str, str]) -> list[str]:
    lines = []
    for key in sorted(table):
        lines.append(f"            '{key}' = '{table[key]}'")
    return lines


_COMPLETER = r"""
# Tab completion for go.exe: subcommands, the verbs of mod, work and telemetry, common flags.
if (Get-Command -Name Register-ArgumentCompleter -ErrorAction SilentlyContinue) {
    Register-ArgumentCompleter -Native -CommandName 'go', 'go.exe' -ScriptBlock {
        param($wordToComplete, $commandAst, $cursorPosition)
        $subcommands = '__SUBCOMMANDS__' -split ' '
        $verbs = @{
__VERBS__
        }
        $flags = @{
__FLAGS__
        }
        $words = @(
            $commandAst.CommandElements |
                Where-Object { $_.Extent.EndOffset -le $cursorPosition } |
                ForEach-Object { $_.Extent.Text }
        )
        if ($wordToComplete -ne '' -and $words.Count -gt 0) {
            $words = @($words | Select-Object -First ($words.Count - 1))
        }
        $positional = @($words | Select-Object -Skip 1 | Where-Object { -not $_.StartsWith('-') })
        $candidates = @()
        $kind = 'ParameterValue'
        if ($positional.Count -eq 0) {
            $candidates = $subcommands
        } elseif ($wordToComplete.StartsWith('-')) {
            $key = $positional[0]
            if ($verbs.ContainsKey($key) -and $positional.Count -gt 1) {
                $key = $key + ' ' + $positional[1]
            }
            if ($flags.ContainsKey($key) -and $flags[$key] -ne '') {
                $candidates = $flags[$key] -split ' '
            }
            $kind = 'ParameterName'
        } elseif ($positional.Count -eq 1 -and $verbs.ContainsKey($positional[0])) {
            $candidates = $verbs[$positional[0]] -split ' '
        }
        $ignoreCase = [System.StringComparison]::OrdinalIgnoreCase
        foreach ($candidate in $candidates) {
            if ($candidate.StartsWith($wordToComplete, $ignoreCase)) {
                New-Object -TypeName System.Management.Automation.CompletionResult -ArgumentList @(
                    $candidate, $candidate, $kind, $candidate
                )
            }
        }
    }
}
"""

_USE_GO_VERSION = r"""
# Use-GoVersion: put one installed toolchain first on this session's PATH.
function Use-GoVersion {
    <#
    .SYNOPSIS
    Switches this PowerShell session to a Go toolchain installed by winops.golang.win_go_install.
    .DESCRIPTION
    Puts <InstallRoot>\go<Version>\bin first on $env:Path and removes the other
    <InstallRoot>\...\bin entries. Only this process changes; machine and user PATH stay.
    -List lists the installed versions (directories go* with a VERSION file).
    .EXAMPLE
    Use-GoVersion 1.22.5
    .EXAMPLE
    Use-GoVersion -List
    #>
    [CmdletBinding(DefaultParameterSetName = 'Use')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Use')]
        [string]$Version,
        [Parameter(Mandatory = $true, ParameterSetName = 'List')]
        [switch]$List,
        [string]$InstallRoot = __ROOT__
    )
    $root = $InstallRoot.TrimEnd('\')
    $ignoreCase = [System.StringComparison]::OrdinalIgnoreCase
    $installed = @()
    if (Test-Path -LiteralPath $root -PathType Container) {
        $installed = @(
            Get-ChildItem -LiteralPath $root -Directory -Filter 'go*' |
                Where-Object {
                    $_.Name -match '^go\d+(\.\d+){0,2}((rc|beta)\d+)?$' -and
                    (Test-Path -PathType Leaf -LiteralPath (
                        Join-Path -Path $_.FullName -ChildPath 'VERSION'))
                } |
                ForEach-Object {
                    $parts = [regex]::Match(
                        $_.Name, '^go(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(beta|rc)(\d+))?$')
                    $stage = 2
                    if ($parts.Groups[4].Value -eq 'beta') { $stage = 0 }
                    if ($parts.Groups[4].Value -eq 'rc') { $stage = 1 }
                    $key = '{0:D5}{1:D5}{2:D5}{3}{4:D5}' -f [int]('0' + $parts.Groups[1].Value),
                        [int]('0' + $parts.Groups[2].Value), [int]('0' + $parts.Groups[3].Value),
                        $stage, [int]('0' + $parts.Groups[5].Value)
                    New-Object -TypeName PSObject -Property @{
                        Version = $_.Name.Substring(2)
                        Name = $_.Name
                        Path = $_.FullName
                        SortKey = $key
                    }
                } |
                Sort-Object -Property SortKey
        )
    }
    $entries = @($env:Path -split ';' | Where-Object { $_ -ne '' })
    $prefix = $root + '\'
    if ($PSCmdlet.ParameterSetName -eq 'List') {
        foreach ($item in $installed) {
            $bin = Join-Path -Path $item.Path -ChildPath 'bin'
            $first = @($entries | Where-Object {
                $_.Trim('"').TrimEnd('\').StartsWith($prefix, $ignoreCase)
            } | Select-Object -First 1)
            $active = ($first.Count -eq 1) -and ($first[0].Trim('"').TrimEnd('\') -eq $bin)
            New-Object -TypeName PSObject -Property ([ordered]@{
                Version = $item.Version
                Active = $active
                Path = $item.Path
            })
        }
        return
    }
    $name = $Version.Trim()
    if (-not $name.StartsWith('go', $ignoreCase)) {
        $name = 'go' + $name
    }
    $match = @($installed | Where-Object { $_.Name -eq $name })
    if ($match.Count -eq 0) {
        $known = ($installed | ForEach-Object { $_.Version }) -join ', '
        if ($known -eq '') { $known = 'none' }
        $message = ('Go {0} is not installed under {1} (installed: {2}). Install it with ' +
            'winops.golang.win_go_install, or give -InstallRoot.') -f $Version, $root, $known
        throw $message
    }
    $bin = Join-Path -Path $match[0].Path -ChildPath 'bin'
    $kept = @($entries | Where-Object {
        $entry = $_.Trim('"').TrimEnd('\')
        -not ($entry.StartsWith($prefix, $ignoreCase) -and $entry.EndsWith('\bin', $ignoreCase))
    })
    $env:Path = (@($bin) + $kept) -join ';'
    if ($env:GOROOT -and $env:GOROOT.StartsWith($prefix, $ignoreCase)) {
        $env:GOROOT = $match[0].Path
    }
    New-Object -TypeName PSObject -Property ([ordered]@{
        Version = $match[0].Version
        Active = $true
        Path = $match[0].Path
    })
}
if (Get-Command -Name Register-ArgumentCompleter -ErrorAction SilentlyContinue) {
    Register-ArgumentCompleter -CommandName 'Use-GoVersion' -ParameterName 'Version' -ScriptBlock {
        param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
        $listArgs = @{ List = $true; ErrorAction = 'SilentlyContinue' }
        if ($fakeBoundParameters.ContainsKey('InstallRoot')) {
            $listArgs['InstallRoot'] = $fakeBoundParameters['InstallRoot']
        }
        $found = @(Use-GoVersion @listArgs)
        $ignoreCase = [System.StringComparison]::OrdinalIgnoreCase
        foreach ($item in $found) {
            if ($item.Version.StartsWith($wordToComplete, $ignoreCase)) {
                New-Object -TypeName System.Management.Automation.CompletionResult -ArgumentList @(
                    $item.Version, $item.Version, 'ParameterValue', $item.Path
                )
            }
        }
    }
}
"""


def body_hash(body: str) -> str:
    """The short hash of a block's body (the lines between the header and the end marker)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def header_line(body: str) -> str:
    """The block's version/hash line."""
    return (
        f"{HEADER_PREFIX} (format {FORMAT}, sha256 {body_hash(body)}): "
        "edits between these markers are replaced."
    )


def render_body(install_root: str, completer: bool = True, use_go_version: bool = True) -> str:
    """The code of the block (without markers and header), ``\\n`` line endings."""
    if not (completer or use_go_version):
        raise ValueError("the block needs completer or use_go_version (or use state: absent)")
    parts = []
    if completer:
        parts.append(
            _COMPLETER.strip("\n")
            .replace("__SUBCOMMANDS__", " ".join(SUBCOMMANDS))
            .replace("__VERBS__", "\n".join(_ps_table(VERBS)))
            .replace("__FLAGS__", "\n".join(_ps_table(FLAGS)))
        )
    if use_go_version:
        parts.append(_USE_GO_VERSION.strip("\n").replace("__ROOT__", _ps_quote(install_root)))
    return "\n".join(parts) + "\n"


def render_block(install_root: str, completer: bool = True, use_go_version: bool = True) -> str:
    """The whole marked block, ``\\n`` line endings, ending with a line break; plain ASCII."""
    body = render_body(install_root, completer, use_go_version)
    block = f"{MARK_BEGIN}\n{header_line(body)}\n{body}{MARK_END}\n"
    if not block.isascii():  # the install root is base64-encoded, so this cannot happen
        raise ValueError("the profile block must be plain ASCII")
    return block
