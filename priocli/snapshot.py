"""Write a cluster snapshot: one ``kind: List`` document with what the scheduler reads, nothing else.

``write_snapshot(objects, "cluster.json")`` keeps, of each object, what scheduling and priocli
read (see ``docs/live.md``): managedFields, annotations (but pod-deletion-cost), resourceVersion, generation, container
env/command/probes, IPs, container statuses, config volumes, node addresses and the conditions
nobody reads are dropped. The output is deterministic: objects in a fixed kind order (Namespace,
Service, workloads, Pod) then by namespace and name, mapping keys sorted. It is written
atomically.

JSON is the default format: a 150,000-pod snapshot parses in about 1 s as JSON and about 45 s as
YAML with PyYAML's C loader (``../shared/reference/live-loading.md``); YAML is written for
``.yaml``/``.yml`` names or ``fmt="yaml"``.

``redact=True`` replaces namespace, node, pod, workload and other object names with keyed-hash
pseudonyms, consistently everywhere they are referenced (see :class:`Redactor`).
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from priocli.errors import InputError
from priocli.load.live import slim_metadata

KIND_ORDER = ("Namespace", "Node", "PriorityClass", "PodDisruptionBudget", "LimitRange", "Service",
              "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController")
_RANK = {k: i for i, k in enumerate(KIND_ORDER)}
_POD_RANK = len(KIND_ORDER) + 1  # Pods last, after any kind we do not know (which sort by kind name)
WORKLOAD_KINDS = frozenset(KIND_ORDER[6:])

REDACT_KEY_ENV = "PRIOCLI_REDACT_KEY"
# Kept as they are under --redact: well known, and renaming them tells nobody anything.
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})

# Conditions the scheduler and priocli read: a pod's Ready, DisruptionTarget and PodScheduled, a
# node's Ready, a Job's Complete and Failed (a finished Job makes no more pods).
READ_CONDITIONS = frozenset({"Ready", "DisruptionTarget", "PodScheduled", "Complete", "Failed"})
CONDITION_NOISE = frozenset({"lastHeartbeatTime", "lastProbeTime", "message", "observedGeneration"})

# Pod spec fields no scheduling decision depends on.
POD_SPEC_NOISE = frozenset({
    "automountServiceAccountToken", "dnsConfig", "dnsPolicy", "enableServiceLinks", "hostAliases",
    "hostname", "imagePullSecrets", "readinessGates", "securityContext", "serviceAccount",
    "serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace", "subdomain",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds",
})
CONTAINER_NOISE = frozenset({
    "args", "command", "env", "envFrom", "imagePullPolicy", "lifecycle", "livenessProbe",
    "readinessProbe", "securityContext", "startupProbe", "stdin", "stdinOnce",
    "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts",
    "workingDir",
})
# Volume sources no scheduler plugin looks at (the volume plugins act on claims and disks).
IGNORED_VOLUME_SOURCES = frozenset({"configMap", "secret", "projected", "downwardAPI", "emptyDir", "gitRepo"})
NODE_SPEC_NOISE = frozenset({"providerID", "podCIDR", "podCIDRs", "externalID", "configSource"})

SPEC_KEPT: dict[str, frozenset[str]] = {
    "Service": frozenset({"selector"}),  # what default topology spreading reads of a Service
}
STATUS_KEPT: dict[str, frozenset[str]] = {
    "Service": frozenset(),
    "Pod": frozenset({"phase", "conditions", "startTime", "nominatedNodeName", "qosClass", "reason"}),
    "Node": frozenset({"capacity", "allocatable", "conditions", "images", "phase"}),
    "PodDisruptionBudget": frozenset({"currentHealthy", "desiredHealthy", "disruptionsAllowed",
                                      "expectedPods", "disruptedPods"}),
}
STATUS_NOISE = frozenset({"observedGeneration", "collisionCount", "currentRevision", "updateRevision",
                          "uncountedTerminatedPods"})


def write_snapshot(objects: list[dict[str, Any]], out: str | None, *, fmt: str | None = None,
                   redact: bool = False, redact_key: str | bytes | None = None) -> None:
    """Write ``objects`` as one ``apiVersion: v1, kind: List`` document to ``out``.

    ``out`` None or ``-`` is stdout. ``fmt`` is ``"json"`` or ``"yaml"``; when None it follows
    the extension of ``out`` (``.yaml``/``.yml`` YAML, otherwise JSON). A file is written to a
    temporary name beside it and renamed into place: on any error nothing half-written remains
    (and an existing file is untouched). ``redact`` replaces names with pseudonyms keyed by
    ``redact_key``, else ``$PRIOCLI_REDACT_KEY``, else a key derived from the input itself (the
    same input gives the same output; pseudonyms then change when the set of objects changes).
    Raises :class:`~priocli.errors.InputError` (one line) on failure.
    """
    form = _format_of(out, fmt)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small containers: the cyclic collector would run again and again
    try:
        flat = list(_flatten(objects))
        ordered = sorted(flat, key=sort_key)  # by the real names, also under --redact: same file order
        items = [strip_object(o) for o in ordered]
        if redact:
            key = redact_key if redact_key is not None else os.environ.get(REDACT_KEY_ENV) or None
            items = Redactor(key if key is not None else derive_key(flat)).redact(items)
        data = serialize({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items}, form)
        del items, ordered, flat
    finally:
        if gc_was_enabled:
            gc.enable()
    _write(out, data)


# ---------------------------------------------------------------- order and format


def _format_of(out: str | None, fmt: str | None) -> str:
    if fmt is not None:
        f = fmt.lower()
        if f == "yml":
            f = "yaml"
        if f not in ("json", "yaml"):
            raise InputError(f"unknown snapshot format {fmt!r} (json or yaml)")
        return f
    if out and out != "-" and out.lower().endswith((".yaml", ".yml")):
        return "yaml"
    return "json"


def _flatten(objects: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for i, o in enumerate(objects):
        if not isinstance(o, dict):
            raise InputError(f"snapshot: object {i} is a {type(o).__name__}, not a mapping")
        kind = o.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(o.get("items"), list):
            yield from _flatten(o["items"])
        else:
            yield o


def sort_key(o: Mapping[str, Any]) -> tuple[int, str, str, str]:
    """The snapshot's order: :data:`KIND_ORDER`, unknown kinds, then Pods; then namespace and name.
    Pods without a node queue in file order, so this is also their queue order (the API server
    lists pods in the same namespace/name order)."""
    kind = o.get("kind")
    kind = kind if isinstance(kind, str) else ""
    meta = o.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    rank = _POD_RANK if kind == "Pod" else _RANK.get(kind, len(KIND_ORDER))
    return rank, kind, str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _json_opts() -> int:
    import orjson

    return orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def serialize(doc: Any, fmt: str) -> bytes:
    """``doc`` as YAML (PyYAML, C emitter when available) or JSON, mapping keys sorted.

    JSON puts each item of a ``kind: List`` on a line of its own: compact (indenting makes a
    snapshot half as large again), still one object per line for ``diff`` and ``grep``.
    """
    if fmt == "json":
        import orjson

        opts = _json_opts()
        try:
            items = doc.get("items") if isinstance(doc, dict) else None
            if not isinstance(items, list):
                return orjson.dumps(doc, option=opts | orjson.OPT_APPEND_NEWLINE)
            head = orjson.dumps({k: v for k, v in doc.items() if k != "items"}, option=opts)
            if not items:
                return head[:-1] + b',"items":[]}\n'
            body = b",\n".join([orjson.dumps(it, option=opts) for it in items])
            return head[:-1] + b',"items":[\n' + body + b"\n]}\n"
        except TypeError as e:
            raise InputError(f"snapshot: cannot write as JSON: {e}") from None
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        def ignore_aliases(self, data: Any) -> bool:
            return True  # stripped objects share containers with the input: no &id001 anchors

    dumper = Dumper

    def dump(v: Any) -> str:
        return yaml.dump(v, Dumper=dumper, sort_keys=True, default_flow_style=False, allow_unicode=True,
                         width=1 << 16)

    try:
        items = doc.get("items") if isinstance(doc, dict) else None
        if not isinstance(items, list) or not items:
            return dump(doc).encode("utf-8")
        head = dump({k: v for k, v in doc.items() if k != "items"})  # items last, as in the JSON
        # One item at a time: PyYAML builds a node graph of what it dumps, gigabytes for a whole cluster.
        return (head + "items:\n" + "".join([dump([it]) for it in items])).encode("utf-8")
    except yaml.YAMLError as e:
        raise InputError(f"snapshot: cannot write as YAML: {' '.join(str(e).split())}") from None


def _write(out: str | None, data: bytes) -> None:
    if out is None or out == "-":
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            stream.write(data)
        else:  # a text-only stdout (tests capturing it)
            sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return
    path = os.path.abspath(out)
    if os.path.isdir(path):
        raise InputError(f"cannot write snapshot {out}: it is a directory")
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise InputError(f"cannot write snapshot {out}: directory {directory} does not exist")
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as e:
        raise InputError(f"cannot write snapshot {out}: {e.strerror or e}") from None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise InputError(f"cannot write snapshot {out}: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# ---------------------------------------------------------------- stripping


# Each function returns new containers only where something is dropped; everything kept is
# shared with the input (which is never modified). Key order is left to the serializer (sorted).


def _strip_meta(meta: Any) -> Any:
    if not isinstance(meta, dict):
        return meta
    out = slim_metadata(meta)
    refs = out.get("ownerReferences")
    if isinstance(refs, list):
        out["ownerReferences"] = [
            {k: r[k] for k in ("apiVersion", "kind", "name", "uid", "controller") if k in r}
            if isinstance(r, Mapping) else r for r in refs]
    return out


def _strip_conditions(conds: Any) -> Any:
    if not isinstance(conds, list):
        return conds
    return [{k: v for k, v in c.items() if k not in CONDITION_NOISE}
            for c in conds if isinstance(c, Mapping) and c.get("type") in READ_CONDITIONS]


def _strip_containers(cs: Any) -> Any:
    if not isinstance(cs, list):
        return cs
    return [{k: v for k, v in c.items() if k not in CONTAINER_NOISE} if isinstance(c, Mapping) else c for c in cs]


def strip_pod_spec(spec: Any) -> Any:
    """A PodSpec without what no scheduling decision reads."""
    if not isinstance(spec, Mapping):
        return spec
    out: dict[str, Any] = {}
    for k, v in spec.items():
        if k in POD_SPEC_NOISE:
            continue
        if k in ("containers", "initContainers", "ephemeralContainers"):
            v = _strip_containers(v)
        elif k == "volumes" and isinstance(v, list):
            v = [vol for vol in v if not (isinstance(vol, Mapping) and not IGNORED_VOLUME_SOURCES.isdisjoint(vol))]
            if not v:
                continue
        out[k] = v
    return out


def _strip_template(t: Any) -> Any:
    if not isinstance(t, Mapping):
        return t
    out = dict(t)
    if "metadata" in t:
        out["metadata"] = _strip_meta(t["metadata"])
    if "spec" in t:
        out["spec"] = strip_pod_spec(t["spec"])
    return out


def _strip_spec(kind: Any, spec: Any) -> Any:
    if kind == "Pod":
        return strip_pod_spec(spec)
    if not isinstance(spec, Mapping):
        return spec
    kept = SPEC_KEPT.get(kind) if isinstance(kind, str) else None
    out = {}
    for k, v in spec.items():
        if (kind == "Node" and k in NODE_SPEC_NOISE) or (kept is not None and k not in kept):
            continue
        out[k] = _strip_template(v) if k == "template" else v
    return out


def _strip_status(kind: Any, status: Any) -> Any:
    if not isinstance(status, Mapping):
        return status
    kept = STATUS_KEPT.get(kind) if isinstance(kind, str) else None
    out = {}
    for k, v in status.items():
        if (kept is not None and k not in kept) or k in STATUS_NOISE:
            continue
        if k == "conditions":
            v = _strip_conditions(v)
            if not v:
                continue
        out[k] = v
    return out


def strip_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What the scheduler and priocli read of ``obj``: a new dict sharing what it keeps with ``obj``."""
    kind = obj.get("kind")
    out: dict[str, Any] = {}
    for k, v in obj.items():
        if k == "metadata":
            v = _strip_meta(v)
        elif k == "spec":
            v = _strip_spec(kind, v)
        elif k == "status":
            v = _strip_status(kind, v)
        out[k] = v
    return out


