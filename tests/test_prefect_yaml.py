"""prefect.yaml names real flows with valid parameters and schedules."""

import importlib
import inspect

import yaml

from tests.conftest import ROOT


def test_prefect_yaml_deployments_point_at_flows() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    names = {d["name"] for d in config["deployments"]}
    assert names == {"ingest-inbox", "reprocess-stale"}
    for dep in config["deployments"]:
        path, _, attr = dep["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, attr)
        assert flow.name in ("ingest", "reprocess")
        accepted = set(inspect.signature(flow.fn).parameters)
        assert set(dep.get("parameters", {})) <= accepted
        [schedule] = dep["schedules"]
        assert len(schedule["cron"].split()) == 5
        assert dep["work_pool"]["name"] == "torihiki"
