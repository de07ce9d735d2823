"""Test support code: Go release builders, a local download server, the playbook runner.

``tests/conftest.py`` puts ``tests/`` on ``sys.path``, so tests import these
modules as ``support.<name>``.
"""
