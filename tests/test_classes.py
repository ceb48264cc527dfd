"""``priocli classes``: the PriorityClass hierarchy and each lint finding (PC001-PC007)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES

from priocli.classes import ClassesReport, analyze_documents
from priocli.cli import main
from priocli.load.documents import read_paths


def node(name: str = "node-a") -> str:
    return f"""apiVersion: v1
kind: Node
metadata: {{name: {name}}}
status:
  allocatable: {{cpu: '4', memory: 8Gi, pods: '110'}}
"""


def pc(name: str, value: int, policy: str = "PreemptLowerPriority", default: bool = False) -> str:
    return f"""apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: {name}}}
value: {value}
preemptionPolicy: {policy}
globalDefault: {str(default).lower()}
"""


def pod(name: str, cls: str | None, *, node: str | None = "node-a", labels: str = "{}",
        requests: str | None = "{cpu: 100m, memory: 64Mi}", ready: bool = True) -> str:
    spec = f"  priorityClassName: {cls}\n" if cls else ""
    if node:
        spec += f"  nodeName: {node}\n"
    res = f"\n    resources: {{requests: {requests}}}" if requests else ""
    status = ""
    if node and ready:
        status = "status:\n  phase: Running\n  conditions: [{type: Ready, status: 'True'}]\n"
    return f"""apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {labels}}}
spec:
{spec}  containers:
  - name: main
    image: nginx{res}
{status}"""


def pdb(name: str, app: str, spec: str) -> str:
    return f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}, namespace: default}}
spec:
  {spec}
  selector: {{matchLabels: {{app: {app}}}}}
"""


def analyze(tmp_path: Path, *docs: str) -> ClassesReport:
    path = tmp_path / "state.yaml"
    path.write_text("---\n".join(docs))
    return analyze_documents(read_paths([str(path)]))


def ids(report: ClassesReport) -> list[tuple[str, str, str]]:
    return [(f.id, f.severity, f.object) for f in report.findings]


def test_hierarchy_of_the_class_fixture() -> None:
    report = analyze_documents(read_paths([str(FIXTURES / "class-hierarchy")]))
    rows = [(r.cls.name, r.cls.value, r.cls.preemption_policy, r.cls.global_default, r.running, r.pending)
            for r in report.rows]
    assert rows == [
        ("system-node-critical", 2000001000, "PreemptLowerPriority", False, 0, 0),
        ("system-cluster-critical", 2000000000, "PreemptLowerPriority", False, 0, 0),
        ("production", 1000000, "PreemptLowerPriority", False, 0, 2),
        ("batch-high", 900000, "Never", False, 1, 1),
        ("batch-low", 100000, "Never", False, 1, 1),
        ("best-effort", 0, "PreemptLowerPriority", True, 6, 1),
    ]
    # best-effort (0) is the floor: it preempts nothing, so the Never classes above it are fine
    assert [f.id for f in report.findings] == ["PC004"]


def test_clean_state_has_no_findings(tmp_path: Path) -> None:
    report = analyze(tmp_path, node(), pc("high", 1000000), pc("low", 1000, default=True),
                     pod("web-1", "high", labels="{app: web}"), pod("web-2", "high", labels="{app: web}"),
                     pdb("web", "web", "minAvailable: 1"), pod("batch", None))
    assert report.findings == []
    low = next(r for r in report.rows if r.cls.name == "low")
    assert (low.running, low.pending) == (1, 0)


def test_pc001_multiple_global_defaults(tmp_path: Path) -> None:
    report = analyze(tmp_path, pc("a", 10, default=True), pc("b", 5, default=True))
    (f,) = report.findings
    assert (f.id, f.severity) == ("PC001", "error")
    assert "pods without a class get the lowest: b (5)" in f.message and f.fix


def test_pc002_missing_class_reported_not_fatal(tmp_path: Path) -> None:
    running = pod("old", "gone").replace("  nodeName: node-a\n", "  nodeName: node-a\n  priority: 7\n")
    report = analyze(tmp_path, node(), pc("high", 10), pod("queued", "typo", node=None), running)
    assert ids(report) == [("PC002", "error", "Pod default/queued"), ("PC002", "warning", "Pod default/old")]
    err = report.findings[0]
    assert err.message.startswith('pods "queued" is forbidden: no PriorityClass with name typo was found')
    assert err.source is not None and err.source.document == 3 and err.fix.startswith("create PriorityClass typo")


