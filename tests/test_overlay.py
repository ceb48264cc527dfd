"""What-if overlays: the current state (``--cluster``) with the change applied, workloads reconciled."""

from __future__ import annotations

from pathlib import Path

from priocli.api import simulate_paths
from priocli.load.cluster import build_cluster, overlay
from priocli.load.documents import read_paths
from priocli.load.workloads import ReplacingDocument, template_hash
from priocli.result import SimulationResult

BASE = """
apiVersion: v1
kind: Node
metadata: {name: node-a}
status: {allocatable: {cpu: "16", memory: 16Gi, pods: "110"}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 100
"""

HASH = "5c7d9f8b4d"  # the live ReplicaSet's pod-template-hash (the real controller's, not priocli's)


def deployment(replicas: int, image: str = "nginx:1.25", status: bool = False) -> str:
    doc = f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: {replicas}
  strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: 25%, maxUnavailable: 25%}}}}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      priorityClassName: low
      containers: [{{name: c, image: "{image}", resources: {{requests: {{cpu: 100m, memory: 100Mi}}}}}}]
"""
    if status:
        doc += f"status: {{replicas: {replicas}, readyReplicas: {replicas}}}\n"
    return doc


def replica_set(replicas: int, *, with_doc: bool = True) -> str:
    if not with_doc:
        return ""
    return f"""
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-{HASH}
  namespace: shop
  labels: {{app: web, pod-template-hash: "{HASH}"}}
  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}}]
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web, pod-template-hash: "{HASH}"}}}}
  template:
    metadata: {{labels: {{app: web, pod-template-hash: "{HASH}"}}}}
    spec:
      priorityClassName: low
      containers:
      - name: c
        image: "nginx:1.25"
        imagePullPolicy: IfNotPresent
        resources: {{requests: {{cpu: 100m, memory: 100Mi}}}}
      restartPolicy: Always
      schedulerName: default-scheduler
"""


SUFFIXES = ["b2c4d", "f5g6h", "j7k8l", "m9n2p", "q4r5s"]


def web_pod(i: int) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: web-{HASH}-{SUFFIXES[i]}
  namespace: shop
  labels: {{app: web, pod-template-hash: "{HASH}"}}
  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: web-{HASH}, uid: r1, controller: true}}]
  creationTimestamp: '2024-05-01T09:0{i}:00Z'
spec:
  priorityClassName: low
  priority: 100
  preemptionPolicy: PreemptLowerPriority
  nodeName: node-a
  containers:
  - name: c
    image: "nginx:1.25"
    resources: {{requests: {{cpu: 100m, memory: 100Mi}}}}
  tolerations:
  - {{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}}
  - {{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}}
status:
  phase: Running
  startTime: '2024-05-01T09:0{i}:05Z'
  conditions: [{{type: Ready, status: 'True'}}]
"""


def state(n_pods: int, replicas: int, *, with_rs: bool = True) -> str:
    docs = [BASE, deployment(replicas, status=True)]
    if with_rs:
        docs.append(replica_set(replicas))
    docs.extend(web_pod(i) for i in range(n_pods))
    return "\n---\n".join(docs)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def what_if(tmp_path: Path, current: str, change: str) -> SimulationResult:
    return simulate_paths([write(tmp_path, "change.yaml", change)], cluster=[write(tmp_path, "state.yaml", current)])


def web(result: SimulationResult) -> list[tuple[str, str, str]]:
    return sorted((o.pod.name, o.initial, o.status) for o in result.outcomes if o.pod.namespace == "shop")


def live(i: int) -> str:
    return f"web-{HASH}-{SUFFIXES[i]}"


def test_unchanged_deployment_adds_nothing(tmp_path: Path) -> None:
    result = what_if(tmp_path, state(3, 3), deployment(3))
    assert web(result) == sorted((live(i), "running", "running") for i in range(3))
    assert result.warnings == []


def test_snapshot_alone_reconciles_nothing(tmp_path: Path) -> None:
    result = simulate_paths([write(tmp_path, "state.yaml", state(3, 3))])
    assert web(result) == sorted((live(i), "running", "running") for i in range(3))
    assert result.warnings == []


