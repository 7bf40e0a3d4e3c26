"""E-mails about record access, sent by Celery after the writing transaction committed."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from records.access.models import AccessRequest, OwnershipTransfer


def _record_url(parent_id: str, query: str = "") -> str:
    from records.models import Record

    record = Record.objects.filter(parent_id=parent_id, is_latest=True).first()
    target = record.pk if record else parent_id
    return f"{settings.SITE_URL}/records/{target}{query}"


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_access_mail(kind: str, object_id: str, token: str = "") -> None:
    """Send the e-mail of one access event (KIND) about the request or transfer OBJECT_ID."""
    site = settings.SITE_NAME
    if kind.startswith("transfer_"):
        transfer = OwnershipTransfer.objects.select_related("to_user", "from_user").get(pk=object_id)
        subject = f"[{site}] {transfer.from_user.email} offers you a record"
        body = (
            f"Accept or decline it on {settings.SITE_URL}/account/shared\n{_record_url(transfer.parent_id)}"
        )
        send_mail(subject, body, None, [transfer.to_user.email])
        return
    request = AccessRequest.objects.select_related("parent__owner", "requester", "link").get(pk=object_id)
    who = request.requester.email if request.requester else f"{request.full_name} <{request.email}>"
    requester_email = request.requester.email if request.requester else request.email
    if kind == "request_verify":
        url = f"{settings.SITE_URL}/access-requests/verify?token={token}"
        send_mail(f"[{site}] Confirm your access request", f"Confirm it here: {url}", None, [request.email])
    elif kind == "request_submitted" and request.parent.owner:
        body = f"{who} asks for access:\n\n{request.message}\n\n{_record_url(request.parent_id)}"
        send_mail(f"[{site}] Access request", body, None, [request.parent.owner.email])
    elif kind == "request_accepted":
        query = f"?token={request.link.token}" if request.link else ""
        body = f"You may now open the record: {_record_url(request.parent_id, query)}"
        send_mail(f"[{site}] Access granted", body, None, [requester_email])
    elif kind == "request_declined":
        send_mail(
            f"[{site}] Access request declined", _record_url(request.parent_id), None, [requester_email]
        )


@shared_task
def purge_expired_grants() -> list[str]:
    """Daily: remove expired grants so search indexes drop their readers."""
    from records.access.services import grants_purge_expired

    return grants_purge_expired()
