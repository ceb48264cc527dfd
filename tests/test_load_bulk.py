"""Pods admitted in bulk (priocli.load.parse.admit_pods) are admitted exactly as one by one.

The bulk path admits the first pod of each shape (namespace, labels, ownerReferences, spec
without nodeName) and gives the others what it admitted, reading only their own fields; anything
unusual sends a pod through ``parse_pod``. Every test here builds the same documents with
``BULK`` on and off and requires the same result: the same error message word for word, or the
same pods, warnings and PodSpecInfo sharing.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios
from test_bad_inputs import RICH

import priocli.load.cluster as cluster_mod
from priocli.errors import InputError
from priocli.load.cluster import ClusterInput, build_cluster
from priocli.load.documents import Document
from priocli.load.parse import Admission, admit_pods
from priocli.model import Source

CLASS = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a", "labels": {"zone": "a"}},
        "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}}

# A pod that uses every field parse_pod reads: the pod of tests/test_bad_inputs.py RICH, with a
# second owner reference, another label and the scheduler's DisruptionTarget condition.
POD = copy.deepcopy(next(d for d in yaml.safe_load_all(RICH) if d["kind"] == "Pod"))
POD["metadata"].update(uid="1234", labels={"app": "web", "tier": "front"}, ownerReferences=[
    {"apiVersion": "v1", "kind": "Other", "name": "o", "controller": False},
    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u", "controller": True,
     "blockOwnerDeletion": True}])
POD["status"]["conditions"].append({"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"})


def _docs(objs: list[dict[str, Any]]) -> list[Document]:
    return [Document(copy.deepcopy(o), Source("in.yaml", i + 1)) for i, o in enumerate(objs)]


def _dump(c: ClusterInput) -> str:
    first: dict[int, int] = {}
    sharing = [first.setdefault(id(p.spec), i) for i, p in enumerate(c.pods)]
    return "\n".join([*map(repr, c.pods), *map(repr, c.warnings), repr(c.spread_selectors),
                      repr([(p.key, p.disruptions_allowed) for p in c.pdbs]), repr(sharing)])


def _outcome(objs: list[dict[str, Any]], bulk: bool) -> str:
    saved = cluster_mod.BULK
    cluster_mod.BULK = bulk
    try:
        return _dump(build_cluster(_docs(objs)))
    except InputError as e:
        return f"error: {e}"
    finally:
        cluster_mod.BULK = saved


def assert_same(objs: list[dict[str, Any]]) -> str:
    reference = _outcome(objs, False)
    assert _outcome(objs, True) == reference
    return reference


def _pod(name: str, node: str | None = "node-a", base: dict[str, Any] | None = None) -> dict[str, Any]:
    p = copy.deepcopy(POD if base is None else base)
    p["metadata"]["name"] = name
    if node is None:
        p["spec"].pop("nodeName", None)
    else:
        p["spec"]["nodeName"] = node
    return p


def test_replicas_share_what_their_first_pod_admitted() -> None:
    out = assert_same([CLASS, NODE, *(_pod(f"web-{i}") for i in range(4))])
    assert "error" not in out
    c = build_cluster(_docs([CLASS, NODE, *(_pod(f"web-{i}") for i in range(4))]))
    assert len({id(p.spec) for p in c.pods}) == 1 and len({id(p.labels) for p in c.pods}) == 1
    assert [p.name for p in c.pods] == [f"web-{i}" for i in range(4)]
    assert all(p.ready and p.disruption_target_by_scheduler and p.owner and p.owner.name == "rs" for p in c.pods)


# ---------------------------------------------------------------- a wrong value at every field


def _paths(obj: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _wrong(v: Any) -> tuple[Any, ...]:
    """Values of another type, including the ones == cannot tell apart (1, 1.0 and True)."""
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    if isinstance(v, dict):
        return (["x"], "x", None, {})
    if isinstance(v, list):
        return ({"a": "b"}, "x", None, [])
    if isinstance(v, bool):
        return ("maybe", 1, 0, 1.0, None, not v)
    if isinstance(v, int):
        return ("x", float(v), True, False, str(v), None, v + 1)
    return ([1], {"a": 1}, None, 1, True, "", when, v + "x")


def _get(obj: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        obj = obj[part]
    return obj


def _set(obj: Any, path: tuple[str | int, ...], value: Any) -> None:
    _get(obj, path[:-1])[path[-1]] = value


CASES = [(path, bad) for path in _paths({k: POD[k] for k in ("metadata", "spec", "status")})
         for bad in _wrong(_get(POD, path))]


@pytest.mark.parametrize("where", ["first", "later"])
@pytest.mark.parametrize(("path", "bad"), CASES, ids=[f"{'.'.join(map(str, p))}={b!r}" for p, b in CASES])
def test_a_wrong_value_in_one_replica(path: tuple[str | int, ...], bad: Any, where: str) -> None:
    """The replica with the wrong value is the first of its shape or comes after two good ones."""
    pods = [_pod(f"web-{i}") for i in range(4)]
    _set(pods[0 if where == "first" else 2], path, bad)
    assert_same([CLASS, NODE, *pods])


def test_missing_fields_one_at_a_time() -> None:
    for path in _paths({k: POD[k] for k in ("metadata", "spec", "status")}):
        pods = [_pod(f"web-{i}") for i in range(3)]
        parent = _get(pods[1], path[:-1])
        del parent[path[-1]]
        assert_same([CLASS, NODE, *pods])


# ---------------------------------------------------------------- order, sharing, warnings


def test_label_order_is_each_pods_own() -> None:
    a = _pod("a")
    b = _pod("b")
    b["metadata"]["labels"] = {"tier": "front", "app": "web"}
    c = _pod("c")
    out = assert_same([CLASS, NODE, a, b, c])
    assert "'tier': 'front', 'app': 'web'" in out


def test_spec_key_order_shares_the_parsed_spec() -> None:
    a = _pod("a")
    b = _pod("b")
    b["spec"] = dict(reversed(list(b["spec"].items())))
    b["spec"]["containers"][0]["resources"]["requests"] = {"memory": "64Mi", "cpu": "100m"}
    assert_same([CLASS, NODE, a, b, _pod("c"), b | {"metadata": {**b["metadata"], "name": "d"}}])


def test_interleaved_shapes_and_queued_pods() -> None:
    other = _pod("x")
    other["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "300m"
    pods = []
    for i in range(6):
        pods.append(_pod(f"a-{i}", node=None if i % 2 else "node-a"))
        pods.append(_pod(f"b-{i}", base=other))
    for p in pods[4:8]:
        p["metadata"].pop("uid")
        p["status"] = {}
    assert_same([CLASS, NODE, *pods])


def test_pods_with_warnings_get_each_their_own() -> None:
    pods = [_pod(f"web-{i}") for i in range(3)]
    for p in pods:
        p["spec"]["priorityClassName"] = "gone"  # admitted, the class is no longer there
    changed = [_pod(f"v-{i}") for i in range(2)]
    for p in changed:
        p["spec"]["priority"] = 7  # admitted with another value than the class has now
    out = assert_same([CLASS, NODE, *pods, *changed])
    assert out.count("MissingPriorityClass") == 3 and out.count("PriorityClassChanged") == 2


def test_queued_pods_that_break_priority_admission() -> None:
    good = _pod("a", node=None)
    for p in (good,):
        p["metadata"].pop("uid")
        p["status"] = {}
    bad = copy.deepcopy(good)
    bad["metadata"]["name"] = "b"
    bad["spec"]["priority"] = 5
    assert "must not be provided" in assert_same([CLASS, NODE, good, copy.deepcopy(good) | {"metadata": {
        **good["metadata"], "name": "c"}}, bad])


def test_daemonset_pods_pinned_by_node_affinity() -> None:
    pods = []
    for i in range(5):
        p = _pod(f"ds-{i}", node=f"n{i}")
        terms = p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        terms["nodeSelectorTerms"][0]["matchFields"][0]["values"] = [f"n{i}"]
        pods.append(p)
    pods[3]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"][0]["matchFields"][0]["operator"] = "Near"
    assert "invalid operator 'Near'" in assert_same([CLASS, NODE, *pods])
    assert "error" not in assert_same([CLASS, NODE, *pods[:3]])


def test_times_of_every_kind() -> None:
    values: list[Any] = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00z", " 2024-01-01T00:00:00+02:00 ",
                         "2024-01-01T00:00:00", "", None, datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=timezone.utc),
                         "yesterday", 5, "9999-12-31T23:59:59-23:00"]
    for field in (("status", "startTime"), ("metadata", "creationTimestamp"), ("metadata", "deletionTimestamp")):
        pods = [_pod(f"p-{i}") for i in range(len(values) + 1)]
        for p, v in zip(pods[1:], values, strict=True):
            _set(p, field, v)
        for p, v in zip(pods[1:], values, strict=True):
            assert_same([CLASS, NODE, pods[0], p]), (field, v)


def test_admit_pods_numbers_uids_from_first_uid() -> None:
    pods, warnings = admit_pods(_docs([_pod(f"p-{i}") for i in range(3)]), _admission(), first_uid=5)
    assert [p.uid for p in pods] == [5, 6, 7] and not warnings


def _admission() -> Admission:
    from priocli.load.parse import parse_priority_class

    return Admission.build([parse_priority_class(CLASS, None)])


# ---------------------------------------------------------------- generated scenarios


def _replicated(objs: list[dict[str, Any]], times: int) -> list[dict[str, Any]]:
    out = []
    for o in objs:
        out.append(o)
        if o.get("kind") == "Pod":
            for i in range(times):
                r = copy.deepcopy(o)
                r["metadata"]["name"] = f"{o['metadata']['name']}-r{i}"
                out.append(r)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(1, 3))
def test_generated_scenarios_replicated(scenario: Any, times: int) -> None:
    from priocli.load.parse import compute_disruptions_allowed

    objs = _replicated(scenario.documents(), times)
    if "error" not in assert_same(objs):
        c = build_cluster(_docs(objs))
        assert [p.disruptions_allowed for p in c.pdbs if not p.status_given] == [
            compute_disruptions_allowed(p, c.pods, c.replicas_of) for p in c.pdbs if not p.status_given]


def test_podspecinfo_fields_in_the_order_the_loader_builds_it() -> None:
    """parse.py builds PodSpecInfo positionally (it is built once per distinct spec and per
    DaemonSet pod): a field added or moved must be added there too."""
    from dataclasses import fields

    from priocli.model import PodSpecInfo

    assert [f.name for f in fields(PodSpecInfo)] == [
        "requests", "nonzero_cpu", "nonzero_mem", "score_cpu", "score_mem", "host_ports", "tolerations",
        "node_selector", "required_node_affinity", "preferred_node_affinity", "pod_affinity_required",
        "pod_affinity_preferred", "pod_anti_affinity_required", "pod_anti_affinity_preferred", "topology_spread",
        "images", "scheduler_name", "scheduling_gates", "node_name", "unmodeled"]


def _pdb(name: str, ns: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name, "namespace": ns},
            "spec": spec}


def test_disruptions_allowed_computed_over_the_candidates_equals_over_all_pods() -> None:
    from priocli.load.parse import compute_disruptions_allowed

    pods = []
    for ns in ("a", "b"):
        for app in ("web", "db"):
            for i in range(3):
                p = _pod(f"{app}-{i}")
                p["metadata"]["namespace"] = ns
                p["metadata"]["labels"] = {"app": app, "tier": "x" if i else "y"}
                if i == 2:
                    p["status"]["conditions"] = []  # not ready
                pods.append(p)
    pdbs = [
        _pdb("p1", "a", {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": 1}),
        _pdb("p2", "a", {"selector": {"matchLabels": {"tier": "x", "app": "db"}}, "maxUnavailable": "50%"}),
        _pdb("p3", "b", {"selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]},
                         "minAvailable": "50%"}),
        _pdb("p4", "b", {"selector": {}, "maxUnavailable": 1}),
        _pdb("p5", "b", {"minAvailable": 1}),
        _pdb("p6", "c", {"selector": {"matchLabels": {"app": "web"}}}),
    ]
    c = build_cluster(_docs([CLASS, NODE, *pods, *pdbs]))
    got = [p.disruptions_allowed for p in c.pdbs]
    assert got == [compute_disruptions_allowed(p, c.pods, c.replicas_of) for p in c.pdbs]
    assert got != [0] * len(got)


# ---------------------------------------------------------------- what admission reads of a spec


def _token_volume(p: dict[str, Any], suffix: str) -> None:
    """What the API server adds to every pod: a projected token volume with a random name."""
    name = f"kube-api-access-{suffix}"
    p["spec"]["volumes"] = [*p["spec"].get("volumes", []), {"name": name, "projected": {"defaultMode": 420}}]
    for c in p["spec"]["containers"]:
        c["volumeMounts"] = [{"name": name, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]
        c["env"] = [{"name": "POD", "value": suffix}]


def test_replicas_differing_in_fields_admission_does_not_read_share_their_spec() -> None:
    pods = [_pod(f"web-{i}") for i in range(4)]
    for i, p in enumerate(pods):
        _token_volume(p, f"x{i}")
        p["spec"]["terminationGracePeriodSeconds"] = 30 if i % 2 else 30.0
    out = assert_same([CLASS, NODE, *pods])
    assert out.endswith("[0, 0, 0, 0]")  # one PodSpecInfo for the four
    c = build_cluster(_docs([CLASS, NODE, *pods]))
    assert c.pods[0].spec.unmodeled == ("volume v (persistentVolumeClaim)",)


def test_volume_names_that_are_read_keep_specs_apart() -> None:
    a, b = _pod("a"), _pod("b")
    b["spec"]["volumes"][0]["name"] = "w"  # a PVC volume: its name is in the unmodeled-feature message
    c = build_cluster(_docs([CLASS, NODE, a, b]))
    assert [p.spec.unmodeled for p in c.pods] == [("volume v (persistentVolumeClaim)",),
                                                  ("volume w (persistentVolumeClaim)",)]
    assert_same([CLASS, NODE, a, b])


def test_daemonset_pods_with_their_own_token_volumes() -> None:
    pods = []
    for i in range(4):
        p = _pod(f"ds-{i}", node=f"n{i}")
        p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
            "nodeSelectorTerms"][0]["matchFields"][0]["values"] = [f"n{i}"]
        _token_volume(p, f"t{i}")
        pods.append(p)
    out = assert_same([CLASS, NODE, *pods])
    assert out.endswith("[0, 1, 2, 3]")


class _Recording(dict):  # type: ignore[type-arg]
    """A dict that records the keys read from it (parse code reads with .get and [])."""

    def __init__(self, data: dict[str, Any], path: str, read: set[str]) -> None:
        super().__init__({k: _record(v, f"{path}.{k}", read) for k, v in data.items()})
        self._path, self._read = path, read

    def get(self, key: Any, default: Any = None) -> Any:
        self._read.add(f"{self._path}.{key}")
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._read.add(f"{self._path}.{key}")
        return super().__getitem__(key)


def _record(v: Any, path: str, read: set[str]) -> Any:
    if isinstance(v, dict):
        return _Recording(v, path, read)
    if isinstance(v, list):
        return [_record(x, f"{path}[]", read) for x in v]
    return v


def test_admitted_fields_hold_everything_parse_pod_spec_reads() -> None:
    """A field parse_pod_spec starts reading must be added to admitted_fields (else pods that
    differ in it would share one PodSpecInfo)."""
    import priocli.load.parse as parse

    spec = copy.deepcopy(POD["spec"])
    spec.pop("nodeName")
    spec["resourceClaims"] = [{"name": "gpu"}]
    read: set[str] = set()
    parse.parse_pod_spec(parse.Ctx(None, None), _record(spec, "spec", read))
    top = {p.split(".")[1].removesuffix("[]") for p in read}
    assert top <= {*parse._READ_SPEC_FIELDS, "containers", "initContainers", "volumes", "resourceClaims", "nodeName"}
    containers = {p.split(".")[2].removesuffix("[]") for p in read
                  if p.startswith(("spec.containers[].", "spec.initContainers[]."))}
    assert containers <= set(parse._READ_CONTAINER_FIELDS)
    volumes = {p.split(".")[2].removesuffix("[]") for p in read if p.startswith("spec.volumes[].")}
    assert {"hostNetwork", "containers", "volumes", "resourceClaims", "affinity"} <= top and "ports" in containers
    assert volumes <= {"name", *parse.UNMODELED_VOLUMES}


def test_statefulset_pods_each_with_its_own_name_label() -> None:
    pods = [_pod(f"db-{i}") for i in range(4)]
    for i, p in enumerate(pods):
        p["metadata"]["labels"] = {"app": "db", "statefulset.kubernetes.io/pod-name": f"db-{i}"}
    pods[2]["metadata"]["labels"]["apps.kubernetes.io/pod-index"] = 2  # not a string: refused
    assert "label value must be a string" in assert_same([CLASS, NODE, *pods])
    del pods[2]["metadata"]["labels"]["apps.kubernetes.io/pod-index"]
    assert_same([CLASS, NODE, *pods])
    c = build_cluster(_docs([CLASS, NODE, *pods]))
    assert [p.labels["statefulset.kubernetes.io/pod-name"] for p in c.pods] == [f"db-{i}" for i in range(4)]
    assert len({id(p.spec) for p in c.pods}) == 1
