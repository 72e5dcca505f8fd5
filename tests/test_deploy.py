"""What deploy/ ships, checked against the app and the docs: compose.yaml cannot run here, so its structure
is; the nginx site files are checked by nginx itself and kept identical to the tested nginx.conf."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from imgorigin.config import ENV_PREFIX, Settings
from tests.helpers import require_tool

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SETTINGS = {ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Settings)}
# Read by uvicorn, not by Settings: which proxies may set X-Forwarded-For/-Proto.
OTHER_VARIABLES = {"FORWARDED_ALLOW_IPS"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _docker_env(name: str) -> str:
    found = re.search(rf"\b{name}=(\S+)", _dockerfile())
    assert found, name
    return found[1]


def test_compose_has_the_four_roles(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"control", "render", "nginx", "minio"}
    roles = {name: service.get("environment", {}).get("IMGORIGIN_ROLE") for name, service in compose["services"].items()}
    assert roles == {"control": "control", "render": "render", "nginx": None, "minio": None}
    assert compose["services"]["render"]["deploy"]["replicas"] >= 2


def test_every_variable_is_a_setting_the_app_knows(compose: dict[str, Any]) -> None:
    for name in ("control", "render"):
        variables = set(compose["services"][name]["environment"])
        assert variables - SETTINGS - OTHER_VARIABLES == set(), name
    role = next(f for f in dataclasses.fields(Settings) if f.name == "role")
    assert "control" in role.metadata["help"] and "render" in role.metadata["help"]


def test_every_variable_is_in_the_deploy_docs(compose: dict[str, Any]) -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text()
    used = {v for name in ("control", "render") for v in compose["services"][name]["environment"]}
    assert {v for v in used if f"`{v}`" not in docs} == set()


def test_every_substitution_is_in_env_example() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    substituted = set(re.findall(r"\$\{([A-Z_]+)", text))
    example = set(re.findall(r"^([A-Z_]+)=", (DEPLOY / "env.example").read_text(), flags=re.MULTILINE))
    assert substituted == example
    # Secrets have no default: compose refuses to start without them.
    for secret in ("IMGORIGIN_URL_SECRET", "IMGORIGIN_JWT_SECRET", "IMGORIGIN_KEY_SECRET", "MINIO_ROOT_PASSWORD"):
        assert f"${{{secret}:?" in text


def test_images_build_args_and_ports_match(compose: dict[str, Any]) -> None:
    services = compose["services"]
    docs = (ROOT / "docs" / "deploy.md").read_text()
    for name in ("control", "render"):
        service = services[name]
        assert service["image"] == "imgorigin:latest"
        assert (DEPLOY / service["build"]["context"] / "Dockerfile").is_file()
        for arg in service["build"]["args"]:
            assert re.search(rf"^ARG {arg}=", _dockerfile(), flags=re.MULTILINE), arg
        assert service["command"][:2] == ["imgorigin", "serve"]
        assert service["command"][service["command"].index("--port") + 1] == "8080"
    for name in ("nginx", "minio"):
        assert f"`{services[name]['image']}`" in docs, f"docs/deploy.md does not name {services[name]['image']}"
    # nginx listens where compose publishes it and reaches the nodes on their port.
    assert services["nginx"]["ports"] == ["8080:80"]
    site = (DEPLOY / "nginx" / "compose.conf").read_text()
    assert re.search(r"^\s*listen 80;", site, flags=re.MULTILINE)
    assert "server render:8080" in site and "server control:8080" in site
    # The S3 endpoint is the minio service, with its keys.
    env = services["control"]["environment"]
    assert env["IMGORIGIN_S3_ENDPOINT"] == "minio:9000" and env["IMGORIGIN_S3_SECURE"] == "false"
    assert env["IMGORIGIN_EAGER_VIA"] == "http://nginx"
    assert env["IMGORIGIN_S3_ACCESS_KEY"].startswith("${MINIO_ROOT_USER")
    assert env["IMGORIGIN_S3_SECRET_KEY"].startswith("${MINIO_ROOT_PASSWORD")


def test_volumes_are_declared_and_mounted_where_the_image_keeps_data(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used: set[str] = set()
    for name, service in compose["services"].items():
        for mount in service.get("volumes", []):
            source, target = mount.split(":")[:2]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source} is not in deploy/"
            else:
                used.add(source)
            if name == "control":
                assert target == _docker_env("IMGORIGIN_DATA_DIR")
    assert used == declared
    assert f'VOLUME ["{_docker_env("IMGORIGIN_DATA_DIR")}"]' in _dockerfile()


def test_the_dockerfile_documents_its_uid_and_makes_background_removal_optional() -> None:
    dockerfile = _dockerfile()
    uid = re.search(r"^ARG IMGORIGIN_UID=(\d+)$", dockerfile, flags=re.MULTILINE)
    assert uid is not None
    docs = (ROOT / "docs" / "deploy.md").read_text()
    assert f"chown -R {uid[1]}:{uid[1]}" in docs and f"chown -R {uid[1]}:{uid[1]}" in dockerfile
    assert re.search(r"^ARG WITH_BACKGROUND_REMOVAL=1$", dockerfile, flags=re.MULTILINE)
    assert 'pip install ".[bg]" && imgorigin models install' in dockerfile
    for variable in re.findall(r"\b(IMGORIGIN_[A-Z_]+)=", dockerfile):
        assert variable in SETTINGS | {"IMGORIGIN_UID"}, variable


def test_the_systemd_unit_runs_what_the_site_file_proxies_to() -> None:
    # systemd repeats keys (Environment=): read it line by line, not with configparser.
    lines = [line.strip() for line in (DEPLOY / "systemd" / "imgorigin.service").read_text().splitlines()]
    entries = [line.split("=", 1) for line in lines if "=" in line and not line.startswith("#")]
    service = dict(entries)
    command = service["ExecStart"].split()
    assert command[1:3] == ["serve", "--host"] and command[command.index("--port") + 1] == "8080"
    assert command[command.index("--host") + 1] == "127.0.0.1"
    site = (DEPLOY / "nginx" / "imgorigin.conf").read_text()
    assert site.count("server 127.0.0.1:8080;") == 2
    environment = dict(value.split("=", 1) for key, value in entries if key == "Environment")
    assert set(environment) - SETTINGS - OTHER_VARIABLES == set()
    assert environment["IMGORIGIN_DATA_DIR"] == "/var/lib/imgorigin" == "/var/lib/" + service["StateDirectory"]
    assert service["ReadWritePaths"] == environment["IMGORIGIN_DATA_DIR"]
    assert service["User"] == "imgorigin" and service["NoNewPrivileges"] == "yes"


def _directives(text: str) -> list[str]:
    """nginx text without comments and layout: what nginx reads."""
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return [line for line in lines if line]


def test_the_snippets_say_what_the_tested_nginx_conf_says() -> None:
    conf = (ROOT / "nginx.conf").read_text()
    server = conf[conf.index("        proxy_http_version 1.1;"):conf.index("\n    }\n}")]
    locations = (DEPLOY / "nginx" / "snippets" / "imgorigin-locations.conf").read_text()
    assert _directives(locations) == _directives(server), "copy nginx.conf's server block into the snippet"
    http_level = _directives((DEPLOY / "nginx" / "snippets" / "imgorigin-http.conf").read_text())
    conf_lines = _directives(conf)
    for block_start in ("map $request_uri $imgorigin_path {", "map $imgorigin_path $imgorigin_negotiated {",
                        'map "$imgorigin_negotiated:$http_accept"',
                        "map $imgorigin_path $imgorigin_hinted {", 'map "$imgorigin_hinted:',
                        'map "$imgorigin_probe:$imgorigin_variant"',
                        "map $http_host $imgorigin_host {", "proxy_cache_path", "log_format imgorigin"):
        start = next(i for i, line in enumerate(conf_lines) if line.startswith(block_start))
        mine = next(i for i, line in enumerate(http_level) if line.startswith(block_start))
        end = next(i for i in range(start, len(conf_lines)) if conf_lines[i].endswith(("}", ";")))
        assert http_level[mine:mine + end - start + 1] == conf_lines[start:end + 1], block_start


@pytest.mark.parametrize("site", ["imgorigin.conf", "imgorigin-tls.conf", "compose.conf"])
def test_nginx_accepts_each_site_file(site: str, tmp_path: Path) -> None:
    nginx = require_tool("nginx")
    text = (DEPLOY / "nginx" / site).read_text()
    text = text.replace("/etc/nginx/snippets/", f"{tmp_path}/snippets/")
    text = re.sub(r"/var/log/nginx/[\w.]+", str(tmp_path / "access.log"), text)
    text = re.sub(r"server (render|control):8080", "server 127.0.0.1:8080", text)  # no compose DNS here
    if "ssl_certificate" in text:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=img.example.com", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                       check=True, capture_output=True, timeout=60)
        text = re.sub(r"/etc/letsencrypt/live/[\w.]+/fullchain\.pem", str(tmp_path / "cert.pem"), text)
        text = re.sub(r"/etc/letsencrypt/live/[\w.]+/privkey\.pem", str(tmp_path / "key.pem"), text)
    (tmp_path / "snippets").mkdir()
    for snippet in (DEPLOY / "nginx" / "snippets").glob("*.conf"):
        content = snippet.read_text().replace("/var/cache/nginx/imgorigin", str(tmp_path / "cache"))
        (tmp_path / "snippets" / snippet.name).write_text(content)
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        "http {\n    include /etc/nginx/mime.types;\n"
        + "".join(f"    {kind}_temp_path {tmp_path / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"    include {tmp_path}/site.conf;\n}}\n"
    )
    checked = subprocess.run([nginx, "-t", "-q", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path),
                              "-e", str(tmp_path / "error.log")], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr + (tmp_path / "error.log").read_text()
