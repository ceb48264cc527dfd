"""Kubernetes dicts -> the immutable model, with the admission the API server applies.

Every field the engine reads is type-checked here; anything wrong raises an
:class:`~priocli.errors.InputError` naming file, document, object and field path.
Admission modeled: Priority (class value, globalDefault, the two system classes),
defaulting of requests from limits, DefaultTolerationSeconds, hostNetwork host ports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson

from priocli.errors import describe_object, describe_type, field_error
from priocli.model import (
    BUILTIN_CLASSES,
    CPU,
    DEFAULT_SCHEDULER,
    EPHEMERAL,
    MEMORY,
    NEVER,
    PREEMPT_LOWER,
    HostPort,
    LabelSelector,
    Node,
    NodeSelectorTerm,
    OwnerRef,
    Pod,
    PodAffinityTerm,
    PodDisruptionBudget,
    PodSpecInfo,
    PreferredSchedulingTerm,
    PriorityClass,
    Requirement,
    Source,
    Taint,
    Toleration,
    TopologySpreadConstraint,
    Warning_,
    WeightedPodAffinityTerm,
)
from priocli.quantity import QuantityError, parse_quantity, to_milli, to_units

DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024
NANO = 10**9

MAX_USER_PRIORITY = 1_000_000_000
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MAX = 2**63 - 1  # the engine keeps amounts in int64 (cpu in millicores, the rest in units)

# DefaultTolerationSeconds admission.
DEFAULT_TOLERATIONS = (
    Toleration("node.kubernetes.io/not-ready", "Exists", "", "NoExecute"),
    Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute"),
)

SELECTOR_OPS = ("In", "NotIn", "Exists", "DoesNotExist")
NODE_SELECTOR_OPS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


class Ctx:
    """Where we are: used to build error messages."""

    __slots__ = ("obj", "source")

    def __init__(self, source: Source | None, obj: str | None) -> None:
        self.source = source
        self.obj = obj

    def error(self, path: str, problem: str) -> Exception:
        return field_error(self.source, self.obj, path, problem)


# ---------------------------------------------------------------- primitive readers


def _map(ctx: Ctx, v: Any, path: str, *, required: bool = False) -> Mapping[str, Any]:
    if v is None:
        if required:
            raise ctx.error(path, "required field is missing")
        return {}
    if not isinstance(v, Mapping):
        raise ctx.error(path, f"expected a mapping, got {_tname(v)}")
    return v


def _list(ctx: Ctx, v: Any, path: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise ctx.error(path, f"expected a list, got {_tname(v)}")
    return v


def _str(ctx: Ctx, v: Any, path: str, default: str = "", *, required: bool = False) -> str:
    if v is None:
        if required:
            raise ctx.error(path, "required field is missing")
        return default
    if not isinstance(v, str):
        raise ctx.error(path, f"expected a string, got {_tname(v)}")
    return v


def _int(ctx: Ctx, v: Any, path: str, default: int | None = None, *, lo: int = INT32_MIN,
         hi: int = INT32_MAX) -> int | None:
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, float) and v.is_integer():
            if not lo <= v <= hi:  # a YAML number beyond int64 arrives as a float: show it as written
                raise ctx.error(path, f"{v!r} is out of range [{lo}, {hi}]")
            v = int(v)
        else:
            raise ctx.error(path, f"expected an integer, got {_tname(v)}")
    if v < lo or v > hi:
        raise ctx.error(path, f"{v} is out of range [{lo}, {hi}]")
    return v


def _bool(ctx: Ctx, v: Any, path: str, default: bool = False) -> bool:
    if v is None:
        return default
    if not isinstance(v, bool):
        raise ctx.error(path, f"expected true or false, got {_tname(v)}")
    return v


_tname = describe_type


def _labels(ctx: Ctx, v: Any, path: str) -> dict[str, str]:
    m = _map(ctx, v, path)
    out: dict[str, str] = {}
    for k, val in m.items():
        if not isinstance(k, str):
            raise ctx.error(path, f"label key {k!r} is not a string")
        if val is None:
            val = ""
        if not isinstance(val, str):
            # YAML turns `tier: 1` or `on: true` into numbers/booleans; Kubernetes rejects them.
            raise ctx.error(f"{path}.{k}", f"label value must be a string, got {_tname(val)}")
        out[k] = val
    return out


def _time(ctx: Ctx, v: Any, path: str) -> float | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        dt = v if v.tzinfo else v.replace(tzinfo=timezone.utc)
        return dt.timestamp()
    if not isinstance(v, str):
        raise ctx.error(path, f"expected an RFC 3339 time, got {_tname(v)}")
    s = v.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise ctx.error(path, f"invalid time {v!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _quantity(ctx: Ctx, v: Any, path: str) -> int:
    """Exact nano-units; negative quantities are invalid for requests, limits and capacity."""
    try:
        q = parse_quantity(v)
    except QuantityError as e:
        raise ctx.error(path, str(e)) from None
    if q < 0:
        raise ctx.error(path, f"must be non-negative, got {v!r}")
    return q


def _resource_list(ctx: Ctx, v: Any, path: str) -> dict[str, int]:
    m = _map(ctx, v, path)
    out: dict[str, int] = {}
    for k, val in m.items():
        if not isinstance(k, str) or not k:
            raise ctx.error(path, f"invalid resource name {k!r}")
        q = _quantity(ctx, val, f"{path}.{k}")
        if k == CPU and to_milli(q) > INT64_MAX:  # MilliValue() must fit int64, as in Kubernetes
            raise ctx.error(f"{path}.{k}", f'quantity "{val}" is too large (over {INT64_MAX} millicores)')
        out[k] = q
    return out


def _check_int64(ctx: Ctx, path: str, amounts: Mapping[str, int], what: str) -> None:
    """Totals the engine stores in int64 columns must fit them (sums of containers can overflow)."""
    for k, v in amounts.items():
        if v > INT64_MAX:
            unit = "millicores" if k == CPU else "bytes" if k in (MEMORY, EPHEMERAL) else "units"
            raise ctx.error(path, f"{what} {k} is too large (over {INT64_MAX} {unit})")


def _to_int_units(name: str, nanos: int) -> int:
    return to_milli(nanos) if name == CPU else to_units(nanos)


# ---------------------------------------------------------------- selectors


def parse_label_selector(ctx: Ctx, v: Any, path: str) -> LabelSelector | None:
    if v is None:
        return None
    m = _map(ctx, v, path)
    ml = _labels(ctx, m.get("matchLabels"), f"{path}.matchLabels")
    exprs = []
    for i, e in enumerate(_list(ctx, m.get("matchExpressions"), f"{path}.matchExpressions")):
        p = f"{path}.matchExpressions[{i}]"
        em = _map(ctx, e, p)
        key = _str(ctx, em.get("key"), f"{p}.key", required=True)
        op = _str(ctx, em.get("operator"), f"{p}.operator", required=True)
        if op not in SELECTOR_OPS:
            raise ctx.error(f"{p}.operator", f"invalid operator {op!r} (one of {', '.join(SELECTOR_OPS)})")
        vals = tuple(_str(ctx, x, f"{p}.values[{j}]") for j, x in enumerate(_list(ctx, em.get("values"), f"{p}.values")))
        if op in ("In", "NotIn") and not vals:
            raise ctx.error(f"{p}.values", f"must be non-empty for operator {op}")
        if op in ("Exists", "DoesNotExist") and vals:
            raise ctx.error(f"{p}.values", f"must be empty for operator {op}")
        exprs.append(Requirement(key, op, vals))
    return LabelSelector(tuple(sorted(ml.items())), tuple(exprs))


def _node_selector_requirements(ctx: Ctx, v: Any, path: str) -> tuple[Requirement, ...]:
    out = []
    for i, e in enumerate(_list(ctx, v, path)):
        p = f"{path}[{i}]"
        em = _map(ctx, e, p)
        key = _str(ctx, em.get("key"), f"{p}.key", required=True)
        op = _str(ctx, em.get("operator"), f"{p}.operator", required=True)
        if op not in NODE_SELECTOR_OPS:
            raise ctx.error(f"{p}.operator", f"invalid operator {op!r} (one of {', '.join(NODE_SELECTOR_OPS)})")
        vals = tuple(_str(ctx, x, f"{p}.values[{j}]") for j, x in enumerate(_list(ctx, em.get("values"), f"{p}.values")))
        out.append(Requirement(key, op, vals))
    return tuple(out)


def _node_selector_term(ctx: Ctx, v: Any, path: str) -> NodeSelectorTerm:
    m = _map(ctx, v, path)
    return NodeSelectorTerm(
        _node_selector_requirements(ctx, m.get("matchExpressions"), f"{path}.matchExpressions"),
        _node_selector_requirements(ctx, m.get("matchFields"), f"{path}.matchFields"),
    )


def _pod_affinity_term(ctx: Ctx, v: Any, path: str) -> PodAffinityTerm:
    m = _map(ctx, v, path)
    topo = _str(ctx, m.get("topologyKey"), f"{path}.topologyKey")
    if not topo:
        raise ctx.error(f"{path}.topologyKey", "required field is missing")
    ns = tuple(_str(ctx, x, f"{path}.namespaces[{i}]") for i, x in enumerate(_list(ctx, m.get("namespaces"), f"{path}.namespaces")))
    return PodAffinityTerm(
        topology_key=topo,
        label_selector=parse_label_selector(ctx, m.get("labelSelector"), f"{path}.labelSelector"),
        namespaces=ns,
        namespace_selector=parse_label_selector(ctx, m.get("namespaceSelector"), f"{path}.namespaceSelector"),
    )


def _weighted_terms(ctx: Ctx, v: Any, path: str) -> tuple[WeightedPodAffinityTerm, ...]:
    out = []
    for i, e in enumerate(_list(ctx, v, path)):
        p = f"{path}[{i}]"
        m = _map(ctx, e, p)
        w = _int(ctx, m.get("weight"), f"{p}.weight", lo=1, hi=100)
        if w is None:
            raise ctx.error(f"{p}.weight", "required field is missing")
        out.append(WeightedPodAffinityTerm(w, _pod_affinity_term(ctx, m.get("podAffinityTerm"), f"{p}.podAffinityTerm")))
    return tuple(out)


# ---------------------------------------------------------------- pod spec


@dataclass(slots=True)
class _Container:
    requests: dict[str, int]  # nano-units, after defaulting from limits
    sidecar: bool = False


def _sum_into(acc: dict[str, int], add: Mapping[str, int]) -> None:
    for k, v in add.items():
        acc[k] = acc.get(k, 0) + v


def _max_into(acc: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        if v > acc.get(k, 0) or k not in acc:
            acc[k] = max(acc.get(k, 0), v)


def _with_defaults(reqs: Mapping[str, int]) -> dict[str, int]:
    """NonMissingContainerRequests: fill missing cpu/memory with the scoring defaults."""
    out = dict(reqs)
    if CPU not in out:
        out[CPU] = DEFAULT_MILLI_CPU * 10**6
    if MEMORY not in out:
        out[MEMORY] = DEFAULT_MEMORY * NANO
    return out


def pod_requests(regular: list[_Container], init: list[_Container], overhead: Mapping[str, int],
                 *, defaults: bool = False) -> dict[str, int]:
    """resourcehelper.PodRequests in nano-units (exact), optionally with NonMissingContainerRequests."""
    reqs: dict[str, int] = {}
    for c in regular:
        _sum_into(reqs, _with_defaults(c.requests) if defaults else c.requests)
    sidecars: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for c in init:
        r = _with_defaults(c.requests) if defaults else c.requests
        if c.sidecar:
            _sum_into(reqs, r)
            _sum_into(sidecars, r)
            eff = dict(sidecars)
        else:
            eff = dict(r)
            _sum_into(eff, sidecars)
        _max_into(init_max, eff)
    _max_into(reqs, init_max)
    _sum_into(reqs, overhead)
    return reqs


def _nonzero(reqs: Mapping[str, int]) -> tuple[int, int]:
    """schedutil.GetNonzeroRequests on one (effective) container request list."""
    cpu = to_milli(reqs[CPU]) if CPU in reqs else DEFAULT_MILLI_CPU
    mem = to_units(reqs[MEMORY]) if MEMORY in reqs else DEFAULT_MEMORY
    return cpu, mem


def node_nonzero(regular: list[_Container], init: list[_Container], overhead: Mapping[str, int]) -> tuple[int, int]:
    """NodeInfo's NonZeroRequested contribution of a pod (framework.calculateResource, v1.29)."""
    cpu = mem = icpu = imem = 0
    for c in regular:
        a, b = _nonzero(c.requests)
        cpu += a
        mem += b
    sidecars: dict[str, int] = {}
    for c in init:
        if c.sidecar:
            _sum_into(sidecars, c.requests)
            eff = dict(sidecars)
        else:
            eff = dict(c.requests)
            _sum_into(eff, sidecars)
        a, b = _nonzero(eff)
        icpu = max(icpu, a)
        imem = max(imem, b)
    cpu = max(cpu, icpu)
    mem = max(mem, imem)
    if CPU in overhead:
        cpu += to_milli(overhead[CPU])
    if MEMORY in overhead:
        mem += to_units(overhead[MEMORY])
    return cpu, mem


