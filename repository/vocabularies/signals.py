"""Cache invalidation when terms are saved or deleted one by one (admin, shell, fixtures)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from repository.vocabularies.cache import terms_changed
from repository.vocabularies.models import VocabularyTerm


@receiver(post_save, sender=VocabularyTerm, dispatch_uid="vocabularies_term_saved")
def term_saved(sender, instance: VocabularyTerm, raw: bool, using: str, **kwargs) -> None:
    # Raw saves (loaddata) change the terms too, so they invalidate as well.
    terms_changed(using)


@receiver(post_delete, sender=VocabularyTerm, dispatch_uid="vocabularies_term_deleted")
def term_deleted(sender, instance: VocabularyTerm, using: str, **kwargs) -> None:
    terms_changed(using)
