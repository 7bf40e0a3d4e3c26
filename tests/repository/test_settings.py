"""Settings: embedded defaults and production checks, each in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "REPONO_ENV", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def print_settings(data_dir: Path, names: list[str], **env: str) -> subprocess.CompletedProcess:
    code = "; ".join(f"print(repr(settings.{name}))" for name in names)
    return run_manage(
        ["shell", "--no-imports", "-c", f"from django.conf import settings; {code}"],
        {"REPONO_DATA_DIR": str(data_dir), **env},
    )


def test_embedded_defaults(tmp_path):
    result = print_settings(
        tmp_path,
        ["DATABASES['default']['ENGINE']", "DATABASES['default']['NAME']", "DEBUG", "CELERY_BROKER_URL",
         "SEARCH_BACKEND", "DATABASES['default']['CONN_MAX_AGE']", "ALLOWED_HOSTS"],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "'django.db.backends.sqlite3'"
    assert lines[1] == repr(str(tmp_path / "repono.sqlite3"))
    assert lines[2] == "False"
    assert lines[3] == "'filesystem://'"
    assert lines[4] == "'database'"
    assert int(lines[5]) > 0
    assert "'127.0.0.1'" in lines[6]


def test_secret_key_generated_once_and_kept(tmp_path):
    first = print_settings(tmp_path, ["SECRET_KEY"])
    second = print_settings(tmp_path, ["SECRET_KEY"])
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) > 50
    key_file = tmp_path / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_database_url_selects_postgres(tmp_path):
    result = print_settings(
        tmp_path, ["DATABASES['default']['ENGINE']"], DATABASE_URL="postgresql://u@db.example:5432/repono"
    )
    assert result.stdout.strip() == "'django.db.backends.postgresql'"


def test_production_requires_secret_key(tmp_path):
    result = print_settings(tmp_path, ["DEBUG"], REPONO_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_unknown_search_backend_is_refused(tmp_path):
    result = print_settings(tmp_path, ["DEBUG"], SEARCH_BACKEND="solr")
    assert result.returncode != 0 and "SEARCH_BACKEND" in result.stderr


def test_check_deploy_is_clean_with_production_values(tmp_path):
    env = {
        "REPONO_DATA_DIR": str(tmp_path),
        "REPONO_ENV": "production",
        "SECRET_KEY": "k" * 20 + "-production-like-secret-value-that-is-long-enough-0123456789",
        "ALLOWED_HOSTS": "repono.example.org",
        "SITE_URL": "https://repono.example.org",
        "DEBUG": "0",
    }
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
