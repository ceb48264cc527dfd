"""Workloads: expansion of each kind into pods, DaemonSet placement, replacement chains, the fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES
from rich.console import Console

from priocli.api import load_cluster, simulate_paths
from priocli.errors import InputError
from priocli.load.cluster import ClusterInput
from priocli.load.workloads import (
    CRONJOB_SCHEDULED_MINUTE,
    NAME_ALPHABET,
    free_name,
    name_suffix,
    safe_encode,
    template_hash,
)
from priocli.model import Pod, Requirement, Toleration
from priocli.render.json import render_json
from priocli.render.table import render_table
from priocli.result import SimulationResult

NODES = """
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
status: {allocatable: {cpu: "2", memory: 1Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: node-b, labels: {kubernetes.io/hostname: node-b}}
status: {allocatable: {cpu: "2", memory: 1Gi, pods: "110"}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: mid}
value: 500
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 100
"""

NO_VICTIMS = "preemption: 0/{n} nodes are available: {n} No preemption victims found for incoming pod."


def write(tmp_path: Path, *docs: str) -> str:
    path = tmp_path / f"in-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text("\n---\n".join(docs))
    return str(path)


def load(tmp_path: Path, *docs: str) -> ClusterInput:
    return load_cluster([write(tmp_path, *docs)])


def run(tmp_path: Path, *docs: str) -> SimulationResult:
    return simulate_paths([write(tmp_path, *docs)])


def pods(cluster: ClusterInput) -> dict[str, Pod]:
    return {p.key: p for p in cluster.pods}


def states(result: SimulationResult) -> dict[str, tuple[str, str, str | None]]:
    return {o.pod.key: (o.initial, o.status, o.node) for o in result.outcomes}


def table(result: SimulationResult) -> str:
    console = Console(width=400, no_color=True, force_terminal=False, record=True)
    render_table(result, console, show_all=True)
    return console.export_text()


def deployment(name: str, replicas: int, cls: str = "low", memory: str = "600Mi", extra: str = "") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      priorityClassName: {cls}{extra}
      containers: [{{name: c, image: "nginx:1.25", resources: {{requests: {{memory: {memory}}}}}}}]
"""


def running_pod(name: str, node: str, cls: str, prio: int, owner: tuple[str, str] | None = None,
                labels: str = "", memory: str = "600Mi", start: str = "2024-05-01T09:00:00Z") -> str:
    own = ""
    if owner:
        own = f"\n  ownerReferences: [{{apiVersion: apps/v1, kind: {owner[0]}, name: {owner[1]}, controller: true}}]"
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels: {{{labels}}}{own}
  creationTimestamp: '{start}'
spec:
  priorityClassName: {cls}
  priority: {prio}
  nodeName: {node}
  containers: [{{name: c, image: "nginx:1.25", resources: {{requests: {{memory: {memory}}}}}}}]
status:
  phase: Running
  startTime: '{start}'
  conditions: [{{type: Ready, status: 'True'}}]
"""


# ---------------------------------------------------------------- names


def test_name_helpers_are_stable_and_kubernetes_shaped() -> None:
    # SafeEncodeString maps decimal digits into the alphabet like real pod-template-hash values
    assert safe_encode("0123456789") == "456789bcdf"
    h = template_hash({"spec": {"containers": [{"name": "c"}]}})
    assert h == template_hash({"spec": {"containers": [{"name": "c"}]}})
    assert 1 <= len(h) <= 10 and set(h) <= set("456789bcdf")
    assert template_hash({"a": 1}) != template_hash({"a": 2})
    assert template_hash({"a": 1}, 1) != template_hash({"a": 1})
    s = name_suffix("default/ReplicaSet/web-abc/0")
    assert len(s) == 5 and set(s) <= set(NAME_ALPHABET)
    assert s == name_suffix("default/ReplicaSet/web-abc/0")
    # generateName: the base is cut to 58 characters; taken names are skipped
    long = "x" * 70 + "-"
    name, n = free_name("ns", long, "seed", set())
    assert len(name) == 63 and name.startswith("x" * 58) and n == 0
    taken = {f"ns/{name}"}
    name2, n2 = free_name("ns", long, "seed", taken)
    assert name2 != name and n2 == 1


# ---------------------------------------------------------------- expansion per kind


def test_deployment_expands_through_a_replicaset(tmp_path: Path) -> None:
    c = load(tmp_path, NODES, deployment("web", 3))
    h = template_hash({"metadata": {"labels": {"app": "web"}},
                       "spec": {"priorityClassName": "low",
                                "containers": [{"name": "c", "image": "nginx:1.25",
                                                "resources": {"requests": {"memory": "600Mi"}}}]}})
    rs = f"web-{h}"
    got = [p for p in c.pods]
    assert len(got) == 3
    assert all(p.name.startswith(f"{rs}-") and len(p.name) == len(rs) + 6 for p in got)
    assert len({p.name for p in got}) == 3
    for p in got:
        assert p.labels == {"app": "web", "pod-template-hash": h}
        assert p.owner is not None and (p.owner.kind, p.owner.name, p.owner.controller) == ("ReplicaSet", rs, True)
        assert (p.priority, p.priority_class_name, p.node_name) == (100, "low", "")
        assert p.source is not None and p.source.file.endswith(".yaml") and p.source.document == 6
    # the synthetic ReplicaSet's selector feeds default topology spreading
    sel = c.spread_selectors[got[0].uid]
    assert dict(sel.match_labels) == {"app": "web", "pod-template-hash": h}
    assert c.replicas_of[("default", "ReplicaSet", rs)] == 3
    # same input, same names
    again = load(tmp_path, NODES, deployment("web", 3))
    assert [p.name for p in again.pods] == [p.name for p in got]


def test_deployment_selector_must_match_template(tmp_path: Path) -> None:
    bad = deployment("web", 1).replace("selector: {matchLabels: {app: web}}", "selector: {matchLabels: {app: x}}")
    with pytest.raises(InputError, match=r"Deployment default/web\): spec.template.metadata.labels: `selector` does "
                                         r"not match template `labels`"):
        load(tmp_path, NODES, bad)
    with pytest.raises(InputError, match=re.escape("spec.selector: required field is missing")):
        load(tmp_path, NODES, deployment("web", 1).replace("  selector: {matchLabels: {app: web}}\n", ""))


def test_template_naming_a_missing_class_is_refused_at_the_workload(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        load(tmp_path, NODES, deployment("web", 2, cls="nope"))
    msg = str(e.value)
    assert "document 6 (Deployment default/web): spec.template.spec.priorityClassName: pods \"web-" in msg
    assert "is forbidden: no PriorityClass with name nope was found" in msg


def test_template_errors_point_at_the_template(tmp_path: Path) -> None:
    bad = deployment("web", 1, memory="12Qi")
    with pytest.raises(InputError, match=r"\(Deployment default/web\): spec.template.spec.containers\[0\]"
                                         r".resources.requests.memory"):
        load(tmp_path, NODES, bad)


def test_replicaset_and_replication_controller(tmp_path: Path) -> None:
    rs = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cache, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: c, image: redis}]}
"""
    rc = """
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 1
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: c, image: old}]}
"""
    c = load(tmp_path, NODES, rs, rc)
    names = sorted(p.key for p in c.pods)
    assert len(names) == 3
    assert sum(n.startswith("shop/cache-") for n in names) == 2
    assert sum(n.startswith("default/legacy-") for n in names) == 1
    owners = {(p.owner.kind, p.owner.name) for p in c.pods if p.owner}
    assert owners == {("ReplicaSet", "cache"), ("ReplicationController", "legacy")}
    assert c.replicas_of[("shop", "ReplicaSet", "cache")] == 2


def test_statefulset_ordinals_and_labels(tmp_path: Path) -> None:
    sts = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  ordinals: {start: 2}
  podManagementPolicy: Parallel
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      priorityClassName: mid
      containers: [{name: c, image: pg}]
"""
    c = load(tmp_path, NODES, sts)
    assert [p.name for p in c.pods] == ["db-2", "db-3", "db-4"]
    p = c.pods[0]
    assert p.labels["statefulset.kubernetes.io/pod-name"] == "db-2"
    assert p.labels["apps.kubernetes.io/pod-index"] == "2"
    assert p.labels["controller-revision-hash"].startswith("db-")
    assert p.owner is not None and (p.owner.kind, p.owner.name) == ("StatefulSet", "db")
    assert p.priority == 500
    assert c.replicas_of[("default", "StatefulSet", "db")] == 3
    assert not [w for w in c.warnings if "OrderedReady" in w.message]
    ordered = load(tmp_path, NODES, sts.replace("podManagementPolicy: Parallel", "podManagementPolicy: OrderedReady"))
    [w] = [w for w in ordered.warnings if "OrderedReady" in w.message]
    assert w.code == "NotModeled" and w.object == "StatefulSet default/db"


def test_statefulset_keeps_running_ordinals_and_creates_the_missing_one(tmp_path: Path) -> None:
    sts = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {priorityClassName: mid, containers: [{name: c, image: pg}]}
"""
    c = load(tmp_path, NODES, running_pod("db-0", "node-a", "mid", 500, ("StatefulSet", "db"), "app: db"), sts)
    assert [(p.name, p.node_name) for p in c.pods] == [("db-0", "node-a"), ("db-1", "")]


DAEMONSET_NODES = """
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {role: worker}}
status: {allocatable: {cpu: "1", memory: 1Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: n2-tainted, labels: {role: worker}}
spec: {taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}
status: {allocatable: {cpu: "1", memory: 1Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: n3-infra, labels: {role: infra}}
status: {allocatable: {cpu: "1", memory: 1Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: n4-cordoned, labels: {role: worker}}
spec:
  unschedulable: true
  taints:
  - {key: node.kubernetes.io/unschedulable, effect: NoSchedule}
  - {key: node.kubernetes.io/not-ready, effect: NoExecute}
  - {key: node.kubernetes.io/memory-pressure, effect: NoSchedule}
status: {allocatable: {cpu: "1", memory: 1Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: n5-prefer, labels: {role: worker}}
spec: {taints: [{key: spot, value: "true", effect: PreferNoSchedule}]}
status: {allocatable: {cpu: "1", memory: 1Gi, pods: "110"}}
"""

DAEMONSET = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      priorityClassName: system-node-critical
      nodeSelector: {role: worker}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: [{matchExpressions: [{key: role, operator: In, values: [worker, infra]}]}]
          preferredDuringSchedulingIgnoredDuringExecution:
          - {weight: 5, preference: {matchExpressions: [{key: role, operator: In, values: [worker]}]}}
      tolerations: [{key: spot, operator: Exists, effect: PreferNoSchedule}]
      containers: [{name: c, image: agent, resources: {requests: {memory: 100Mi}}}]
"""


def test_daemonset_places_one_pod_per_eligible_node(tmp_path: Path) -> None:
    c = load(tmp_path, DAEMONSET_NODES, DAEMONSET)
    by_node = {}
    for p in c.pods:
        terms = p.spec.required_node_affinity
        assert terms is not None and len(terms) == 1  # the template's required terms are replaced
        assert terms[0].match_expressions == ()
        [req] = terms[0].match_fields
        assert (req.key, req.operator) == ("metadata.name", "In")
        by_node[req.values[0]] = p
    # n2: untolerated NoSchedule taint; n3: nodeSelector role=worker does not match.
    # n4: cordoned, not-ready, memory-pressure: the DaemonSet tolerations cover them; n5: PreferNoSchedule.
    assert sorted(by_node) == ["n1", "n4-cordoned", "n5-prefer"]
    p = by_node["n1"]
    assert p.name.startswith("agent-") and len(p.name) == len("agent-") + 5
    assert p.namespace == "kube-system" and p.priority == 2000001000
    assert p.spec.node_selector == (("role", "worker"),)  # nodeSelector kept
    assert len(p.spec.preferred_node_affinity) == 1  # preferred terms kept
    assert p.owner is not None and (p.owner.kind, p.owner.name) == ("DaemonSet", "agent")
    assert "controller-revision-hash" in p.labels and p.labels["pod-template-generation"] == "1"
    tols = set(p.spec.tolerations)
    for key, effect in (("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
                        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                        ("node.kubernetes.io/unschedulable", "NoSchedule")):
        assert Toleration(key, "Exists", "", effect) in tols
    assert Toleration("spot", "Exists", "", "PreferNoSchedule") in tols
    assert Toleration("node.kubernetes.io/network-unavailable", "Exists", "", "NoSchedule") not in tols
    # hostNetwork pods also tolerate network-unavailable
    hn = load(tmp_path, DAEMONSET_NODES, DAEMONSET.replace("nodeSelector:", "hostNetwork: true\n      nodeSelector:"))
    assert Toleration("node.kubernetes.io/network-unavailable", "Exists", "", "NoSchedule") in hn.pods[0].spec.tolerations


def test_daemonset_ignores_resources_and_preempts(tmp_path: Path) -> None:
    low = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: low}\nvalue: 100"
    result = run(tmp_path, DAEMONSET_NODES, low, running_pod("big", "n1", "low", 100, memory="1Gi"), DAEMONSET)
    st = states(result)
    assert st["default/big"] == ("running", "evicted", "n1")
    on_n1 = [o for o in result.outcomes if o.pod.namespace == "kube-system" and o.node == "n1"]
    assert len(on_n1) == 1 and on_n1[0].status == "running"
    big = result.outcome("default/big")
    assert big is not None and big.preempted_by == on_n1[0].pod.key
    assert big.replaced_by is None  # a bare pod is gone for good
    assert result.summary()["pods"] == 4


def test_job_parallelism_bounded_by_completions(tmp_path: Path) -> None:
    job = """
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  parallelism: 5
  completions: 3
  ttlSecondsAfterFinished: 60
  template:
    metadata: {labels: {app: etl}}
    spec:
      priorityClassName: mid
      restartPolicy: Never
      containers: [{name: c, image: etl}]
"""
    c = load(tmp_path, NODES, job)
    assert len(c.pods) == 3
    p = c.pods[0]
    assert p.name.startswith("etl-") and len(p.name) == 9
    assert p.labels["batch.kubernetes.io/job-name"] == "etl" and p.labels["job-name"] == "etl"
    assert p.labels["batch.kubernetes.io/controller-uid"] == p.labels["controller-uid"] != ""
    assert p.labels["app"] == "etl"
    assert p.owner is not None and (p.owner.kind, p.owner.name) == ("Job", "etl")
    assert c.job_restarts[("batch", "etl")] == 6  # backoffLimit default 6, no failures yet
    # completions - succeeded bounds the active pods; finished and suspended Jobs make none
    done2 = job.replace("ttlSecondsAfterFinished: 60", "ttlSecondsAfterFinished: 60\n  backoffLimit: 2") + \
        "status: {succeeded: 2, failed: 1}\n"
    c2 = load(tmp_path, NODES, done2)
    assert len(c2.pods) == 1 and c2.job_restarts[("batch", "etl")] == 1
    assert load(tmp_path, NODES, job.replace("completions: 3", "completions: 3\n  suspend: true")).pods == []
    finished = job + "status: {conditions: [{type: Complete, status: 'True'}]}\n"
    assert load(tmp_path, NODES, finished).pods == []
    # neither set: one pod; only parallelism: that many
    only_p = job.replace("  completions: 3\n", "")
    assert len(load(tmp_path, NODES, only_p).pods) == 5
    neither = only_p.replace("  parallelism: 5\n", "")
    assert len(load(tmp_path, NODES, neither).pods) == 1


def test_indexed_job_names_and_index_labels(tmp_path: Path) -> None:
    job = """
apiVersion: batch/v1
kind: Job
metadata: {name: shard}
spec:
  completionMode: Indexed
  completions: 5
  parallelism: 3
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: c, image: s}]
status: {completedIndexes: "0,2"}
"""
    c = load(tmp_path, NODES, job)
    got = [(p.name.rsplit("-", 1)[0], p.labels["batch.kubernetes.io/job-completion-index"]) for p in c.pods]
    assert got == [("shard-1", "1"), ("shard-3", "3"), ("shard-4", "4")]


def test_job_template_needs_a_job_restart_policy(tmp_path: Path) -> None:
    job = """
