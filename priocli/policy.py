"""What ``priocli check`` fails on: the policy model, the flags and the YAML policy file.

A :class:`PolicySet` is a handful of independent policies, each with a stable name (used in
``--fail-on``, the JSON ``violations[].policy``, the JUnit test case names and the GitHub
annotation titles):

============================  ==============================================================
``eviction``                  any pod (newly) evicted
``protected-eviction``        an eviction of a protected pod: priority at or above a value, or
                              of named PriorityClasses, namespaces, or carrying given labels
``pending``                   any pod (newly) Pending, optionally only pods of given classes
``pdb``                       any eviction (newly) violating a PodDisruptionBudget
``missing-class``             a pod of the change naming a PriorityClass that does not exist
============================  ==============================================================

The policy file (``--policy FILE``) is YAML, validated with :data:`POLICY_SCHEMA` (JSON
Schema draft 2020-12); errors name the file, the line and the field::

    apiVersion: priocli/v1
    kind: CheckPolicy
    baseline: true              # false: judge the absolute outcome (--no-baseline)
    policies:
      eviction: false
      protectedEviction:
        minPriority: 1000000
        priorityClasses: [production]
        namespaces: [payments]
        labels: {tier: critical}
      pending:
        priorityClasses: [batch-high]   # or `pending: true` for every class
      pdb: true
      missingClass: true

Flags given with ``--policy`` add to the file's policies. With neither flags nor a file,
``check`` fails on any new eviction, any newly Pending pod and any new PDB violation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from priocli.errors import InputError
from priocli.model import Pod

EVICTION = "eviction"
PROTECTED_EVICTION = "protected-eviction"
PENDING = "pending"
PDB = "pdb"
MISSING_CLASS = "missing-class"

POLICY_NAMES = (EVICTION, PROTECTED_EVICTION, PENDING, PDB, MISSING_CLASS)
# what --fail-on accepts on `check` (simulate's --fail-on takes the first three)
CHECK_FAIL_ON = (EVICTION, PENDING, PDB, MISSING_CLASS)

API_VERSION = "priocli/v1"
KIND = "CheckPolicy"

_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}

POLICY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "priocli CheckPolicy",
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind"],
    "properties": {
        "apiVersion": {"const": API_VERSION},
        "kind": {"const": KIND},
        "baseline": {"type": "boolean"},
        "policies": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "eviction": {"type": "boolean"},
                "protectedEviction": {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {
                        "minPriority": {"type": "integer", "minimum": -2147483648, "maximum": 2147483647},
                        "priorityClasses": _STRINGS,
                        "namespaces": _STRINGS,
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
                "pending": {
                    "oneOf": [
                        {"type": "boolean"},
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"priorityClasses": _STRINGS},
                        },
                    ],
                },
                "pdb": {"type": "boolean"},
                "missingClass": {"type": "boolean"},
            },
        },
    },
}


@dataclass(frozen=True, slots=True)
class Protect:
    """Which evicted pods the ``protected-eviction`` policy fails on (any criterion matches)."""

    min_priority: int | None = None
    classes: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # all of them must be on the pod

    def is_empty(self) -> bool:
        return self.min_priority is None and not self.classes and not self.namespaces and not self.labels

    def why(self, pod: Pod) -> str | None:
        """Why ``pod`` is protected (``priority 1000000 >= 1000000``), or None when it is not."""
        reasons = []
        if self.min_priority is not None and pod.priority >= self.min_priority:
            reasons.append(f"priority {pod.priority} >= {self.min_priority}")
        if pod.priority_class_name and pod.priority_class_name in self.classes:
            reasons.append(f"class {pod.priority_class_name}")
        if pod.namespace in self.namespaces:
            reasons.append(f"namespace {pod.namespace}")
        if self.labels and all(pod.labels.get(k) == v for k, v in self.labels):
            reasons.append("labels " + ",".join(f"{k}={v}" for k, v in self.labels))
        return "; ".join(reasons) or None

    def describe(self) -> str:
        parts = []
        if self.min_priority is not None:
            parts.append(f"priority >= {self.min_priority}")
        if self.classes:
            parts.append("class " + ", ".join(self.classes))
        if self.namespaces:
            parts.append("namespace " + ", ".join(self.namespaces))
        if self.labels:
            parts.append("labels " + ",".join(f"{k}={v}" for k, v in self.labels))
        return " or ".join(parts)

    def merge(self, other: Protect) -> Protect:
        mins = [m for m in (self.min_priority, other.min_priority) if m is not None]
        return Protect(
            min_priority=min(mins) if mins else None,
            classes=_union(self.classes, other.classes),
            namespaces=_union(self.namespaces, other.namespaces),
            labels=tuple(dict([*self.labels, *other.labels]).items()),
        )


@dataclass(frozen=True, slots=True)
class PolicySet:
    """The policies a check evaluates, and whether it compares against the baseline."""

    eviction: bool = False
    protect: Protect = field(default_factory=Protect)
    pending: bool = False
    pending_classes: tuple[str, ...] = ()  # empty: every class
    pdb: bool = False
    missing_class: bool = False
    baseline: bool = True

    @classmethod
    def default(cls) -> PolicySet:
        """No policy given: fail on any new eviction, newly Pending pod and new PDB violation."""
        return cls(eviction=True, pending=True, pdb=True)

    def names(self) -> list[str]:
        """The active policies, in :data:`POLICY_NAMES` order."""
        active = {EVICTION: self.eviction, PROTECTED_EVICTION: not self.protect.is_empty(),
                  PENDING: self.pending, PDB: self.pdb, MISSING_CLASS: self.missing_class}
        return [n for n in POLICY_NAMES if active[n]]

    def is_empty(self) -> bool:
        return not self.names()

    def merge(self, other: PolicySet) -> PolicySet:
        """Both sets' policies; ``pending`` limited to classes only when every side that asks for it is."""
        pending_classes: tuple[str, ...] = ()
        if (self.pending and not self.pending_classes) or (other.pending and not other.pending_classes):
            pending_classes = ()
        else:
            pending_classes = _union(self.pending_classes, other.pending_classes)
        return PolicySet(
            eviction=self.eviction or other.eviction,
            protect=self.protect.merge(other.protect),
            pending=self.pending or other.pending,
            pending_classes=pending_classes,
            pdb=self.pdb or other.pdb,
            missing_class=self.missing_class or other.missing_class,
            baseline=self.baseline and other.baseline,
        )

    def describe(self, name: str) -> str:
        """One line saying what policy ``name`` fails on."""
        new = "newly " if self.baseline else ""
        if name == EVICTION:
            return f"fail on any pod {new}evicted"
        if name == PROTECTED_EVICTION:
            return f"fail on {'a newly' if self.baseline else 'an'} evicted pod of {self.protect.describe()}"
        if name == PENDING:
            which = f"of class {', '.join(self.pending_classes)} " if self.pending_classes else ""
            return f"fail on any pod {which}{new}Pending"
        if name == PDB:
            return f"fail on any eviction {new}violating a PodDisruptionBudget"
        if name == MISSING_CLASS:
            return "fail on a pod of the change naming a PriorityClass that does not exist"
        raise KeyError(name)


