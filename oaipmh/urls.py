"""OAI-PMH routes: the protocol endpoint."""

from django.urls import path

from oaipmh import views

urlpatterns = [path("oai2d", views.endpoint, name="oai2d")]
