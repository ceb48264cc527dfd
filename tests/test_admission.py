"""Admission (kube-scheduler semantics reference §1-§3.1): what the API server does to a pod
before the scheduler sees it, and the errors it answers with.

Priority admission (class value, globalDefault, system classes, the two Forbidden messages),
SetDefaults_Pod (requests from limits, hostNetwork host ports), DefaultTolerationSeconds,
and PodRequests' init / sidecar / overhead arithmetic. Each rule is checked on the admitted
pod and, where it changes a decision, through a whole pass.
"""

from __future__ import annotations

import pytest
from helpers import failures, load, message, node, pc, pod, run, states, taint

from priocli.errors import InputError
from priocli.model import Pod, Toleration

MI = 1024 * 1024
GI = 1024 * MI
NODE = node("node-a")


def admitted(*docs: dict, name: str = "p") -> Pod:
    cluster = load(NODE, *docs)
    [p] = [p for p in cluster.pods if p.name == name]
    return p


# ----------------------------------------------------------------------------- priority


def test_class_sets_priority_and_policy() -> None:
    p = admitted(pc("batch", 500, never=True), pod("p", cls="batch"))
    assert (p.priority, p.priority_class_name, p.preemption_policy) == (500, "batch", "Never")


def test_missing_class_is_forbidden() -> None:
    with pytest.raises(InputError) as e:
        load(NODE, pc("gold-ish", 5), pod("web", cls="gold"))
    assert str(e.value) == ('<stdin>: document 3 (Pod default/web): spec.priorityClassName: '
                            'pods "web" is forbidden: no PriorityClass with name gold was found')


def test_missing_class_of_an_admitted_pod_keeps_its_priority() -> None:
    """A pod read back from a cluster was admitted already: its class may be gone since."""
    cluster = load(NODE, pod("old", cls="gone", node="node-a", spec={"priority": 42}))
    [p] = cluster.pods
    assert (p.priority, p.priority_class_name) == (42, "gone")
    assert [(w.code, w.object) for w in cluster.warnings] == [("MissingPriorityClass", "Pod default/old")]


@pytest.mark.parametrize("given", [0, 999, 1001, -1000])
def test_priority_given_different_from_the_class_is_forbidden(given: int) -> None:
    with pytest.raises(InputError) as e:
        load(NODE, pc("high", 1000), pod("web", cls="high", spec={"priority": given}))
    assert str(e.value) == (
        f"<stdin>: document 3 (Pod default/web): spec.priority: the integer value of priority ({given}) must "
        f"not be provided in pod spec; priority admission controller computed 1000 from the given "
        f"PriorityClass name")


def test_priority_given_equal_to_the_class_is_accepted() -> None:
    assert admitted(pc("high", 1000), pod("p", cls="high", spec={"priority": 1000})).priority == 1000


def test_priority_given_without_class_must_be_zero() -> None:
    assert admitted(pod("p", spec={"priority": 0})).priority == 0
    with pytest.raises(InputError, match=r"spec\.priority: the integer value of priority \(7\) must not be "
                                         r"provided in pod spec; priority admission controller computed 0 "):
        load(NODE, pod("p", spec={"priority": 7}))


def test_priority_given_without_class_must_equal_the_global_default() -> None:
    with pytest.raises(InputError, match=r"priority \(0\) must not be provided in pod spec; priority admission "
                                         r"controller computed 100 from"):
        load(NODE, pc("base", 100, default=True), pod("p", spec={"priority": 0}))


def test_admitted_pod_keeps_priority_when_its_class_changed() -> None:
    cluster = load(NODE, pc("high", 2000), pod("old", cls="high", node="node-a", spec={"priority": 1000}))
    [p] = cluster.pods
    assert p.priority == 1000
    assert [(w.code, w.object) for w in cluster.warnings] == [("PriorityClassChanged", "Pod default/old")]


@pytest.mark.parametrize(("cls_never", "given", "computed"), [
    (False, "Never", "PreemptLowerPriority"),
    (True, "PreemptLowerPriority", "Never"),
])
def test_preemption_policy_given_different_from_the_class_is_forbidden(cls_never: bool, given: str,
                                                                        computed: str) -> None:
    with pytest.raises(InputError) as e:
        load(NODE, pc("c", 10, never=cls_never), pod("web", cls="c", spec={"preemptionPolicy": given}))
    assert str(e.value) == (
        f"<stdin>: document 3 (Pod default/web): spec.preemptionPolicy: the string value of PreemptionPolicy "
        f"({given}) must not be provided in pod spec; priority admission controller computed {computed} from "
        f"the given PriorityClass name")


