"""The dashboard in compose and in Kubernetes: it runs `tocsin web` on the port it checks."""

from __future__ import annotations

from tests.deploy.test_compose import as_list, environment, service
from tests.deploy.test_kubernetes import container, named


def test_compose_serves_the_dashboard_on_the_port_its_healthcheck_reads() -> None:
    web = service("web")
    command = as_list(web["command"])
    assert command[0] == "web"
    port = command[command.index("--port") + 1]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert f"127.0.0.1:{port}/healthz" in " ".join(as_list(web["healthcheck"]["test"]))
    assert any(str(p).endswith(f":{port}") or f"'target': {port}" in str(p)
               for p in web["ports"])
    assert environment(web)["REDIS_URL"] == environment(service("alert"))["REDIS_URL"]


def test_kubernetes_runs_the_dashboard_behind_a_service_with_a_ready_probe() -> None:
    box = container(named("Deployment", "tocsin-web"))
    args = box["args"]
    assert args[0] == "web"
    (port,) = box["ports"]
    assert int(args[args.index("--port") + 1]) == port["containerPort"]
    assert box["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    (exposed,) = named("Service", "tocsin-web")["spec"]["ports"]
    assert exposed["targetPort"] == port["name"]
