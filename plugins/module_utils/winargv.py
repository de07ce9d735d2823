"""Windows command-line quoting and parsing.

Windows passes a program one command-line string, not an argv array. Programs
built with the Microsoft C runtime (Go included) split it with the rules of
``CommandLineToArgvW``; :func:`quote_argv` produces a string that splits back
into exactly the given arguments, and :func:`split_command_line` implements
the splitting so the simulated host sees what a real program would.
"""

from __future__ import annotations

_NEEDS_QUOTES = frozenset(' \t\n\v"')


def quote_arg(arg: str) -> str:
    """Quote one argument so ``CommandLineToArgvW`` returns it unchanged."""
    if arg and not any(ch in _NEEDS_QUOTES for ch in arg):
        return arg
    out = ['"']
    backslashes = 0
    for ch in arg:
        if ch == "\\":
            backslashes += 1
            continue
        if ch == '"':
            # Backslashes before a quote are escapes: double them, then escape the quote.
            out.append("\\" * (backslashes * 2 + 1))
            out.append('"')
        else:
            out.append("\\" * backslashes)
            out.append(ch)
        backslashes = 0
    # Trailing backslashes would escape the closing quote: double them.
    out.append("\\" * (backslashes * 2))
    out.append('"')
    return "".join(out)


def quote_argv(args: list[str]) -> str:
    """Join arguments into one command line (without the program name)."""
    return " ".join(quote_arg(a) for a in args)


def split_command_line(cmdline: str) -> list[str]:
    """Split a command line (arguments only, no program name) like ``CommandLineToArgvW``.

    Rules (post-2008 MSVCRT): ``2n`` backslashes before a quote give ``n``
    backslashes and the quote toggles quoting; ``2n+1`` give ``n`` and a
    literal quote; backslashes elsewhere are literal; inside quotes, ``""``
    gives a literal quote and stays in quoting mode.
    """
    args: list[str] = []
    i, n = 0, len(cmdline)
    while True:
        while i < n and cmdline[i] in " \t":
            i += 1
        if i >= n:
            return args
        current: list[str] = []
        in_quotes = False
        while i < n:
            ch = cmdline[i]
            if ch == "\\":
                start = i
                while i < n and cmdline[i] == "\\":
                    i += 1
                count = i - start
                if i < n and cmdline[i] == '"':
                    current.append("\\" * (count // 2))
                    if count % 2:
                        current.append('"')
                        i += 1
                else:
                    current.append("\\" * count)
                continue
            if ch == '"':
                if in_quotes and i + 1 < n and cmdline[i + 1] == '"':
                    current.append('"')
                    i += 2
                    continue
                in_quotes = not in_quotes
                i += 1
                continue
            if ch in " \t" and not in_quotes:
                break
            current.append(ch)
            i += 1
        args.append("".join(current))
