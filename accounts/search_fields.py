"""What signed-in users can search for in user profiles (``GET /api/users?q=``)."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Visibility
from repository.search.columns import ColumnField, ColumnIndex
from repository.search.query import KEYWORD, TEXT

USER_SEARCH = ColumnIndex(
    [
        ColumnField("name", TEXT, ("full_name",), ("full_name", "profile.full_name")),
        ColumnField("affiliation", TEXT, ("affiliations",), ("affiliations", "profile.affiliations")),
        # an address matches only where its owner made it public: a search must not reveal it
        ColumnField("email", TEXT, ("email",), (), condition=Q(email_visibility=Visibility.PUBLIC)),
        ColumnField("orcid", KEYWORD, ("orcid",), ("identities.orcid",)),
    ],
    default=("name", "affiliation", "email"),
)
