"""Static checks of the compose deployment: docker-compose.yml, deploy/, Dockerfile.

No Docker engine is needed: the files are parsed and checked against each
other and against the environment variables repository/settings.py reads.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETTINGS_FILE = ROOT / "repository" / "settings.py"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
ENV_EXAMPLE = ROOT / "deploy" / "production.env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
REQUIREMENTS = ROOT / "requirements.txt"

REQUIRED_SERVICES = {
    "postgres",
    "elasticsearch",
    "redis",
    "rabbitmq",
    "minio",
    "createbuckets",
    "migrate",
    "web",
    "worker",
    "beat",
    "nginx",
}
# Services that run the Django code and therefore get the Django environment.
APP_SERVICES = ("web", "worker", "beat", "migrate")
LONG_RUNNING_APP_SERVICES = ("web", "worker", "beat")
MUST_HAVE_HEALTHCHECK = ("postgres", "redis", "rabbitmq", "elasticsearch")
# The settings the compose stack must set, with the variable names settings.py reads.
REQUIRED_APP_VARIABLES = {
    "REPONO_ENV",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "SEARCH_BACKEND",
    "FILES_STORAGE",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "REPONO_DATA_DIR",
    "STATIC_ROOT",
    "SECURE_SSL_REDIRECT",
}
# Values that must come from .env with no default: "${NAME:?message}".
REQUIRED_SECRET = re.compile(r"^\$\{(?P<name>[A-Z0-9_]+):\?[^}]+\}$")
# "${NAME", "${NAME:-default}", "${NAME:?message}" but not the "$${NAME}" escape.
INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_PASS$")


# --- Parsing helpers ------------------------------------------------------------


def settings_variable_names(source: str) -> set[str]:
    """Names of the environment variables a settings module reads.

    Recognises ``os.environ.get("X", ...)``, ``os.getenv("X")``, ``os.environ["X"]``
    and the module's own ``env_*("X", ...)`` helpers (env_bool, env_int, env_list).
    """
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args and _reads_environment(node.func):
            name = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            name = node.slice
        else:
            continue
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            names.add(name.value)
    return names


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _reads_environment(func: ast.AST) -> bool:
    """os.environ.get, os.getenv, or one of the settings module's env_* helpers."""
    if isinstance(func, ast.Name):
        return func.id.startswith("env_")
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "get" and _is_os_environ(func.value):
        return True
    return func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...] form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def depends_on_of(service: dict) -> dict[str, str]:
    """{target: condition}; the short list form means service_started."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


PORT = re.compile(
    r"^(?:(?P<ip>\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?"
    r"(?P<published>\$\{[^}]+\}|\d+(?:-\d+)?):(?P<target>\d+)(?:/(?:tcp|udp))?$"
)


def published_ports(service: dict) -> list[tuple[str, str, str]]:
    """[(host_ip or "", published, target)] of a service's port mappings."""
    result = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            ip = entry.get("host_ip", "")
            result.append((ip, str(entry.get("published", "")), str(entry["target"])))
            continue
        match = PORT.match(str(entry))
        assert match, f"unparsed port mapping {entry!r}"
        result.append((match["ip"] or "", match["published"], match["target"]))
    return result


def volume_mounts(service: dict) -> list[tuple[str, str]]:
    """[(source, target)] of a service's volumes (short or long syntax)."""
    mounts = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            mounts.append((str(entry.get("source", "")), str(entry["target"])))
        else:
            source, target = str(entry).split(":")[:2]
            mounts.append((source, target))
    return mounts


