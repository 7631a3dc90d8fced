"""Run a batch job on two Ray nodes started on this machine (`python -m tests.ray.two_nodes SETTINGS IN OUT`).

Prints one JSON line: the ids of the nodes, of the nodes the two translator actors ran on, and the processes of
the cluster still alive after its shutdown. Ray normally gives a
node the machine's external address even when told 127.0.0.1 and then dials that; RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0
(set by the caller) makes it keep the loopback address for every node and for the driver.
"""

import json
import os
import sys
import time
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

from service.batch import BatchOptions, run_batch
from service.config import Settings
from service.scale.batch import RayWindows
from tests.ray.conftest import _alive, _children


def main(settings_json: str, source: str, output: str) -> None:
    report: dict[str, object] = {}
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False},
    )
    try:
        cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1")
        cluster.wait_for_nodes(timeout=60)
        ray.init(address=cluster.address, log_to_driver=False)
        # One whole CPU per actor on two 1-CPU nodes: one actor lands on each node.
        settings = Settings.model_validate_json(settings_json).model_copy(update={"ray_replica_cpus": 1.0})
        with RayWindows(settings, 2) as pool:
            run_batch(BatchOptions(source, output, window=4), pool)
            actor_nodes = ray.get([actor.node.remote() for actor in pool.actors])
        nodes = [node["NodeID"] for node in ray.nodes() if node["Alive"]]
        addresses = sorted({node["NodeManagerAddress"] for node in ray.nodes()})
        report = {"nodes": nodes, "actor_nodes": actor_nodes, "addresses": addresses}
    finally:
        ray.shutdown()
        cluster.shutdown()
    deadline = time.monotonic() + 15
    while _alive(_children(os.getpid())) and time.monotonic() < deadline:
        time.sleep(0.2)
    report["left"] = sorted(_alive(_children(os.getpid())))
    print(json.dumps(report))


if __name__ == "__main__":
    main(Path(sys.argv[1]).read_text(), sys.argv[2], sys.argv[3])