def test_pc002_workload_template(tmp_path: Path) -> None:
    deploy = textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          template:
            spec:
              priorityClassName: nope
              containers: [{name: main, image: nginx}]
        """)
    report = analyze(tmp_path, deploy)
    assert ids(report) == [("PC002", "error", "Deployment shop/web")]


def test_pc003_never_above_preempting(tmp_path: Path) -> None:
    report = analyze(tmp_path, pc("batch-high", 900, "Never"), pc("web", 500), pc("floor", 0))
    (f,) = report.findings
    assert (f.id, f.severity, f.object) == ("PC003", "warning", "PriorityClass batch-high")
    assert "web (500)" in f.message and "floor" not in f.message


def test_pc004_protected_without_pdb(tmp_path: Path) -> None:
    report = analyze(tmp_path, node(), pc("prod", 1000000), pc("top-small", 50),
                     pod("p1", "prod", labels="{app: p}"), pod("p2", "prod", labels="{app: q}"),
                     pod("p3", "prod", labels="{app: p}"), pdb("p", "p", "minAvailable: 1"))
    assert ids(report) == [("PC004", "warning", "PriorityClass prod")]
    assert "1 of 3 pods" in report.findings[0].message and "default/p2" in report.findings[0].message
    # the highest user class is protected too, as info when below 1000000
    report = analyze(tmp_path, node(), pc("top", 5000), pc("low", 10), pod("t", "top"))
    assert ids(report) == [("PC004", "info", "PriorityClass top")]


@pytest.mark.parametrize("spec, why", [
    ("maxUnavailable: 0", "maxUnavailable: 0"),
    ("maxUnavailable: 0%", "maxUnavailable: 0%"),
    ("minAvailable: 100%", "minAvailable: 100%"),
    ("minAvailable: 2", "minAvailable: 2 with 2 pods"),
])
def test_pc005_pdb_forbids_all_disruptions(tmp_path: Path, spec: str, why: str) -> None:
    report = analyze(tmp_path, node(), pc("low", 10), pc("lower", 1),
                     pod("a", "lower", labels="{app: x}"), pod("b", "lower", labels="{app: x}"), pdb("x", "x", spec))
    assert ids(report) == [("PC005", "warning", "PodDisruptionBudget default/x")]
    assert report.findings[0].message.startswith(why + ":")


def test_pc005_status_disruptions_allowed_zero(tmp_path: Path) -> None:
    budget = pdb("x", "x", "minAvailable: 1") + "status: {disruptionsAllowed: 0, currentHealthy: 1}\n"
    report = analyze(tmp_path, node(), pc("low", 10), pc("lower", 1), pod("a", "lower", labels="{app: x}"),
                     pod("b", "lower", labels="{app: x}"), budget)
    assert [f.message.split(":")[0] for f in report.findings] == ["status.disruptionsAllowed is 0 with all 2 pods healthy"]
    # not when a pod is unhealthy (the budget is spent on it)
    report = analyze(tmp_path, node(), pc("low", 10), pc("lower", 1), pod("a", "lower", labels="{app: x}"),
                     pod("b", "lower", labels="{app: x}", ready=False), budget)
    assert report.findings == []


def test_pc006_reserved_range(tmp_path: Path) -> None:
    report = analyze(tmp_path, pc("system-mine", 100), pc("huge", 1500000000), pc("ok", 1))
    assert ids(report) == [("PC006", "error", "PriorityClass huge"), ("PC006", "error", "PriorityClass system-mine")]
    assert "huge" not in {r.cls.name for r in report.rows}  # rejected by the API: left out


def test_pc007_best_effort_in_high_class(tmp_path: Path) -> None:
    report = analyze(tmp_path, node(), pc("prod", 2000000), pc("low", 1),
                     pod("be", "prod", labels="{app: p}", requests=None), pod("ok", "prod", labels="{app: p}"),
                     pod("low-be", "low", requests=None), pdb("p", "p", "minAvailable: 1"))
    assert ids(report) == [("PC007", "warning", "PriorityClass prod")]
    assert "default/be" in report.findings[0].message and "low-be" not in report.findings[0].message


# ------------------------------------------------------------------ the command


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err


def test_classes_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "classes", str(FIXTURES / "class-hierarchy"), "--no-color")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "VALUE", "PREEMPTION", "DEFAULT", "RUNNING", "PENDING", "DESCRIPTION"]
    assert any(ln.split()[:6] == ["best-effort", "0", "PreemptLowerPriority", "yes", "6", "1"] for ln in lines)
    assert "PC004 warning PriorityClass production" in out and "fix: add a PodDisruptionBudget" in out


def test_classes_json_and_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "classes", str(FIXTURES / "check-evicts-production" / "cluster"), "-o", "json")
    doc = json.loads(out)
    assert code == 0 and doc["kind"] == "PriorityClassReport"
    assert [c["name"] for c in doc["classes"]][2:] == ["platform", "production", "batch"]
    (f,) = doc["findings"]
    assert f["id"] == "PC005" and f["file"].endswith("cluster.yaml") and isinstance(f["line"], int)
    assert doc["summary"] == {"error": 0, "warning": 1, "info": 0}
    code, out, err = run_main(capsys, "classes", str(FIXTURES / "check-evicts-production" / "cluster"), "--strict", "-q")
    assert code == 1 and out == "" and "1 warning" in err
    code, _, _ = run_main(capsys, "classes", str(FIXTURES / "check-fits" / "cluster"), "--strict")
    assert code == 0


def test_classes_needs_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "classes")
    assert code == 2 and out == "" and err.startswith("error: no input")
