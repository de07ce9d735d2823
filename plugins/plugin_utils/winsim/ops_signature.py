"""file.signature: a file's Authenticode signature, as Get-AuthenticodeSignature reports it.

The simulated host keeps signatures in the model's ``signatures`` table, by
folded Windows path: ``{"sha256", "subject", "thumbprint", "not_after",
"status"}``, where ``sha256`` is the content that was signed (tests sign with
``SimHost.sign_file``). The signature is part of the content, so:

- content that changed after signing is ``HashMismatch`` (signer still shown);
- a file whose content equals a signed file's (a copy, a staged file moved into
  place) carries that signature;
- a signature given as ``NotTrusted`` (a chain to a root the host does not
  trust) stays ``NotTrusted``;
- a file never signed is ``NotSigned``, except a type no Authenticode subject
  interface package handles (a ``.txt``, a ``.zip``), which Windows reports as
  ``UnknownError`` (TRUST_E_SUBJECT_FORM_UNKNOWN).
"""

from __future__ import annotations

import re
from typing import Any

from .args import Args
from .context import OpContext
from .errors import OpError
from .fs import sha256_file
from .model import Model
from .names import fold
from .opspec import OpSpec

STATUSES = ("Valid", "NotSigned", "HashMismatch", "NotTrusted", "UnknownError")
# File types Windows has a subject interface package for (PE, scripts, installers, catalogs).
SIGNABLE = frozenset({
    ".exe", ".dll", ".sys", ".ocx", ".cpl", ".scr", ".efi", ".mui", ".msi", ".msp",
    ".msix", ".appx", ".cab", ".cat", ".ps1", ".psm1", ".psd1", ".ps1xml", ".psc1",
    ".vbs", ".js", ".wsf",
})
MESSAGES = {
    "Valid": "Signature verified.",
    "NotSigned": "The file {path} is not digitally signed.",
    "HashMismatch": (
        "The contents of file {path} might have been changed by an unauthorized user or "
        "process, because the hash of the file does not match the hash stored in the "
        "digital signature."
    ),
    "NotTrusted": (
        "A certificate chain processed, but terminated in a root certificate which is not "
        "trusted by the trust provider."
    ),
    "UnknownError": (
        "The form specified for the subject is not one supported or known by the specified "
        "trust provider."
    ),
}
_THUMBPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")
_NOT_AFTER = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def signatures(model: Model) -> dict[str, dict[str, Any]]:
    """The model's signature table (folded path -> record)."""
    return model.data.setdefault("signatures", {})


def make_record(sha256: str, subject: str, thumbprint: str, status: str,
                not_after: str) -> dict[str, Any]:
    """A signature record, checked (``ValueError`` for a bad test argument)."""
    if status not in ("Valid", "NotTrusted"):
        raise ValueError("a signature is signed Valid or NotTrusted "
                         "(HashMismatch comes from changing the content)")
    if not _THUMBPRINT.match(thumbprint):
        raise ValueError("thumbprint must be 40 hex digits (a SHA-1 certificate hash)")
    if not subject:
        raise ValueError("subject must be a certificate subject such as 'CN=Example'")
    if not _NOT_AFTER.match(not_after):
        raise ValueError("not_after must be YYYY-MM-DDTHH:MM:SSZ")
    return {"sha256": sha256, "subject": subject, "thumbprint": thumbprint.upper(),
            "status": status, "not_after": not_after}


def _extension(win: str) -> str:
    name = win.rsplit("\\", 1)[-1]
    return "." + name.rsplit(".", 1)[1].lower() if "." in name else ""


def file_signature(ctx: OpContext, args: dict[str, Any]) -> dict[str, Any]:
    """Status and signer of a file's Authenticode signature; a missing file is not a failure."""
    a = Args("file.signature", args, {"path"})
    res = ctx.fs.follow(ctx.fs.resolve(a.str("path")))
    if not res.exists:
        return {"changed": False, "exists": False, "status": None, "signer": None,
                "status_message": None}
    if res.kind != "file":
        raise OpError("invalid_argument", f"file.signature: '{res.win}' is a directory, "
                      "not a file")
    digest = sha256_file(res.real)
    table = signatures(ctx.model)
    record = table.get(fold(res.win))
    if record is None or record["sha256"] != digest:
        # The same bytes signed elsewhere carry the same signature.
        record = next((r for r in table.values() if r["sha256"] == digest), record)
    if record is None:
        status = "NotSigned" if _extension(res.win) in SIGNABLE else "UnknownError"
        return {"changed": False, "exists": True, "status": status, "signer": None,
                "status_message": MESSAGES[status].format(path=res.win)}
    status = record["status"] if record["sha256"] == digest else "HashMismatch"
    signer = {"subject": record["subject"], "thumbprint": record["thumbprint"],
              "not_after": record["not_after"]}
    return {"changed": False, "exists": True, "status": status, "signer": signer,
            "status_message": MESSAGES[status].format(path=res.win)}


def _targets(ctx: OpContext, args: dict[str, Any]) -> list[str]:
    path = args.get("path") if isinstance(args, dict) else None
    return [path] if isinstance(path, str) else []


OPS = [
    OpSpec("file.signature", file_signature, False, _targets),
]
