"""The op map: every op of docs/agent-protocol.md that the simulated host implements."""

from __future__ import annotations

from . import (
    ops_acl,
    ops_defender,
    ops_env,
    ops_features,
    ops_files,
    ops_lsa,
    ops_network,
    ops_portproxy,
    ops_probe,
    ops_registry,
    ops_services,
    ops_signature,
    ops_system,
    ops_transfer,
)
from .opspec import OpSpec

OPS: dict[str, OpSpec] = {
    spec.name: spec
    for module in (ops_system, ops_env, ops_registry, ops_files, ops_transfer, ops_network,
                   ops_acl, ops_features, ops_services, ops_probe, ops_portproxy,
                   ops_signature, ops_lsa, ops_defender)
    for spec in module.OPS
}
