"""Static check of the collection's PowerShell: Windows PowerShell 5.1 syntax only.

The agent runs on Windows PowerShell 5.1, which nobody can run in CI, so this
check parses every ``.ps1``/``.psm1`` with tree-sitter and reports, one line
per finding (``path:line:col: rule: message``):

``parse-error``
    an ERROR or MISSING node the grammar could not explain otherwise.
``ps7-syntax``
    PowerShell 7-only syntax: ``??``, ``??=``, ``?.``, ``?[``, the ternary
    ``? :``, the pipeline chain operators ``&&``/``||`` and
    ``ForEach-Object -Parallel``. The grammar turns some of these into ERROR
    nodes; those errors are reported once, as this rule.
``alias``
    a command name that is a built-in alias of Windows PowerShell 5.1.
``forbidden-command``
    ``Invoke-Expression`` or ``Write-Host``.

Strings, here-strings, comments, bare command arguments and variable names are
never searched, so ``'a ?? b'`` or ``# Write-Host`` are fine; code inside
``$( )`` in a string is checked.

Usage: ``python tests/static/pscheck.py [PATH ...]`` (default: ``plugins/``);
exit status 1 when anything was found.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import tree_sitter
import tree_sitter_powershell

REPO_ROOT = Path(__file__).resolve().parents[2]
EXTENSIONS = (".ps1", ".psm1")

RULES = ("parse-error", "ps7-syntax", "alias", "forbidden-command")

# `Get-Alias` of a fresh Windows PowerShell 5.1 session (Server 2016 and later).
WINDOWS_POWERSHELL_ALIASES = frozenset(
    """
    % ? ac asnp cat cd cfs chdir clc clear clhy cli clp cls clv cnsn compare copy
    cp cpi cpp curl cvpa dbp del diff dir dnsn ebp echo epal epcsv epsn erase etsn
    exsn fc fhx fl foreach ft fw gal gbp gc gcb gci gcm gcs gdr ghy gi gin gjb gl
    gm gmo gp gps gpv group gsn gsnp gsv gtz gu gv gwmi h history icm iex ihy ii
    ipal ipcsv ipmo ipsn irm ise iwmi iwr kill lp ls man md measure mi mount move
    mp mv nal ndr ni nmo npssc nsn nv ogv oh popd ps pushd pwd r rbp rcjb rcsn rd
    rdr ren ri rjb rm rmdir rmo rni rnp rp rsn rsnp rujb rv rvpa rwmi sajb sal
    saps sasv sbp sc scb select set shcm si sl sleep sls sort sp spjb spps spsv
    start stz sujb sv swmi tee trcm type wget where wjb write
    """.split()
)

FORBIDDEN_COMMANDS = {
    "invoke-expression": "Invoke-Expression runs arbitrary strings as code; call the command",
    "write-host": "Write-Host output is lost or corrupts module output; return data instead",
}

# Subtrees whose text is data, not code: only a `$( )` inside them is code again.
_DATA_NODES = frozenset(
    {
        "comment",
        "string_literal",
        "expandable_string_literal",
        "expandable_here_string_literal",
        "verbatim_string_characters",
        "verbatim_here_string_characters",
        "generic_token",
        "verbatim_command_argument",
        "variable",
        "braced_variable",
        "command_name",
        "path_command_name",
    }
)
_CODE_NODES = frozenset({"sub_expression", "script_block_expression"})
_FOREACH_OBJECT = frozenset({"foreach-object", "foreach", "%"})

_LANGUAGE = tree_sitter.Language(tree_sitter_powershell.language())


class Finding(NamedTuple):
    """One problem at one place of one file."""

    path: str
    line: int
    column: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.rule}: {self.message}"


def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(_LANGUAGE)


def _walk(node: tree_sitter.Node, in_data: bool = False) -> Iterator[tuple[tree_sitter.Node, bool]]:
    """Yield every node, in source order, with whether it lies in data (string, comment...)."""
    stack = [(node, in_data)]
    while stack:
        current, data = stack.pop()
        if current.type in _CODE_NODES:
            data = False
        elif current.type in _DATA_NODES:
            data = True
        yield current, data
        # Iterative, so deeply nested scripts cannot hit Python's recursion limit.
        stack.extend((child, data) for child in reversed(current.children))


def _position(source: bytes, offset: int) -> tuple[int, int]:
    line = source.count(b"\n", 0, offset) + 1
    column = offset - (source.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _question_mark_operator(source: bytes, offset: int) -> tuple[str, int]:
    """Name the PowerShell 7 operator that starts with the ``?`` at ``offset``."""
    ahead = source[offset : offset + 3]
    if ahead.startswith(b"??="):
        return "null-coalescing assignment '??='", 3
    if ahead.startswith(b"??"):
        return "null-coalescing operator '??'", 2
    if ahead.startswith(b"?."):
        return "null-conditional member access '?.'", 2
    if ahead.startswith(b"?["):
        return "null-conditional index '?['", 2
    return "ternary operator '? :'", 1


def _command_name(node: tree_sitter.Node) -> str | None:
    for child in node.children:
        if child.type == "command_name" and child.text is not None:
            return child.text.decode("utf-8", "replace")
    return None


def _ps7_findings(source: bytes, root: tree_sitter.Node) -> list[tuple[int, str]]:
    """Offsets and descriptions of PowerShell 7-only syntax in code."""
    found: list[tuple[int, str]] = []
    for node, in_data in _walk(root):
        if node.type == "command":
            name = _command_name(node)
            if name and name.rsplit("\\", 1)[-1].lower() in _FOREACH_OBJECT:
                for element in node.children:
                    if element.type != "command_elements":
                        continue
                    for param in element.children:
                        if param.type != "command_parameter" or param.text is None:
                            continue
                        text = param.text.decode("utf-8", "replace").split(":", 1)[0].lower()
                        if len(text) >= 3 and "-parallel".startswith(text):
                            found.append((param.start_byte, "ForEach-Object -Parallel"))
            continue
        if in_data or node.child_count or node.text is None:
            continue
        text = node.text
        if node.type in ("&&", "||") or text.strip() in (b"&&", b"||"):
            op = text.strip().decode()
            found.append((node.start_byte, f"pipeline chain operator '{op}'"))
            continue
        index = text.find(b"?")
        while index != -1:
            offset = node.start_byte + index
            what, width = _question_mark_operator(source, offset)
            found.append((offset, what))
            index = text.find(b"?", index + width)
    return found


def _only_comments(root: tree_sitter.Node) -> bool:
    """True for a script of nothing but comments: valid, but the grammar wants a statement."""
    if not root.is_error:
        return False
    end = len((root.text or b"").rstrip())
    for child in root.children:
        if child.type == "comment":
            continue
        # The grammar's complaint is an empty ERROR at the very end of the text.
        if not (child.is_error and child.child_count == 0 and child.start_byte >= end):
            return False
    return True


def check_source(source: bytes | str, path: str = "<string>") -> list[Finding]:
    """Check one PowerShell script; return its findings in source order."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    tree = _parser().parse(data)
    findings: list[Finding] = []

    ps7 = _ps7_findings(data, tree.root_node)
    for offset, what in ps7:
        line, col = _position(data, offset)
        findings.append(Finding(path, line, col, "ps7-syntax", f"{what} is PowerShell 7 only"))

    def explained(node: tree_sitter.Node) -> bool:
        # An error the grammar made of PowerShell 7 syntax is already reported as such.
        start_line = node.start_point[0] + 1
        return any(
            node.start_byte <= offset <= node.end_byte or _position(data, offset)[0] == start_line
            for offset, _what in ps7
        )

    stack = [] if _only_comments(tree.root_node) else [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            if not explained(node):
                line, col = node.start_point[0] + 1, node.start_point[1] + 1
                if node.is_missing:
                    message = f"missing '{node.type}'"
                else:
                    raw = (node.text or b"").decode("utf-8", "replace").strip()
                    snippet = raw.splitlines()[0][:40] if raw else ""
                    message = f"syntax error near '{snippet}'"
                findings.append(Finding(path, line, col, "parse-error", message))
            continue
        stack.extend(reversed(node.children))

    for node, _in_data in _walk(tree.root_node):
        if node.type != "command_name" or node.text is None:
            continue
        name = node.text.decode("utf-8", "replace")
        line, col = node.start_point[0] + 1, node.start_point[1] + 1
        lowered = name.lower()
        if "\\" not in lowered and "/" not in lowered and lowered in WINDOWS_POWERSHELL_ALIASES:
            findings.append(
                Finding(path, line, col, "alias", f"'{name}' is an alias: use the full cmdlet name")
            )
        base = lowered.rsplit("\\", 1)[-1]
        if base == "iex":
            base = "invoke-expression"
        if base in FORBIDDEN_COMMANDS:
            why = FORBIDDEN_COMMANDS[base]
            findings.append(Finding(path, line, col, "forbidden-command", f"'{name}': {why}"))

    findings.sort(key=lambda f: (f.line, f.column, f.rule))
    return findings


def check_file(path: str | Path) -> list[Finding]:
    """Check one file."""
    p = Path(path)
    return check_source(p.read_bytes(), str(p))


def powershell_files(paths: Iterable[str | Path]) -> list[Path]:
    """The ``.ps1``/``.psm1`` files named by ``paths`` (directories are searched)."""
    files: set[Path] = set()
    for entry in paths:
        p = Path(entry)
        if p.is_dir():
            files.update(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in EXTENSIONS)
        elif p.is_file():
            files.add(p)
        else:
            raise FileNotFoundError(f"no such file or directory: {p}")
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    """Check the given paths (default ``plugins/``); print findings; 1 when any."""
    args = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 0
    try:
        files = powershell_files(args or [REPO_ROOT / "plugins"])
    except FileNotFoundError as err:
        print(f"pscheck: {err}", file=sys.stderr)
        return 2
    count = 0
    for f in files:
        for finding in check_file(f):
            print(finding)
            count += 1
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main())