def test_preemption_policy_given_equal_to_the_class_is_accepted() -> None:
    p = admitted(pc("c", 10, never=True), pod("p", cls="c", spec={"preemptionPolicy": "Never"}))
    assert p.preemption_policy == "Never"


def test_preemption_policy_without_any_class_is_preempt_lower_priority() -> None:
    with pytest.raises(InputError, match=r"PreemptionPolicy \(Never\) must not be provided in pod spec; priority "
                                         r"admission controller computed PreemptLowerPriority"):
        load(NODE, pod("p", spec={"preemptionPolicy": "Never"}))


def test_no_class_and_no_global_default() -> None:
    p = admitted(pc("other", 50), pod("p"))
    assert (p.priority, p.priority_class_name, p.preemption_policy) == (0, None, "PreemptLowerPriority")


def test_global_default_class_is_written_into_the_pod() -> None:
    p = admitted(pc("base", 100, never=True, default=True), pod("p"))
    assert (p.priority, p.priority_class_name, p.preemption_policy) == (100, "base", "Never")


def test_global_default_lowest_value_wins() -> None:
    cluster = load(NODE, pc("b-high", 300, default=True), pc("a-low", 100, default=True),
                   pc("c-mid", 200, default=True), pod("p"))
    [p] = cluster.pods
    assert (p.priority, p.priority_class_name) == (100, "a-low")
    [w] = cluster.warnings
    assert w.code == "MultipleGlobalDefaults"
    assert w.message == ("3 PriorityClasses are marked globalDefault (a-low, c-mid, b-high); the API server admits "
                         "only one; pods without a class get the lowest: a-low")


def test_global_default_does_not_apply_to_pods_with_a_class() -> None:
    p = admitted(pc("base", 100, default=True), pc("high", 1000), pod("p", cls="high"))
    assert (p.priority, p.priority_class_name) == (1000, "high")


@pytest.mark.parametrize(("cls", "value"), [("system-cluster-critical", 2000000000),
                                            ("system-node-critical", 2000001000)])
def test_system_classes_exist_without_being_declared(cls: str, value: int) -> None:
    p = admitted(pod("p", cls=cls))
    assert (p.priority, p.priority_class_name, p.preemption_policy) == (value, cls, "PreemptLowerPriority")


def test_system_classes_as_kubectl_lists_them_are_accepted() -> None:
    p = admitted(pc("system-node-critical", 2000001000), pod("p", cls="system-node-critical"))
    assert p.priority == 2000001000


def test_system_class_cannot_be_redefined() -> None:
    with pytest.raises(InputError, match=r"system-cluster-critical is built in .* cannot be changed"):
        load(NODE, pc("system-cluster-critical", 5))


def test_user_class_above_one_billion_is_refused() -> None:
    assert admitted(pc("top", 1_000_000_000), pod("p", cls="top")).priority == 1_000_000_000
    with pytest.raises(InputError, match=r"value: 1000000001 is above the highest user-definable priority 1000000000"):
        load(NODE, pc("too-high", 1_000_000_001))


def test_system_critical_pod_preempts_the_highest_user_class() -> None:
    result = run(node("a", cpu="1"), pc("top", 1_000_000_000),
                 pod("user", cls="top", cpu="1", node="a"),
                 pod("p", cls="system-cluster-critical", cpu="1"))
    assert states(result) == {"default/p": ("running", "a"), "default/user": ("evicted", "a")}


# ----------------------------------------------------------------------------- requests


def test_requests_default_from_limits_for_containers_and_init_containers() -> None:
    limits_only = {"limits": {"cpu": "500m", "memory": "1Gi", "nvidia.com/gpu": "1"}}
    p = admitted(pod("p", resources=limits_only,
                     spec={"initContainers": [{"name": "init", "image": "x", "resources": {
                         "limits": {"cpu": "2", "memory": "64Mi"}}}]}))
    # init container: cpu 2 (from its limit) beats the regular 500m; memory 1Gi beats 64Mi
    assert p.spec.requests == {"cpu": 2000, "memory": GI, "nvidia.com/gpu": 1}