def _containers(ctx: Ctx, v: Any, path: str, *, init: bool, host_network: bool,
                ports_out: list[HostPort] | None, images_out: list[str] | None) -> list[_Container]:
    out = []
    for i, c in enumerate(_list(ctx, v, path)):
        p = f"{path}[{i}]"
        cm = _map(ctx, c, p)
        _str(ctx, cm.get("name"), f"{p}.name")
        res = _map(ctx, cm.get("resources"), f"{p}.resources")
        reqs = _resource_list(ctx, res.get("requests"), f"{p}.resources.requests")
        lims = _resource_list(ctx, res.get("limits"), f"{p}.resources.limits")
        for k, q in lims.items():  # SetDefaults_Pod: requests default from limits
            reqs.setdefault(k, q)
        for k, q in reqs.items():
            if k in lims and q > lims[k]:
                raise ctx.error(f"{p}.resources.requests.{k}", "must be less than or equal to the limit")
        rp = _str(ctx, cm.get("restartPolicy"), f"{p}.restartPolicy")
        if rp and not init:
            raise ctx.error(f"{p}.restartPolicy", "may only be set on init containers")
        if rp and rp != "Always":
            raise ctx.error(f"{p}.restartPolicy", f"unsupported value {rp!r} (only Always)")
        image = _str(ctx, cm.get("image"), f"{p}.image")
        for j, port in enumerate(_list(ctx, cm.get("ports"), f"{p}.ports")):
            pp = f"{p}.ports[{j}]"
            pm = _map(ctx, port, pp)
            cport = _int(ctx, pm.get("containerPort"), f"{pp}.containerPort", 0, lo=0, hi=65535) or 0
            hport = _int(ctx, pm.get("hostPort"), f"{pp}.hostPort", 0, lo=0, hi=65535) or 0
            if host_network and hport == 0:
                hport = cport
            proto = _str(ctx, pm.get("protocol"), f"{pp}.protocol", "TCP") or "TCP"
            if proto not in ("TCP", "UDP", "SCTP"):
                raise ctx.error(f"{pp}.protocol", f"unsupported value {proto!r} (TCP, UDP or SCTP)")
            hip = _str(ctx, pm.get("hostIP"), f"{pp}.hostIP")
            if hport > 0 and ports_out is not None and not init:
                ports_out.append(HostPort(hip, proto, hport))
        if images_out is not None and image and not init:
            images_out.append(normalize_image(image))
        out.append(_Container(reqs, sidecar=(rp == "Always")))
    return out


