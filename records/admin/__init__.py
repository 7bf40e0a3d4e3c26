"""Admin of records, drafts, parents, PIDs and revisions (curators and staff).

The admin only parses input, asks the policies and calls services: documents are saved
through ``records.services`` / ``records.admin_services``, records are never hard-deleted
(deletion makes a tombstone), and every value a user wrote is rendered escaped.
"""

from records.admin import access, pids, records, revisions  # noqa: F401  (importing registers the admins)
