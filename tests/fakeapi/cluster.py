"""A generated cluster with the fields real clusters carry (and the noise: managedFields,
annotations, container statuses, env, probes, projected service-account volumes).

Deterministic for a seed. Objects have ``kind``/``apiVersion`` (the fake server strips them from
list items, like a real API server).
"""

from __future__ import annotations

import random
import uuid
from typing import Any

Obj = dict[str, Any]

T0 = "2024-05-01T10:00:00Z"


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _managed(manager: str, keys: list[str]) -> list[Obj]:
    return [{"manager": manager, "operation": "Update", "apiVersion": "v1", "time": T0, "fieldsType": "FieldsV1",
             "fieldsV1": {f"f:{k}": {".": {}, **{f"f:x{i}": {} for i in range(6)}} for k in keys}}]


def _meta(rng: random.Random, name: str, ns: str | None = None, labels: dict[str, str] | None = None,
          owner: Obj | None = None, annotations: dict[str, str] | None = None) -> Obj:
    m: Obj = {"name": name, "uid": _uid(rng), "resourceVersion": str(rng.randint(10**6, 10**8)),
              "generation": 1, "creationTimestamp": T0,
              "managedFields": _managed("kube-controller-manager", ["metadata", "spec", "status"])}
    if ns is not None:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    if owner:
        m["ownerReferences"] = [owner]
    m["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"v1","kind":"X"}',
                        **(annotations or {})}
    return m


