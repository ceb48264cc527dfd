"""Kubernetes dicts -> the immutable model, with the admission the API server applies.

Every field the engine reads is type-checked here; anything wrong raises an
:class:`~priocli.errors.InputError` naming file, document, object and field path.
Admission modeled: Priority (class value, globalDefault, the two system classes),
defaulting of requests from limits, DefaultTolerationSeconds, hostNetwork host ports.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson

from priocli.errors import InputError, describe_object, describe_type, field_error
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

if TYPE_CHECKING:
    from priocli.load.documents import Document

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

# Keys of shapes and spec parts: orjson refuses (TypeError) what a JSON or YAML reader does not
# produce plainly (datetimes, subclasses), and such values are parsed without a cache.
_SHAPE_DUMPS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS

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


_QUANTITIES: dict[str, int] = {}  # parse_quantity of the strings seen (a few dozen in a cluster)


def _quantity(ctx: Ctx, v: Any, path: str) -> int:
    """Exact nano-units; negative quantities are invalid for requests, limits and capacity."""
    q = _QUANTITIES.get(v) if type(v) is str else None
    if q is None:
        try:
            q = parse_quantity(v)
        except QuantityError as e:
            raise ctx.error(path, str(e)) from None
        if type(v) is str and len(_QUANTITIES) < 100_000:
            _QUANTITIES[v] = q
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
        reqs = _container_requests(ctx, cm.get("resources"), p)
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


def _container_requests(ctx: Ctx, v: Any, p: str) -> dict[str, int]:
    """A container's requests in nano-units, defaulted from its limits (``v`` is its resources)."""
    res = _map(ctx, v, f"{p}.resources")
    reqs = _resource_list(ctx, res.get("requests"), f"{p}.resources.requests")
    lims = _resource_list(ctx, res.get("limits"), f"{p}.resources.limits")
    for k, q in lims.items():  # SetDefaults_Pod: requests default from limits
        reqs.setdefault(k, q)
    for k, q in reqs.items():
        if k in lims and q > lims[k]:
            raise ctx.error(f"{p}.resources.requests.{k}", "must be less than or equal to the limit")
    return reqs


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


def _resources_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> tuple[Any, ...]:
    """hostNetwork, containers, initContainers, overhead: requests, non-zero and score requests,
    host ports, images (the first fields of :class:`PodSpecInfo`)."""
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
    return _resource_totals(ctx, path, regular, init, overhead, ports, images)


def _resource_totals(ctx: Ctx, path: str, regular: list[_Container], init: list[_Container],
                     overhead: Mapping[str, int], ports: list[HostPort], images: list[str]) -> tuple[Any, ...]:
    req_nanos = pod_requests(regular, init, overhead)
    requests = {k: _to_int_units(k, v) for k, v in req_nanos.items()}
    score = pod_requests(regular, init, overhead, defaults=True)
    nz_cpu, nz_mem = node_nonzero(regular, init, overhead)
    _check_int64(ctx, f"{path}.containers", requests, "the pod's total request of")
    _check_int64(ctx, f"{path}.containers", {CPU: max(nz_cpu, to_milli(score.get(CPU, 0))),
                                              MEMORY: max(nz_mem, to_units(score.get(MEMORY, 0)))},
                 "the pod's total request of")
    return (requests, nz_cpu, nz_mem, to_milli(score.get(CPU, 0)), to_units(score.get(MEMORY, 0)), tuple(ports),
            tuple(images))


def _node_selector_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> tuple[tuple[str, str], ...]:
    node_selector = _labels(ctx, spec.get("nodeSelector"), f"{path}.nodeSelector")
    return tuple(sorted(node_selector.items()))


def _affinity_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> tuple[Any, ...]:
    """Node affinity (required, preferred), pod affinity and anti-affinity (required, preferred)."""
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
    return required_na, tuple(preferred_na), pa_req, pa_pref, paa_req, paa_pref


def _tolerations_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> tuple[Toleration, ...]:
    return _with_default_tolerations(_tolerations(ctx, spec.get("tolerations"), f"{path}.tolerations"))


def _gates_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> tuple[str, ...]:
    gates = []
    for i, g in enumerate(_list(ctx, spec.get("schedulingGates"), f"{path}.schedulingGates")):
        gm = _map(ctx, g, f"{path}.schedulingGates[{i}]")
        gates.append(_str(ctx, gm.get("name"), f"{path}.schedulingGates[{i}].name", required=True))
    return tuple(gates)


UNMODELED_VOLUMES = ("persistentVolumeClaim", "ephemeral", "gcePersistentDisk", "awsElasticBlockStore", "azureDisk",
                     "rbd", "iscsi", "csi")


