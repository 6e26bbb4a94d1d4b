"""Choosing how deletion codes are delivered: e-mail when SMTP is configured, else the server log."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from resolvers.deletion import notifier
from resolvers.deletion.notifier import DeletionCode, LogNotifier, Notifier
from server.settings import Settings

log = logging.getLogger("crm.notifier")


class SmtpNotifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(message)

    async def send_deletion_code(self, message: DeletionCode) -> None:
        mail = EmailMessage()
        mail["From"] = self.settings.smtp_from
        mail["To"] = message.to_email
        mail["Subject"] = f"Confirmation code: delete {message.customer_count} customer(s)"
        mail.set_content(
            f"Hello {message.to_name},\n\nYour code to confirm deleting {message.customer_count} customer(s) is\n\n"
            f"    {message.code}\n\nIt expires at {message.expires_at:%Y-%m-%d %H:%M} UTC. If you did not ask for it, "
            "ignore this message: nothing is deleted without the code.\n"
        )
        await asyncio.to_thread(self._send, mail)


def install_notifier(settings: Settings) -> Notifier:
    """Install the deletion code sender and the purge delay from the settings; answer the sender."""
    chosen: Notifier = SmtpNotifier(settings) if settings.smtp_host else LogNotifier()
    if not settings.smtp_host and not settings.development:
        log.warning("CRM_SMTP_HOST is not set: deletion codes are written to the server log")
    notifier.install(chosen, purge_after=timedelta(hours=settings.purge_after_hours))
    return chosen
