"""Search settings: the backend choice, the cluster it needs, and the beat schedule."""

from __future__ import annotations

from tests.repository.test_settings import print_settings


def test_elasticsearch_needs_a_url(tmp_path):
    result = print_settings(tmp_path, ["SEARCH_BACKEND"], SEARCH_BACKEND="elasticsearch")
    assert result.returncode != 0 and "ELASTICSEARCH_URL" in result.stderr


def test_elasticsearch_backend_settings(tmp_path):
    result = print_settings(
        tmp_path,
        ["SEARCH_BACKEND", "SEARCH_INDEX_PREFIX",
         "CELERY_BEAT_SCHEDULE.get('drain-search-queue') is not None",
         "CELERY_BEAT_SCHEDULE['drain-search-queue']['schedule']",
         "INSTALLED_APPS.count('django_elasticsearch_dsl')", "ELASTICSEARCH_DSL_AUTOSYNC"],
        SEARCH_BACKEND="elasticsearch",
        ELASTICSEARCH_URL="http://127.0.0.1:9200",
        SEARCH_INDEX_PREFIX="site2-",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["'elasticsearch'", "'site2-'", "True", "3.0", "1", "False"]


def test_database_backend_drains_the_queue_too(tmp_path):
    # background rebuilds (search_reindex --queue) go through the queue on every backend
    result = print_settings(
        tmp_path,
        [
            "CELERY_BEAT_SCHEDULE.get('drain-search-queue') is not None",
            "CELERY_BEAT_SCHEDULE['drain-search-queue']['schedule']",
            "CELERY_BEAT_SCHEDULE['check-search-index']['task']",
        ],
    )
    assert result.returncode == 0, result.stderr
    # only resumes a background rebuild after a crash: once a minute, not every few seconds
    assert result.stdout.splitlines() == ["True", "60.0", "'records.tasks.check_search_index'"]
