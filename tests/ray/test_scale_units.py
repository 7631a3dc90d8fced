"""The pure parts of service.scale, without a cluster: actor CPU shares, Serve options from settings, no-Ray errors."""

import sys
from pathlib import Path

import pytest

from service.cli import main
from service.config import Settings
from service.scale.batch import actor_cpus
from tests.ray.conftest import RAY_MISSING


@pytest.mark.parametrize(
    ("actors", "cpus", "wanted", "share"),
    [(2, 2.0, 1.0, 1.0), (4, 2.0, 1.0, 0.5), (3, 2.0, 1.0, 0.66), (2, 2.0, 0.5, 0.5), (1, 8.0, 2.0, 2.0)],
)
def test_actor_cpus_never_ask_for_more_than_the_cluster_has(
    actors: int, cpus: float, wanted: float, share: float
) -> None:
    assert actor_cpus(actors, cpus, wanted) == share
    assert actors * actor_cpus(actors, cpus, wanted) <= cpus


def test_engine_ray_without_ray_installed_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    source = tmp_path / "in.txt"
    source.write_text("مرحبا\n", encoding="utf-8")
    status = main(["translate-batch", str(source), str(tmp_path / "out.txt"), "--engine", "ray"])
    assert status == 1
    assert "pip install 'khulasa[ray]'" in capsys.readouterr().err


@pytest.mark.slow  # importing Ray Serve takes seconds
def test_serve_application_takes_replicas_resources_and_queue_from_settings() -> None:
    pytest.importorskip("ray", reason=RAY_MISSING)
    from service.scale.serve import build

    app = build({"ray_replicas": "2", "ray_max_replicas": "5", "ray_replica_cpus": "1.5", "max_queue": "3"})
    ingress = app._bound_deployment
    assert ingress.name == "ingress" and ingress.ray_actor_options["num_cpus"] == 0
    models = {arg._bound_deployment.name: arg._bound_deployment for arg in ingress.init_args[1:]}
    assert set(models) == {"summarizer", "translator"}
    for deployment in models.values():
        assert deployment.ray_actor_options == {"num_cpus": 1.5, "num_gpus": 0.0}
        assert deployment.max_queued_requests == 3
        autoscaling = deployment._deployment_config.autoscaling_config
        assert (autoscaling.min_replicas, autoscaling.max_replicas) == (2, 5)
    assert isinstance(ingress.init_args[0], Settings)
