"""Sending an e-mail through the SMTP server in the settings."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from config.settings import Settings
from sync_worker.errors import TransientError
from sync_worker.notifications.compose import Email


def send(email: Email, recipients: list[str], settings: Settings) -> None:
    """Deliver `email`; a refused or unreachable server is a transient error (retried)."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(recipients)
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(email.body)
    try:
        with _connect(settings) as server:
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password)
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        # The exception text never includes the password; smtplib does not echo it.
        raise TransientError(
            f"the SMTP server {settings.smtp_host}:{settings.smtp_port} did not take the "
            f"e-mail: {type(exc).__name__}: {exc}"
        ) from None


def _connect(settings: Settings) -> smtplib.SMTP:
    timeout = 30
    if settings.smtp_tls == "ssl":
        return smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    if settings.smtp_tls == "starttls":
        server.starttls(context=ssl.create_default_context())
    return server
