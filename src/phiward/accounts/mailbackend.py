"""Django's SMTP backend with the server's certificate checked against phiward's CA setting."""

from __future__ import annotations

import ssl

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.utils.functional import cached_property


class SmtpBackend(EmailBackend):
    """Verifies the server (certificate chain and host name) against the system's certificate
    authorities, or only those in ``PHIWARD_SMTP_CA_FILE``; TLS 1.2 at least."""

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        ca_file = str(getattr(settings, "PHIWARD_SMTP_CA_FILE", "") or "") or None
        context = ssl.create_default_context(cafile=ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if self.ssl_certfile:  # a client certificate, when the relay asks for one
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context
