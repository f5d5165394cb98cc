"""NetworkPolicy semantics for the tests: which pods a policy selects, and whether one connection is allowed.

Follows the Kubernetes rules: a pod selected by no policy of a direction is open in that direction; once selected,
only what some rule of a selecting policy allows gets through, and a connection to a pod needs both the source's
egress and the target's ingress. Peers: podSelector (the policy's namespace), namespaceSelector, both together, or
ipBlock (addresses outside the cluster). Ports: number, protocol (TCP by default) and endPort; named ports raise.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Policy = dict[str, Any]


@dataclass(frozen=True)
class Pod:
    name: str
    labels: Mapping[str, str]
    namespace: str = "camille"
    namespace_labels: Mapping[str, str] = field(default_factory=dict)

    def in_namespace_labels(self) -> Mapping[str, str]:
        return {"kubernetes.io/metadata.name": self.namespace, **self.namespace_labels}


@dataclass(frozen=True)
class Address:
    """A destination outside the cluster."""

    ip: str


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    selector = selector or {}
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if not {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]:
            return False
    return True


def policy_types(policy: Policy) -> list[str]:
    spec = policy["spec"]
    return spec.get("policyTypes") or ["Ingress"] + (["Egress"] if "egress" in spec else [])


def selecting(policies: Iterable[Policy], pod: Pod, direction: str) -> list[Policy]:
    return [
        p for p in policies
        if p["metadata"]["namespace"] == pod.namespace and direction in policy_types(p)
        and selects(p["spec"]["podSelector"], pod.labels)
    ]  # fmt: skip


def _peer(peer: Mapping[str, Any], namespace: str, other: Pod | Address) -> bool:
    if "ipBlock" in peer:
        if not isinstance(other, Address):
            return False  # pod addresses in an ipBlock are left to the CNI: these policies never rely on it
        ip = ipaddress.ip_address(other.ip)
        block = peer["ipBlock"]
        return ip in ipaddress.ip_network(block["cidr"]) and not any(
            ip in ipaddress.ip_network(excepted) for excepted in block.get("except", [])
        )
    if not isinstance(other, Pod):
        return False
    if "namespaceSelector" in peer:
        in_namespace = selects(peer["namespaceSelector"], other.in_namespace_labels())
    else:
        in_namespace = other.namespace == namespace
    return in_namespace and selects(peer.get("podSelector"), other.labels)


def _port(ports: list[Mapping[str, Any]] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for entry in ports:
        if not isinstance(entry.get("port", 0), int):
            raise ValueError(f"named port {entry['port']!r}: not supported here")
        low = entry.get("port")
        high = entry.get("endPort", low)
        if entry.get("protocol", "TCP") == protocol and (low is None or low <= port <= high):
            return True
    return False


def _allowed_by(policies: list[Policy], direction: str, other: Pod | Address, port: int, protocol: str) -> bool:
    rules_key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    return any(
        _port(rule.get("ports"), port, protocol)
        and (not rule.get(peers_key) or any(_peer(p, policy["metadata"]["namespace"], other) for p in rule[peers_key]))
        for policy in policies
        for rule in policy["spec"].get(rules_key, [])
    )


def allowed(policies: list[Policy], source: Pod, target: Pod | Address, port: int, protocol: str = "TCP") -> bool:
    """Whether `source` may open a connection to `target` on `port`."""
    egress = selecting(policies, source, "Egress")
    if egress and not _allowed_by(egress, "Egress", target, port, protocol):
        return False
    if isinstance(target, Pod):
        ingress = selecting(policies, target, "Ingress")
        if ingress and not _allowed_by(ingress, "Ingress", source, port, protocol):
            return False
    return True