# ---------------------------------------------------------------- redaction


def derive_key(objects: Iterable[Mapping[str, Any]]) -> bytes:
    """A key from every object's identity: deterministic for one input, unguessable without it."""
    h = hashlib.sha256(b"priocli-redact-v1")
    idents = []
    for o in objects:
        meta = o.get("metadata") if isinstance(o.get("metadata"), Mapping) else {}
        idents.append(f"{o.get('kind')}\0{meta.get('namespace') or ''}\0{meta.get('name') or ''}\0{meta.get('uid') or ''}")
    for ident in sorted(idents):
        h.update(ident.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.digest()


_WORKLOAD_PREFIX = {"Deployment": "deploy", "ReplicaSet": "rs", "StatefulSet": "sts", "DaemonSet": "ds",
                    "Job": "job", "CronJob": "cronjob", "ReplicationController": "rc"}
# Label keys whose values are names: mapped like the names themselves, so that a hostname label
# still equals its node's name, a kubernetes.io/metadata.name label its namespace's name.
NAME_LABELS: dict[str, tuple[str, str]] = {  # label key -> (category, prefix)
    "kubernetes.io/hostname": ("node", "node"),
    "kubernetes.io/metadata.name": ("ns", "ns"),
    "statefulset.kubernetes.io/pod-name": ("pod", "pod"),
    "job-name": ("workload", "job"),
    "batch.kubernetes.io/job-name": ("workload", "job"),
}
# Label values kept under --redact: topology, platform and hashes, which identify nobody.
KEPT_LABELS = frozenset({
    "topology.kubernetes.io/zone", "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region", "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch", "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type",
    "pod-template-hash", "controller-uid", "batch.kubernetes.io/controller-uid", "apps.kubernetes.io/pod-index",
    "batch.kubernetes.io/job-completion-index",
})


# Subtrees that hold no name nor label value: not walked (most of a pod is its containers).
_NO_NAMES_INSIDE = frozenset({"containers", "initContainers", "ephemeralContainers", "tolerations", "conditions",
                              "images", "capacity", "allocatable", "overhead", "resources", "taints"})


class Redactor:
    """Replaces names and label values with ``<prefix>-<10 hex digits of HMAC-SHA256(key, ...)>``.

    Names: namespaces (``ns-``, except :data:`SYSTEM_NAMESPACES`), nodes (``node-<rank>-``, so
    that they sort like the real names, as the engine's last tie-break reads them), pods
    (``pod-``), workloads (``deploy-``, ``rs-``, ``sts-``, ``ds-``, ``job-``...: one category, so an
    ownerReference and the object it names agree), other objects (``pdb-``, ``service-``,
    ``limitrange-``...). A pod or workload named after its controller (``web-7d9f-x2k4q``,
    ``db-0``) keeps the structure: ``deploy-<hash>-7d9f-x2k4q``, ``sts-<hash>-0``. PriorityClass names are kept (``system-*`` are built in). References
    rewritten alike: ``metadata.namespace``, ``ownerReferences``, ``spec.nodeName``,
    ``status.nominatedNodeName``, PDB ``status.disruptedPods``, pod affinity ``namespaces``, node
    affinity ``matchFields`` on ``metadata.name``, PVC claim names.

    Label values (``app: checkout`` often names its workload) become ``v-<hash>`` per label key, in
    labels, nodeSelectors, Service/ReplicationController selectors and label selectors alike;
    except :data:`KEPT_LABELS` (zones, arch...), the keys of :data:`NAME_LABELS` (mapped as the
    names they hold), and keys compared with ``Gt``/``Lt`` anywhere (numbers must stay numbers).
    Label keys, taints, tolerations, images and container names are kept.

    The mapping is one-to-one (a colliding pseudonym is lengthened): equal names stay equal,
    different ones different, so no selector, affinity, spread or PDB decision changes. The
    order of the objects is left as it is (write_snapshot sorts by the real names first).
    """

    def __init__(self, key: str | bytes) -> None:
        self.key = key.encode() if isinstance(key, str) else key
        self.maps: dict[str, dict[str, str]] = {}
        self.taken: dict[str, set[str]] = {}
        self.numeric_keys: set[str] = set()
        self.node_rank: dict[str, int] | None = None  # set by redact(): the real names' sorted order
        self._collect: set[str] | None = None  # while collecting node names: nothing is renamed
        self._labels: dict[tuple[str, str], str] = {}
        # (category, name) -> (owner kind, owner name) for names made from their controller's name
        self.derived: dict[tuple[str, str], tuple[str, str]] = {}

    def name(self, category: str, prefix: str, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        if self._collect is not None:
            if category == "node":
                self._collect.add(value)
            return value
        if category == "ns" and value in SYSTEM_NAMESPACES:
            return value
        owner = self.derived.get((category, value))
        if owner is not None:  # <owner>-<suffix> stays <owner's pseudonym>-<suffix>
            return f"{self.workload(owner[0], owner[1])}{value[len(owner[1]):]}"
        m = self.maps.setdefault(category, {})
        digest = m.get(value)
        if digest is None:
            full = hmac.new(self.key, f"{category}\0{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
            taken = self.taken.setdefault(category, set())
            n = 10
            while full[:n] in taken:
                n += 2
            digest = full[:n]
            taken.add(digest)
            m[value] = digest
        return f"{prefix}-{digest}"

    def ns(self, v: Any) -> Any:
        return self.name("ns", "ns", v)

    def node(self, v: Any) -> Any:
        """``node-<rank>-<hash>``: priocli breaks its last ties by node name order (where kube-scheduler
        picks at random), so node pseudonyms sort like the real names."""
        pseudonym = self.name("node", "node", v)
        if self.node_rank is None or pseudonym is v or v not in self.node_rank:
            return pseudonym
        width = len(str(max(len(self.node_rank) - 1, 0)))
        return f"node-{self.node_rank[v]:0{width}d}-{pseudonym[5:13]}"

    def pod(self, v: Any) -> Any:
        return self.name("pod", "pod", v)

    def workload(self, kind: Any, v: Any) -> Any:
        return self.name("workload", _WORKLOAD_PREFIX.get(kind, "owner"), v)

    def label_value(self, key: Any, value: Any) -> Any:
        if not isinstance(key, str):
            return value
        named = NAME_LABELS.get(key)
        if named is not None:
            return self.node(value) if named[0] == "node" else self.name(named[0], named[1], value)
        if key in KEPT_LABELS or key in self.numeric_keys or not isinstance(value, str):
            return value
        if self._collect is not None:
            return value
        done = self._labels.get((key, value))
        if done is None:
            done = self._labels[(key, value)] = self.name(f"label\0{key}", "v", value)
        return done

    # -- walking: copies along every path where something is renamed; the input is not modified

    def redact(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Redacted copies of ``items`` (stripped objects), in the same order."""
        self._collect = set()
        try:  # a dry run, to learn every node name referenced anywhere and the keys compared as numbers
            for o in items:
                self._object(o)
            names = self._collect
        finally:
            self._collect = None
        self.node_rank = {n: i for i, n in enumerate(sorted(names))}
        return [self._object(o) for o in items]

    def _learn(self, kind: Any, meta: dict[str, Any]) -> None:
        """Note a name its controller made from its own: ``<sts>-<ordinal>``, ``<deploy>-<hash>``,
        ``<rs>-<suffix>``... priocli reads those structures (StatefulSet ordinals, a Deployment's
        ReplicaSet hash), so pseudonyms keep them: the suffix is kept, the owner part renamed."""
        name, refs = meta.get("name"), meta.get("ownerReferences")
        category = "pod" if kind == "Pod" else "workload" if kind in WORKLOAD_KINDS else None
        if category is None or not isinstance(name, str) or not isinstance(refs, list):
            return
        for r in refs:
            if (isinstance(r, dict) and r.get("controller") is True and r.get("kind") in WORKLOAD_KINDS
                    and isinstance(r.get("name"), str) and r["name"] and name.startswith(r["name"] + "-")
                    and len(name) > len(r["name"]) + 1):
                known = self.derived.get((category, name))
                if known is None or len(known[1]) < len(r["name"]):  # the longest owner name wins
                    self.derived[(category, name)] = (r["kind"], r["name"])

    def _object(self, o: dict[str, Any]) -> dict[str, Any]:
        kind = o.get("kind")
        out = dict(o)
        meta = o.get("metadata")
        if isinstance(meta, dict) and self._collect is not None:
            self._learn(kind, meta)
        if isinstance(meta, dict):
            m = out["metadata"] = dict(meta)
            if "namespace" in m:
                m["namespace"] = self.ns(m["namespace"])
            if "name" in m:
                m["name"] = self._own_name(kind, m["name"])
            if isinstance(m.get("labels"), dict):
                m["labels"] = self._label_map(m["labels"])
            if isinstance(m.get("ownerReferences"), list):
                m["ownerReferences"] = [{**r, "name": self._own_name(r.get("kind"), r.get("name"))}
                                        if isinstance(r, dict) and "name" in r else r for r in m["ownerReferences"]]
        spec = o.get("spec")
        if kind == "Pod":
            out["spec"] = self._pod_spec(spec)
        elif isinstance(spec, (dict, list)):
            out["spec"] = spec = self._walk(spec)
            if kind == "StatefulSet" and isinstance(spec, dict) and "serviceName" in spec:
                spec["serviceName"] = self.name("other:Service", "service", spec["serviceName"])
        status = o.get("status")
        if isinstance(status, dict):
            if kind == "Pod" and "nominatedNodeName" in status:
                out["status"] = {**status, "nominatedNodeName": self.node(status["nominatedNodeName"])}
            elif kind == "PodDisruptionBudget" and isinstance(status.get("disruptedPods"), dict):
                out["status"] = {**status, "disruptedPods": {self.pod(k): v for k, v in status["disruptedPods"].items()}}
        return out

    def _own_name(self, kind: Any, name: Any) -> Any:
        if kind == "Namespace":
            return self.ns(name)
        if kind == "Node":
            return self.node(name)
        if kind == "Pod":
            return self.pod(name)
        if kind == "PriorityClass":
            return name
        if kind in WORKLOAD_KINDS:
            return self.workload(kind, name)
        prefix = "pdb" if kind == "PodDisruptionBudget" else kind.lower() if isinstance(kind, str) else "object"
        return self.name(f"other:{kind}", prefix, name)

    def _label_map(self, labels: dict[str, Any]) -> dict[str, Any]:
        return {k: self.label_value(k, v) for k, v in labels.items()}

    def _requirements(self, reqs: Any, fields: bool = False) -> Any:
        if not isinstance(reqs, list):
            return reqs
        out = []
        for r in reqs:
            if isinstance(r, dict):
                key = r.get("key")
                if self._collect is not None and r.get("operator") in ("Gt", "Lt") and isinstance(key, str):
                    self.numeric_keys.add(key)
                if isinstance(r.get("values"), list):
                    if fields:
                        values = [self.node(v) for v in r["values"]] if key == "metadata.name" else r["values"]
                    else:
                        values = [self.label_value(key, v) for v in r["values"]]
                    r = {**r, "values": values}
            out.append(r)
        return out

    def _template_meta(self, m: dict[str, Any]) -> dict[str, Any]:
        return {**m, "labels": self._label_map(m["labels"])} if isinstance(m.get("labels"), dict) else m

    def _pod_spec(self, spec: Any) -> Any:
        """The places of a PodSpec that hold names or label values (the rest of it holds none)."""
        if not isinstance(spec, dict):
            return spec
        out = dict(spec)
        if "nodeName" in out:
            out["nodeName"] = self.node(out["nodeName"])
        if isinstance(out.get("nodeSelector"), dict):
            out["nodeSelector"] = self._label_map(out["nodeSelector"])
        for k in ("affinity", "topologySpreadConstraints"):
            if k in out:
                out[k] = self._walk(out[k])
        if isinstance(out.get("volumes"), list):
            out["volumes"] = self._walk(out["volumes"])
        return out

    def _walk(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self._walk(x) for x in v]
        if not isinstance(v, dict):
            return v
        out = {}
        for k, x in v.items():
            if k in _NO_NAMES_INSIDE or not isinstance(x, (dict, list, str)):
                pass
            elif k == "nodeName" or k == "nominatedNodeName":
                x = self.node(x)
            elif k in ("matchLabels", "nodeSelector", "selector") and isinstance(x, dict) and (
                    k != "selector" or not ({"matchLabels", "matchExpressions"} & x.keys())):
                x = self._label_map(x)  # a label map (a Service's or ReplicationController's selector too)
            elif k == "matchExpressions":
                x = self._requirements(x)
            elif k == "matchFields":
                x = self._requirements(x, fields=True)
            elif k == "namespaces" and isinstance(x, list):
                x = [self.ns(n) for n in x]
            elif k == "claimName":
                x = self.name("pvc", "pvc", x)
            elif k == "template" and isinstance(x, dict):  # a pod template
                x = {**x, "spec": self._pod_spec(x.get("spec"))} if "spec" in x else dict(x)
                if isinstance(x.get("metadata"), dict):
                    x["metadata"] = self._template_meta(x["metadata"])
            elif k == "metadata" and isinstance(x, dict):
                x = self._template_meta(x)
            else:
                x = self._walk(x)
            out[k] = x
        return out
