"""LimitRange defaults at admission (the LimitRanger plugin), and ResourceQuota reported as not modeled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from priocli.api import load_cluster
from priocli.errors import InputError
from priocli.load.cluster import ClusterInput
from priocli.model import Pod

MI = 1024 * 1024

NODE = """
apiVersion: v1
kind: Node
metadata: {name: node-a}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
"""

LIMITS = """
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: team}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 512Mi}
    defaultRequest: {cpu: 250m, memory: 256Mi}
"""


def pod(name: str, resources: str = "", ns: str = "team", bound: bool = False) -> str:
    res = f", resources: {resources}" if resources else ""
    doc = f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}}}
spec:
  containers: [{{name: c, image: x{res}}}]
"""
    if bound:
        doc += "  nodeName: node-a\nstatus: {phase: Running}\n"
    return doc


def load(tmp_path: Path, *docs: str) -> ClusterInput:
    path = tmp_path / "in.yaml"
    path.write_text("\n---\n".join([NODE, *docs]))
    return load_cluster([str(path)])


def requests(c: ClusterInput) -> dict[str, dict[str, int]]:
    return {p.name: p.spec.requests for p in c.pods}


def by_name(c: ClusterInput) -> dict[str, Pod]:
    return {p.name: p for p in c.pods}


def test_default_requests_fill_containers_without_any(tmp_path: Path) -> None:
    c = load(tmp_path, LIMITS, pod("bare"))
    assert requests(c)["bare"] == {"cpu": 250, "memory": 256 * MI}


def test_limits_only_container_keeps_requests_equal_to_its_limits(tmp_path: Path) -> None:
    # API defaulting (requests from limits) happens at decoding, before LimitRanger admission
    c = load(tmp_path, LIMITS, pod("lim", "{limits: {cpu: '1', memory: 1Gi}}"))
    assert requests(c)["lim"] == {"cpu": 1000, "memory": 1024 * MI}


def test_explicit_requests_are_kept_and_missing_ones_defaulted(tmp_path: Path) -> None:
    c = load(tmp_path, LIMITS, pod("some", "{requests: {cpu: 100m}}"), pod("zero", "{requests: {cpu: '0'}}"))
    assert requests(c)["some"] == {"cpu": 100, "memory": 256 * MI}
    assert requests(c)["zero"] == {"cpu": 0, "memory": 256 * MI}  # an explicit 0 stays


def test_default_limit_alone_is_the_default_request(tmp_path: Path) -> None:
    only_default = LIMITS.replace("    defaultRequest: {cpu: 250m, memory: 256Mi}\n", "")
    assert requests(load(tmp_path, only_default, pod("p")))["p"] == {"cpu": 500, "memory": 512 * MI}


def test_max_then_min_default_the_defaults(tmp_path: Path) -> None:
    # SetDefaults_LimitRangeItem: default := max, defaultRequest := default, then min
    lr = """
apiVersion: v1
kind: LimitRange
metadata: {name: bounds, namespace: team}
spec:
  limits:
  - type: Container
    max: {cpu: '2'}
    min: {memory: 64Mi}
"""
    c = load(tmp_path, lr, pod("p"))
    assert requests(c)["p"] == {"cpu": 2000, "memory": 64 * MI}
    [w] = [w for w in c.warnings if w.object == "LimitRange team/bounds"]
    assert w.code == "NotModeled" and "min/max/maxLimitRequestRatio (Container) are not enforced" in w.message


def test_request_above_the_default_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=re.escape("(Pod team/big): spec.containers[0].resources.requests.cpu: "
                                                   "must be less than or equal to the limit")):
        load(tmp_path, LIMITS, pod("big", "{requests: {cpu: '2'}}"))


def test_init_containers_get_defaults_too(tmp_path: Path) -> None:
    p = """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: team}
spec:
  initContainers: [{name: i, image: x}]
  containers: [{name: c, image: x, resources: {requests: {cpu: 100m, memory: 10Mi}}}]
"""
    # the init container gets 250m / 256Mi, more than the regular container: it sets the pod's request
    assert requests(load(tmp_path, LIMITS, p))["p"] == {"cpu": 250, "memory": 256 * MI}


def test_other_namespaces_and_bound_pods_are_untouched(tmp_path: Path) -> None:
    c = load(tmp_path, LIMITS, pod("elsewhere", ns="default"), pod("running", bound=True))
    assert requests(c) == {"elsewhere": {}, "running": {}}


def test_pods_of_a_snapshot_were_admitted_long_ago(tmp_path: Path) -> None:
    pending = pod("queued-before") + "status: {phase: Pending}\n"
    assert requests(load(tmp_path, LIMITS, pending))["queued-before"] == {}


def test_generated_pods_get_the_defaults(tmp_path: Path) -> None:
    dep = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: x, resources: {limits: {memory: 1Gi}}}]
"""
    c = load(tmp_path, LIMITS, dep)
    assert [p.spec.requests for p in c.pods] == [{"cpu": 250, "memory": 1024 * MI}] * 2


def test_several_limit_ranges_apply_in_name_order(tmp_path: Path) -> None:
    second = LIMITS.replace("name: defaults", "name: aaa-first").replace("250m", "50m").replace(
        "    default: {cpu: 500m, memory: 512Mi}\n", "")
    c = load(tmp_path, LIMITS, second, pod("p"))
    assert requests(c)["p"] == {"cpu": 50, "memory": 256 * MI}


def test_limit_range_quantities_are_validated(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=re.escape("(LimitRange team/defaults): spec.limits[0].default.cpu")):
        load(tmp_path, LIMITS.replace("cpu: 500m", "cpu: lots"), pod("p"))


def test_resource_quota_is_reported_not_modeled(tmp_path: Path) -> None:
    quota = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: team}
spec: {hard: {requests.cpu: '1'}}
"""
    c = load(tmp_path, quota, pod("p"))
    [w] = [w for w in c.warnings if w.code == "SkippedKind"]
    assert w.message == ("1 ResourceQuota object skipped: ResourceQuota admission is not modeled: pods that a "
                         "quota would reject are still simulated")