apiVersion: batch/v1
kind: Job
metadata: {name: etl}
spec:
  template:
    spec: {containers: [{name: c, image: e}]}
"""
    with pytest.raises(InputError, match=r'\(Job default/etl\): spec.template.spec.restartPolicy: Required value: '
                                         r'valid values: "OnFailure", "Never"'):
        load(tmp_path, NODES, job)


CRONJOB = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "0 2 * * *"
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 100
  jobTemplate:
    metadata: {labels: {team: data}}
    spec:
      parallelism: 2
      ttlSecondsAfterFinished: 3600
      template:
        metadata: {labels: {app: report}}
        spec:
          priorityClassName: low
          restartPolicy: OnFailure
          containers: [{name: c, image: r}]
"""


def test_cronjob_makes_one_job(tmp_path: Path) -> None:
    c = load(tmp_path, NODES, CRONJOB)
    job = f"nightly-{CRONJOB_SCHEDULED_MINUTE}"
    assert job == "nightly-28401120"
    assert len(c.pods) == 2
    for p in c.pods:
        assert p.name.startswith(f"{job}-") and len(p.name) == len(job) + 6
        assert p.owner is not None and (p.owner.kind, p.owner.name) == ("Job", job)
        assert p.labels["job-name"] == job and p.labels["app"] == "report"
        assert p.priority == 100
    assert not [w for w in c.warnings if w.code == "SkippedKind"]  # accepted silently
    assert load(tmp_path, NODES, CRONJOB.replace("concurrencyPolicy: Forbid", "suspend: true")).pods == []
    # an active Job of the CronJob in the input stands for this schedule
    active = """
apiVersion: batch/v1
kind: Job
metadata:
  name: nightly-28400000
  namespace: batch
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, controller: true}]
spec:
  template:
    spec: {restartPolicy: OnFailure, containers: [{name: c, image: r}]}
status: {active: 1}
"""
    running = """
apiVersion: v1
kind: Pod
metadata:
  name: nightly-28400000-abcde
  namespace: batch
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: nightly-28400000, controller: true}]
spec:
  nodeName: node-a
  restartPolicy: OnFailure
  containers: [{name: c, image: r}]
status: {phase: Running}
"""
    c2 = load(tmp_path, NODES, CRONJOB, active, running)
    assert [p.key for p in c2.pods] == ["batch/nightly-28400000-abcde"]