def normalize_image(image: str) -> str:
    """ImageLocality's normalizedImageName: append ``:latest`` when no tag or digest is given."""
    if image.rfind(":") <= image.rfind("/"):
        return image + ":latest"
    return image


def _tolerations(ctx: Ctx, v: Any, path: str) -> list[Toleration]:
    out = []
    for i, t in enumerate(_list(ctx, v, path)):
        p = f"{path}[{i}]"
        m = _map(ctx, t, p)
        key = _str(ctx, m.get("key"), f"{p}.key")
        op = _str(ctx, m.get("operator"), f"{p}.operator", "Equal") or "Equal"
        if op not in ("Equal", "Exists"):
            raise ctx.error(f"{p}.operator", f"invalid operator {op!r} (Equal or Exists)")
        value = _str(ctx, m.get("value"), f"{p}.value")
        if op == "Exists" and value:
            raise ctx.error(f"{p}.value", "must be empty when operator is Exists")
        if not key and op != "Exists":
            raise ctx.error(f"{p}.operator", "must be Exists when key is empty")
        effect = _str(ctx, m.get("effect"), f"{p}.effect")
        if effect not in ("", "NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise ctx.error(f"{p}.effect", f"invalid effect {effect!r}")
        _int(ctx, m.get("tolerationSeconds"), f"{p}.tolerationSeconds", lo=-(2**63), hi=2**63 - 1)
        out.append(Toleration(key, op, value, effect))
    return out


def _with_default_tolerations(tols: list[Toleration]) -> tuple[Toleration, ...]:
    out = list(tols)
    for d in DEFAULT_TOLERATIONS:
        covered = any((t.key in (d.key, "")) and t.effect in ("NoExecute", "") for t in tols)
        if not covered:
            out.append(d)
    return tuple(out)


def _spread_constraints(ctx: Ctx, v: Any, path: str) -> tuple[TopologySpreadConstraint, ...]:
    out = []
    for i, c in enumerate(_list(ctx, v, path)):
        p = f"{path}[{i}]"
        m = _map(ctx, c, p)
        max_skew = _int(ctx, m.get("maxSkew"), f"{p}.maxSkew", lo=1)
        if max_skew is None:
            raise ctx.error(f"{p}.maxSkew", "required field is missing")
        key = _str(ctx, m.get("topologyKey"), f"{p}.topologyKey", required=True)
        if not key:
            raise ctx.error(f"{p}.topologyKey", "required field is missing")
        wu = _str(ctx, m.get("whenUnsatisfiable"), f"{p}.whenUnsatisfiable", required=True)
        if wu not in ("DoNotSchedule", "ScheduleAnyway"):
            raise ctx.error(f"{p}.whenUnsatisfiable", f"invalid value {wu!r} (DoNotSchedule or ScheduleAnyway)")
        md = _int(ctx, m.get("minDomains"), f"{p}.minDomains", lo=1)
        if md is not None and wu != "DoNotSchedule":
            raise ctx.error(f"{p}.minDomains", "may only be set with whenUnsatisfiable: DoNotSchedule")
        nap = _str(ctx, m.get("nodeAffinityPolicy"), f"{p}.nodeAffinityPolicy", "Honor") or "Honor"
        ntp = _str(ctx, m.get("nodeTaintsPolicy"), f"{p}.nodeTaintsPolicy", "Ignore") or "Ignore"
        for name, val in (("nodeAffinityPolicy", nap), ("nodeTaintsPolicy", ntp)):
            if val not in ("Honor", "Ignore"):
                raise ctx.error(f"{p}.{name}", f"invalid value {val!r} (Honor or Ignore)")
        mlk = tuple(_str(ctx, x, f"{p}.matchLabelKeys[{j}]") for j, x in enumerate(_list(ctx, m.get("matchLabelKeys"), f"{p}.matchLabelKeys")))
        out.append(TopologySpreadConstraint(
            max_skew=max_skew, topology_key=key, when_unsatisfiable=wu,
            label_selector=parse_label_selector(ctx, m.get("labelSelector"), f"{p}.labelSelector"),
            min_domains=md if md is not None else 1, node_affinity_policy=nap, node_taints_policy=ntp,
            match_label_keys=mlk,
        ))
    return tuple(out)


def parse_pod_spec(ctx: Ctx, spec: Mapping[str, Any], path: str = "spec") -> PodSpecInfo:
    """Everything the scheduler reads from a pod spec (also used for workload templates)."""
    host_network = _bool(ctx, spec.get("hostNetwork"), f"{path}.hostNetwork")
    ports: list[HostPort] = []
    images: list[str] = []
    if spec.get("containers") is None:
        raise ctx.error(f"{path}.containers", "required field is missing")
    regular = _containers(ctx, spec.get("containers"), f"{path}.containers", init=False,
                          host_network=host_network, ports_out=ports, images_out=images)
    if not regular:
        raise ctx.error(f"{path}.containers", "must have at least one container")
    init = _containers(ctx, spec.get("initContainers"), f"{path}.initContainers", init=True,
                       host_network=host_network, ports_out=None, images_out=None)
    overhead = _resource_list(ctx, spec.get("overhead"), f"{path}.overhead")
    req_nanos = pod_requests(regular, init, overhead)
    requests = {k: _to_int_units(k, v) for k, v in req_nanos.items()}
    score = pod_requests(regular, init, overhead, defaults=True)
    nz_cpu, nz_mem = node_nonzero(regular, init, overhead)
    _check_int64(ctx, f"{path}.containers", requests, "the pod's total request of")
    _check_int64(ctx, f"{path}.containers", {CPU: max(nz_cpu, to_milli(score.get(CPU, 0))),
                                              MEMORY: max(nz_mem, to_units(score.get(MEMORY, 0)))},
                 "the pod's total request of")

    node_selector = _labels(ctx, spec.get("nodeSelector"), f"{path}.nodeSelector")
    affinity = _map(ctx, spec.get("affinity"), f"{path}.affinity")
    na = _map(ctx, affinity.get("nodeAffinity"), f"{path}.affinity.nodeAffinity")
    required_na: tuple[NodeSelectorTerm, ...] | None = None
    rp = f"{path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
    if na.get("requiredDuringSchedulingIgnoredDuringExecution") is not None:
        rm = _map(ctx, na.get("requiredDuringSchedulingIgnoredDuringExecution"), rp)
        required_na = tuple(_node_selector_term(ctx, t, f"{rp}.nodeSelectorTerms[{i}]")
                            for i, t in enumerate(_list(ctx, rm.get("nodeSelectorTerms"), f"{rp}.nodeSelectorTerms")))
        if not required_na:
            raise ctx.error(f"{rp}.nodeSelectorTerms", "must have at least one term")
    preferred_na = []
    pp = f"{path}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution"
    for i, t in enumerate(_list(ctx, na.get("preferredDuringSchedulingIgnoredDuringExecution"), pp)):
        tm = _map(ctx, t, f"{pp}[{i}]")
        w = _int(ctx, tm.get("weight"), f"{pp}[{i}].weight", lo=1, hi=100)
        if w is None:
            raise ctx.error(f"{pp}[{i}].weight", "required field is missing")
        preferred_na.append(PreferredSchedulingTerm(w, _node_selector_term(ctx, tm.get("preference"), f"{pp}[{i}].preference")))

    def _aff(kind: str) -> tuple[tuple[PodAffinityTerm, ...], tuple[WeightedPodAffinityTerm, ...]]:
        base = f"{path}.affinity.{kind}"
        a = _map(ctx, affinity.get(kind), base)
        req = tuple(_pod_affinity_term(ctx, t, f"{base}.requiredDuringSchedulingIgnoredDuringExecution[{i}]")
                    for i, t in enumerate(_list(ctx, a.get("requiredDuringSchedulingIgnoredDuringExecution"),
                                                 f"{base}.requiredDuringSchedulingIgnoredDuringExecution")))
        pref = _weighted_terms(ctx, a.get("preferredDuringSchedulingIgnoredDuringExecution"),
                               f"{base}.preferredDuringSchedulingIgnoredDuringExecution")
        return req, pref

    pa_req, pa_pref = _aff("podAffinity")
    paa_req, paa_pref = _aff("podAntiAffinity")

    tols = _tolerations(ctx, spec.get("tolerations"), f"{path}.tolerations")
    gates = []
    for i, g in enumerate(_list(ctx, spec.get("schedulingGates"), f"{path}.schedulingGates")):
        gm = _map(ctx, g, f"{path}.schedulingGates[{i}]")
        gates.append(_str(ctx, gm.get("name"), f"{path}.schedulingGates[{i}].name", required=True))

    unmodeled = []
    for i, vol in enumerate(_list(ctx, spec.get("volumes"), f"{path}.volumes")):
        vm = _map(ctx, vol, f"{path}.volumes[{i}]")
        vname = _str(ctx, vm.get("name"), f"{path}.volumes[{i}].name") or str(i)
        for kind in ("persistentVolumeClaim", "ephemeral", "gcePersistentDisk", "awsElasticBlockStore",
                     "azureDisk", "rbd", "iscsi", "csi"):
            if vm.get(kind) is not None:
                unmodeled.append(f"volume {vname} ({kind})")
    if spec.get("resourceClaims"):
        unmodeled.append("resourceClaims (dynamic resource allocation)")

    return PodSpecInfo(
        requests=requests,
        nonzero_cpu=nz_cpu,
        nonzero_mem=nz_mem,
        score_cpu=to_milli(score.get(CPU, 0)),
        score_mem=to_units(score.get(MEMORY, 0)),
        host_ports=tuple(ports),
        tolerations=_with_default_tolerations(tols),
        node_selector=tuple(sorted(node_selector.items())),
        required_node_affinity=required_na,
        preferred_node_affinity=tuple(preferred_na),
        pod_affinity_required=pa_req,
        pod_affinity_preferred=pa_pref,
        pod_anti_affinity_required=paa_req,
        pod_anti_affinity_preferred=paa_pref,
        topology_spread=_spread_constraints(ctx, spec.get("topologySpreadConstraints"), f"{path}.topologySpreadConstraints"),
        images=tuple(images),
        scheduler_name=_str(ctx, spec.get("schedulerName"), f"{path}.schedulerName", DEFAULT_SCHEDULER) or DEFAULT_SCHEDULER,
        scheduling_gates=tuple(gates),
        node_name=_str(ctx, spec.get("nodeName"), f"{path}.nodeName"),
        unmodeled=tuple(unmodeled),
    )


# ---------------------------------------------------------------- objects


def object_ctx(obj: Mapping[str, Any], source: Source | None, *, namespaced: bool) -> tuple[Ctx, str, str]:
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else None
    meta_raw = obj.get("metadata")
    meta = meta_raw if isinstance(meta_raw, Mapping) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) else None
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) and meta.get("namespace") else "default"
    ctx = Ctx(source, describe_object(kind, ns if namespaced else None, name))
    if meta_raw is None:
        raise ctx.error("metadata", "required field is missing")
    if not isinstance(meta_raw, Mapping):
        raise ctx.error("metadata", f"expected a mapping, got {_tname(meta_raw)}")
    if meta.get("namespace") is not None and not isinstance(meta.get("namespace"), str):
        raise ctx.error("metadata.namespace", f"expected a string, got {_tname(meta.get('namespace'))}")
    if name is None:
        if meta.get("name") is None:
            if meta.get("generateName"):
                raise ctx.error("metadata.name", "generateName is not supported: give the object a name")
            raise ctx.error("metadata.name", "required field is missing")
        raise ctx.error("metadata.name", f"expected a string, got {_tname(meta.get('name'))}")
    if not name:
        raise ctx.error("metadata.name", "must not be empty")
    return ctx, ns if namespaced else "", name


