"""What a pass produces: per-pod outcomes, evictions, warnings and the event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from priocli.model import Pod, Warning_

API_VERSION = "priocli/v1"


@dataclass(slots=True)
class PodOutcome:
    pod: Pod
    initial: str  # running | queued | replacement
    status: str  # running | pending | evicted
    node: str | None = None
    preempted_by: str | None = None
    nominated_node: str | None = None
    message: str | None = None
    replaced_by: str | None = None  # "ns/name" of the replacement created for this evicted pod

    def as_dict(self) -> dict[str, Any]:
        p = self.pod
        return {
            "namespace": p.namespace,
            "name": p.name,
            "priority": p.priority,
            "priorityClassName": p.priority_class_name,
            "preemptionPolicy": p.preemption_policy,
            "initial": self.initial,
            "status": self.status,
            "node": self.node,
            "preemptedBy": self.preempted_by,
            "nominatedNode": self.nominated_node,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Eviction:
    pod: str
    node: str
    preemptor: str
    pdb_violated: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"pod": self.pod, "node": self.node, "preemptor": self.preemptor,
                "pdbViolated": list(self.pdb_violated)}


@dataclass(slots=True)
class SimulationResult:
    outcomes: list[PodOutcome]  # sorted by namespace, then name
    evictions: list[Eviction]  # in the order they happen
    warnings: list[Warning_]
    node_count: int
    events: list[dict[str, Any]] = field(default_factory=list)  # the engine's event log (explain reads it)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: load, pass (render adds its own)

    def summary(self) -> dict[str, int]:
        s = {"nodes": self.node_count, "pods": len(self.outcomes), "running": 0, "scheduled": 0,
             "pending": 0, "evicted": 0}
        for o in self.outcomes:
            if o.status == "running":
                s["running" if o.initial == "running" else "scheduled"] += 1
            else:
                s[o.status] += 1
        return s

    def report(self) -> dict[str, Any]:
        """The v1 report (``shared/spec/report.md``), plus ``warnings``."""
        return {
            "apiVersion": API_VERSION,
            "kind": "SimulationReport",
            "pods": [o.as_dict() for o in self.outcomes],
            "evictions": [e.as_dict() for e in self.evictions],
            "summary": self.summary(),
            "warnings": [w.as_dict() for w in self.warnings],
        }

    def outcome(self, key: str) -> PodOutcome | None:
        for o in self.outcomes:
            if o.pod.key == key:
                return o
        return None