def test_bare_pods_and_queue_order_follow_the_input(tmp_path: Path) -> None:
    bare = """
apiVersion: v1
kind: Pod
metadata: {name: first}
spec: {containers: [{name: c, image: x}]}
"""
    last = bare.replace("first", "last")
    c = load(tmp_path, NODES, bare, deployment("web", 2), last)
    names = [p.name for p in c.pods]
    assert names[0] == "first" and names[-1] == "last" and names[1].startswith("web-") and len(names) == 4


def test_removed_api_versions_are_named(tmp_path: Path) -> None:
    old = CRONJOB.replace("apiVersion: batch/v1\nkind: CronJob", "apiVersion: batch/v1beta1\nkind: CronJob")
    with pytest.raises(InputError, match=re.escape("batch/v1beta1 CronJob was removed in Kubernetes 1.25; use batch/v1")):
        load(tmp_path, NODES, old)
    dep = deployment("web", 1).replace("apps/v1", "extensions/v1beta1")
    with pytest.raises(InputError, match=re.escape("extensions/v1beta1 Deployment was removed in Kubernetes 1.16")):
        load(tmp_path, NODES, dep)


def test_percentage_pdb_counts_the_deployment_replicas(tmp_path: Path) -> None:
    # Three replicas wanted, two running and ready (the third is new): minAvailable 50% of 3 = 2
    # healthy needed -> 0 disruptions allowed; maxUnavailable 1 -> 3 - 1 = 2 needed -> 0 allowed.
    rs = "web-5c7d9f8b4d"
    running = [running_pod(f"{rs}-{s}", "node-a", "low", 100, ("ReplicaSet", rs),
                           f"app: web, pod-template-hash: {rs[4:]}", memory="10Mi") for s in ("aaaaa", "bbbbb")]
    pdb = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb}
