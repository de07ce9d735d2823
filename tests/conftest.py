"""Session-wide test setup: make the collection and the test support code importable.

* ``ansible_collections.winops.golang`` resolves to this repository through the
  link ``.collections/ansible_collections/winops/golang`` -> repository root
  (the same link ``make`` creates), with ``.collections`` on ``sys.path``.
* ``support`` (``tests/support/``: release builders, HTTP server, playbook
  runner helpers) is importable because ``tests/`` is put on ``sys.path``.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
COLLECTIONS_DIR = REPO_ROOT / ".collections"
COLLECTION_LINK = COLLECTIONS_DIR / "ansible_collections" / "winops" / "golang"


def _ensure_collection_link() -> None:
    """Create ``.collections/ansible_collections/winops/golang`` -> ``../../..`` if missing."""
    if COLLECTION_LINK.is_symlink() and COLLECTION_LINK.resolve() == REPO_ROOT:
        return
    COLLECTION_LINK.parent.mkdir(parents=True, exist_ok=True)
    tmp = COLLECTION_LINK.with_name(f".golang.{os.getpid()}")
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.path.join("..", "..", ".."), target_is_directory=True)
        # rename is atomic, so concurrent pytest workers never see a half-made link
        os.replace(tmp, COLLECTION_LINK)
    finally:
        tmp.unlink(missing_ok=True)


def _prepend_sys_path(path: Path) -> None:
    entry = str(path)
    if entry not in sys.path:
        sys.path.insert(0, entry)


_ensure_collection_link()
_prepend_sys_path(COLLECTIONS_DIR)
_prepend_sys_path(TESTS_DIR)
# Forget "not found" answers cached before the paths existed.
importlib.invalidate_caches()
