"""STARTTLS and implicit TLS with AUTH, against aiosmtpd on 127.0.0.1 with a throwaway CA."""
from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from newsletter.mailing.ledger import Ledger, ledger_path
from newsletter.mailing.send import Settings, load_campaign, send
from newsletter.mailing.transports import TemporaryFailure, make_transport
from newsletter.project.config import load_config
from tests.conftest import SAMPLE_ISSUE
from tests.test_send_support import (  # noqa: F401
    ENV,
    Recorder,
    built_template,
    free_port,
    sending_project,
    write_subscribers,
)

PASSWORD = "correct horse battery staple"
# aiosmtpd warns when AUTH is allowed without STARTTLS; with smtps the socket is TLS already.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it; returns (ca, cert, key).
    Key identifiers and key usage included: Python 3.13 verifies strictly (VERIFY_X509_STRICT)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newsletter test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def _check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"volunteer" \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_files(tmp_path):
    return _certificates(tmp_path)


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_tls_and_auth_deliver(sending_project, tls_files, mode):
    ca, cert, key = tls_files
    recorder, port = Recorder(), free_port()
    context = _server_context(cert, key)
    tls = {"tls_context": context, "require_starttls": True} if mode == "starttls" else {"ssl_context": context, "auth_require_tls": False}
    controller = Controller(recorder, hostname="127.0.0.1", port=port, authenticator=_check_login,
                            auth_required=True, **tls)
    controller.start()
    try:
        scheme = "smtp+starttls" if mode == "starttls" else "smtps"
        url = f"{scheme}://volunteer@127.0.0.1:{port}?ca_file={ca}"
        rows = write_subscribers(sending_project, 4)
        env = ENV | {"NEWSLETTER_SMTP_PASSWORD": PASSWORD}
        campaign = load_campaign(sending_project / SAMPLE_ISSUE, Settings(), env)
        summary = send(campaign, make_transport(url, sending_project / "outbox", env, "NEWSLETTER_SMTP_PASSWORD"),
                       Settings(retry_delay=0.01, max_attempts=2))
    finally:
        controller.stop()
    assert sum(summary.sent.values()) == 4
    assert recorder.recipients() == {r["email"]: 1 for r in rows}
    with Ledger(ledger_path(load_config(sending_project), "2026-11")) as ledger:
        assert all(PASSWORD not in e.reply for e in ledger.entries())


def test_an_untrusted_certificate_is_not_accepted(sending_project, tls_files):
    _, cert, key = tls_files
    port = free_port()
    controller = Controller(Recorder(), hostname="127.0.0.1", port=port, ssl_context=_server_context(cert, key))
    controller.start()
    try:
        transport = make_transport(f"smtps://127.0.0.1:{port}", sending_project / "outbox", {}, "X")
        with pytest.raises(TemporaryFailure, match="cannot connect"):
            asyncio.run(transport.connect())
    finally:
        controller.stop()


def test_a_refused_login_over_starttls_stops_the_run_and_keeps_rows_pending(sending_project, tls_files):
    from newsletter.mailing.transports import TransportError
    ca, cert, key = tls_files
    port = free_port()
    controller = Controller(Recorder(), hostname="127.0.0.1", port=port, authenticator=_check_login,
                            auth_required=True, tls_context=_server_context(cert, key), require_starttls=True)
    controller.start()
    try:
        write_subscribers(sending_project, 3)
        env = ENV | {"NEWSLETTER_SMTP_PASSWORD": "wrong-password"}
        url = f"smtp://volunteer@127.0.0.1:{port}?ca_file={ca}"   # plain smtp:// with a user: STARTTLS
        campaign = load_campaign(sending_project / SAMPLE_ISSUE, Settings(), env)
        with pytest.raises(TransportError, match="refused the login") as caught:
            send(campaign, make_transport(url, sending_project / "outbox", env, "NEWSLETTER_SMTP_PASSWORD"),
                 Settings())
    finally:
        controller.stop()
    assert "wrong-password" not in str(caught.value)
    with Ledger(ledger_path(load_config(sending_project), "2026-11")) as ledger:
        assert {e.state for e in ledger.entries()} == {"pending"}
