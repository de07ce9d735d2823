"""Windows command-line quoting: what CommandLineToArgvW gives back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winops.golang.plugins.module_utils.winargv import (
    quote_arg,
    quote_argv,
    split_command_line,
)


@pytest.mark.parametrize(
    ("arg", "quoted"),
    [
        ("plain", "plain"),
        ("", '""'),
        ("with space", '"with space"'),
        ("C:\\Program Files\\Go\\", '"C:\\Program Files\\Go\\\\"'),
        ('say "hi"', r'"say \"hi\""'),
        (r"back\slash", r"back\slash"),
        ('a\\"b', r'"a\\\"b"'),
        ("tab\there", '"tab\there"'),
    ],
)
def test_quote_arg(arg: str, quoted: str) -> None:
    assert quote_arg(arg) == quoted


@pytest.mark.parametrize(
    ("cmdline", "argv"),
    [
        # Examples from Microsoft's "Parsing C++ command-line arguments".
        ('"abc" d e', ["abc", "d", "e"]),
        (r'a\\\b d"e f"g h', [r"a\\\b", "de fg", "h"]),
        (r'a\\\"b c d', [r'a\"b', "c", "d"]),
        (r'a\\\\"b c" d e', [r"a\\b c", "d", "e"]),
        ('a"b"" c d', ['ab" c d']),
        ("  lots   of\tspace  ", ["lots", "of", "space"]),
        ("", []),
    ],
)
def test_split_matches_the_documented_examples(cmdline: str, argv: list[str]) -> None:
    assert split_command_line(cmdline) == argv


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00",
                                               blacklist_categories=("Cs",)), max_size=12),
                max_size=6))
def test_quote_then_split_gives_the_same_arguments(args: list[str]) -> None:
    assert split_command_line(quote_argv(args)) == args
