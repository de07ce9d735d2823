"""Offline stand-in for the ``get-pip.py`` script that ansible-test downloads.

``ansible-test sanity`` bootstraps pip into each of its virtual environments
with a ``get-pip.py`` fetched from a download site that is not a package
registry. ansible-test looks for a cached copy first
(``~/.ansible/test/cache/get_pip_<version>.py``); ``make sanity`` places this
file there. It does what ``get-pip.py`` does - install the requested pip into
the running interpreter - with the pip wheel bundled in Python's own
``ensurepip``, which then fetches the requested pip from the package index.
"""

from __future__ import annotations

import glob
import os
import runpy
import sys

# get-pip.py options that are not pip options.
_GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    import ensurepip

    bundled = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl"))
    if not bundled:
        sys.exit("ensurepip has no bundled pip wheel; install python3-venv/ensurepip")

    args = [arg for arg in sys.argv[1:] if arg not in _GET_PIP_ONLY]
    sys.path.insert(0, sorted(bundled)[-1])
    sys.argv = ["pip", "install", "--upgrade", "--force-reinstall", *args]
    runpy.run_module("pip", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