def parse_priority_class(obj: Mapping[str, Any], source: Source | None) -> PriorityClass:
    ctx, _, name = object_ctx(obj, source, namespaced=False)
    value = _int(ctx, obj.get("value"), "value", lo=INT32_MIN, hi=INT32_MAX)
    if value is None:
        raise ctx.error("value", "required field is missing")
    if value > MAX_USER_PRIORITY and not name.startswith("system-"):
        raise ctx.error("value", f"{value} is above the highest user-definable priority {MAX_USER_PRIORITY}")
    pp = _str(ctx, obj.get("preemptionPolicy"), "preemptionPolicy", PREEMPT_LOWER) or PREEMPT_LOWER
    if pp not in (PREEMPT_LOWER, NEVER):
        raise ctx.error("preemptionPolicy", f"invalid value {pp!r} (PreemptLowerPriority or Never)")
    return PriorityClass(
        name=name, value=value, preemption_policy=pp,
        global_default=_bool(ctx, obj.get("globalDefault"), "globalDefault"),
        description=_str(ctx, obj.get("description"), "description"),
        source=source,
    )


def parse_node(obj: Mapping[str, Any], source: Source | None, index: int) -> Node:
    ctx, _, name = object_ctx(obj, source, namespaced=False)
    meta = _map(ctx, obj.get("metadata"), "metadata")
    labels = _labels(ctx, meta.get("labels"), "metadata.labels")
    spec = _map(ctx, obj.get("spec"), "spec")
    status = _map(ctx, obj.get("status"), "status")
    if status.get("allocatable") is not None:
        alloc_raw = _resource_list(ctx, status.get("allocatable"), "status.allocatable")
    else:  # a Node without status.allocatable uses status.capacity
        alloc_raw = _resource_list(ctx, status.get("capacity"), "status.capacity")
    allocatable = {k: _to_int_units(k, v) for k, v in alloc_raw.items()}
    taints = []
    for i, t in enumerate(_list(ctx, spec.get("taints"), "spec.taints")):
        tm = _map(ctx, t, f"spec.taints[{i}]")
        key = _str(ctx, tm.get("key"), f"spec.taints[{i}].key", required=True)
        effect = _str(ctx, tm.get("effect"), f"spec.taints[{i}].effect", required=True)
        if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise ctx.error(f"spec.taints[{i}].effect", f"invalid effect {effect!r}")
        taints.append(Taint(key, _str(ctx, tm.get("value"), f"spec.taints[{i}].value"), effect))
    images: dict[str, int] = {}
    for i, im in enumerate(_list(ctx, status.get("images"), "status.images")):
        imm = _map(ctx, im, f"status.images[{i}]")
        size = _int(ctx, imm.get("sizeBytes"), f"status.images[{i}].sizeBytes", 0, lo=0, hi=2**63 - 1) or 0
        for j, n in enumerate(_list(ctx, imm.get("names"), f"status.images[{i}].names")):
            # Keyed as the node reports them: only the pod's image gets ":latest" (ImageLocality).
            images[_str(ctx, n, f"status.images[{i}].names[{j}]")] = size
    return Node(
        index=index, name=name, labels=labels, allocatable=allocatable, taints=tuple(taints),
        unschedulable=_bool(ctx, spec.get("unschedulable"), "spec.unschedulable"), images=images, source=source,
    )


