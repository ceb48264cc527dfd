"""A fake Kubernetes API server on 127.0.0.1 and a generated cluster to serve, for the live-loading tests."""

from fakeapi.cluster import make_cluster, running_objects
from fakeapi.server import FakeKubeAPI, Request

__all__ = ["FakeKubeAPI", "Request", "make_cluster", "running_objects"]