def _unmodeled_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> tuple[str, ...]:
    unmodeled = []
    for i, vol in enumerate(_list(ctx, spec.get("volumes"), f"{path}.volumes")):
        vm = _map(ctx, vol, f"{path}.volumes[{i}]")
        vname = _str(ctx, vm.get("name"), f"{path}.volumes[{i}].name") or str(i)
        for kind in UNMODELED_VOLUMES:
            if vm.get(kind) is not None:
                unmodeled.append(f"volume {vname} ({kind})")
    if spec.get("resourceClaims"):
        unmodeled.append("resourceClaims (dynamic resource allocation)")
    return tuple(unmodeled)


def _spread_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> tuple[TopologySpreadConstraint, ...]:
    return _spread_constraints(ctx, spec.get("topologySpreadConstraints"), f"{path}.topologySpreadConstraints")


def _scheduler_name_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> str:
    return _str(ctx, spec.get("schedulerName"), f"{path}.schedulerName", DEFAULT_SCHEDULER) or DEFAULT_SCHEDULER


def _node_name_part(ctx: Ctx, spec: Mapping[str, Any], path: str) -> str:
    return _str(ctx, spec.get("nodeName"), f"{path}.nodeName")


def _plain_resources_part(spec: Mapping[str, Any], requests_of: dict[bytes, dict[str, int]],
                          totals_of: dict[tuple[Any, ...], tuple[Any, ...]]) -> tuple[Any, ...]:
    """:func:`_resources_part` of plain values, else :class:`_Slow`. A container's requests are
    looked up in ``requests_of`` by the JSON of its resources, the totals of the containers'
    requests in ``totals_of``."""
    host_network = spec.get("hostNetwork")
    if host_network is None:
        host_network = False
    elif type(host_network) is not bool:
        raise _Slow
    containers = spec.get("containers")
    init = spec.get("initContainers")
    if type(containers) is not list or not containers or (init is not None and type(init) is not list):
        raise _Slow
    ports: list[HostPort] = []
    images: list[str] = []
    regular = [_plain_container(c, False, host_network, ports, images, requests_of) for c in containers]
    inits = [_plain_container(c, True, host_network, ports, images, requests_of) for c in init or ()]
    overhead_raw = spec.get("overhead")
    # The containers' requests dicts are shared (requests_of): their ids stand for them.
    key = (tuple((id(c.requests), c.sidecar) for c in regular), tuple((id(c.requests), c.sidecar) for c in inits))
    totals = None if overhead_raw is not None else totals_of.get(key)
    if totals is None:
        try:
            overhead = _resource_list(_NO_CTX, overhead_raw, "")
            totals = _resource_totals(_NO_CTX, "", regular, inits, overhead, [], [])[:5]
        except InputError:
            raise _Slow from None
        if overhead_raw is None:
            totals_of[key] = totals
    return (dict(totals[0]), *totals[1:], tuple(ports), tuple(images))


def _plain_container(c: Any, init: bool, host_network: bool, ports: list[HostPort], images: list[str],
                     requests_of: dict[bytes, dict[str, int]]) -> _Container:
    """One container as :func:`_containers` reads it, of plain values, else :class:`_Slow`."""
    if type(c) is not dict:
        raise _Slow
    name, res, rp, image = c.get("name"), c.get("resources"), c.get("restartPolicy"), c.get("image")
    if ((name is not None and type(name) is not str) or (rp is not None and type(rp) is not str)
            or (image is not None and type(image) is not str) or (rp and (init is False or rp != "Always"))):
        raise _Slow
    try:
        key = orjson.dumps(res, option=_SHAPE_DUMPS)
    except (TypeError, orjson.JSONEncodeError):
        raise _Slow from None
    reqs = requests_of.get(key)
    if reqs is None:
        try:
            reqs = requests_of[key] = _container_requests(_NO_CTX, res, "")
        except InputError:
            raise _Slow from None
    port_list = c.get("ports")
    if port_list is not None:
        if type(port_list) is not list:
            raise _Slow
        for pm in port_list:
            if type(pm) is not dict:
                raise _Slow
            cport, hport, proto, hip = pm.get("containerPort"), pm.get("hostPort"), pm.get("protocol"), pm.get("hostIP")
            if cport is None:
                cport = 0
            if hport is None:
                hport = 0
            if not proto:
                proto = proto if proto is not None and type(proto) is not str else "TCP"
            if hip is None:
                hip = ""
            if (type(cport) is not int or type(hport) is not int or not 0 <= cport <= 65535 or not 0 <= hport <= 65535
                    or proto not in ("TCP", "UDP", "SCTP") or type(proto) is not str or type(hip) is not str):
                raise _Slow
            if host_network and hport == 0:
                hport = cport
            if hport > 0 and not init:
                ports.append(HostPort(hip, proto, hport))
    if image and not init:
        images.append(normalize_image(image))
    return _Container(reqs, sidecar=(rp == "Always"))


