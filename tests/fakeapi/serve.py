"""Serve a generated cluster on 127.0.0.1 until interrupted, and write a kubeconfig for it.

For trying priocli (or kubectl) against a cluster of any size, and for timing the live loader
with the server in another process::

    cd tests && python -m fakeapi.serve --nodes 5000 --pods 150000 --kubeconfig /tmp/fake.kubeconfig
    priocli ... --kubeconfig /tmp/fake.kubeconfig          # in another shell
"""

from __future__ import annotations

import argparse
import base64
import gc
import signal
import sys
import threading
import time

import trustme
import yaml

from fakeapi.cluster import make_cluster
from fakeapi.server import FakeKubeAPI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=20)
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--kubeconfig", required=True, help="where to write the kubeconfig")
    ap.add_argument("--plain-http", action="store_true", help="no TLS")
    ap.add_argument("--no-gzip", action="store_true", help="never compress answers")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    gc.disable()
    objects = make_cluster(nodes=args.nodes, pods=args.pods, seed=args.seed)
    ca = None if args.plain_http else trustme.CA()
    api = FakeKubeAPI(objects, ca=ca, gzip_ok=not args.no_gzip)
    count = len(objects)
    del objects
    gc.enable()
    gc.collect()
    cluster = {"server": api.url}
    if ca is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca.cert_pem.bytes()).decode()
    kubeconfig = {"apiVersion": "v1", "kind": "Config", "current-context": "fake",
                  "clusters": [{"name": "fake", "cluster": cluster}],
                  "users": [{"name": "fake", "user": {"token": api.token}}],
                  "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}]}
    with open(args.kubeconfig, "w") as f:
        yaml.safe_dump(kubeconfig, f)
    api.start()
    print(f"serving {count} objects at {api.url} (ready in {time.perf_counter() - t0:.1f} s); "
          f"kubeconfig: {args.kubeconfig}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
        methods = sorted(api.methods())
        print(f"{len(api.requests)} requests, methods: {', '.join(methods) or 'none'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
