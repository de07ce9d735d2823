"""Write an offline Go release set: a go.dev-style index and the archives it names.

    python tools/make_site_releases.py DIR

`make site` runs it with DIR=.winsim/releases, and the molecule scenario
`runtime` with a directory under its ephemeral directory. The simulated hosts
reach DIR as the UNC share \\\\fs01\\golang (`ansible_winsim_shares`), and the
runtime role reads DIR/index.json as its `index_file`, so nothing touches the
network. The releases are the small but faithful ones of
tests/support/go_releases.py (real layout, real SHA-256 in the index).

Files whose content is already right are left alone, so a second run writes
nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests"))

from support.go_releases import build_release_set  # noqa: E402

INDEX_NAME = "index.json"


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly that; True when written."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1].startswith("-"):
        print(f"usage: {Path(argv[0]).name} DIR", file=sys.stderr)
        return 2
    target = Path(argv[1])
    target.mkdir(parents=True, exist_ok=True)
    releases = build_release_set()
    index = json.dumps(releases.index(include_all=True), indent=1).encode() + b"\n"
    written = sum(write_if_changed(target / name, data) for name, data in releases.files.items())
    written += write_if_changed(target / INDEX_NAME, index)
    print(f"Go releases: {len(releases.versions)} versions, {len(releases.files)} files in "
          f"{target} ({written} written); index {target / INDEX_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