def _union(a: Iterable[str], b: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*a, *b]))


# ------------------------------------------------------------------ from flags


def from_flags(
    *,
    fail_on: Sequence[str] = (),
    protect_priority: int | None = None,
    protect_classes: Sequence[str] = (),
    protect_namespaces: Sequence[str] = (),
    protect_labels: Sequence[str] = (),
    pending_classes: Sequence[str] = (),
    baseline: bool = True,
) -> PolicySet:
    """The policies the command-line flags ask for (maybe none: see :meth:`PolicySet.is_empty`).

    ``protect_labels`` are ``KEY=VALUE`` strings; ``pending_classes`` turns ``pending`` on,
    limited to those classes (unless ``pending`` is also in ``fail_on``).
    """
    for name in fail_on:
        if name not in CHECK_FAIL_ON:
            raise InputError(f"--fail-on: unknown policy {name!r} (choose from {', '.join(CHECK_FAIL_ON)})")
    labels: dict[str, str] = {}
    for item in protect_labels:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--protect-label: expected KEY=VALUE, got {item!r}")
        labels[key.strip()] = value.strip()
    pending_all = PENDING in fail_on
    return PolicySet(
        eviction=EVICTION in fail_on,
        protect=Protect(protect_priority, tuple(dict.fromkeys(protect_classes)),
                        tuple(dict.fromkeys(protect_namespaces)), tuple(labels.items())),
        pending=pending_all or bool(pending_classes),
        pending_classes=() if pending_all else tuple(dict.fromkeys(pending_classes)),
        pdb=PDB in fail_on,
        missing_class=MISSING_CLASS in fail_on,
        baseline=baseline,
    )


