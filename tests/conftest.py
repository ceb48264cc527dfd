"""Shared test helpers: hand-made results for renderer tests, paths to the fixtures and the schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from priocli.model import NEVER, PREEMPT_LOWER, Pod, PodSpecInfo
from priocli.result import Eviction, PodOutcome, SimulationResult

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SHARED_SCHEMA = REPO.parent / "shared" / "spec" / "report.schema.json"
BUNDLED_SCHEMA = REPO / "priocli" / "schema" / "report.schema.json"


def make_pod(key: str, priority: int = 0, cls: str | None = None, *, never: bool = False,
             uid: int = 0, replaces: str | None = None) -> Pod:
    namespace, name = key.split("/")
    spec = PodSpecInfo(requests={}, nonzero_cpu=100, nonzero_mem=200 << 20, score_cpu=100, score_mem=200 << 20)
    return Pod(uid=uid, namespace=namespace, name=name, labels={}, spec=spec, priority=priority,
               priority_class_name=cls, preemption_policy=NEVER if never else PREEMPT_LOWER,
               replaces=replaces)


def blog_result() -> SimulationResult:
    """The blog scenario as the engine should report it: critical-app evicts minor-app despite its PDB."""
    minor = make_pod("default/minor-app", 1000, "low-priority", uid=0)
    critical = make_pod("default/critical-app", 1000000, "high-priority", uid=1)
    return SimulationResult(
        outcomes=[
            PodOutcome(critical, "queued", "running", node="node-a"),
            PodOutcome(minor, "running", "evicted", node="node-a", preempted_by="default/critical-app"),
        ],
        evictions=[Eviction("default/minor-app", "node-a", "default/critical-app", ("default/minor-app-pdb",))],
        warnings=[],
        node_count=1,
        timings={"load": 0.01, "pass": 0.02},
    )


@pytest.fixture
def blog() -> SimulationResult:
    return blog_result()


def schema_path() -> Path:
    """The shared contract when the shared tree is next to the repository, else the bundled copy."""
    return SHARED_SCHEMA if SHARED_SCHEMA.exists() else BUNDLED_SCHEMA