# What admission reads of a pod spec (parse_pod_spec, and parse_pod's priority fields). Specs that
# agree on these are admitted alike whatever else differs: env, probes, volumeMounts, and the
# kube-api-access-<random> volume the API server gives every pod.
_READ_SPEC_FIELDS = ("hostNetwork", "overhead", "nodeSelector", "affinity", "tolerations", "schedulingGates",
                     "topologySpreadConstraints", "schedulerName", "priorityClassName", "priority", "preemptionPolicy")
_READ_CONTAINER_FIELDS = ("name", "image", "resources", "restartPolicy", "ports")


def admitted_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a pod spec that admission reads, as raw values (nodeName aside): the fields
    above, containers' and init containers' name, image, resources, restartPolicy and ports,
    volumes as far as their name and kind are read (:func:`_unmodeled_part`), and whether
    resourceClaims are set. A value admission refuses is kept as it is (it is refused alike)."""
    out: dict[str, Any] = {}
    get = spec.get
    for k in _READ_SPEC_FIELDS:
        v = get(k)
        if v is not None:
            out[k] = v
    for k in ("containers", "initContainers"):
        cs = get(k)
        if type(cs) is list:
            out[k] = [{f: c[f] for f in _READ_CONTAINER_FIELDS if c.get(f) is not None} if type(c) is dict else c
                      for c in cs]
        elif cs is not None:
            out[k] = cs
    volumes = get("volumes")
    if type(volumes) is list:
        out["volumes"] = [_volume_fields(v) for v in volumes]
    elif volumes is not None:
        out["volumes"] = volumes
    if get("resourceClaims"):
        out["resourceClaims"] = True
    return out


def _volume_fields(v: Any) -> Any:
    """A volume as :func:`_unmodeled_part` reads it: the kinds it has of UNMODELED_VOLUMES, and
    its name when one is (a message names it) or when it is not a string (refused)."""
    if v is not None and type(v) is not dict:
        return v
    kinds = [k for k in UNMODELED_VOLUMES if v and v.get(k) is not None]
    name = v.get("name") if v else None
    if kinds or (name is not None and type(name) is not str):
        return {"kinds": kinds, "name": name}
    return {"kinds": kinds}


# The parts of a pod spec in the order parse_pod_spec reads them.
_SPEC_PARTS = (_resources_part, _node_selector_part, _affinity_part, _tolerations_part, _gates_part,
               _unmodeled_part, _spread_part, _scheduler_name_part, _node_name_part)
# what the parts after _resources_part read (node selection, scheduling gates, volumes, scheduler)
_PLACEMENT_FIELDS = ("nodeSelector", "affinity", "tolerations", "schedulingGates", "volumes", "resourceClaims",
                     "topologySpreadConstraints", "schedulerName", "nodeName")


def _spec_from_parts(resources: tuple[Any, ...], node_selector: tuple[tuple[str, str], ...],
                     affinity: tuple[Any, ...], tolerations: tuple[Toleration, ...], gates: tuple[str, ...],
                     unmodeled: tuple[str, ...], spread: tuple[TopologySpreadConstraint, ...],
                     scheduler_name: str, node_name: str) -> PodSpecInfo:
    requests, nz_cpu, nz_mem, score_cpu, score_mem, ports, images = resources
    required_na, preferred_na, pa_req, pa_pref, paa_req, paa_pref = affinity
    # (positional, in PodSpecInfo's field order: requests, nonzero_cpu, nonzero_mem, score_cpu,
    # score_mem, host_ports, tolerations, node_selector, required_node_affinity, preferred_node_affinity,
    # pod_affinity_required/preferred, pod_anti_affinity_required/preferred, topology_spread, images,
    # scheduler_name, scheduling_gates, node_name, unmodeled)
    return PodSpecInfo(dict(requests), nz_cpu, nz_mem, score_cpu, score_mem, ports, tolerations, node_selector,
                       required_na, preferred_na, pa_req, pa_pref, paa_req, paa_pref, spread, images,
                       scheduler_name, gates, node_name, unmodeled)


def parse_pod_spec(ctx: Ctx, spec: Mapping[str, Any], path: str = "spec") -> PodSpecInfo:
    """Everything the scheduler reads from a pod spec (also used for workload templates)."""
    return _spec_from_parts(*(part(ctx, spec, path) for part in _SPEC_PARTS))


class SpecCache(dict):  # type: ignore[type-arg]  # dict[bytes, PodSpecInfo]
    """Parsed pod specs by their canonical JSON, plus what specs share: a container's requests
    (by its resources' JSON), the totals of containers' requests, and the placement parts (node
    selection, tolerations, spread, ...: by the JSON of the fields they read). A new spec reads
    its containers' names, images and ports; the rest is looked up."""

    __slots__ = ("placements", "requests_of", "totals_of")

    def __init__(self) -> None:
        super().__init__()
        self.placements: dict[bytes, tuple[Any, ...]] = {}
        self.requests_of: dict[bytes, dict[str, int]] = {}  # a container's requests by its resources' JSON
        self.totals_of: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # see _plain_resources_part


def _parse_spec_parts(ctx: Ctx, spec: Mapping[str, Any], fields: Mapping[str, Any], path: str,
                      cache: SpecCache) -> PodSpecInfo:
    """:func:`parse_pod_spec` with the parts looked up in ``cache`` first (a part's value depends
    only on the fields it reads: ``fields`` is :func:`admitted_fields` of ``spec``). If a part is
    refused, parse_pod_spec reads the spec again: the error is then the first one in its order."""
    try:
        place_key = orjson.dumps([fields.get(f) for f in _PLACEMENT_FIELDS], option=_SHAPE_DUMPS)
    except (TypeError, orjson.JSONEncodeError):
        return parse_pod_spec(ctx, spec, path)
    try:
        try:  # (distinct specs mostly differ in their containers: no cache for the whole part)
            resources = _plain_resources_part(spec, cache.requests_of, cache.totals_of)
        except _Slow:
            resources = _resources_part(_NO_CTX, spec, path)
        placement = cache.placements.get(place_key)
        if placement is None:
            placement = cache.placements[place_key] = tuple(part(_NO_CTX, spec, path) for part in _SPEC_PARTS[1:])
    except InputError:
        return parse_pod_spec(ctx, spec, path)
    return _spec_from_parts(resources, *placement)




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

    def class_for(self, cls_name: str) -> tuple[PriorityClass | None, str]:
        """The class a pod's priorityClassName names (None when there is no such class), or the
        globalDefault class when it names none; and the class name the pod then carries."""
        if cls_name:
            return self.classes.get(cls_name), cls_name
        pc = self.global_default
        return pc, (pc.name if pc else "")


def _computed(pc: PriorityClass | None) -> tuple[int, str]:
    """The priority and preemption policy admission computes from the class (none: 0, PreemptLowerPriority)."""
    return (pc.value, pc.preemption_policy) if pc else (0, PREEMPT_LOWER)


@dataclass(slots=True)
class PodParse:
    pod: Pod
    warnings: list[Warning_] = field(default_factory=list)


def _spec_info(ctx: Ctx, spec: Mapping[str, Any], cache: dict[bytes, PodSpecInfo] | None) -> PodSpecInfo:
    """parse_pod_spec of the spec without its nodeName, shared by pods whose specs agree on what
    admission reads (:func:`admitted_fields`; the key is its canonical JSON).

    The replicas of one template differ in nodeName (kept on :class:`Pod`) and in fields nothing
    here reads (a service account token volume's name), so a 150,000-pod snapshot parses one spec
    per template (and per node for DaemonSets).
    """
    rest = {k: v for k, v in spec.items() if k != "nodeName"}
    if cache is None:
        return parse_pod_spec(ctx, rest)
    fields = admitted_fields(rest)
    try:
        key = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return parse_pod_spec(ctx, rest)
    return _cached_spec_info(ctx, rest, fields, key, cache)


def _cached_spec_info(ctx: Ctx, spec: Mapping[str, Any], fields: Mapping[str, Any], key: bytes,
                      cache: dict[bytes, PodSpecInfo]) -> PodSpecInfo:
    info = cache.get(key)
    if info is None:
        rest = {k: v for k, v in spec.items() if k != "nodeName"} if "nodeName" in spec else spec
        info = (_parse_spec_parts(ctx, rest, fields, "spec", cache) if isinstance(cache, SpecCache)
                else parse_pod_spec(ctx, rest))
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
    pc, cls_name = admission.class_for(cls_name)
    if pc is None and cls_name:
        if admitted and given_prio is not None:
            warnings.append(Warning_("MissingPriorityClass",
                                     f"admitted pod references PriorityClass {cls_name!r} which is not in the input; "
                                     f"keeping its admitted priority {given_prio}", f"Pod {ns}/{name}"))
            pc = PriorityClass(cls_name, given_prio, given_pp or PREEMPT_LOWER)
        else:
            raise ctx.error("spec.priorityClassName",
                            f'pods "{name}" is forbidden: no PriorityClass with name {cls_name} was found')
    computed, computed_pp = _computed(pc)
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


# ---------------------------------------------------------------- pods in bulk


class _Shape:
    """What the pods made from one template share, admitted once.

    A shape is the pod's namespace, whether it was admitted already (bound, a uid or a phase:
    see :func:`parse_pod`), its raw ownerReferences and what admission reads of its spec
    (:func:`admitted_fields`). Pods of one shape get the same PodSpecInfo, priority and owner
    objects, and the same labels dict when their labels are the first pod's; only their own
    fields (name, labels, nodeName, phase, times, conditions, ...) are read per pod.

    A DaemonSet's pods differ in one more field: the node their required node affinity pins them
    to (``matchFields: [{key: metadata.name, operator: In, values: [NODE]}]``). They match the
    shape of the first one as variants: their PodSpecInfo is the shape's with that node.
    """

    __slots__ = ("admitted", "aff_probe", "aff_slot", "cache", "class_name", "fast", "fields", "info", "key_prefix",
                 "key_suffix", "label_keys", "labels", "labels_raw", "ns", "numeric", "owner", "owners_raw", "pin",
                 "policy", "priority", "probe")

    def __init__(self, ns: str, admitted: bool, labels_raw: Any, owners_raw: Any, spec: dict[str, Any],
                 fields: dict[str, Any], labels: dict[str, str], info: PodSpecInfo, priority: int,
                 class_name: str | None, policy: str, owner: OwnerRef | None, cache: dict[bytes, PodSpecInfo]) -> None:
        self.ns = ns
        self.admitted = admitted
        self.labels_raw = labels_raw
        self.owners_raw = owners_raw
        self.probe = dict(spec)  # the first pod's spec, given the nodeName of the pod compared (see match)
        self.fields = fields  # admitted_fields of the first pod's spec
        self.label_keys = list(labels_raw) if type(labels_raw) is dict and len(labels_raw) > 1 else None
        self.numeric: tuple[tuple[int, tuple[str | int, ...], type], ...] | None = None  # see match
        self.labels = labels
        self.info = info
        self.priority = priority
        self.class_name = class_name
        self.policy = policy
        self.owner = owner
        self.cache = cache
        self.fast = True  # False: a value whose == is not exact; the pods of this shape go one by one
        self.pin: tuple[Any, ...] | bool | None = False  # the pinned node's path in spec.affinity (False: not looked for)
        self.aff_probe: Any = None
        self.aff_slot: list[Any] = []
        self.key_prefix = self.key_suffix = b""

    def match(self, ns: str, admitted: bool, owners_raw: Any, spec: dict[str, Any]) -> PodSpecInfo | None:
        """The pod's PodSpecInfo if its shape fields equal this shape's, value for value and type
        for type (or it is a variant pinned to another node), else None.

        ``==`` compares strings, None, lists and dicts by type already; the int, float and bool
        leaves (1 == 1.0 == True) are checked by type at the paths this shape has them. The order
        of keys does not change what is admitted (specs are cached by their canonical JSON). The
        whole spec is compared first: pods of one template mostly have identical specs.
        """
        if ns != self.ns or admitted is not self.admitted or owners_raw != self.owners_raw:
            return None
        probe = self.probe
        if "nodeName" in probe and "nodeName" in spec:
            probe["nodeName"] = spec["nodeName"]
        pinned = None
        if spec != probe:
            fields = admitted_fields(spec)
            if fields != self.fields:
                if self.pin is None or "affinity" not in fields:
                    return None
                pinned = self._pinned(fields)
                if pinned is None:
                    return None
        numeric = self.numeric
        if numeric is None:  # the first time a pod is compared: most shapes have one pod
            found: list[tuple[int, tuple[str | int, ...], type]] = []
            # (labels are strings: see _plain_labels; volumes and resourceClaims hold no raw number)
            read = {k: v for k, v in self.fields.items() if k != "volumes" and k != "resourceClaims"}
            if not (_numeric_leaves(self.owners_raw, 0, (), found) and _numeric_leaves(read, 1, (), found)):
                self.fast = False
                return None
            numeric = self.numeric = tuple(found)
        for root, path, t in numeric:
            v = spec if root else owners_raw
            for k in path:
                v = v[k]
            if type(v) is not t:
                return None
        return self.info if pinned is None else self._pinned_info(pinned)

    def labels_of(self, labels_raw: Any) -> dict[str, str]:
        """The pod's labels: this shape's dict when they are the same (in the same order), else
        their own (:class:`_Slow` if they are not plain strings)."""
        if labels_raw == self.labels_raw and (self.label_keys is None or list(labels_raw) == self.label_keys):
            return self.labels
        return _plain_labels(labels_raw)  # a StatefulSet's pods: each its own pod-name label

    def _pinned(self, fields: dict[str, Any]) -> str | None:
        """The node a variant of this shape is pinned to (``fields`` are the admitted fields of its
        spec): they equal the shape's but for that node name (a string), else None."""
        if self.pin is False:
            self._find_pin()
            if self.pin is None:
                return None
        own = self.fields
        aff = fields["affinity"]
        saved = own["affinity"]
        own["affinity"] = aff
        try:
            if fields != own:
                return None
        finally:
            own["affinity"] = saved
        v = aff
        try:
            for k in self.pin:  # type: ignore[union-attr]
                v = v[k]
        except (KeyError, IndexError, TypeError):
            return None
        if type(v) is not list or len(v) != 1 or type(v[0]) is not str:
            return None
        node = v[0]
        self.aff_slot[0] = node
        return node if aff == self.aff_probe else None

    def _find_pin(self) -> None:
        """Where this shape's spec pins its pod to a node, the copy of its affinity that variants are
        compared with, and its spec's cache key split around the node name."""
        self.pin = None
        aff = self.fields.get("affinity")
        path = _pin_path(aff)
        req = self.info.required_node_affinity
        if path is None or req is None:
            return
        i, j = path[3], path[5]
        node = aff["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][i][
            "matchFields"][j]["values"][0]
        if (len(req) <= i or len(req[i].match_fields) <= j
                or req[i].match_fields[j] != Requirement("metadata.name", "In", (node,))):
            return
        probe = copy.deepcopy(aff)
        slot = probe
        for k in path:
            slot = slot[k]
        slot[0] = _PIN
        try:
            key = orjson.dumps({**self.fields, "affinity": probe}, option=orjson.OPT_SORT_KEYS | _SHAPE_DUMPS)
        except (TypeError, orjson.JSONEncodeError):
            return
        pin = orjson.dumps(_PIN)
        if key.count(pin) != 1:
            return
        self.key_prefix, self.key_suffix = key.split(pin)
        slot[0] = node
        self.aff_probe = probe
        self.aff_slot = slot
        self.pin = path

    def _pinned_info(self, node: str) -> PodSpecInfo:
        """The PodSpecInfo of a variant pinned to ``node``: the spec cache's for its spec, or made
        from this shape's with that node (what parse_pod_spec gives for that spec)."""
        key = self.key_prefix + orjson.dumps(node) + self.key_suffix  # = _spec_info's key of the variant
        info = self.cache.get(key)
        if info is None:
            base = self.info
            i, j = self.pin[3], self.pin[5]  # type: ignore[index]
            terms = list(base.required_node_affinity)  # type: ignore[arg-type]
            fields = list(terms[i].match_fields)
            fields[j] = Requirement("metadata.name", "In", (node,))
            terms[i] = NodeSelectorTerm(terms[i].match_expressions, tuple(fields))
            info = self.cache[key] = PodSpecInfo(
                dict(base.requests), base.nonzero_cpu, base.nonzero_mem, base.score_cpu, base.score_mem,
                base.host_ports, base.tolerations, base.node_selector, tuple(terms), base.preferred_node_affinity,
                base.pod_affinity_required, base.pod_affinity_preferred, base.pod_anti_affinity_required,
                base.pod_anti_affinity_preferred, base.topology_spread, base.images, base.scheduler_name,
                base.scheduling_gates, base.node_name, base.unmodeled)
        return info


_PIN = "\x00priocli: the pinned node\x00"  # stands for the node name in a DaemonSet shape's spec key


def _pin_path(aff: Any) -> tuple[Any, ...] | None:
    """The path in spec.affinity of the values of the first ``metadata.name In [NODE]`` matchFields
    requirement of the required node affinity (how the DaemonSet controller pins its pods)."""
    na = aff.get("nodeAffinity") if type(aff) is dict else None
    req = na.get("requiredDuringSchedulingIgnoredDuringExecution") if type(na) is dict else None
    terms = req.get("nodeSelectorTerms") if type(req) is dict else None
    if type(terms) is not list:
        return None
    for i, term in enumerate(terms):
        fields = term.get("matchFields") if type(term) is dict else None
        if type(fields) is not list:
            continue
        for j, r in enumerate(fields):
            if type(r) is dict and r.get("key") == "metadata.name" and r.get("operator") == "In":
                values = r.get("values")
                if type(values) is list and len(values) == 1 and type(values[0]) is str:
                    return ("nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms", i,
                            "matchFields", j, "values")
    return None


def _numeric_leaves(v: dict[str, Any] | list[Any] | None, root: int, path: tuple[str | int, ...],
                    out: list[tuple[int, tuple[str | int, ...], type]]) -> bool:
    """Collect the paths of the int, float and bool leaves of a parsed JSON/YAML value; False if
    it holds anything else than plain dicts (string keys), lists, strings, numbers and None."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(v, path)]
    pop, push, add = stack.pop, stack.append, out.append
    while stack:
        v, path = pop()
        if v is None:
            continue
        if type(v) is dict:
            items: Iterable[tuple[Any, Any]] = v.items()
            for k in v:
                if type(k) is not str:
                    return False
        elif type(v) is list:
            items = enumerate(v)
        else:
            return False
        for k, x in items:
            t = type(x)
            if t is str or x is None:
                continue
            if t is dict or t is list:
                push((x, (*path, k)))
            elif t is bool or t is int or (t is float and x == x):
                add((root, (*path, k), t))
            else:
                return False
    return True


class _Slow(Exception):
    """A field the bulk path does not take as it is: the pod is admitted by parse_pod."""


_EPOCH = datetime(1970, 1, 1)
_from_iso = datetime.fromisoformat


def _time_value(v: Any) -> float | None:
    """:func:`_time` of a valid value; raises :class:`_Slow` for anything else."""
    if type(v) is str and len(v) == 20 and v[19] == "Z" and v[10] == "T":  # 2024-04-11T22:34:42Z
        try:
            # = fromisoformat(v[:19] + "+00:00").timestamp(): the same timedelta since the epoch
            return (_from_iso(v[:19]) - _EPOCH).total_seconds()
        except ValueError:
            pass
    if v is None or v == "":
        return None
    try:
        if type(v) is str:
            s = v.strip()
            if s.endswith("Z") or s.endswith("z"):
                s = s[:-1] + "+00:00"
            dt = datetime.fromisoformat(s)
        elif isinstance(v, datetime):
            dt = v
        else:
            raise _Slow
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.timestamp()
    except _Slow:
        raise
    except Exception:
        raise _Slow from None


def _conditions(conds: Any) -> tuple[bool, bool]:
    """(ready, disruption target by the scheduler) of valid status.conditions, else :class:`_Slow`."""
    ready = target = False
    if conds is None:
        return ready, target
    if type(conds) is not list:
        raise _Slow
    for c in conds:
        if type(c) is not dict:
            raise _Slow
        ctype, cstatus, reason = c.get("type"), c.get("status"), c.get("reason")
        if ((ctype is not None and type(ctype) is not str) or (cstatus is not None and type(cstatus) is not str)
                or (reason is not None and type(reason) is not str)):
            raise _Slow
        if ctype == "Ready" and cstatus == "True":
            ready = True
        if ctype == "DisruptionTarget" and cstatus == "True" and reason == "PreemptionByScheduler":
            target = True
    return ready, target


def _plain_labels(v: Any) -> dict[str, str]:
    """:func:`_labels` of labels whose keys and values are all strings, else :class:`_Slow`."""
    if v is None:
        return {}
    if type(v) is not dict:
        raise _Slow
    for k, val in v.items():
        if type(k) is not str or type(val) is not str:
            raise _Slow
    return dict(v)


def _plain_owner(v: Any) -> OwnerRef | None:
    """The controller ownerReference as :func:`parse_pod` reads it, of plain values, else :class:`_Slow`."""
    if v is None:
        return None
    if type(v) is not list:
        raise _Slow
    for o in v:
        if type(o) is not dict:
            raise _Slow
        controller = o.get("controller")
        if controller is None or controller is False:
            continue
        if controller is not True:
            raise _Slow
        kind, name, uid = o.get("kind"), o.get("name"), o.get("uid")
        if uid is None:
            uid = ""
        if type(kind) is not str or type(name) is not str or type(uid) is not str:
            raise _Slow
        return OwnerRef(kind=kind, name=name, uid=uid, controller=True)
    return None


def _plain_priority(admission: Admission, cls: Any, prio: Any, pp: Any, admitted: bool) -> tuple[int, str | None, str]:
    """Priority admission as :func:`parse_pod` does it (priority, class name, preemption policy),
    for plain values that give neither an error nor a warning, else :class:`_Slow`."""
    if ((cls is not None and type(cls) is not str) or (pp is not None and type(pp) is not str)
            or (prio is not None and (type(prio) is not int or not INT32_MIN <= prio <= INT32_MAX))):
        raise _Slow
    cls_name = cls or ""
    given_pp = pp or ""
    if given_pp and given_pp not in (PREEMPT_LOWER, NEVER):
        raise _Slow
    pc, cls_name = admission.class_for(cls_name)
    if pc is None and cls_name:
        raise _Slow
    computed, computed_pp = _computed(pc)
    if admitted and prio is not None:
        if prio != computed and pc is not None and cls:
            raise _Slow
        return prio, cls_name or None, given_pp or computed_pp
    if (prio is not None and prio != computed) or (given_pp and given_pp != computed_pp):
        raise _Slow
    return computed, cls_name or None, computed_pp


_NO_CTX = Ctx(None, None)  # errors of the bulk path are never shown: the pod is then parsed by parse_pod


def admit_pods(docs: Iterable[Document], admission: Admission,
               spec_cache: dict[bytes, PodSpecInfo] | None = None, *, first_uid: int = 0,
               bulk: bool = True) -> tuple[list[Pod], list[Warning_]]:
    """:func:`parse_pod` of every (object, source), uids numbered from ``first_uid``, in bulk.

    Pods of one shape (see :class:`_Shape`) are admitted once: the first pod's shape fields are
    read, the others' are compared with them and only their own fields are read. Anything the
    bulk path does not take as it is -- a value of an unexpected type, an error, a warning --
    sends the pod through :func:`parse_pod`, so errors and warnings are exactly its own.
    ``bulk=False`` admits every pod by :func:`parse_pod` (the reference the bulk path is tested
    against).
    """
    pods: list[Pod] = []
    warnings: list[Warning_] = []
    if spec_cache is None:
        spec_cache = SpecCache()
    shapes: dict[tuple[bytes, bytes], _Shape] = {}
    priorities: dict[tuple[Any, ...], tuple[int, str | None, str]] = {}
    last: _Shape | None = None
    uid = first_uid
    append = pods.append
    for doc in docs:
        obj = doc.obj
        source = doc.source
        pod = None
        meta = obj.get("metadata") if bulk else None
        spec = obj.get("spec")
        status = obj.get("status")
        if status is None:
            status = _NO_STATUS
        if type(meta) is dict and type(spec) is dict and type(status) is dict:
            name = meta.get("name")
            ns = meta.get("namespace")
            node_name = spec.get("nodeName")
            if node_name is None:
                node_name = ""
            phase = status.get("phase")
            if phase is None:
                phase = ""
            if (type(name) is str and name and (ns is None or type(ns) is str) and type(node_name) is str
                    and type(phase) is str):
                ns = ns or "default"
                admitted = bool(node_name or meta.get("uid") or phase)
                labels_raw = meta.get("labels")
                owners_raw = meta.get("ownerReferences")
                shape = last
                info = None if shape is None else shape.match(ns, admitted, owners_raw, spec)
                if info is None:
                    shape = _find_shape(shapes, priorities, spec_cache, admission, ns, admitted, labels_raw,
                                        owners_raw, spec)
                    if shape is not None and shape.fast:
                        last = shape
                        info = shape.info
                if info is not None and shape is not None:
                    try:
                        labels = shape.labels_of(labels_raw)
                        conditions = status.get("conditions")
                        ready, target = (False, False) if conditions is None else _conditions(conditions)
                        start = status.get("startTime")
                        if type(start) is str and len(start) == 20 and start[19] == "Z" and start[10] == "T":
                            start = (_from_iso(start[:19]) - _EPOCH).total_seconds()  # _time_value, inline
                        else:
                            start = _time_value(start)
                        terminating = meta.get("deletionTimestamp") is not None
                        if terminating:
                            _time_value(meta.get("deletionTimestamp"))
                        created = meta.get("creationTimestamp")
                        if type(created) is str and len(created) == 20 and created[19] == "Z" and created[10] == "T":
                            _from_iso(created[:19])  # valid (and so is its timestamp)
                        else:
                            _time_value(created)
                        nominated = status.get("nominatedNodeName")
                        if nominated is None:
                            nominated = ""
                        elif type(nominated) is not str:
                            raise _Slow
                    except (_Slow, ValueError):
                        pass
                    else:
                        pod = Pod(uid, ns, name, labels, info, shape.priority, shape.class_name,
                                  shape.policy, phase, node_name, nominated, start, terminating, target, ready,
                                  shape.owner, source)
        if pod is None:
            parsed = parse_pod(obj, source, uid, admission, spec_cache)
            pod = parsed.pod
            warnings.extend(parsed.warnings)
        append(pod)
        uid += 1
    return pods, warnings


def _find_shape(shapes: dict[tuple[bytes, bytes], _Shape], priorities: dict[tuple[Any, ...], tuple[int, str | None, str]],
                spec_cache: dict[bytes, PodSpecInfo], admission: Admission, ns: str, admitted: bool,
                labels_raw: Any, owners_raw: Any, spec: dict[str, Any]) -> _Shape | None:
    """The shape of a pod, made if it is new; None when the pod is to be admitted by parse_pod."""
    fields = admitted_fields(spec)
    try:
        # Without a datetime or a subclass (refused here) this is also _spec_info's key.
        spec_key = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS | _SHAPE_DUMPS)
        key = (orjson.dumps((ns, admitted, owners_raw), option=_SHAPE_DUMPS), spec_key)
    except (TypeError, orjson.JSONEncodeError):
        return None
    shape = shapes.get(key)
    if shape is not None:
        return shape
    try:
        labels = _plain_labels(labels_raw)  # (the shape's: its first pod's)
        info = _cached_spec_info(_NO_CTX, spec, fields, spec_key, spec_cache)
        pkey = (spec.get("priorityClassName"), spec.get("priority"), spec.get("preemptionPolicy"), admitted)
        for v, t in zip(pkey, (str, int, str), strict=False):
            if v is not None and type(v) is not t:
                raise _Slow  # (and 1.0 or True would find the entry of 1)
        prio = priorities.get(pkey)
        if prio is None:
            prio = priorities[pkey] = _plain_priority(admission, *pkey)
        owner = _plain_owner(owners_raw)
    except (_Slow, InputError):
        return None
    shape = shapes[key] = _Shape(ns, admitted, labels_raw, owners_raw, spec, fields, labels, info, *prio, owner,
                                 spec_cache)
    return shape


_NO_STATUS: dict[str, Any] = {}


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
    "SpecCache",
    "admit_pods",
    "compute_disruptions_allowed",
    "parse_label_selector",
    "parse_node",
    "parse_pdb",
    "parse_pod",
    "parse_pod_spec",
    "parse_priority_class",
]