def _int_or_percent(ctx: Ctx, v: Any, path: str) -> int | str | None:
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        if s.endswith("%") and s[:-1].isdigit():
            return s
        if s.isdigit():
            return int(s)
        raise ctx.error(path, f"invalid value {v!r} (an integer or a percentage like \"50%\")")
    return _int(ctx, v, path, lo=0)


def parse_pdb(obj: Mapping[str, Any], source: Source | None) -> PodDisruptionBudget:
    ctx, ns, name = object_ctx(obj, source, namespaced=True)
    spec = _map(ctx, obj.get("spec"), "spec")
    sel = parse_label_selector(ctx, spec.get("selector"), "spec.selector")
    min_av = _int_or_percent(ctx, spec.get("minAvailable"), "spec.minAvailable")
    max_un = _int_or_percent(ctx, spec.get("maxUnavailable"), "spec.maxUnavailable")
    if min_av is not None and max_un is not None:
        raise ctx.error("spec", "minAvailable and maxUnavailable cannot both be set")
    status = obj.get("status")
    status_given = False
    allowed = 0
    disrupted: frozenset[str] = frozenset()
    if isinstance(status, Mapping) and status.get("disruptionsAllowed") is not None:
        status_given = True
        allowed = _int(ctx, status.get("disruptionsAllowed"), "status.disruptionsAllowed", lo=0) or 0
        dp = _map(ctx, status.get("disruptedPods"), "status.disruptedPods")
        disrupted = frozenset(str(k) for k in dp)
    elif status is not None and not isinstance(status, Mapping):
        raise ctx.error("status", f"expected a mapping, got {_tname(status)}")
    return PodDisruptionBudget(ns, name, sel, min_av, max_un, allowed, disrupted, status_given, source)


