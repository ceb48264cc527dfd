"""ImageLocality (score only, weight 1): nodes that already hold the pod's container images.

Per regular container whose image (``:latest`` appended when it has no tag) the node lists:
``int(size * nodes with the image / all nodes)``; the sum is clamped to [23 MiB, 1000 MiB x
containers] and scaled to 0..100. Init containers are not considered in v1.29.
"""

from __future__ import annotations

from helpers import load, node, pod, run, states, trace

from priocli.plugins import imagelocality

MB = 1024 * 1024
IMAGE = "registry.example/app:1"


def image_score(*docs: dict) -> list[int]:
    [attempt] = trace("default/p", *docs)
    assert attempt.scores is not None
    scores = attempt.scores.plugins.get("ImageLocality")
    return [0] * len(attempt.scores.nodes) if scores is None else scores.tolist()


def test_pod_goes_to_the_node_holding_its_image() -> None:
    docs = (node("a"), node("b", images=[(IMAGE, 500 * MB)]), pod("p", image=IMAGE))
    assert states(run(*docs))["default/p"] == ("running", "b")
    # 500 MiB on 1 of 2 nodes: 250 MiB -> 100 * (250 - 23) / (1000 - 23) = 23
    assert image_score(*docs) == [0, 23]


def test_an_image_on_every_node_scores_its_full_size() -> None:
    docs = (node("a", images=[(IMAGE, 500 * MB)]), node("b", images=[(IMAGE, 500 * MB)]), pod("p", image=IMAGE))
    assert image_score(*docs) == [48, 48]  # 100 * (500 - 23) / 977


def test_spread_over_all_nodes_of_the_cluster() -> None:
    docs = (node("a", images=[(IMAGE, 800 * MB)]), node("b", images=[(IMAGE, 800 * MB)]), node("c"), node("d"),
            pod("p", image=IMAGE))
    assert image_score(*docs) == [38, 38, 0, 0]  # 800 * 2/4 = 400 -> 100 * 377 / 977


def test_small_images_score_nothing_and_huge_ones_are_capped() -> None:
    small = (node("a", images=[(IMAGE, 40 * MB)]), node("b"), pod("p", image=IMAGE))
    assert image_score(*small) == [0, 0]  # 20 MiB < 23 MiB
    huge = (node("a", images=[(IMAGE, 5000 * MB)]), node("b"), pod("p", image=IMAGE))
    assert image_score(*huge) == [100, 0]


def test_untagged_image_means_latest() -> None:
    docs = (node("a"), node("b", images=[("registry.example/app:latest", 2000 * MB)]),
            pod("p", image="registry.example/app"))
    assert states(run(*docs))["default/p"] == ("running", "b")


def test_another_tag_does_not_count() -> None:
    docs = (node("a"), node("b", images=[("registry.example/app:2", 2000 * MB)]), pod("p", image=IMAGE))
    assert image_score(*docs) == [0, 0]
    assert states(run(*docs))["default/p"] == ("running", "a")


def test_node_image_names_are_taken_as_reported() -> None:
    docs = (node("a"), node("b", images=[("registry.example/app", 2000 * MB)]),
            pod("p", image="registry.example/app"))
    assert image_score(*docs) == [0, 0]


def test_several_containers_share_a_larger_cap() -> None:
    p = pod("p", image=IMAGE)
    p["spec"]["containers"].append({"name": "sidecar", "image": "registry.example/proxy:1"})
    docs = (node("a", images=[(IMAGE, 1000 * MB), ("registry.example/proxy:1", 1000 * MB)]),
            node("b", images=[(IMAGE, 1000 * MB)]), p)
    # app on both nodes (1000), proxy on one of two (500); the cap is 2 x 1000 MiB:
    # a: 1500 -> 100 * 1477 / 1977 = 74; b: 1000 -> 100 * 977 / 1977 = 49
    assert image_score(*docs) == [74, 49]


def test_init_container_images_are_not_considered() -> None:
    p = pod("p", image="registry.example/tiny:1",
            spec={"initContainers": [{"name": "init", "image": IMAGE}]})
    docs = (node("a"), node("b", images=[(IMAGE, 2000 * MB)]), p)
    assert image_score(*docs) == [0, 0]
    assert states(run(*docs))["default/p"] == ("running", "a")


def test_score_direct() -> None:
    cluster = load(node("a", images=[(IMAGE, 300 * MB)]), node("b", images=[(IMAGE, 300 * MB)]), node("c"),
                   pod("p", image=IMAGE))
    spread = imagelocality.image_spread(cluster.nodes)
    assert spread == {IMAGE: 2}
    images = cluster.pods[0].spec.images
    assert images == (IMAGE,)
    # 300 * 2/3 = 200 MiB -> 100 * 177 / 977 = 18
    assert [imagelocality.score(images, n, spread, 3) for n in cluster.nodes] == [18, 18, 0]
    assert imagelocality.score((), cluster.nodes[0], spread, 3) == 0