def test_explicit_requests_are_kept_even_zero() -> None:
    res = {"requests": {"cpu": "0", "memory": "100Mi"}, "limits": {"cpu": "1", "memory": "1Gi",
                                                                   "ephemeral-storage": "2Gi"}}
    p = admitted(pod("p", resources=res))
    assert p.spec.requests == {"cpu": 0, "memory": 100 * MI, "ephemeral-storage": 2 * GI}


def test_limits_only_pod_is_filtered_on_its_limits() -> None:
    result = run(node("a", cpu="1"), pod("p", resources={"limits": {"cpu": "1500m"}}))
    assert failures(result, "default/p") == [
        "0/1 nodes are available: 1 Insufficient cpu. "
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."]


def test_limits_only_init_container_is_filtered_on_its_limits() -> None:
    init = [{"name": "migrate", "image": "x", "resources": {"limits": {"memory": "3Gi"}}}]
    result = run(node("a", memory="2Gi"), pod("p", memory="1Gi", spec={"initContainers": init}))
    assert message(result, "default/p") == (
        "0/1 nodes are available: 1 Insufficient memory. "
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")


def container(name: str, cpu: str | None = None, memory: str | None = None, *, sidecar: bool = False) -> dict:
    c: dict = {"name": name, "image": "x"}
    req = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    if req:
        c["resources"] = {"requests": req}
    if sidecar:
        c["restartPolicy"] = "Always"
    return c


def spec_of(containers: list[dict], init: list[dict] | None = None, overhead: dict | None = None) -> dict:
    s: dict = {"containers": containers}
    if init:
        s["initContainers"] = init
    if overhead:
        s["overhead"] = overhead
    return s


def admitted_spec(spec: dict) -> Pod:
    return admitted({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})


def test_init_containers_count_as_a_maximum_and_overhead_is_added() -> None:
    p = admitted_spec(spec_of(
        [container("a", "100m", "100Mi"), container("b", "200m")],
        [container("init", "500m", "50Mi")],
        {"cpu": "50m", "memory": "10Mi"}))
    # max(sum(100m, 200m), 500m) + 50m ; max(100Mi, 50Mi) + 10Mi
    assert p.spec.requests == {"cpu": 550, "memory": 110 * MI}


def test_sidecar_runs_alongside_later_init_containers_and_the_regular_ones() -> None:
    p = admitted_spec(spec_of([container("app", "100m")],
                              [container("proxy", "200m", sidecar=True), container("init", "250m")]))
    # regular sum 100m + sidecar 200m = 300m; init runs beside the sidecar: 250m + 200m = 450m
    assert p.spec.requests == {"cpu": 450}


def test_sidecar_started_after_an_init_container_does_not_add_to_it() -> None:
    p = admitted_spec(spec_of([container("app", "100m")],
                              [container("init", "500m"), container("proxy", "200m", sidecar=True)]))
    # init alone 500m (no sidecar started yet) beats 100m + 200m
    assert p.spec.requests == {"cpu": 500}


def test_sidecars_accumulate() -> None:
    p = admitted_spec(spec_of([container("app", "100m", "64Mi")],
                              [container("s1", "300m", "1Gi", sidecar=True),
                               container("s2", "300m", sidecar=True),
                               container("init", "200m", "128Mi")]))
    # regular + sidecars: 700m, 1Gi+64Mi; the init beside both sidecars: 800m, 1Gi+128Mi
    assert p.spec.requests == {"cpu": 800, "memory": GI + 128 * MI}


def test_non_zero_figures_of_a_pod_with_a_sidecar() -> None:
    """NodeInfo.NonZeroRequested (v1.29 calculateResource) does not add sidecars to the regular sum;
    the incoming pod's scoring request (NonMissingContainerRequests) does."""
    p = admitted_spec(spec_of([container("app", "100m")], [container("proxy", "200m", sidecar=True)]))
    assert p.spec.requests == {"cpu": 300}
    assert (p.spec.nonzero_cpu, p.spec.nonzero_mem) == (200, 200 * MI)
    assert (p.spec.score_cpu, p.spec.score_mem) == (300, 400 * MI)


def test_non_zero_defaults_only_fill_missing_entries() -> None:
    p = admitted_spec(spec_of([container("a", "0"), container("b", memory="1Gi")], overhead={"cpu": "10m"}))
    assert p.spec.requests == {"cpu": 10, "memory": GI}
    # a: cpu 0 is explicit (kept), memory missing (200Mi); b: cpu missing (100m)
    assert (p.spec.nonzero_cpu, p.spec.nonzero_mem) == (110, GI + 200 * MI)
    assert (p.spec.score_cpu, p.spec.score_mem) == (110, GI + 200 * MI)


def test_overhead_counts_in_filtering() -> None:
    result = run(node("a", cpu="1"), pod("p", cpu="900m", spec={"overhead": {"cpu": "200m"}}))
    assert states(result) == {"default/p": ("pending", None)}
    assert message(result, "default/p").startswith("0/1 nodes are available: 1 Insufficient cpu.")


# ----------------------------------------------------------------------------- tolerations


NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"


def test_default_toleration_seconds_are_added() -> None:
    p = admitted(pod("p", spec={"tolerations": [{"key": "dedicated", "operator": "Exists"}]}))
    assert p.spec.tolerations == (
        Toleration("dedicated", "Exists", "", ""),
        Toleration(NOT_READY, "Exists", "", "NoExecute"),
        Toleration(UNREACHABLE, "Exists", "", "NoExecute"),
    )


@pytest.mark.parametrize("tol", [
    {"operator": "Exists"},
    {"operator": "Exists", "effect": "NoExecute"},
])
def test_default_tolerations_not_added_when_already_tolerated(tol: dict) -> None:
    p = admitted(pod("p", spec={"tolerations": [tol]}))
    assert len(p.spec.tolerations) == 1


def test_only_the_missing_default_toleration_is_added() -> None:
    p = admitted(pod("p", spec={"tolerations": [{"key": NOT_READY, "operator": "Exists"}]}))
    assert p.spec.tolerations == (Toleration(NOT_READY, "Exists", "", ""),
                                  Toleration(UNREACHABLE, "Exists", "", "NoExecute"))


@pytest.mark.parametrize("key", [NOT_READY, UNREACHABLE])
def test_default_tolerations_tolerate_not_ready_and_unreachable_no_execute(key: str) -> None:
    result = run(node("a", taints=[taint(key, effect="NoExecute")]), pod("p"))
    assert states(result) == {"default/p": ("running", "a")}


def test_default_tolerations_do_not_tolerate_no_schedule() -> None:
    result = run(node("a", taints=[taint(NOT_READY, effect="NoSchedule")]), pod("p"))
    assert message(result, "default/p") == (
        "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")


def test_a_toleration_for_the_key_and_effect_suppresses_the_default_even_if_it_does_not_tolerate() -> None:
    """DefaultTolerationSeconds looks at key and effect only: an Equal toleration with a value that
    the taint does not have still counts as "already tolerated", so the default is not added."""
    own = {"key": NOT_READY, "operator": "Equal", "value": "maybe", "effect": "NoExecute"}
    p = admitted(pod("p", spec={"tolerations": [own]}))
    assert NOT_READY not in [t.key for t in p.spec.tolerations if t.operator == "Exists"]
    result = run(node("a", taints=[taint(NOT_READY, effect="NoExecute")]), pod("p", spec={"tolerations": [own]}))
    assert message(result, "default/p") == (
        "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")


# ----------------------------------------------------------------------------- host ports


def host_network_pod(name: str, port: int, *, node_name: str | None = None, init_port: int | None = None) -> dict:
    spec: dict = {"hostNetwork": True}
    if init_port is not None:
        spec["initContainers"] = [{"name": "init", "image": "x", "ports": [{"containerPort": init_port}]}]
    p = pod(name, node=node_name, spec=spec)
    p["spec"]["containers"][0]["ports"] = [{"containerPort": port}]
    return p


def test_host_network_container_ports_become_host_ports() -> None:
    p = admitted(host_network_pod("p", 8080))
    assert [(h.ip, h.protocol, h.port) for h in p.spec.host_ports] == [("", "TCP", 8080)]


def test_container_ports_without_host_network_are_not_host_ports() -> None:
    p = pod("p")
    p["spec"]["containers"][0]["ports"] = [{"containerPort": 8080}]
    assert admitted(p).spec.host_ports == ()


def test_host_network_pods_conflict_on_their_container_ports() -> None:
    result = run(node("a"), host_network_pod("agent", 9100, node_name="a"), host_network_pod("p", 9100))
    assert states(result)["default/p"] == ("pending", None)
    assert message(result, "default/p") == (
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. "
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")


def test_host_network_init_container_ports_do_not_count() -> None:
    result = run(node("a"), host_network_pod("agent", 9100, node_name="a"),
                 host_network_pod("p", 9200, init_port=9100))
    assert states(result)["default/p"] == ("running", "a")