@dataclass(slots=True)
class Admission:
    """The PriorityClasses an API server would admit pods against."""

    classes: dict[str, PriorityClass]
    global_default: PriorityClass | None

    @classmethod
    def build(cls, user_classes: Iterable[PriorityClass]) -> Admission:
        classes = {c.name: c for c in BUILTIN_CLASSES}
        for c in user_classes:
            classes[c.name] = c
        defaults = [c for c in classes.values() if c.global_default]
        gd = min(defaults, key=lambda c: (c.value, c.name)) if defaults else None
        return cls(classes, gd)


@dataclass(slots=True)
class PodParse:
    pod: Pod
    warnings: list[Warning_] = field(default_factory=list)


def _spec_info(ctx: Ctx, spec: Mapping[str, Any], cache: dict[bytes, PodSpecInfo] | None) -> PodSpecInfo:
    """parse_pod_spec of the spec without its nodeName, shared by pods whose specs are identical.

    The replicas of one template differ only in nodeName (kept on :class:`Pod`), so a 150,000-pod
    snapshot parses a few hundred distinct specs; the key is the spec's canonical JSON.
    """
    rest = {k: v for k, v in spec.items() if k != "nodeName"}
    if cache is None:
        return parse_pod_spec(ctx, rest)
    try:
        key = orjson.dumps(rest, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return parse_pod_spec(ctx, rest)
    info = cache.get(key)
    if info is None:
        info = parse_pod_spec(ctx, rest)
        cache[key] = info
    return info


def parse_pod(obj: Mapping[str, Any], source: Source | None, uid: int, admission: Admission,
              spec_cache: dict[bytes, PodSpecInfo] | None = None) -> PodParse:
    """An admitted :class:`Pod`. ``spec_cache`` shares the parsed spec among identical specs."""
    ctx, ns, name = object_ctx(obj, source, namespaced=True)
    meta = _map(ctx, obj.get("metadata"), "metadata")
    labels = _labels(ctx, meta.get("labels"), "metadata.labels")
    spec = _map(ctx, obj.get("spec"), "spec", required=True)
    status = _map(ctx, obj.get("status"), "status")
    node_name = _str(ctx, spec.get("nodeName"), "spec.nodeName")
    info = _spec_info(ctx, spec, spec_cache)
    warnings: list[Warning_] = []
    bound = bool(node_name)
    # A pod read back from a cluster (bound, or carrying a uid or a phase) was admitted already:
    # its spec.priority is the value admission gave it then, whatever its class says now.
    admitted = bound or bool(meta.get("uid")) or bool(status.get("phase"))

    # Priority admission.
    cls_name = _str(ctx, spec.get("priorityClassName"), "spec.priorityClassName")
    given_prio = _int(ctx, spec.get("priority"), "spec.priority")
    given_pp = _str(ctx, spec.get("preemptionPolicy"), "spec.preemptionPolicy")
    if given_pp and given_pp not in (PREEMPT_LOWER, NEVER):
        raise ctx.error("spec.preemptionPolicy", f"invalid value {given_pp!r} (PreemptLowerPriority or Never)")
    pc: PriorityClass | None
    if cls_name:
        pc = admission.classes.get(cls_name)
        if pc is None:
            if admitted and given_prio is not None:
                warnings.append(Warning_("MissingPriorityClass",
                                         f"admitted pod references PriorityClass {cls_name!r} which is not in the input; "
                                         f"keeping its admitted priority {given_prio}", f"Pod {ns}/{name}"))
                pc = PriorityClass(cls_name, given_prio, given_pp or PREEMPT_LOWER)
            else:
                raise ctx.error("spec.priorityClassName",
                                f'pods "{name}" is forbidden: no PriorityClass with name {cls_name} was found')
    else:
        pc = admission.global_default
        cls_name = pc.name if pc else ""
    computed = pc.value if pc else 0
    computed_pp = pc.preemption_policy if pc else PREEMPT_LOWER
    if admitted and given_prio is not None:
        # Priority is fixed at admission: an admitted pod keeps the value it was admitted with.
        priority = given_prio
        preemption_policy = given_pp or computed_pp
        if given_prio != computed and pc is not None and spec.get("priorityClassName"):
            warnings.append(Warning_("PriorityClassChanged",
                                     f"pod was admitted with priority {given_prio} but PriorityClass "
                                     f"{cls_name!r} now has value {computed}; the pod keeps {given_prio}",
                                     f"Pod {ns}/{name}"))
    else:
        if given_prio is not None and given_prio != computed:
            raise ctx.error("spec.priority",
                            f"the integer value of priority ({given_prio}) must not be provided in pod spec; "
                            f"priority admission controller computed {computed} from the given PriorityClass name")
        if given_pp and given_pp != computed_pp:
            raise ctx.error("spec.preemptionPolicy",
                            f"the string value of PreemptionPolicy ({given_pp}) must not be provided in pod spec; "
                            f"priority admission controller computed {computed_pp} from the given PriorityClass name")
        priority = computed
        preemption_policy = computed_pp

    owner = None
    for i, o in enumerate(_list(ctx, meta.get("ownerReferences"), "metadata.ownerReferences")):
        om = _map(ctx, o, f"metadata.ownerReferences[{i}]")
        if _bool(ctx, om.get("controller"), f"metadata.ownerReferences[{i}].controller"):
            owner = OwnerRef(
                kind=_str(ctx, om.get("kind"), f"metadata.ownerReferences[{i}].kind", required=True),
                name=_str(ctx, om.get("name"), f"metadata.ownerReferences[{i}].name", required=True),
                uid=_str(ctx, om.get("uid"), f"metadata.ownerReferences[{i}].uid"),
                controller=True,
            )
            break

    phase = _str(ctx, status.get("phase"), "status.phase")
    ready = False
    disruption_target = False
    for i, c in enumerate(_list(ctx, status.get("conditions"), "status.conditions")):
        cm = _map(ctx, c, f"status.conditions[{i}]")
        ctype = _str(ctx, cm.get("type"), f"status.conditions[{i}].type")
        cstatus = _str(ctx, cm.get("status"), f"status.conditions[{i}].status")
        reason = _str(ctx, cm.get("reason"), f"status.conditions[{i}].reason")
        if ctype == "Ready" and cstatus == "True":
            ready = True
        if ctype == "DisruptionTarget" and cstatus == "True" and reason == "PreemptionByScheduler":
            disruption_target = True
    start = _time(ctx, status.get("startTime"), "status.startTime")
    terminating = meta.get("deletionTimestamp") is not None
    if terminating:
        _time(ctx, meta.get("deletionTimestamp"), "metadata.deletionTimestamp")
    _time(ctx, meta.get("creationTimestamp"), "metadata.creationTimestamp")
    pod = Pod(
        uid=uid, namespace=ns, name=name, labels=labels, spec=info, priority=priority,
        priority_class_name=cls_name or None, preemption_policy=preemption_policy, phase=phase,
        node_name=node_name,
        nominated_node_name=_str(ctx, status.get("nominatedNodeName"), "status.nominatedNodeName"),
        start_time=start, terminating=terminating, disruption_target_by_scheduler=disruption_target,
        ready=ready, owner=owner, source=source,
    )
    return PodParse(pod, warnings)


def compute_disruptions_allowed(pdb: PodDisruptionBudget, pods: Iterable[Pod],
                                replicas_of: Mapping[tuple[str, str, str], int] | None = None) -> int:
    """disruptionsAllowed as the disruption controller computes it when the input has no PDB status.

    ``replicas_of`` maps (namespace, controller kind, name) to the controller's scale; pods whose
    controller scale is unknown use the number of their siblings in the input.
    """
    sel = pdb.selector
    matched = [p for p in pods if p.namespace == pdb.namespace and sel is not None and sel.matches(p.labels)]
    healthy = sum(1 for p in matched if not p.terminating and p.ready and p.name not in pdb.disrupted_pods)
    if isinstance(pdb.min_available, int):
        expected, desired = len(matched), pdb.min_available
    else:
        controllers: dict[tuple[str, str, str], int] = {}
        for p in matched:
            if p.owner is None:
                continue
            k = (p.namespace, p.owner.kind, p.owner.name)
            if replicas_of and k in replicas_of:
                controllers[k] = replicas_of[k]
            else:
                controllers[k] = controllers.get(k, 0) + 1
        expected = sum(controllers.values())
        if isinstance(pdb.min_available, str):
            desired = math.ceil(int(pdb.min_available[:-1]) * expected / 100)
        elif isinstance(pdb.max_unavailable, int):
            desired = max(0, expected - pdb.max_unavailable)
        elif isinstance(pdb.max_unavailable, str):
            desired = max(0, expected - math.ceil(int(pdb.max_unavailable[:-1]) * expected / 100))
        else:
            desired = expected  # neither field: minAvailable defaults to 100% in practice
    if expected <= 0:
        return 0
    return max(0, healthy - desired)


__all__ = [
    "Admission",
    "Ctx",
    "compute_disruptions_allowed",
    "parse_label_selector",
    "parse_node",
    "parse_pdb",
    "parse_pod",
    "parse_pod_spec",
    "parse_priority_class",
]
