"""Hypothesis-driven fuzzing of the targets in ``fuzz/targets.py`` (no atheris needed).

Inputs are random bytes, random text, and -- most of them -- valid manifests (the bundled
fixtures and a few built-in documents) with a handful of byte- and token-level mutations:
the tokens are YAML's syntax (anchors, aliases, merge keys, tags, flow brackets, document
markers) and the values Kubernetes fields take (quantities, priorities, kinds).

``tests/test_fuzz_smoke.py`` runs a few hundred examples per target in the normal test
suite; ``fuzz/run.py --engine hypothesis --minutes N`` runs them for as long as asked.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

BUILTIN_SEEDS: tuple[bytes, ...] = (
    b"""apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
preemptionPolicy: Never
---
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {zone: a, kubernetes.io/hostname: n1}
spec:
  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110", nvidia.com/gpu: 1}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: default}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
status: {disruptionsAllowed: 0}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec:
  nodeName: n1
  priorityClassName: high
  containers: [{name: c, image: nginx, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
  tolerations: [{key: dedicated, operator: Exists}]
---
apiVersion: v1
kind: Pod
metadata: {name: new, namespace: team}
spec:
  containers: [{name: c, resources: {limits: {cpu: 1.5, memory: 512Mi}}}]
  nodeSelector: {zone: a}
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
""",
    b"""{"apiVersion": "v1", "kind": "List", "items": [
 {"kind": "Node", "apiVersion": "v1", "metadata": {"name": "a"}, "status": {"capacity": {"cpu": 4, "memory": "8Gi"}}},
 {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p", "ownerReferences": [
   {"kind": "ReplicaSet", "name": "rs", "controller": true, "uid": "u"}]},
  "spec": {"nodeName": "a", "priority": 5, "containers": [{"name": "c", "resources": {"requests": {"cpu": "3"}}}]},
  "status": {"phase": "Running", "startTime": "2024-01-01T00:00:00Z"}}]}
""",
    b"""base: &base {cpu: 100m, memory: 64Mi}
apiVersion: v1
kind: Pod
metadata: {name: merged}
spec:
  containers:
  - name: c
    resources:
      requests:
        <<: *base
        cpu: 200m
