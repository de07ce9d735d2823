"""The simulated Windows Server host behind the ``winops.golang.winsim`` connection.

It implements the op vocabulary of ``docs/agent-protocol.md`` in Python, with
its whole state (registry, files, junctions, services, faults, counters) in a
directory on the controller, so every Ansible worker process and every pytest
worker sees the same machine. :class:`~.host.SimHost` is the entry point.
"""