spec:
  minAvailable: 50%
  selector: {matchLabels: {app: web}}
"""
    dep = deployment("web", 3, memory="10Mi")
    c = load(tmp_path, NODES, *running, dep, pdb)
    assert len(c.pods) == 3  # the group of running pods is the current ReplicaSet: one pod is added
    assert c.replicas_of[("default", "ReplicaSet", rs)] == 3
    assert c.pdbs[0].disruptions_allowed == 0
    c2 = load(tmp_path, NODES, *running, dep.replace("replicas: 3", "replicas: 2"), pdb)
    assert len(c2.pods) == 2 and c2.pdbs[0].disruptions_allowed == 1  # 2 healthy, ceil(50% of 2) = 1


# ---------------------------------------------------------------- replacements


def test_replacement_chain_preempts_a_lower_pod_in_turn(tmp_path: Path) -> None:
    """high evicts mid on node-a; mid's replacement evicts low on node-b; low's replacement waits.

    The controllers (ReplicaSets) are not in the input: a controller ownerReference is enough.
    """
    mid = running_pod("mid-app-5b8d7c9f4d-aaaaa", "node-a", "mid", 500, ("ReplicaSet", "mid-app-5b8d7c9f4d"),
                      "app: mid-app, pod-template-hash: 5b8d7c9f4d")
    low = running_pod("low-app-6c9f8d7b5c-bbbbb", "node-b", "low", 100, ("ReplicaSet", "low-app-6c9f8d7b5c"),
                      "app: low-app, pod-template-hash: 6c9f8d7b5c")
    high = deployment("high-app", 1, cls="high", extra="\n      nodeSelector: {kubernetes.io/hostname: node-a}")
    result = run(tmp_path, NODES, mid, low, high)
    [high_pod] = [o.pod.key for o in result.outcomes if o.pod.name.startswith("high-app-")]
    mid_o = result.outcome("default/mid-app-5b8d7c9f4d-aaaaa")
    low_o = result.outcome("default/low-app-6c9f8d7b5c-bbbbb")
    assert mid_o is not None and low_o is not None
    assert mid_o.replaced_by is not None and low_o.replaced_by is not None
    mid_r = mid_o.replaced_by
    low_r = low_o.replaced_by
    assert mid_r.startswith("default/mid-app-5b8d7c9f4d-") and low_r.startswith("default/low-app-6c9f8d7b5c-")
    assert states(result) == {
        high_pod: ("queued", "running", "node-a"),
        "default/mid-app-5b8d7c9f4d-aaaaa": ("running", "evicted", "node-a"),
        mid_r: ("replacement", "running", "node-b"),
        "default/low-app-6c9f8d7b5c-bbbbb": ("running", "evicted", "node-b"),
        low_r: ("replacement", "pending", None),
    }
    assert mid_o.preempted_by == high_pod and low_o.preempted_by == mid_r
    assert [(e.pod, e.preemptor) for e in result.evictions] == [
        ("default/mid-app-5b8d7c9f4d-aaaaa", high_pod), ("default/low-app-6c9f8d7b5c-bbbbb", mid_r)]
    low_repl = result.outcome(low_r)
    assert low_repl is not None and low_repl.pod.replaces == "default/low-app-6c9f8d7b5c-bbbbb"
    assert low_repl.pod.priority == 100 and low_repl.pod.owner is not None
    assert low_repl.message == ("0/2 nodes are available: 2 Insufficient memory. " + NO_VICTIMS.format(n=2))
    # the report lists every pod exactly once
    report = json.loads(render_json(result))
    names = [(p["namespace"], p["name"]) for p in report["pods"]]
    assert len(names) == len(set(names)) == 5
    assert {p["name"]: p["initial"] for p in report["pods"]}[low_r.split("/")[1]] == "replacement"
    # the table makes the chain readable
    out = table(result)
    assert (f"evicted by {high_pod} → replacement {mid_r} running on node-b "
            f"(preempted default/low-app-6c9f8d7b5c-bbbbb)") in out
    assert f"evicted by {mid_r} → replacement {low_r} pending: 0/2 nodes are available: 2 Insufficient memory." in out


def test_replacement_names_continue_the_controller_sequence(tmp_path: Path) -> None:
    # A pod with the sequence's first name (as expansion would have named it) is evicted: its
    # replacement takes the next name of the same sequence.
    rs = "web-5c7d9f8b4d"
    first, n = free_name("default", f"{rs}-", f"default/ReplicaSet/{rs}", set())
    assert n == 0
    pod = running_pod(first, "node-a", "low", 100, ("ReplicaSet", rs), "app: web")
    high = deployment("vip", 1, cls="high", extra="\n      nodeSelector: {kubernetes.io/hostname: node-a}")
    result = run(tmp_path, NODES, pod, high)
    o = result.outcome(f"default/{first}")
    assert o is not None and o.status == "evicted"
    second, n = free_name("default", f"{rs}-", f"default/ReplicaSet/{rs}", {f"default/{first}"})
    assert n == 1 and o.replaced_by == f"default/{second}"


def test_statefulset_replacement_keeps_the_name_with_a_suffix(tmp_path: Path) -> None:
    db0 = running_pod("db-0", "node-a", "low", 100, ("StatefulSet", "db"),
                      "app: db, statefulset.kubernetes.io/pod-name: db-0")
    high = deployment("vip", 1, cls="high", extra="\n      nodeSelector: {kubernetes.io/hostname: node-a}")
    result = run(tmp_path, NODES, db0, high)
    db = result.outcome("default/db-0")
    assert db is not None and db.status == "evicted" and db.replaced_by == "default/db-0-r1"
    repl = result.outcome("default/db-0-r1")
    assert repl is not None and repl.initial == "replacement" and repl.status == "running" and repl.node == "node-b"
    assert repl.pod.labels["statefulset.kubernetes.io/pod-name"] == "db-0"


def test_daemonset_replacement_stays_on_its_node(tmp_path: Path) -> None:
    ds_pod = """