def test_scale_up_queues_the_missing_pods_of_the_live_replicaset(tmp_path: Path) -> None:
    result = what_if(tmp_path, state(3, 3), deployment(10))
    got = web(result)
    assert len(got) == 10
    assert [g for g in got if g[1] == "running"] == sorted((live(i), "running", "running") for i in range(3))
    new = [g for g in got if g[1] == "queued"]
    assert len(new) == 7 and all(g[2] == "running" for g in new)
    assert all(g[0].startswith(f"web-{HASH}-") for g in new)  # the live ReplicaSet's name is kept
    for o in result.outcomes:
        if o.initial == "queued":
            assert o.pod.labels == {"app": "web", "pod-template-hash": HASH}
            assert o.pod.owner is not None and o.pod.owner.name == f"web-{HASH}"
    assert result.warnings == []


def test_scale_up_without_the_replicaset_object(tmp_path: Path) -> None:
    # Only pods in the state: their ReplicaSet is found through the ownerReference and the hash label
    result = what_if(tmp_path, state(3, 3, with_rs=False), deployment(5))
    got = web(result)
    assert len(got) == 5 and sum(g[1] == "queued" for g in got) == 2
    assert all(g[0].startswith(f"web-{HASH}-") for g in got)


def test_scale_down_removes_the_newest_pods(tmp_path: Path) -> None:
    result = what_if(tmp_path, state(5, 5), deployment(3))
    assert web(result) == sorted((live(i), "running", "running") for i in range(3))
    [w] = result.warnings
    assert w.code == "WorkloadScaledDown" and w.object == "Deployment shop/web"
    assert w.message == (f"Deployment shop/web wants 3 replicas, the input has 5: the controller deletes "
                         f"shop/{live(4)}, shop/{live(3)}")


def test_template_change_replaces_the_pods(tmp_path: Path) -> None:
    result = what_if(tmp_path, state(3, 3), deployment(3, image="nginx:1.26"))
    new_hash = template_hash({"metadata": {"labels": {"app": "web"}},
                              "spec": {"priorityClassName": "low",
                                       "containers": [{"name": "c", "image": "nginx:1.26",
                                                       "resources": {"requests": {"cpu": "100m",
                                                                                  "memory": "100Mi"}}}]}})
    got = web(result)
    assert len(got) == 3 and all(g[1:] == ("queued", "running") for g in got)
    assert all(g[0].startswith(f"web-{new_hash}-") for g in got)
    [w] = result.warnings
    assert w.code == "WorkloadTemplateChanged"
    assert w.message.startswith(f"Deployment shop/web: the pod template changed; the pods of the old ReplicaSet(s) "
                                f"(shop/{live(0)}, shop/{live(1)}, shop/{live(2)}) are replaced by 3 pod(s) of "
                                f"ReplicaSet web-{new_hash}")
    assert "transient surge of a rolling update" in w.message and "not modeled" in w.message


def test_template_change_and_scale_at_once(tmp_path: Path) -> None:
    result = what_if(tmp_path, state(3, 3), deployment(2, image="nginx:1.26"))
    got = web(result)
    assert len(got) == 2 and all(g[1] == "queued" for g in got)


def test_overlay_remembers_what_it_replaces(tmp_path: Path) -> None:
    current = read_paths([write(tmp_path, "state.yaml", state(1, 1))])
    change = read_paths([write(tmp_path, "change.yaml", deployment(2))])
    merged = overlay(current, change)
    [dep] = [d for d in merged if d.obj["kind"] == "Deployment"]
    assert isinstance(dep, ReplacingDocument)
    assert dep.previous is not None and dep.previous.obj["spec"]["replicas"] == 1
    assert dep.obj["spec"]["replicas"] == 2 and dep.source.file.endswith("change.yaml")
    assert [d.obj["kind"] for d in merged] == [d.obj["kind"] for d in current]  # takes the old one's place
    assert len(build_cluster(merged).pods) == 2


CLASS_CHANGE = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 300
---
apiVersion: v1
kind: Pod
metadata: {name: fresh, namespace: shop}
spec:
  priorityClassName: low
  containers: [{name: c, image: x}]
"""

HAND_WRITTEN = """
---
apiVersion: v1
kind: Pod
metadata: {name: by-hand, namespace: shop}
spec:
  priorityClassName: low
  nodeName: node-a
  containers: [{name: c, image: x}]
