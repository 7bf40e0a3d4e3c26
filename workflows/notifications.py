"""E-mails about requests: who gets them and what they say."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail

from workflows.models import NotificationPreference, Request
from workflows.registry import request_type

SUBJECTS = {
    "submitted": "New {name}: {title}",
    "accepted": "Accepted: {title}",
    "declined": "Declined: {title}",
    "cancelled": "Cancelled: {title}",
    "expired": "Expired: {title}",
    "commented": "New comment on {title}",
}


# Who hears about what: the side that did not act.
AUDIENCE = {
    "submitted": ("receiver",),
    "accepted": ("creator",),
    "declined": ("creator",),
    "cancelled": ("receiver",),
    "expired": ("creator", "receiver"),
    "commented": ("creator", "receiver"),
}


def recipients(request: Request, event: str, actor_id: int | None) -> list[str]:
    """E-mail addresses of the users of the sides EVENT concerns, without the actor and opted-out users."""
    kind = request_type(request.type)
    users = {}
    for side in AUDIENCE[event]:
        for user in kind.party_users(request, side):
            users[user.pk] = user
    users.pop(actor_id, None)
    opted_out = set(
        NotificationPreference.objects.filter(user_id__in=list(users), email_enabled=False).values_list(
            "user_id", flat=True
        )
    )
    return sorted(user.email for pk, user in users.items() if pk not in opted_out and user.email)


def send_request_notification(*, request_id: str, event: str, actor_id: int | None) -> int:
    """Send one e-mail per recipient about EVENT on the request; returns how many were sent."""
    request = Request.objects.filter(pk=request_id).first()
    if request is None or event not in SUBJECTS:
        return 0
    kind = request_type(request.type)
    title = request.title or f"request #{request.number}"
    subject = f"[{settings.SITE_NAME}] " + SUBJECTS[event].format(name=kind.name, title=title)
    link = f"{settings.SITE_URL}/me/requests/{request.pk}"
    body = (
        f"{kind.name} #{request.number}: {title}\n"
        f"Status: {request.status}\n\n"
        f"See the request and its conversation: {link}\n\n"
        "You receive this e-mail because you take part in this request. You can turn these\n"
        f"e-mails off in your notification settings: {settings.SITE_URL}/me/notifications"
    )
    addresses = recipients(request, event, actor_id)
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
