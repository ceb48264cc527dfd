"""A kubeconfig file pointing the real kubernetes client at the fake API server."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import trustme
import yaml

TOKEN = "test-token"


def kubeconfig(path: Path, server: str, ca: trustme.CA | None, *, user: dict[str, Any] | None = None,
               contexts: tuple[str, ...] = ("fake",), current: str | None = "fake") -> str:
    cluster: dict[str, Any] = {"server": server}
    if ca is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca.cert_pem.bytes()).decode()
    doc = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "fake-cluster", "cluster": cluster}],
        "users": [{"name": "fake-user", "user": user if user is not None else {"token": TOKEN}}],
        "contexts": [{"name": c, "context": {"cluster": "fake-cluster", "user": "fake-user"}} for c in contexts],
    }
    if current is not None:
        doc["current-context"] = current
    path.write_text(yaml.safe_dump(doc))
    return str(path)
