"""Sending an e-mail through the SMTP server in the settings.

Every header is built so that no value can add another: addresses are parsed into
`email.headerregistry.Address` (one that does not parse is not used, and said so in the
log), and the subject is made one line here too, whoever composed it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid

from config.settings import Settings
from sync_worker import counters
from sync_worker.errors import PermanentError, TransientError
from sync_worker.notifications.compose import Email, one_line

log = logging.getLogger(__name__)


def send(email: Email, recipients: list[str], settings: Settings) -> None:
    """Deliver `email`; a refused or unreachable server is a transient error (retried),
    no usable recipient a permanent one."""
    to = [address for address in map(_address, recipients) if address is not None]
    if not to:
        counters.email_failed("recipient")
        raise PermanentError(
            f"none of the error e-mail addresses is valid: {one_line(', '.join(recipients))}"
        )
    sender = _address(settings.smtp_from)
    if sender is None:
        counters.email_failed("sender")
        raise PermanentError(
            f"SMTP_FROM is not one valid e-mail address: {one_line(settings.smtp_from)}"
        )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = one_line(email.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    message.set_content(email.body)
    try:
        with _connect(settings) as server:
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password)
            server.send_message(message)
        counters.email_sent()
    except (smtplib.SMTPException, OSError) as exc:
        counters.email_failed("smtp")
        # The exception text never includes the password; smtplib does not echo it.
        raise TransientError(
            f"the SMTP server {settings.smtp_host}:{settings.smtp_port} did not take the "
            f"e-mail: {type(exc).__name__}: {exc}"
        ) from None


def _address(text: str) -> Address | None:
    """One address ("kari@acme.no" or "Kari <kari@acme.no>"), or None when `text` is
    anything else: several, none, or one with a control character in it."""
    try:
        if any(unicodedata.category(character) == "Cc" for character in text):
            raise ValueError("a control character")
        [(name, spec)] = getaddresses([text])
        address = Address(display_name=name, addr_spec=spec)
        if not address.username or not address.domain:
            raise ValueError("no local part or no domain")
    except (HeaderParseError, ValueError, IndexError):
        log.warning("not an e-mail address, not used: %s", one_line(text))
        return None
    return address


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
