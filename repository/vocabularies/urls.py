"""Vocabulary API routes (InvenioRDM's paths), included under /api/."""

from django.urls import path

from repository.vocabularies.api import views

urlpatterns = [
    path(
        "vocabularies/<str:vocabulary_type>",
        views.VocabularyTermListView.as_view(),
        name="api-vocabulary-terms",
    ),
    path(
        "vocabularies/<str:vocabulary_type>/<str:term_id>",
        views.VocabularyTermDetailView.as_view(),
        name="api-vocabulary-term",
    ),
]
