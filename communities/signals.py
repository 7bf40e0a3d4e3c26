"""Signals of the communities app, so that other apps (OAI-PMH sets, search) can follow changes.

Both are sent inside the writing transaction:
``community_records_changed(community_id, parent_ids, action)`` when records join or leave a
community (action "added" or "removed"), and ``community_changed(community_id, action)`` when a
community is created, updated, renamed, deleted or restored or its visibility changes (OAI sets).
``community_membership_changed(community_id)`` when members join, leave or change role.
"""

from django.dispatch import Signal

community_records_changed = Signal()
community_changed = Signal()
community_membership_changed = Signal()