def _owner(kind: str, api_version: str, obj: Obj) -> Obj:
    return {"apiVersion": api_version, "kind": kind, "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def _node(rng: random.Random, i: int) -> Obj:
    name = f"ip-10-0-{i // 250}-{i % 250}.eu-west-1.compute.internal"
    zone = "eu-west-1" + "abc"[i % 3]
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "topology.kubernetes.io/zone": zone, "node.kubernetes.io/instance-type": "m5.2xlarge",
              "eks.amazonaws.com/nodegroup": f"pool-{i % 4}", "example.com/cpu-generation": str(i % 5)}
    spec: Obj = {"providerID": f"aws:///{zone}/i-{rng.getrandbits(60):015x}", "podCIDR": f"10.1.{i % 250}.0/24"}
    if i % 10 == 9:
        spec["taints"] = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    if i % 17 == 16:
        spec["unschedulable"] = True
        spec.setdefault("taints", []).append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
    conds = [{"type": t, "status": "False", "lastHeartbeatTime": T0, "lastTransitionTime": T0,
              "reason": f"Kubelet{t}", "message": f"kubelet reports {t}"}
             for t in ("MemoryPressure", "DiskPressure", "PIDPressure")]
    conds.append({"type": "Ready", "status": "True", "lastHeartbeatTime": T0, "lastTransitionTime": T0,
                  "reason": "KubeletReady", "message": "kubelet is posting ready status"})
    res = {"cpu": "8", "memory": "32408604Ki", "pods": "58", "ephemeral-storage": "83873772Ki"}
    return {
        "kind": "Node", "apiVersion": "v1",
        "metadata": _meta(rng, name, labels=labels, annotations={"node.alpha.kubernetes.io/ttl": "0"}),
        "spec": spec,
        "status": {
            "capacity": res,
            "allocatable": {"cpu": "7910m", "memory": "31391772Ki", "pods": "58", "ephemeral-storage": "76224326324"},
            "conditions": conds,
            "addresses": [{"type": "InternalIP", "address": f"10.0.{i // 250}.{i % 250}"},
                          {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"machineID": f"{rng.getrandbits(128):032x}", "kubeletVersion": "v1.29.4",
                         "containerRuntimeVersion": "containerd://1.7.11", "osImage": "Amazon Linux 2"},
            "images": [{"names": [f"registry.example.com/app/web@sha256:{rng.getrandbits(64):016x}",
                                  "registry.example.com/app/web:1.4.2"], "sizeBytes": 123456789},
                       {"names": ["registry.k8s.io/kube-proxy:v1.29.4"], "sizeBytes": 25000000}],
        },
    }


def _container(rng: random.Random, name: str, image: str, cpu: str, mem: str, port: int | None = None) -> Obj:
    c: Obj = {
        "name": name, "image": image,
        "resources": {"requests": {"cpu": cpu, "memory": mem}, "limits": {"memory": mem}},
        "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "LOG_LEVEL", "value": "info"}],
        "command": ["/bin/app"], "args": ["--listen=:8080"],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
        "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                          "readOnly": True}],
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }
    if port:
        c["ports"] = [{"containerPort": port, "protocol": "TCP"}]
    return c


def _pod_spec(rng: random.Random, image: str, cpu: str, mem: str, *, app: str, ns: str, extra: Obj | None = None) -> Obj:
    spec: Obj = {
        "containers": [_container(rng, "main", image, cpu, mem, 8080)],
        "volumes": [{"name": "kube-api-access", "projected": {"sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}},
            {"name": "config", "configMap": {"name": f"{app}-config"}}],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default", "serviceAccount": "default", "schedulerName": "default-scheduler",
        "securityContext": {}, "enableServiceLinks": True,
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
    }
    if extra:
        spec.update(extra)
    return spec


def _template(pod_spec: Obj, labels: dict[str, str]) -> Obj:
    return {"metadata": {"labels": labels, "annotations": {"kubectl.kubernetes.io/restartedAt": T0}},
            "spec": pod_spec}


class _Builder:
    def __init__(self, seed: int, node_names: list[str]) -> None:
        self.rng = random.Random(seed)
        self.nodes = node_names
        self.objects: list[Obj] = []
        self.pods = 0
        self.serial = 0
        self.suffixes: set[str] = set()

    def node_for(self) -> str:
        return self.nodes[self.rng.randrange(len(self.nodes))]

    def pod(self, name: str, ns: str, labels: dict[str, str], spec: Obj, owner: Obj | None, *,
            priority: int, pclass: str | None, phase: str = "Running", node: str | None = "",
            terminating: bool = False, deletion_cost: int | None = None) -> None:
        rng = self.rng
        spec = dict(spec)
        spec["priority"] = priority
        if pclass:
            spec["priorityClassName"] = pclass
        spec["preemptionPolicy"] = "PreemptLowerPriority"
        if node == "":
            node = self.node_for()
        if node:
            spec["nodeName"] = node
        annotations = {"prometheus.io/scrape": "true"}
        if deletion_cost is not None:
            annotations["controller.kubernetes.io/pod-deletion-cost"] = str(deletion_cost)
        meta = _meta(rng, name, ns, labels, owner, annotations)
        meta["generateName"] = name.rsplit("-", 1)[0] + "-"
        if terminating:
            meta["deletionTimestamp"] = "2024-05-01T11:00:00Z"
            meta["deletionGracePeriodSeconds"] = 30
        conds = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": T0}
                 for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]
        status: Obj = {"phase": phase, "qosClass": "Burstable"}
        if node:
            status.update({"conditions": conds, "hostIP": "10.0.0.1", "podIP": f"10.1.{self.pods % 250}.{self.pods % 200}",
                           "podIPs": [{"ip": "10.1.0.1"}], "startTime": f"2024-05-01T10:{self.pods % 60:02d}:00Z",
                           "containerStatuses": [{"name": "main", "ready": True, "restartCount": 0,
                                                  "image": spec["containers"][0]["image"], "imageID": "sha256:abc",
                                                  "containerID": f"containerd://{rng.getrandbits(64):016x}",
                                                  "started": True, "state": {"running": {"startedAt": T0}}}]})
            if terminating:
                status["conditions"].append({"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                                             "message": "Kubernetes default-scheduler: preempting", "lastTransitionTime": T0})
        else:
            status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                     "message": "0/20 nodes are available: 20 Insufficient cpu.",
                                     "lastProbeTime": None, "lastTransitionTime": T0}]
            if self.pods % 2:
                status["nominatedNodeName"] = self.node_for()
        self.objects.append({"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status})
        self.pods += 1

    def suffix(self) -> str:
        """A random name suffix not given before (5,000 kube-proxy pods drew the same one twice)."""
        while True:
            self.serial += 1
            s = f"{self.rng.getrandbits(20):05x}{self.serial % 10}"
            if s not in self.suffixes:
                self.suffixes.add(s)
                return s


def make_cluster(*, nodes: int = 20, pods: int = 2000, seed: int = 7, teams: int | None = None) -> list[Obj]:
    """About ``pods`` pods (exactly, when it allows one per node for the DaemonSet) on ``nodes`` nodes.

    One pod in 25 is Succeeded or Failed (the loader must skip those), a few are pending,
    nominated or terminating; there are Deployments/ReplicaSets, StatefulSets, a DaemonSet,
    Jobs, PDBs with status, LimitRanges, PriorityClasses and Namespaces.
    """
    rng = random.Random(seed)
    node_objs = [_node(rng, i) for i in range(nodes)]
    names = [n["metadata"]["name"] for n in node_objs]
    b = _Builder(seed + 1, names)
    rng = b.rng
    teams = teams or max(2, pods // 500)
    namespaces = ["default", "kube-system"] + [f"team-{i:02d}-payments" for i in range(teams)]
    out: list[Obj] = []
    for ns in namespaces:
        out.append({"kind": "Namespace", "apiVersion": "v1",
                    "metadata": _meta(rng, ns, labels={"kubernetes.io/metadata.name": ns, "tier": "prod"}),
                    "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
    out.extend(node_objs)
    for name, value, policy, gd in (("critical-payments", 1_000_000, "PreemptLowerPriority", False),
                                    ("batch-low", 100, "Never", False), ("standard", 1000, "PreemptLowerPriority", True)):
        out.append({"kind": "PriorityClass", "apiVersion": "scheduling.k8s.io/v1", "metadata": _meta(rng, name),
                    "value": value, "preemptionPolicy": policy, "globalDefault": gd, "description": f"{name} class"})

    # kube-proxy: one pod per node, pinned with matchFields like the DaemonSet controller does.
    ds_labels = {"k8s-app": "kube-proxy"}
    ds_spec = _pod_spec(rng, "registry.k8s.io/kube-proxy:v1.29.4", "100m", "64Mi", app="kube-proxy", ns="kube-system",
                        extra={"priorityClassName": "system-node-critical", "hostNetwork": True})
    ds = {"kind": "DaemonSet", "apiVersion": "apps/v1", "metadata": _meta(rng, "kube-proxy", "kube-system", ds_labels),
          "spec": {"selector": {"matchLabels": ds_labels}, "template": _template(ds_spec, ds_labels)},
          "status": {"currentNumberScheduled": nodes, "desiredNumberScheduled": nodes, "numberReady": nodes,
                     "observedGeneration": 1}}
    out.append(ds)
    for node in names:
        spec = dict(ds_spec)
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}}
        b.pod(f"kube-proxy-{b.suffix()}", "kube-system", {**ds_labels, "controller-revision-hash": "6f5d8c7b9"},
              spec, _owner("DaemonSet", "apps/v1", ds), priority=2000001000, pclass="system-node-critical", node=node)

    # A ReplicationController, as old clusters still have.
    rc_labels = {"app": "legacy-billing"}
    rc_spec = _pod_spec(rng, "registry.example.com/legacy/billing:0.9", "200m", "256Mi", app="legacy-billing", ns="default")
    rc = {"kind": "ReplicationController", "apiVersion": "v1", "metadata": _meta(rng, "legacy-billing", "default", rc_labels),
          "spec": {"replicas": 2, "selector": rc_labels, "template": _template(rc_spec, rc_labels)},
          "status": {"replicas": 2, "readyReplicas": 2}}
    out.append(rc)
    for _ in range(2):
        b.pod(f"legacy-billing-{b.suffix()}", "default", rc_labels, rc_spec,
              _owner("ReplicationController", "v1", rc), priority=1000, pclass="standard")

    team_ns = namespaces[2:]
    d = 0
    while b.pods < pods:
        ns = team_ns[d % len(team_ns)]
        kind = ("deploy", "deploy", "deploy", "sts", "job")[d % 5]
        app = f"svc{d:04d}-checkout"
        labels = {"app": app, "app.kubernetes.io/instance": app}
        replicas = min(pods - b.pods, rng.randint(3, 12))
        pclass = ("critical-payments", None, "batch-low", "standard")[d % 4]
        prio = {"critical-payments": 1_000_000, None: 1000, "batch-low": 100, "standard": 1000}[pclass]
        extra: Obj = {}
        if d % 3 == 0:
            extra["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                    "labelSelector": {"matchLabels": {"app": app}},
                                                    "namespaces": [ns, "default"]}}]},
                "nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 10, "preference": {"matchExpressions": [
                        {"key": "kubernetes.io/hostname", "operator": "NotIn", "values": [names[0]]}]}}]}}
        if d % 4 == 1:
            extra["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                                   "whenUnsatisfiable": "ScheduleAnyway",
                                                   "labelSelector": {"matchLabels": {"app": app}}}]
            extra["affinity"] = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 5, "podAffinityTerm": {"topologyKey": "topology.kubernetes.io/zone",
                                                  "labelSelector": {"matchLabels": {"app": app}},
                                                  "namespaceSelector": {"matchExpressions": [
                                                      {"key": "kubernetes.io/metadata.name", "operator": "In",
                                                       "values": [ns]}]}}}]}}
        if d % 7 == 2:
            extra["nodeSelector"] = {"topology.kubernetes.io/zone": "eu-west-1a"}
        if d % 11 == 4:
            extra.setdefault("affinity", {})["nodeAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "example.com/cpu-generation", "operator": "Gt", "values": ["2"]},
                    {"key": "eks.amazonaws.com/nodegroup", "operator": "In", "values": ["pool-1", "pool-3"]}]}]}}
        spec = _pod_spec(rng, "registry.example.com/app/web:1.4.2", f"{rng.choice((50, 100, 250, 500))}m",
                         f"{rng.choice((64, 128, 256, 512))}Mi", app=app, ns=ns, extra=extra)
        if kind == "deploy":
            dep = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": _meta(rng, app, ns, labels),
                   "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}},
                            "template": _template(spec, labels)},
                   "status": {"replicas": replicas, "readyReplicas": replicas, "observedGeneration": 1,
                              "conditions": [{"type": "Available", "status": "True"}]}}
            h = f"{rng.getrandbits(36):09x}"
            rs_labels = {**labels, "pod-template-hash": h}
            rs = {"kind": "ReplicaSet", "apiVersion": "apps/v1",
                  "metadata": _meta(rng, f"{app}-{h}", ns, rs_labels, _owner("Deployment", "apps/v1", dep)),
                  "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app, "pod-template-hash": h}},
                           "template": _template(spec, rs_labels)},
                  "status": {"replicas": replicas, "readyReplicas": replicas}}
            out += [dep, rs]
            for r in range(replicas):
                pending = r == 0 and d % 6 == 5
                b.pod(f"{app}-{h}-{b.suffix()}", ns, rs_labels, spec, _owner("ReplicaSet", "apps/v1", rs),
                      priority=prio, pclass=pclass or "standard", phase="Pending" if pending else "Running",
                      node=None if pending else "", terminating=(r == 1 and d % 8 == 3),
                      deletion_cost=-100 if r == 2 else None)
        elif kind == "sts":
            sts = {"kind": "StatefulSet", "apiVersion": "apps/v1", "metadata": _meta(rng, app, ns, labels),
                   "spec": {"replicas": replicas, "serviceName": app, "selector": {"matchLabels": {"app": app}},
                            "template": _template(spec, labels)},
                   "status": {"replicas": replicas, "collisionCount": 0}}
            out.append(sts)
            for r in range(replicas):
                b.pod(f"{app}-{r}", ns, {**labels, "statefulset.kubernetes.io/pod-name": f"{app}-{r}",
                                         "controller-revision-hash": f"{app}-7d9f8c6b5"},
                      spec, _owner("StatefulSet", "apps/v1", sts), priority=prio, pclass=pclass or "standard")
        else:
            job = {"kind": "Job", "apiVersion": "batch/v1", "metadata": _meta(rng, app, ns, labels),
                   "spec": {"parallelism": replicas, "completions": replicas * 2,
                            "template": _template({**spec, "restartPolicy": "Never"}, labels)},
                   "status": {"active": replicas, "succeeded": 1, "failed": 1,
                              "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]
                              if d % 10 == 4 else [{"type": "SuccessCriteriaMet", "status": "False"}]}}
            out.append(job)
            for r in range(replicas):
                phase = ("Succeeded", "Failed", "Running", "Running", "Running")[r % 5] if r < 5 else "Running"
                b.pod(f"{app}-{b.suffix()}", ns, {**labels, "job-name": app, "batch.kubernetes.io/job-name": app},
                      {**spec, "restartPolicy": "Never"}, _owner("Job", "batch/v1", job),
                      priority=prio, pclass=pclass or "standard", phase=phase)
        if d % 3 != 2:
            out.append({"kind": "Service", "apiVersion": "v1", "metadata": _meta(rng, app, ns, labels),
                        "spec": {"selector": {"app": app}, "type": "ClusterIP", "clusterIP": f"172.20.{d % 250}.{d % 200}",
                                 "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]},
                        "status": {"loadBalancer": {}}})
        if d % 2 == 0:
            out.append({"kind": "PodDisruptionBudget", "apiVersion": "policy/v1",
                        "metadata": _meta(rng, f"{app}-pdb", ns),
                        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": app}}},
                        "status": {"currentHealthy": replicas, "desiredHealthy": 2,
                                   "disruptionsAllowed": max(0, replicas - 2), "expectedPods": replicas,
                                   "observedGeneration": 1,
                                   "disruptedPods": {f"{app}-0": T0} if kind == "sts" else {},
                                   "conditions": [{"type": "DisruptionAllowed", "status": "True",
                                                   "reason": "SufficientPods", "lastTransitionTime": T0}]}})
        d += 1
    for ns in team_ns:
        out.append({"kind": "LimitRange", "apiVersion": "v1", "metadata": _meta(rng, "defaults", ns),
                    "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                                         "default": {"memory": "256Mi"}}]}})
    return out + b.objects


def running_objects(objects: list[Obj]) -> list[Obj]:
    """What the loader should read: everything but Succeeded/Failed pods."""
    return [o for o in objects
            if not (o["kind"] == "Pod" and (o.get("status") or {}).get("phase") in ("Succeeded", "Failed"))]
