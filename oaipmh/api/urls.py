"""OAI-PMH admin API routes (InvenioRDM's paths)."""

from django.urls import path

from oaipmh.api import views

urlpatterns = [
    path("oaipmh/formats", views.MetadataFormatsView.as_view(), name="api-oaipmh-formats"),
    path("oaipmh/sets", views.SetListView.as_view(), name="api-oaipmh-sets"),
    path("oaipmh/sets/<int:id>", views.SetDetailView.as_view(), name="api-oaipmh-set"),
]
