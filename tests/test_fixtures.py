"""The bundled fixtures, through the real engine: the outcomes the README promises.

The expectations are those the real kube-scheduler v1.29.4 produced for the same scenarios
(``shared/conformance/corpus/seeds/a-minor-evicted``, ``b-never-pending``, ``c-class-hierarchy``).
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from priocli.api import simulate_paths
from priocli.result import SimulationResult

NEVER_MSG = "preemption: not eligible due to preemptionPolicy=Never."


def run(name: str) -> SimulationResult:
    return simulate_paths([str(FIXTURES / name)])


def states(result: SimulationResult) -> dict[str, tuple[str, str | None]]:
    return {o.pod.key: (o.status, o.node) for o in result.outcomes}


def test_blog_minor_evicted() -> None:
    result = run("blog-minor-evicted")
    assert states(result) == {
        "default/critical-app": ("running", "node-a"),
        "default/minor-app": ("evicted", "node-a"),
    }
    minor = result.outcome("default/minor-app")
    assert minor is not None and minor.initial == "running"
    assert minor.preempted_by == "default/critical-app"
    critical = result.outcome("default/critical-app")
    assert critical is not None and critical.initial == "queued"
    assert critical.pod.priority == 1000000 and critical.pod.priority_class_name == "high-priority"
    assert [e.as_dict() for e in result.evictions] == [
        {"pod": "default/minor-app", "node": "node-a", "preemptor": "default/critical-app",
         "pdbViolated": ["default/minor-app-pdb"]},
    ]
    assert result.summary() == {"nodes": 1, "pods": 2, "running": 0, "scheduled": 1, "pending": 0,
                                "evicted": 1}


def test_blog_never_pending() -> None:
    result = run("blog-never-pending")
    assert states(result) == {
        "default/critical-app": ("pending", None),
        "default/minor-app": ("running", "node-a"),
    }
    critical = result.outcome("default/critical-app")
    assert critical is not None
    assert critical.pod.preemption_policy == "Never"
    assert critical.nominated_node is None
    assert critical.message == f"0/1 nodes are available: 1 Insufficient memory. {NEVER_MSG}"
    assert result.evictions == []


def test_class_hierarchy() -> None:
    result = run("class-hierarchy")
    assert states(result) == {
        "batch/etl-1": ("running", "node-b"),
        "batch/etl-2": ("pending", None),
        "batch/report-1": ("running", "node-a"),
        "batch/report-2": ("pending", None),
        "default/sandbox-1": ("running", "node-a"),
        "default/sandbox-2": ("running", "node-a"),
        "default/sandbox-3": ("evicted", "node-b"),
        "default/sandbox-4": ("evicted", "node-b"),
        "default/sandbox-5": ("running", "node-c"),
        "default/sandbox-6": ("evicted", "node-c"),
        "default/sandbox-7": ("pending", None),
        "prod/checkout-1": ("running", "node-c"),
        "prod/checkout-2": ("running", "node-b"),
    }
    messages = {o.pod.key: o.message for o in result.outcomes if o.status == "pending"}
    assert messages == {
        "batch/etl-2": f"0/3 nodes are available: 1 Insufficient memory, 3 Insufficient cpu. {NEVER_MSG}",
        "batch/report-2": f"0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. {NEVER_MSG}",
        "default/sandbox-7": "0/3 nodes are available: 1 Insufficient memory, 3 Insufficient cpu. "
                             "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    }
    # production preempts (checkout-1 first: same priority, queued first); nobody else does
    assert result.evictions[0].as_dict() == {"pod": "default/sandbox-6", "node": "node-c",
                                             "preemptor": "prod/checkout-1", "pdbViolated": []}
    assert sorted((e.pod, e.node, e.preemptor) for e in result.evictions[1:]) == [
        ("default/sandbox-3", "node-b", "prod/checkout-2"),
        ("default/sandbox-4", "node-b", "prod/checkout-2"),
    ]
    # sandbox-7 has no class: it gets the globalDefault best-effort class
    sandbox7 = result.outcome("default/sandbox-7")
    assert sandbox7 is not None
    assert (sandbox7.pod.priority_class_name, sandbox7.pod.priority) == ("best-effort", 0)


@pytest.mark.parametrize("name", ["blog-minor-evicted", "blog-never-pending", "class-hierarchy"])
def test_directory_equals_its_files(name: str) -> None:
    """A fixture directory is its cluster.yaml and deploy.yaml, current state first."""
    whole = run(name).report()
    files = simulate_paths([str(FIXTURES / name / "cluster.yaml"), str(FIXTURES / name / "deploy.yaml")]).report()
    assert whole == files
