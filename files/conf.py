"""Storage locations of record files, built from the environment (imported by settings.py).

Each location is a Django storage alias ``files-<name>``; a file instance stores the name of
the location that holds its bytes, so several locations serve at once and files can be moved
between them (``manage.py files_migrate``).
"""

from __future__ import annotations

import os
from pathlib import Path

LOCATION_PREFIX = "files-"


def s3_options(*, bucket: str, endpoint_url: str | None, region: str | None) -> dict:
    """django-storages S3 options for a location (credentials from AWS_* variables)."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
        "region_name": region,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": True,
    }


def files_storages(data_dir: Path, *, s3: bool) -> dict:
    """The STORAGES entries of the file locations: "local" always, "s3" when configured."""
    storages = {
        f"{LOCATION_PREFIX}local": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(data_dir / "files"), "file_permissions_mode": 0o640},
        }
    }
    if s3:
        storages[f"{LOCATION_PREFIX}s3"] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(
                bucket=os.environ.get("S3_BUCKET", "repono"),
                endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
                region=os.environ.get("S3_REGION") or None,
            ),
        }
    return storages
