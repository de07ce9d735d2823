#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection (called by `make sanity`).
#
# usage: tools/sanity.sh VENV_BIN WORK_DIR [ansible-test sanity options...]
#
# ansible-test wants the collection at .../ansible_collections/winops/golang as
# a real directory (it resolves symlinks) and, inside a git work tree, only
# looks at files git tracks. So the files git would track (committed or not,
# minus ignored ones) are copied to WORK_DIR/sanity/ansible_collections/winops/golang
# and tested there as unversioned content.
#
# ansible-test bootstraps pip in its per-test virtual environments with a
# get-pip.py downloaded from a site outside the package registries. Its cached
# copy is looked up under ~/.ansible/test/cache first, so HOME points at
# WORK_DIR/ansible-test-home, where tools/ansible_test_get_pip.py stands in for
# it; those virtual environments are kept there between runs.
#
# Without pwsh (not packaged for this platform's registries), pslint skips
# itself, and validate-modules cannot read the argument spec of PowerShell
# modules, so it runs on every plugin except the .ps1/.psm1 files.
set -euo pipefail

bin=$(cd "$1" && pwd)
work=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
copy="$work/sanity/ansible_collections/winops/golang"
home="$work/ansible-test-home"

rm -rf "$work/sanity"
mkdir -p "$copy" "$home/.ansible/test/cache"

cd "$repo"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
        | xargs -0 -r cp --parents --no-dereference -t "$copy"
else
    tar -c --exclude=./.venv --exclude=./.collections --exclude=./.cache \
        --exclude=./.winsim --exclude=./.git -f - . | tar -x -C "$copy"
fi

pip_version=$("$bin/python" -c '
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="%d.%d" % sys.version_info[:2]))["pip"])')
cp "$repo/tools/ansible_test_get_pip.py" "$home/.ansible/test/cache/get_pip_${pip_version//./_}.py"

python_version=$("$bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"  # keep the user's pip cache
export HOME="$home"
export ANSIBLE_TEST_CONTENT_ROOT="$copy"
cd "$copy"

ansible_test() {
    "$bin/ansible-test" sanity --local --color no --python "$python_version" "$@"
}

if [ "$#" -gt 0 ] || command -v pwsh >/dev/null 2>&1; then
    ansible_test "$@"
    exit
fi

echo "sanity: pwsh not found: pslint is skipped; validate-modules leaves out .ps1/.psm1 files"
rc=0
ansible_test --skip-test validate-modules || rc=$?
# Only the collection's own files: the first run may have left __pycache__ behind
# (ansible-doc imports filter plugins), which ansible-test does not accept as targets.
mapfile -t targets < <(find plugins -type f ! -name '*.ps1' ! -name '*.psm1' \
    ! -path '*/__pycache__/*' 2>/dev/null | sort)
if [ "${#targets[@]}" -gt 0 ]; then
    ansible_test --test validate-modules "${targets[@]}" || rc=$?
fi
exit "$rc"
