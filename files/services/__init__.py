"""Every write to files goes through these functions.

Uploads run in three short transactions around the streaming (so a long upload holds no
database lock): reserve a file instance, stream the bytes to storage while hashing them,
then link the verified instance to its object version. A failed or cut stream removes its
bytes and its instance row; what a crash leaves behind is an unreferenced instance, which
the cleanup task removes after a grace period.
"""

from files.services.common import discard_unreferenced, files_enabled, parse_content_md5
from files.services.lifecycle import (
    files_discard_draft,
    files_edit,
    files_import,
    files_publish,
    files_publish_errors,
)
from files.services.quotas import record_quota_set, user_quota_set
from files.services.uploads import (
    file_commit,
    file_delete,
    file_update_metadata,
    file_upload_content,
    files_delete_all,
    files_init,
)

__all__ = [
    "discard_unreferenced",
    "file_commit",
    "file_delete",
    "file_update_metadata",
    "file_upload_content",
    "files_delete_all",
    "files_discard_draft",
    "files_edit",
    "files_enabled",
    "files_import",
    "files_init",
    "files_publish",
    "files_publish_errors",
    "parse_content_md5",
    "record_quota_set",
    "user_quota_set",
]