def split_list(values: Iterable[str] | None) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]`` (repeated and comma-separated flags)."""
    out: list[str] = []
    for value in values or []:
        for item in value.split(","):
            item = item.strip()
            if item and item not in out:
                out.append(item)
    return out


# ------------------------------------------------------------------ the policy file


def load_policy_file(path: str) -> PolicySet:
    """Read and validate a policy file; :class:`InputError` names the file, line and field."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a policy file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    return parse_policy(data, path)


def parse_policy(data: bytes | str, name: str = "<policy>") -> PolicySet:
    """Parse and validate policy file content (see the module docstring for the format)."""
    import yaml

    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
        node = next((n for n in yaml.compose_all(text) if n is not None), None)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise InputError(f"{name}: invalid YAML: {problem}{where}") from None
    if len(docs) != 1:
        raise InputError(f"{name}: expected one YAML document (a {KIND}), found {len(docs)}")
    doc = docs[0]
    _validate(doc, node, name)
    return _from_document(doc)


def _validate(doc: Any, node: Any, name: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(POLICY_SCHEMA)
    errors = sorted(validator.iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return
    err = errors[0]
    # a oneOf failure says little: its most specific sub-error says which field is wrong
    best = jsonschema.exceptions.best_match([err]) if err.context else err
    path = list(best.absolute_path)
    field_path = _field_path(path) or "(top level)"
    line = _line_of(node, path)
    where = f"{name}: line {line}" if line is not None else name
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise InputError(f"{where}: {field_path}: {_message(best)}{more}")


def _message(err: Any) -> str:
    if err.validator == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        return f"{err.message}; allowed: {', '.join(allowed)}"
    if err.validator == "const":
        return f"must be {err.validator_value!r}, got {err.instance!r}"
    return str(err.message)


def _field_path(path: Sequence[Any]) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def _line_of(node: Any, path: Sequence[Any]) -> int | None:
    """The 1-based line of the YAML node at ``path`` (or of its closest existing parent)."""
    import yaml

    if node is None:
        return None
    line = node.start_mark.line + 1
    for p in path:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(p):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(p, int) and p < len(node.value):
            nxt = node.value[p]
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _from_document(doc: Mapping[str, Any]) -> PolicySet:
    pol = doc.get("policies") or {}
    prot = pol.get("protectedEviction") or {}
    pending = pol.get("pending", False)
    pending_classes: tuple[str, ...] = ()
    if isinstance(pending, Mapping):
        pending_classes = tuple(pending.get("priorityClasses") or ())
        pending = True
    return PolicySet(
        eviction=bool(pol.get("eviction", False)),
        protect=Protect(
            min_priority=prot.get("minPriority"),
            classes=tuple(prot.get("priorityClasses") or ()),
            namespaces=tuple(prot.get("namespaces") or ()),
            labels=tuple((str(k), str(v)) for k, v in (prot.get("labels") or {}).items()),
        ),
        pending=bool(pending),
        pending_classes=pending_classes,
        pdb=bool(pol.get("pdb", False)),
        missing_class=bool(pol.get("missingClass", False)),
        baseline=bool(doc.get("baseline", True)),
    )


def resolve(flags: PolicySet, file: PolicySet | None) -> PolicySet:
    """The policies a check runs: the file's plus the flags'; the defaults when neither names any.

    ``flags.baseline`` false (``--no-baseline``) wins over the file.
    """
    base = file.merge(flags) if file is not None else flags
    if base.is_empty():
        base = replace(PolicySet.default(), baseline=base.baseline)
    return base
