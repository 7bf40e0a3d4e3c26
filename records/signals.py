"""Signals the records app sends so that other apps (search, OAI-PMH, files) can follow changes.

``records_changed`` is sent *inside* the transaction that changed the records, so receivers can
write their own rows (OAI datestamps, a durable indexing queue) atomically with the change.
Receivers get ``record_ids`` (list of record ids) and ``action`` (a RecordRevision.Action value,
"access" when grants or secret links changed who may read them,
or "import" for bulk imports); they must not send e-mail or call remote services directly
(use ``transaction.on_commit`` for that).
"""

from django.dispatch import Signal

records_changed = Signal()
