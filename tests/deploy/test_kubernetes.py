"""deploy/kubernetes: every manifest against the Kubernetes JSON schemas (kubernetes-validate
bundles them: no network), and the wiring between the manifests checked as data."""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from services.common.streams import GROUPS, Streams
from tests.deploy.settings_env import settings_variables
from tests.deploy.test_compose import cli_commands

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "kubernetes"
# the oldest Kubernetes the manifests are meant for, and the newest the validator knows
VERSIONS = ("1.27.0", kubernetes_validate.utils.latest_version())
WORKERS = ("ingest", "extract", "alert")
NOT_KUBERNETES = {"Kustomization"}

Doc = dict[str, Any]


@cache
def documents() -> tuple[tuple[str, Doc], ...]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            if doc:
                found.append((path.name, doc))
    return tuple(found)


def of_kind(kind: str) -> list[Doc]:
    return [doc for _, doc in documents() if doc["kind"] == kind]


def named(kind: str, name: str) -> Doc:
    (doc,) = [d for d in of_kind(kind) if d["metadata"]["name"] == name]
    return doc


def container(deployment: Doc) -> Doc:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    found: Doc = only
    return found


def _ids() -> list[str]:
    return [f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in documents()
            if d["kind"] not in NOT_KUBERNETES]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("doc", [d for _, d in documents() if d["kind"] not in NOT_KUBERNETES],
                         ids=_ids())
def test_each_manifest_is_valid_against_the_schema(doc: Doc, version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize(("path", "value"), [
    (["spec", "template", "spec", "containers", 0, "livenessprobe"], {}),  # a misspelt field
    (["spec", "replicas"], "two"),
    (["spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"], "9100"),
])
def test_the_validator_refuses_a_broken_deployment(path: list[str | int], value: Any) -> None:
    broken = copy.deepcopy(named("Deployment", "tocsin-ingest"))
    node: Any = broken
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_the_kustomization_lists_every_manifest_and_the_image() -> None:
    (kustomization,) = of_kind("Kustomization")
    others = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == others
    (image,) = kustomization["images"]
    assert {container(d)["image"] for d in of_kind("Deployment")} == {image["name"]}


@pytest.mark.parametrize("name", WORKERS)
def test_a_worker_deployment_runs_its_worker_with_probes_on_its_metrics_port(name: str) -> None:
    deployment = named("Deployment", f"tocsin-{name}")
    box = container(deployment)
    assert box["args"] == ["worker", name]
    config = named("ConfigMap", "tocsin-config")["data"]
    (port,) = box["ports"]
    assert port["containerPort"] == int(config["TOCSIN_OBSERVABILITY__PORT"])
    assert config["TOCSIN_OBSERVABILITY__HOST"] == "0.0.0.0"
    assert box["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    assert box["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port["containerPort"])


@pytest.mark.parametrize("deployment", of_kind("Deployment"),
                         ids=lambda d: d["metadata"]["name"])
def test_every_deployment_is_bounded_non_root_and_configured_from_the_env(
    deployment: Doc,
) -> None:
    spec = deployment["spec"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    box = container(deployment)
    for kind in ("requests", "limits"):
        assert set(box["resources"][kind]) == {"cpu", "memory"}
    assert spec["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert box["securityContext"]["allowPrivilegeEscalation"] is False
    assert box["securityContext"]["readOnlyRootFilesystem"] is True
    sources = {next(iter(s.values()))["name"] for s in box["envFrom"]}
    assert sources == {"tocsin-config", "tocsin-secrets"}
    port_names = {p["name"] for p in box["ports"]}
    for probe in ("livenessProbe", "readinessProbe"):
        check = box[probe].get("httpGet") or box[probe]["tcpSocket"]
        assert check["port"] in port_names


@pytest.mark.parametrize("deployment", of_kind("Deployment"),
                         ids=lambda d: d["metadata"]["name"])
def test_every_deployment_has_a_service_and_a_disruption_budget(deployment: Doc) -> None:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    name = deployment["metadata"]["name"]
    service = named("Service", name)
    assert service["spec"]["selector"].items() <= labels.items()
    ports = {p["name"] for p in container(deployment)["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    budget = named("PodDisruptionBudget", name)
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    replicas = deployment["spec"].get("replicas")
    if replicas is None:  # an autoscaler owns the count
        replicas = named("HorizontalPodAutoscaler", name)["spec"]["minReplicas"]
    assert budget["spec"]["minAvailable"] < replicas, "a node drain must be able to proceed"


def test_extract_scales_on_cpu() -> None:
    hpa = named("HorizontalPodAutoscaler", "tocsin-extract")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "tocsin-extract"}
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert "replicas" not in named("Deployment", "tocsin-extract")["spec"]


def test_the_keda_alternative_reads_the_extract_group_of_the_articles_stream() -> None:
    text = (K8S / "extract.yaml").read_text("utf-8")
    block = text[text.index("# apiVersion: keda.sh"):]
    scaled = yaml.safe_load(re.sub(r"^# ?", "", block, flags=re.MULTILINE))
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "redis-streams"
    prefix = named("ConfigMap", "tocsin-config")["data"]["TOCSIN_STREAM_PREFIX"]
    assert trigger["metadata"]["stream"] == Streams(prefix).articles
    assert trigger["metadata"]["consumerGroup"] == GROUPS["extract"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "tocsin-extract"


def test_the_config_holds_only_settings_and_the_secret_the_redis_url() -> None:
    known = {v.name for v in settings_variables()}
    config = named("ConfigMap", "tocsin-config")["data"]
    assert set(config) <= known, set(config) - known
    assert all(isinstance(v, str) for v in config.values())
    secret = named("Secret", "tocsin-secrets")
    assert set(secret["stringData"]) == {"REDIS_URL"}
    assert "REDIS_URL" not in config


def test_every_command_the_pods_run_is_a_tocsin_command() -> None:
    used = {container(d)["args"][0] for d in of_kind("Deployment") if "command" not in container(d)}
    missing = sorted(used - cli_commands())
    assert not missing, f"the pods run `tocsin {missing}`, which the CLI does not have"