status: {phase: Running}
"""


def test_priority_class_change_does_not_touch_existing_pods(tmp_path: Path) -> None:
    result = what_if(tmp_path, state(1, 1) + HAND_WRITTEN, CLASS_CHANGE)
    prio = {o.pod.name: o.pod.priority for o in result.outcomes}
    assert prio == {live(0): 100, "by-hand": 100, "fresh": 300}
    [wc] = [w for w in result.warnings if w.object == "PriorityClass low"]
    assert wc.code == "PriorityClassChanged"
    assert wc.message.startswith("PriorityClass low changes (value 100 -> 300): pods that already exist keep the "
                                "priority they were admitted with (value 100, PreemptLowerPriority); only pods "
                                "created from now on (new pods, replacements) get the new one.")
    per_pod = sorted(w.object or "" for w in result.warnings if w.code == "PriorityClassChanged" and w is not wc)
    assert per_pod == ["Pod shop/by-hand", f"Pod shop/{live(0)}"]


def test_priority_class_unchanged_no_warning(tmp_path: Path) -> None:
    result = what_if(tmp_path, state(1, 1), CLASS_CHANGE.replace("value: 300", "value: 100"))
    assert [w for w in result.warnings if w.code == "PriorityClassChanged"] == []


STS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: shop}}
spec:
  replicas: {replicas}
  podManagementPolicy: Parallel
  serviceName: db
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers: [{{name: c, image: "{image}"}}]
"""


def sts_pod(i: int) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: db-{i}
  namespace: shop
  labels: {{app: db, statefulset.kubernetes.io/pod-name: db-{i}}}
  ownerReferences: [{{apiVersion: apps/v1, kind: StatefulSet, name: db, controller: true}}]
spec:
  nodeName: node-a
  containers: [{{name: c, image: "pg:15"}}]
status: {{phase: Running}}
"""


def sts_state(replicas: int) -> str:
    return "\n---\n".join([BASE, STS.format(replicas=replicas, image="pg:15"), *(sts_pod(i) for i in range(replicas))])


def db(result: SimulationResult) -> list[tuple[str, str]]:
    return sorted((o.pod.name, o.initial) for o in result.outcomes if o.pod.name.startswith("db-"))


def test_statefulset_scale_down_removes_the_highest_ordinals(tmp_path: Path) -> None:
    result = what_if(tmp_path, sts_state(3), STS.format(replicas=1, image="pg:15"))
    assert db(result) == [("db-0", "running")]
    [w] = result.warnings
    assert w.code == "WorkloadScaledDown" and w.message == (
        "StatefulSet shop/db wants ordinals 0: the controller deletes shop/db-2, shop/db-1")


def test_statefulset_scale_up_and_template_change(tmp_path: Path) -> None:
    result = what_if(tmp_path, sts_state(2), STS.format(replicas=3, image="pg:15"))
    assert db(result) == [("db-0", "running"), ("db-1", "running"), ("db-2", "queued")]
    assert result.warnings == []
    result = what_if(tmp_path, sts_state(2), STS.format(replicas=2, image="pg:16"))
    assert db(result) == [("db-0", "queued"), ("db-1", "queued")]  # recreated under the same names
    [w] = result.warnings
    assert w.code == "WorkloadTemplateChanged" and "shop/db-1, shop/db-0 are recreated" in w.message


DS = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
      containers: [{{name: c, image: "{image}"}}]
"""

DS_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: agent-x1y2z
  namespace: shop
  labels: {app: agent}
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, controller: true}]
spec:
  nodeName: node-a
  containers: [{name: c, image: "agent:1"}]
status: {phase: Running}
"""


def test_daemonset_in_the_state_is_left_alone_and_a_template_change_replaces(tmp_path: Path) -> None:
    current = "\n---\n".join([BASE, DS.format(image="agent:1"), DS_POD])
    result = what_if(tmp_path, current, DS.format(image="agent:1"))
    assert [(o.pod.name, o.initial) for o in result.outcomes] == [("agent-x1y2z", "running")]
    result = what_if(tmp_path, current, DS.format(image="agent:2"))
    [(name, initial, status)] = [(o.pod.name, o.initial, o.status) for o in result.outcomes]
    assert name.startswith("agent-") and name != "agent-x1y2z" and (initial, status) == ("queued", "running")
    assert [w.code for w in result.warnings] == ["WorkloadTemplateChanged"]
