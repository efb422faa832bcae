"""Background work of the agencies app: the password reset email."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError,),  # smtplib's errors are OSErrors: a mail server down is retried
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def password_reset_email_send(user_id: int, domain: str, use_https: bool) -> bool:
    """Send the reset link to this person, in their email language. False if they cannot reset."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return False
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        # Made here, in the worker: a link stays valid until the password changes or it expires.
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = loader.render_to_string("registration/password_reset_subject.txt", context)
        body = loader.render_to_string("registration/password_reset_email.html", context)
    message = EmailMultiAlternatives(
        "".join(subject.splitlines()), body, settings.DEFAULT_FROM_EMAIL, [user.email]
    )
    message.send()
    return True