""",
)

TOKENS: tuple[bytes, ...] = (
    b"---\n", b"...\n", b"&a ", b"*a", b"<<: ", b"<<: *a\n", b"!!int ", b"!!str ", b"!!float ", b"!!binary ",
    b"!!map ", b"!!set ", b"? ", b": ", b"- ", b"[", b"]", b"{", b"}", b",", b"\"", b"'", b"|\n", b">-\n",
    b"#", b"%YAML 1.1\n", b"\t", b"\n", b"  ", b"\\u0000", b"\xef\xbb\xbf", b"\xff", b"\x00",
    b"~", b"null", b"yes", b"no", b"on", b"0x1F", b"0o17", b"0777", b"1e3", b".inf", b"-.inf", b".nan",
    b"9223372036854775807", b"9223372036854775808", b"-9223372036854775809", b"2147483648", b"-2147483649",
    b"1000000001", b"2000001000", b"1Ei", b"8Ei", b"100m", b"0.5", b"1.5Gi", b"1e308", b"1e-9", b"-1",
    b"0", b"1n", b"12Qi", b"1e999999999", b"+.", b"Gi",
    b"kind: List\nitems:\n- ", b"kind: Pod", b"kind: Node", b"kind: PodList", b"kind: PriorityClass",
    b"kind: PodDisruptionBudget", b"apiVersion: v1", b"apiVersion: policy/v1beta1", b"metadata: ",
    b"name: ", b"namespace: ", b"spec: ", b"status: ", b"nodeName: n1", b"priority: ", b"priorityClassName: ",
    b"preemptionPolicy: Never", b"globalDefault: true", b"value: ", b"containers: ", b"initContainers: ",
    b"restartPolicy: Always", b"resources: ", b"requests: ", b"limits: ", b"cpu: ", b"memory: ", b"pods: ",
    b"taints: ", b"tolerations: ", b"operator: Exists", b"effect: NoSchedule", b"nodeSelector: ",
    b"affinity: ", b"matchExpressions: ", b"operator: Gt", b"values: ", b"topologyKey: ", b"labelSelector: ",
    b"whenUnsatisfiable: DoNotSchedule", b"maxSkew: ", b"minDomains: ", b"hostPort: ", b"hostNetwork: true",
    b"schedulingGates: ", b"schedulerName: other", b"deletionTimestamp: ", b"startTime: ", b"phase: Succeeded",
    b"ownerReferences: ", b"controller: true", b"disruptionsAllowed: ", b"minAvailable: 50%",
    b"maxUnavailable: ", b"allocatable: ", b"capacity: ", b"unschedulable: true", b"overhead: ",
)


def seed_documents() -> list[bytes]:
    """The built-in seeds plus the bundled fixtures (small, valid, varied)."""
    seeds = list(BUILTIN_SEEDS)
    for path in sorted((REPO / "fixtures").glob("*/*.yaml")):
        seeds.append(path.read_bytes())
    return seeds


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with 1 to 8 mutations: token inserts/overwrites, deletions, duplications, bit flips."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        n = len(data)
        pos = draw(st.integers(0, n))
        op = draw(st.integers(0, 5))
        if op == 0:
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == 1:
            end = min(n, pos + draw(st.integers(1, 16)))
            data[pos:end] = draw(st.sampled_from(TOKENS))
        elif op == 2:
            del data[pos : min(n, pos + draw(st.integers(1, 64)))]
        elif op == 3:
            end = min(n, pos + draw(st.integers(1, 64)))
            data[pos:pos] = data[pos:end] * draw(st.integers(1, 4))
        elif op == 4 and n:
            i = min(pos, n - 1)
            data[i] ^= 1 << draw(st.integers(0, 7))
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


def manifest_inputs() -> st.SearchStrategy[bytes]:
    seeds = seed_documents()
    return st.one_of(
        mutated(seeds),
        mutated(seeds),
        mutated(seeds),
        st.binary(max_size=512),
        st.text(max_size=256).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join),
    )


QUANTITY_ALPHABET = "0123456789+-.eEinumkKMGTP "


def quantity_inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.text(alphabet=QUANTITY_ALPHABET, max_size=30),
        st.from_regex(r"\A[+-]?[0-9]{0,25}(\.[0-9]{0,25})?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]{1,12})?\Z"),
        st.text(max_size=30),
    ).map(lambda s: s.encode("utf-8", "surrogatepass"))


def inputs_for(target: str) -> st.SearchStrategy[bytes]:
    return quantity_inputs() if target == "quantity" else manifest_inputs()


@dataclass
class RunResult:
    target: str
    seconds: float
    examples: int
    finding: BaseException | None = None
    finding_input: bytes | None = None


def run(target_name: str, target: Callable[[bytes], None], seconds: float, *, batch: int = 500,
        findings_dir: Path | None = None) -> RunResult:
    """Fuzz ``target`` for about ``seconds``; stops at the first finding (saved, shrunk, to findings_dir)."""
    strategy = inputs_for(target_name)
    count = 0
    last: list[bytes] = []

    @settings(max_examples=batch, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    @given(strategy)
    def one(data: bytes) -> None:
        nonlocal count
        count += 1
        last[:] = [data]
        target(data)

    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            one()
        except Exception as e:  # a finding: hypothesis re-ran the shrunk example last
            data = last[0] if last else b""
            if findings_dir is not None:
                findings_dir.mkdir(parents=True, exist_ok=True)
                import hashlib

                path = findings_dir / f"{target_name}-crash-{hashlib.sha1(data).hexdigest()}"
                path.write_bytes(data)
            return RunResult(target_name, time.monotonic() - started, count, e, data)
    return RunResult(target_name, time.monotonic() - started, count)


if __name__ == "__main__":  # pragma: no cover - use fuzz/run.py
    print(os.path.basename(__file__), "is driven by fuzz/run.py")
