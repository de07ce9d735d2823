"""Pure logic of winops.golang.win_go_profile: one marked block in a PowerShell profile.

A profile is bytes. It is decoded by its byte order mark: UTF-8 (BOM kept),
UTF-16 LE/BE (what Windows PowerShell 5.1's ``>`` and ``Out-File`` write), or
no BOM, which Windows PowerShell reads in the ANSI code page; such a file is
handled byte for byte (decoded as Latin-1, which maps every byte to one
character), and since the block is plain ASCII it means the same in any code
page. Everything outside the markers is kept exactly; the block uses the
file's line endings (CRLF for a new or empty file, which is written as UTF-8
with a BOM). A damaged block (a second begin or end marker, a marker without
its partner) is refused with :class:`ProfileError`: nothing is changed.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass

from ansible_collections.winops.golang.plugins.module_utils.go_profile_block import (
    HEADER_PREFIX,
    MARK_BEGIN,
    MARK_END,
    body_hash,
)

ENC_UTF8_BOM = "utf-8-bom"
ENC_UTF16LE = "utf-16le"
ENC_UTF16BE = "utf-16be"
ENC_NO_BOM = "no-bom"
_BOMS = (
    (codecs.BOM_UTF8, ENC_UTF8_BOM, "latin-1"),
    (codecs.BOM_UTF16_LE, ENC_UTF16LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, ENC_UTF16BE, "utf-16-be"),
)
_CODECS = {ENC_UTF8_BOM: "latin-1", ENC_UTF16LE: "utf-16-le", ENC_UTF16BE: "utf-16-be",
           ENC_NO_BOM: "latin-1"}
_BOM_BYTES = {ENC_UTF8_BOM: codecs.BOM_UTF8, ENC_UTF16LE: codecs.BOM_UTF16_LE,
              ENC_UTF16BE: codecs.BOM_UTF16_BE, ENC_NO_BOM: b""}


class ProfileError(ValueError):
    """The profile cannot be edited safely; nothing was changed."""


@dataclass(frozen=True)
class Decoded:
    """A profile's text (without BOM) and how to write it back."""

    text: str
    encoding: str
    newline: str

    def encode(self, text: str) -> bytes:
        """``text`` in this profile's encoding, with its BOM."""
        return _BOM_BYTES[self.encoding] + text.encode(_CODECS[self.encoding], "surrogatepass")

    def display(self, text: str) -> str:
        """``text`` readable (for a diff): byte-transparent text shown as UTF-8 when it is."""
        if _CODECS[self.encoding] != "latin-1":
            return text
        raw = text.encode("latin-1")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return text


@dataclass(frozen=True)
class Block:
    """Where the marked block is: ``text[start:end]`` (whole lines, end after its line break)."""

    start: int
    end: int
    text: str
    edited: bool


@dataclass(frozen=True)
class Change:
    """What applying the desired state to a profile gives."""

    changed: bool
    before: bytes | None
    after: bytes | None
    before_text: str
    after_text: str
    encoding: str
    newline: str
    had_block: bool
    edited: bool


def decode(data: bytes | None) -> Decoded:
    """Decode a profile; ``None`` (no file) or empty bytes is a new UTF-8-with-BOM CRLF file."""
    if not data:
        return Decoded("", ENC_UTF8_BOM, "\r\n")
    encoding, text = ENC_NO_BOM, None
    for bom, name, codec in _BOMS:
        if data.startswith(bom):
            rest = data[len(bom):]
            if codec.startswith("utf-16") and len(rest) % 2:
                raise ProfileError("the profile starts with a UTF-16 byte order mark but has an "
                                   "odd number of bytes: it is damaged; fix it by hand")
            try:
                text = rest.decode(codec, "surrogatepass")
            except UnicodeDecodeError:
                raise ProfileError("the profile is not valid UTF-16 text: fix it by hand") from None
            encoding = name
            break
    if text is None:
        text = data.decode("latin-1")
    return Decoded(text, encoding, _newline(text))


def _newline(text: str) -> str:
    if "\r\n" in text:
        return "\r\n"
    if "\n" in text:
        return "\n"
    return "\r\n"


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end including the line break, content without it) of every line."""
    out, pos = [], 0
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl + 1
        out.append((pos, end, text[pos:end].rstrip("\r\n")))
        pos = end
    return out


def find_block(text: str) -> Block | None:
    """The marked block of ``text``, ``None`` when there is none; ProfileError when damaged."""
    begins, ends = [], []
    for number, (start, end, line) in enumerate(_lines(text), 1):
        stripped = line.strip()
        if stripped == MARK_BEGIN:
            begins.append((number, start, end))
        elif stripped == MARK_END:
            ends.append((number, start, end))
    if not begins and not ends:
        return None
    where = ", ".join(str(n) for n, _s, _e in sorted(begins + ends))
    advice = (f"fix or remove the '{MARK_BEGIN}' ... '{MARK_END}' lines by hand (lines {where}); "
              "nothing was changed")
    if len(begins) > 1 or len(ends) > 1:
        raise ProfileError(f"the profile has more than one winops.golang block: {advice}")
    if not ends:
        raise ProfileError(f"the winops.golang block is not terminated: {advice}")
    if not begins or ends[0][0] < begins[0][0]:
        raise ProfileError(f"the winops.golang end marker has no begin marker before it: {advice}")
    start, end = begins[0][1], ends[0][2]
    block = text[start:end]
    return Block(start, end, block, _edited(block))


def _edited(block: str) -> bool:
    """True when the block's body no longer matches the hash on its header line."""
    lines = block.replace("\r\n", "\n").rstrip("\n").split("\n")
    if len(lines) < 3 or not lines[1].startswith(HEADER_PREFIX):
        return True
    body = "\n".join(lines[2:-1]) + "\n" if len(lines) > 3 else ""
    return f"sha256 {body_hash(body)})" not in lines[1]


def _normalize(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


def apply(data: bytes | None, block: str | None) -> Change:
    """Put ``block`` (``\\n`` line endings; ``None`` removes it) into the profile ``data``.

    ``data`` is ``None`` when the file does not exist. The result's ``after`` is
    ``None`` when nothing is to be written (no file and no block).
    """
    decoded = decode(data)
    text = decoded.text
    found = find_block(text)
    newline = decoded.newline
    if block is None:
        new_text = text if found is None else text[: found.start] + text[found.end:]
    else:
        wanted = block.replace("\r\n", "\n").replace("\n", newline)
        if found is not None:
            if _normalize(found.text) == _normalize(wanted):
                new_text = text
            else:
                tail = text[found.end:]
                if not found.text.endswith("\n"):  # the end marker was the last line
                    wanted = wanted[: -len(newline)]
                new_text = text[: found.start] + wanted + tail
        else:
            sep = newline if text and not text.endswith("\n") else ""
            new_text = text + sep + wanted
    changed = new_text != text
    before = data
    if data is None and block is None:
        after = None
    elif changed or data is None:
        after = decoded.encode(new_text)
        changed = True
    else:
        after = data
    return Change(
        changed=changed,
        before=before,
        after=after,
        before_text=decoded.display(text) if data is not None else "",
        after_text=decoded.display(new_text) if after is not None else "",
        encoding=decoded.encoding,
        newline="crlf" if newline == "\r\n" else "lf",
        had_block=found is not None,
        edited=found is not None and found.edited,
    )


def sha256(data: bytes | None) -> str | None:
    """Hex SHA-256 of ``data`` (``None`` for no file)."""
    return hashlib.sha256(data).hexdigest() if data is not None else None