apiVersion: v1
kind: Pod
metadata:
  name: agent-abcde
  labels: {app: agent}
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, controller: true}]
spec:
  priorityClassName: low
  priority: 100
  nodeName: node-a
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchFields: [{key: metadata.name, operator: In, values: [node-a]}]}]
  containers: [{name: c, image: a, resources: {requests: {memory: 600Mi}}}]
status: {phase: Running}
"""
    high = deployment("vip", 1, cls="high", extra="\n      nodeSelector: {kubernetes.io/hostname: node-a}")
    result = run(tmp_path, NODES, ds_pod, high)
    agent = result.outcome("default/agent-abcde")
    assert agent is not None and agent.status == "evicted" and agent.replaced_by is not None
    repl = result.outcome(agent.replaced_by)
    assert repl is not None and repl.status == "pending"
    assert repl.pod.name.startswith("agent-") and repl.pod.spec.required_node_affinity is not None
    assert repl.pod.spec.required_node_affinity[0].match_fields == (
        Requirement("metadata.name", "In", ("node-a",)),)
    assert repl.message is not None and repl.message.startswith("0/2 nodes are available: 1 Insufficient memory.")


JOB_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: etl-abcde
  labels: {app: etl}
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: etl, controller: true}]
spec:
  priorityClassName: low
  priority: 100
  nodeName: node-a
  restartPolicy: Never
  containers: [{name: c, image: e, resources: {requests: {memory: 600Mi}}}]
status: {phase: Running}
"""

JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: etl}
spec:
  backoffLimit: BACKOFF
  template:
    metadata: {labels: {app: etl}}
    spec:
      priorityClassName: low
      restartPolicy: Never
      containers: [{name: c, image: e, resources: {requests: {memory: 600Mi}}}]
status: {active: 1, failed: 1}
"""


def test_job_replacement_depends_on_restarts_left(tmp_path: Path) -> None:
    high = deployment("vip", 1, cls="high", extra="\n      nodeSelector: {kubernetes.io/hostname: node-a}")
    # the Job object absent: restarts are assumed left
    result = run(tmp_path, NODES, JOB_POD, high)
    etl = result.outcome("default/etl-abcde")
    assert etl is not None and etl.status == "evicted" and etl.replaced_by is not None
    repl = result.outcome(etl.replaced_by)
    assert repl is not None and repl.status == "running" and repl.node == "node-b"
    assert repl.pod.name.startswith("etl-")
    # backoffLimit 2, one failure so far: the eviction is the second, a replacement comes
    result = run(tmp_path, NODES, JOB_POD, JOB.replace("BACKOFF", "2"), high)
    assert result.outcome("default/etl-abcde").replaced_by is not None  # type: ignore[union-attr]
    # backoffLimit 1, one failure so far: the eviction makes the Job fail, no replacement
    result = run(tmp_path, NODES, JOB_POD, JOB.replace("BACKOFF", "1"), high)
    etl = result.outcome("default/etl-abcde")
    assert etl is not None and etl.status == "evicted" and etl.replaced_by is None
    [w] = [w for w in result.warnings if w.code == "JobBackoffLimitExceeded"]
    assert w.object == "Job default/etl" and "default/etl-abcde" in w.message
    assert len(result.outcomes) == 2


def test_replacement_gets_the_current_class_value(tmp_path: Path) -> None:
    # admitted at 50 (the class was changed since): the running pod keeps 50, its replacement gets 100
    pod = running_pod("web-5c7d9f8b4d-aaaaa", "node-a", "low", 50, ("ReplicaSet", "web-5c7d9f8b4d"), "app: web")
    high = deployment("vip", 1, cls="high", extra="\n      nodeSelector: {kubernetes.io/hostname: node-a}")
    result = run(tmp_path, NODES, pod, high)
    old = result.outcome("default/web-5c7d9f8b4d-aaaaa")
    assert old is not None and old.pod.priority == 50 and old.replaced_by is not None
    new = result.outcome(old.replaced_by)
    assert new is not None and new.pod.priority == 100 and new.pod.priority_class_name == "low"


# ---------------------------------------------------------------- the fixtures


def run_fixture(name: str) -> SimulationResult:
    return simulate_paths([str(FIXTURES / name)])


def test_fixture_blog_deployments() -> None:
    result = run_fixture("blog-deployments")
    critical = "default/critical-nginx-65cc748965-jghzp"
    minor = "default/minor-nginx-6d4c9b7f5b-k2x8p"
    replacement = "default/minor-nginx-6d4c9b7f5b-zn7bh"
    assert states(result) == {
        critical: ("queued", "running", "node-a"),
        minor: ("running", "evicted", "node-a"),
        replacement: ("replacement", "pending", None),
    }
    m = result.outcome(minor)
    assert m is not None and m.preempted_by == critical and m.replaced_by == replacement
    r = result.outcome(replacement)
    assert r is not None and r.pod.replaces == minor and r.pod.priority == 1000
    assert r.message == "0/1 nodes are available: 1 Insufficient memory. " + NO_VICTIMS.format(n=1)
    assert [e.as_dict() for e in result.evictions] == [
        {"pod": minor, "node": "node-a", "preemptor": critical, "pdbViolated": ["default/minor-nginx-pdb"]}]
    assert result.summary() == {"nodes": 1, "pods": 3, "running": 0, "scheduled": 1, "pending": 1, "evicted": 1}
    assert result.warnings == []
    out = table(result)
    assert (f"evicted by {critical}, PDB default/minor-nginx-pdb violated → replacement {replacement} pending: "
            f"0/1 nodes are available: 1 Insufficient memory.") in out
    assert f"replacement → pending  -       replaces {minor}; 0/1 nodes are available" in out


def test_fixture_class_hierarchy_workloads() -> None:
    result = run_fixture("class-hierarchy-workloads")
    s = result.summary()
    assert s == {"nodes": 3, "pods": 23, "running": 3, "scheduled": 9, "pending": 8, "evicted": 3}
    by_prefix: dict[str, list[tuple[str, str, str | None]]] = {}
    for o in result.outcomes:
        prefix = o.pod.name.rsplit("-", 2 if o.pod.name.startswith(("sandbox-", "checkout-", "nightly")) else 1)[0]
        by_prefix.setdefault(f"{o.pod.namespace}/{prefix}", []).append((o.initial, o.status, o.node))
    assert sorted(by_prefix["prod/checkout"]) == [("queued", "running", n) for n in ("node-a", "node-b", "node-c")]
    etl = by_prefix["batch/etl"]
    assert len(etl) == 10
    assert sorted(x for x in etl if x[1] == "running") == [("queued", "running", n)
                                                          for n in ("node-a", "node-a", "node-b", "node-b",
                                                                    "node-c", "node-c")]
    assert [x for x in etl if x[1] != "running"] == [("queued", "pending", None)] * 4
    assert by_prefix["batch/nightly-report"] == [("queued", "pending", None)]
    sandbox = sorted(by_prefix["default/sandbox"])
    assert sandbox == sorted([("running", "running", n) for n in ("node-a", "node-b", "node-c")]
                             + [("running", "evicted", n) for n in ("node-a", "node-b", "node-c")]
                             + [("replacement", "pending", None)] * 3)
    # the youngest sandbox pod of each node is the victim
    assert sorted(e.pod for e in result.evictions) == [
        "default/sandbox-7c9d8b6f4d-f4wlx", "default/sandbox-7c9d8b6f4d-q7vcs", "default/sandbox-7c9d8b6f4d-z9gpw"]
    never = "preemption: not eligible due to preemptionPolicy=Never."
    messages = {o.pod.key: o.message for o in result.outcomes if o.status == "pending"}
    assert {m for k, m in messages.items() if k.startswith("batch/etl-")} == {
        f"0/3 nodes are available: 3 Insufficient cpu. {never}"}
    assert messages[f"batch/nightly-report-{CRONJOB_SCHEDULED_MINUTE}-x87j4"] == (
        f"0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. {never}")
    assert {m for k, m in messages.items() if k.startswith("default/sandbox-")} == {
        "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. " + NO_VICTIMS.format(n=3)}
    for o in result.outcomes:
        if o.status == "evicted":
            assert o.preempted_by is not None and o.preempted_by.startswith("prod/checkout-")
            repl = result.outcome(o.replaced_by or "")
            assert repl is not None and repl.initial == "replacement" and repl.pod.replaces == o.pod.key
    assert result.warnings == []


def test_fixture_output_is_byte_identical_across_runs() -> None:
    a = render_json(run_fixture("class-hierarchy-workloads"))
    b = render_json(run_fixture("class-hierarchy-workloads"))
    assert a == b
