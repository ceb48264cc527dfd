"""The check policy model: flags, the YAML policy file (jsonschema, errors at the field), merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from priocli.errors import InputError
from priocli.policy import PolicySet, Protect, from_flags, load_policy_file, parse_policy, resolve, split_list

FULL = """apiVersion: priocli/v1
kind: CheckPolicy
baseline: false
policies:
  eviction: true
  protectedEviction:
    minPriority: 1000000
    priorityClasses: [production]
    namespaces: [payments]
    labels: {tier: critical}
  pending:
    priorityClasses: [batch-high]
  pdb: true
  missingClass: true
"""


def test_full_policy_file() -> None:
    p = parse_policy(FULL)
    assert p == PolicySet(eviction=True,
                          protect=Protect(1000000, ("production",), ("payments",), (("tier", "critical"),)),
                          pending=True, pending_classes=("batch-high",), pdb=True, missing_class=True, baseline=False)
    assert p.names() == ["eviction", "protected-eviction", "pending", "pdb", "missing-class"]
    assert p.describe("protected-eviction") == ("fail on an evicted pod of priority >= 1000000 or class production "
                                                "or namespace payments or labels tier=critical")


def test_minimal_policy_file_has_no_policy() -> None:
    p = parse_policy("apiVersion: priocli/v1\nkind: CheckPolicy\n")
    assert p.is_empty() and p.baseline
    assert resolve(from_flags(), p).names() == ["eviction", "pending", "pdb"]
    assert parse_policy("apiVersion: priocli/v1\nkind: CheckPolicy\npolicies: {pending: true}\n").names() == ["pending"]


@pytest.mark.parametrize("text, message", [
    ("apiVersion: priocli/v1\nkind: CheckPolicy\npolicies:\n  pdb: yes-please\n",
     "<p>: line 4: policies.pdb: 'yes-please' is not of type 'boolean'"),
    ("apiVersion: priocli/v1\nkind: CheckPolicy\npolicies:\n  evictions: true\n",
     "<p>: line 4: policies: Additional properties are not allowed ('evictions' was unexpected); "
     "allowed: eviction, missingClass, pdb, pending, protectedEviction"),
    ("apiVersion: priocli/v2\nkind: CheckPolicy\n", "<p>: line 1: apiVersion: must be 'priocli/v1', got 'priocli/v2'"),
    ("kind: CheckPolicy\n", "<p>: line 1: (top level): 'apiVersion' is a required property"),
    ("apiVersion: priocli/v1\nkind: CheckPolicy\npolicies:\n  pending:\n    priorityClasses: [a, 3]\n",
     "<p>: line 5: policies.pending.priorityClasses[1]: 3 is not of type 'string'"),
    ("apiVersion: priocli/v1\nkind: CheckPolicy\npolicies:\n  protectedEviction: {}\n",
     "<p>: line 4: policies.protectedEviction: {} should be non-empty"),
    ("apiVersion: priocli/v1\nkind: CheckPolicy\npolicies: {pdb: true\n", "<p>: invalid YAML: "),
    ("a: 1\n---\nb: 2\n", "<p>: expected one YAML document (a CheckPolicy), found 2"),
])
def test_policy_file_errors_point_at_the_field(text: str, message: str) -> None:
    with pytest.raises(InputError) as e:
        parse_policy(text, "<p>")
    assert str(e.value).startswith(message), str(e.value)


def test_load_policy_file(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(FULL)
    assert load_policy_file(str(f)).missing_class
    with pytest.raises(InputError, match="no such file"):
        load_policy_file(str(tmp_path / "none.yaml"))
    with pytest.raises(InputError, match="is a directory"):
        load_policy_file(str(tmp_path))


def test_flags() -> None:
    assert from_flags().is_empty()
    p = from_flags(fail_on=["eviction", "missing-class"], protect_labels=["a=b", " c = d "],
                   pending_classes=["x"], baseline=False)
    assert p.names() == ["eviction", "protected-eviction", "pending", "missing-class"]
    assert p.protect.labels == (("a", "b"), ("c", "d")) and p.pending_classes == ("x",) and not p.baseline
    # --fail-on pending widens --pending-class to every class
    assert from_flags(fail_on=["pending"], pending_classes=["x"]).pending_classes == ()
    with pytest.raises(InputError, match="unknown policy 'evict'"):
        from_flags(fail_on=["evict"])
    with pytest.raises(InputError, match="KEY=VALUE"):
        from_flags(protect_labels=["novalue"])
    assert split_list(["a,b", " c ,,a"]) == ["a", "b", "c"]


def test_resolve_merges_file_and_flags() -> None:
    file = parse_policy(FULL.replace("baseline: false", "baseline: true"))
    merged = resolve(from_flags(protect_priority=10, protect_classes=["gold"], baseline=False), file)
    assert merged.protect.min_priority == 10 and merged.protect.classes == ("production", "gold")
    assert not merged.baseline
    # pending for every class on either side wins over a class list
    assert resolve(from_flags(fail_on=["pending"]), file).pending_classes == ()
    # no policy anywhere: the defaults, keeping --no-baseline
    d = resolve(from_flags(baseline=False), None)
    assert d.names() == ["eviction", "pending", "pdb"] and not d.baseline


def test_protect_why() -> None:
    from conftest import make_pod

    pod = make_pod("payments/api", 1000000, "production")
    pod.labels["tier"] = "critical"
    assert Protect(min_priority=1000000).why(pod) == "priority 1000000 >= 1000000"
    assert Protect(classes=("production",), namespaces=("payments",)).why(pod) == "class production; namespace payments"
    assert Protect(labels=(("tier", "critical"), ("x", "y"))).why(pod) is None
    assert Protect(min_priority=1000001, classes=("gold",)).why(pod) is None