def resolve_interpolation(value: str) -> str:
    """What compose would pass with a filled-in .env: defaults used, required values made up."""

    def replace(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"] or ""
        return arg if op.endswith("-") else f"test-{name.lower().replace('_', '-')}"

    pattern = r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    return re.sub(pattern, replace, value).replace("$$", "$")


def nginx_directives(text: str) -> list[str]:
    """nginx.conf statements without comments, whitespace-normalised."""
    without_comments = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return [" ".join(part.split()) for part in re.split(r"[;{}]", without_comments) if part.strip()]


def nginx_proxy_targets(directives: list[str]) -> set[str]:
    """host:port of every proxy_pass, following `set $var ...` and `upstream` blocks."""
    variables = dict(d.split()[1:3] for d in directives if d.startswith("set $"))
    upstreams: dict[str, list[str]] = {}
    current = None
    for d in directives:
        if d.startswith("upstream "):
            current = d.split()[1]
            upstreams[current] = []
        elif d.startswith("server ") and current is not None:
            upstreams[current].append(d.split()[1])
        elif not d.startswith(("server ", "keepalive")):
            current = None
    targets = set()
    for d in directives:
        if d.startswith("proxy_pass "):
            url = variables.get(d.split()[1], d.split()[1])
            host = re.sub(r"^https?://", "", url).split("/", 1)[0]
            targets.update(upstreams.get(host, [host]))
    return targets


SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def nginx_size(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert match, f"not an nginx size: {value!r}"
    return int(match[1]) * SIZE_UNITS[match[2].lower()]


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """[(INSTRUCTION, arguments)] with line continuations joined and comments dropped."""
    logical, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # comment inside a continued instruction
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    result = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        result.append((instruction.upper(), args.strip()))
    return result


def pinned_requirements(text: str) -> dict[str, str]:
    """{normalised distribution name (extras kept as name[extra]): version} of `name==version` lines."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[A-Za-z0-9,._-]+\])?\s*==\s*(\S+)", line)
        if match:
            name = re.sub(r"[-_.]+", "-", match[1]).lower()
            pins[name] = match[3]
            for extra in (match[2] or "[]")[1:-1].split(","):
                if extra:
                    pins[f"{name}[{extra.strip().lower()}]"] = match[3]
    return pins


# --- Fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text()


@pytest.fixture(scope="module")
def compose(compose_text) -> dict:
    data = yaml.safe_load(compose_text)
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def settings_names() -> set[str]:
    return settings_variable_names(SETTINGS_FILE.read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKERFILE.read_text())


# --- Parser self-checks (a broken parser must not make the real checks vacuous) --


def test_settings_parser_reads_every_call_form():
    source = (
        "import os\n"
        'A = os.environ.get("A_VAR", "x")\n'
        'B = os.environ["B_VAR"]\n'
        'C = os.getenv("C_VAR")\n'
        'D = env_bool("D_VAR", False)\n'
        'E = env_int(\n    "E_VAR", 3)\n'
        'F = env_list("F_VAR", "a,b")\n'
        'G = other("NOT_A_VAR")\n'
    )
    assert settings_variable_names(source) == {"A_VAR", "B_VAR", "C_VAR", "D_VAR", "E_VAR", "F_VAR"}


def test_nginx_proxy_target_parser():
    upstream = nginx_directives(
        "upstream app { server web:8000; keepalive 4; } location / { proxy_pass http://app; }"
    )
    variable = nginx_directives("set $t http://web:8000; location / { proxy_pass $t; }")
    direct = nginx_directives("location / { proxy_pass http://other:9000/; }")
    assert nginx_proxy_targets(upstream) == nginx_proxy_targets(variable) == {"web:8000"}
    assert nginx_proxy_targets(direct) == {"other:9000"}


def test_interpolation_resolver():
    assert resolve_interpolation("${A:-x}/${B:?set B}/${C-y}/$${D}") == "x/test-b/y/${D}"


def test_settings_parser_finds_core_variables(settings_names):
    assert {"REPONO_ENV", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL"} <= settings_names


# --- docker-compose.yml ---------------------------------------------------------------


def test_compose_uses_the_compose_spec_without_version(compose):
    assert "version" not in compose


def test_required_services_exist(services):
    missing = REQUIRED_SERVICES - set(services)
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"


def test_app_services_share_the_x_repono_env_anchor(compose, compose_text, services):
    shared = compose.get("x-repono-env")
    assert isinstance(shared, dict) and shared, "x-repono-env must be a non-empty mapping"
    assert re.search(r"^x-repono-env:\s*&repono-env\s*$", compose_text, re.MULTILINE)
    for name in APP_SERVICES:
        assert environment_of(services[name]) == environment_of({"environment": shared}), (
            f"{name} does not use exactly the x-repono-env environment"
        )


def test_app_environment_sets_every_required_variable(services):
    env = environment_of(services["web"])
    missing = REQUIRED_APP_VARIABLES - set(env)
    assert not missing, f"app environment lacks {sorted(missing)}"


def test_app_environment_only_uses_variables_settings_reads(services, settings_names):
    for name in APP_SERVICES:
        unknown = set(environment_of(services[name])) - settings_names
        assert not unknown, (
            f"{name} sets {sorted(unknown)}, which repository/settings.py does not read "
            "(misspelt, or the setting was removed)"
        )


def test_app_environment_is_the_production_profile(services):
    env = environment_of(services["web"])
    assert env["REPONO_ENV"] == "production"
    assert env["DEBUG"].lower() in {"false", "0", "no", "off"}
    assert env["FILES_STORAGE"] == "s3"
    assert env["SEARCH_BACKEND"] == "database"  # until the Elasticsearch backend lands
    assert env["CELERY_BROKER_URL"].startswith("amqp://")
    assert "@rabbitmq:" in env["CELERY_BROKER_URL"]
    assert env["CELERY_RESULT_BACKEND"].startswith("redis://redis:")
    assert re.match(r"^postgres(ql)?://[^@]+@postgres:5432/", env["DATABASE_URL"])
    assert "minio:9000" in env["S3_ENDPOINT_URL"]


def test_app_environment_loads_the_settings(services, tmp_path):
    """settings.py accepts the compose environment (as `docker compose up` would start it)."""
    env = {key: resolve_interpolation(value) for key, value in environment_of(services["web"]).items()}
    env |= {"REPONO_DATA_DIR": str(tmp_path / "data"), "STATIC_ROOT": str(tmp_path / "static")}
    env["PATH"] = os.environ.get("PATH", "")
    probe = (
        "import repository.settings as s; "
        "print(s.REPONO_ENV, s.DATABASES['default']['ENGINE'], s.STORAGES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1:]
    assert result.stdout.split() == [
        "production",
        "django.db.backends.postgresql",
        "storages.backends.s3.S3Storage",
    ]


def test_secrets_are_required_interpolations_not_literals(services):
    """Every secret comes from .env as ${NAME:?message}: no literal, no default."""
    checked = 0
    for service_name, service in services.items():
        for key, value in environment_of(service).items():
            if SECRET_NAME.search(key) or key == "AWS_ACCESS_KEY_ID":
                checked += 1
                assert REQUIRED_SECRET.match(value), f"{service_name}.{key} must be ${{{key}:?...}}"
            userinfo = re.match(r"^[a-z+]+://[^:/@]+:(?P<password>[^@]*)@", value)
            if userinfo:
                checked += 1
                assert REQUIRED_SECRET.match(userinfo["password"]), (
                    f"{service_name}.{key} embeds a password that is not ${{NAME:?...}}"
                )
    assert checked >= 8, "expected the database, broker, MinIO and S3 secrets to be checked"


def test_env_example_documents_every_interpolated_variable(compose_text):
    example = ENV_EXAMPLE.read_text()
    set_lines = set(re.findall(r"^([A-Z0-9_]+)=", example, re.MULTILINE))
    commented = set(re.findall(r"^#\s*([A-Z0-9_]+)=", example, re.MULTILINE))
    for match in INTERPOLATION.finditer(compose_text):
        name, op = match["name"], match["op"] or ""
        if op.endswith("?"):
            assert name in set_lines, f"required variable {name} is not set in {ENV_EXAMPLE.name}"
        else:
            assert name in set_lines | commented, f"{name} is not documented in {ENV_EXAMPLE.name}"


def test_env_example_holds_no_real_secret():
    example = dict(re.findall(r"^([A-Z0-9_]+)=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE))
    for key, value in example.items():
        if SECRET_NAME.search(key) or key == "SECRET_KEY":
            assert value == "change-me", f"{key} in the example must be the change-me placeholder"


def test_depends_on_targets_exist_and_conditions_are_valid(services):
    valid = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        for target, condition in depends_on_of(service).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert condition in valid, f"{name} -> {target}: bad condition {condition}"
            if condition == "service_healthy":
                assert services[target].get("healthcheck"), f"{target} has no healthcheck to wait for"


def test_long_running_app_services_wait_for_migrate(services):
    for name in LONG_RUNNING_APP_SERVICES:
        assert depends_on_of(services[name]).get("migrate") == "service_completed_successfully", name


def test_one_shot_jobs(services):
    migrate = command_of(services["migrate"])
    assert re.search(r"python manage\.py migrate\b.*&&\s*python manage\.py load_vocabularies", migrate)
    assert str(services["migrate"].get("restart", "no")) == "no"
    assert str(services["createbuckets"].get("restart", "no")) == "no"
    assert "mc mb" in command_of(services["createbuckets"])
    assert depends_on_of(services["createbuckets"]).get("minio") == "service_healthy"


def test_web_worker_beat_commands(services):
    web = command_of(services["web"])
    assert re.search(r"\bgunicorn repository\.wsgi\b", web)
    assert "0.0.0.0:8000" in web
    assert re.search(r"--workers \$\{WEB_CONCURRENCY[:}]", web), "web workers must come from WEB_CONCURRENCY"
    assert command_of(services["worker"]) == "celery -A repository worker -l info"
    assert command_of(services["beat"]) == (
        "celery -A repository beat -l info --schedule /data/celerybeat-schedule"
    )
    beat_targets = {target for _, target in volume_mounts(services["beat"])}
    assert "/data" in beat_targets, "the beat schedule must live on a volume"


def test_healthchecks_on_backing_services(services):
    for name in MUST_HAVE_HEALTHCHECK:
        check = services[name].get("healthcheck") or {}
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} healthcheck is disabled"


def test_backing_images_are_pinned(services):
    for name in ("postgres", "elasticsearch", "redis", "rabbitmq", "minio", "createbuckets", "nginx"):
        image = services[name]["image"]
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), f"{name}: {image}"
    assert services["postgres"]["image"].split(":")[1].startswith("16")
    assert "management" in services["rabbitmq"]["image"]


def test_search_engine_security_is_off_only_on_the_internal_network(services):
    search = services["elasticsearch"]
    env = environment_of(search)
    assert env.get("discovery.type") == "single-node"
    assert env.get("xpack.security.enabled") == "false"
    assert not search.get("ports"), "an unauthenticated search engine must not be published"


def test_stateful_services_use_named_volumes(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for source, _ in volume_mounts(service):
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts undeclared volume {source}"
    for name in ("postgres", "elasticsearch", "rabbitmq", "minio"):
        sources = {source for source, _ in volume_mounts(services[name])}
        assert sources & declared, f"{name} keeps its data outside a named volume"


def test_only_nginx_is_published_on_all_interfaces(services):
    nginx_ports = published_ports(services["nginx"])
    assert nginx_ports, "nginx publishes no port"
    assert any(target == "80" for _, _, target in nginx_ports)
    for name, service in services.items():
        if name == "nginx":
            continue
        for ip, published, target in published_ports(service):
            assert ip in {"127.0.0.1", "[::1]"}, f"{name} publishes {published}:{target} beyond loopback"


def test_nginx_serves_static_from_the_volume_web_fills(services):
    web_env = environment_of(services["web"])
    web_static = {
        source for source, target in volume_mounts(services["web"]) if target == web_env["STATIC_ROOT"]
    }
    assert web_static, "web must mount a volume at STATIC_ROOT"
    nginx_mounts = volume_mounts(services["nginx"])
    shared = [target for source, target in nginx_mounts if source in web_static]
    assert shared, "nginx does not mount the static volume"
    assert ("./deploy/nginx.conf", "/etc/nginx/conf.d/default.conf") in nginx_mounts
    directives = nginx_directives(NGINX_CONF.read_text())
    assert "location /static/" in directives
    aliases = [d.split()[1] for d in directives if d.startswith("alias ")]
    assert aliases and aliases[0].rstrip("/") == shared[0].rstrip("/"), (
        "/static/ is not served from the volume"
    )


def test_requirements_pin_the_clients_the_stack_needs(services):
    """What the compose configuration selects must be installable from requirements.txt."""
    env = environment_of(services["web"])
    pins = pinned_requirements(REQUIREMENTS.read_text())
    needed = {"gunicorn": "web runs gunicorn"}
    if env["DATABASE_URL"].startswith("postgres"):
        needed["psycopg"] = "DATABASE_URL is PostgreSQL"
    if env["FILES_STORAGE"] == "s3":
        needed["django-storages"] = needed["boto3"] = "FILES_STORAGE=s3"
    if env["SEARCH_BACKEND"] == "elasticsearch":
        needed["django-elasticsearch-dsl"] = "SEARCH_BACKEND=elasticsearch"
    missing = {name: why for name, why in needed.items() if name not in pins}
    # Celery imports the redis client library for a redis:// result backend.
    if env["CELERY_RESULT_BACKEND"].startswith("redis://") and not {"redis", "celery[redis]"} & set(pins):
        missing["redis"] = "CELERY_RESULT_BACKEND is redis://"
    assert not missing, f"requirements.txt does not pin: {missing}"


# --- deploy/nginx.conf -------------------------------------------------------------------


def test_nginx_conf_proxies_to_web_with_forwarding_headers():
    directives = nginx_directives(NGINX_CONF.read_text())
    assert nginx_proxy_targets(directives) == {"web:8000"}, "everything but /static/ must go to web:8000"
    assert any(re.fullmatch(r"proxy_set_header Host \$(http_)?host", d) for d in directives)
    assert "proxy_set_header X-Forwarded-Proto $scheme" in directives
    assert "proxy_request_buffering off" in directives


def test_nginx_conf_accepts_large_uploads():
    directives = nginx_directives(NGINX_CONF.read_text())
    sizes = [d.split()[1] for d in directives if d.startswith("client_max_body_size ")]
    assert sizes, "client_max_body_size is not set (nginx defaults to 1m)"
    assert all(size == "0" or nginx_size(size) >= 1024**3 for size in sizes), sizes


# --- Dockerfile and .dockerignore ---------------------------------------------------------


def test_dockerfile_base_and_requirements(dockerfile):
    froms = [args for instruction, args in dockerfile if instruction == "FROM"]
    assert froms and froms[-1].split()[0] == "python:3.11-slim"
    runs = [args for instruction, args in dockerfile if instruction == "RUN"]
    assert any(re.search(r"pip install .*-r requirements\.txt", run) for run in runs)


def test_dockerfile_runs_as_a_non_root_user(dockerfile):
    users = [args for instruction, args in dockerfile if instruction == "USER"]
    assert users, "Dockerfile has no USER line"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_collects_static_with_a_build_only_key(dockerfile):
    runs = [args for instruction, args in dockerfile if instruction == "RUN"]
    collect = [run for run in runs if "collectstatic" in run]
    assert collect, "collectstatic does not run at build time"
    assert "REPONO_ENV=embedded" in collect[0] and "SECRET_KEY=" in collect[0]
    for instruction, args in dockerfile:
        if instruction in {"ENV", "ARG"}:
            assert "SECRET_KEY" not in args, "a SECRET_KEY must not persist in the image"
    collect_at = next(i for i, (instruction, args) in enumerate(dockerfile) if "collectstatic" in args)
    user_at = max(i for i, (instruction, _) in enumerate(dockerfile) if instruction == "USER")
    assert user_at < collect_at, "collectstatic should run as the unprivileged user"


def test_dockerfile_default_command_is_gunicorn(dockerfile):
    cmds = [args for instruction, args in dockerfile if instruction == "CMD"]
    assert cmds, "Dockerfile has no CMD"
    cmd = json.loads(cmds[-1])  # exec form, so signals reach gunicorn
    assert cmd[:2] == ["gunicorn", "repository.wsgi"]
    assert "0.0.0.0:8000" in cmd
    envs = " ".join(args for instruction, args in dockerfile if instruction == "ENV")
    assert "WEB_CONCURRENCY=" in envs or "--workers" in cmd


def test_dockerignore_keeps_secrets_and_local_state_out():
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var"} <= patterns
    assert patterns & {".env", "**/.env"}
