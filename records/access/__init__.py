"""Access to records beyond public/restricted: grants to users and groups, secret links.

Grants are django-guardian object permissions on the parent record (all versions), at one of
the levels view < preview < edit < manage. Secret links carry a token that grants exactly
their level to whoever presents it (``?token=``). The policy (records.permissions) reads both.
"""
