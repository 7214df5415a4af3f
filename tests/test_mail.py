import pytest

from portal.services.mail import MailError, send_mail


def test_send_mail_reaches_local_server(app, smtp_sink):
    with app.test_request_context():
        sent = send_mail("cliente@example.com", "Prova è", "Testo con accenti: già.")
    assert sent is True
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "cliente@example.com"
    assert message["Subject"] == "Prova è"
    assert "già" in message.get_content()


def test_send_mail_without_server_is_dropped(app):
    with app.test_request_context():
        assert send_mail("a@example.com", "s", "t") is False


def test_send_mail_failure_raises(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    try:
        with app.test_request_context(), pytest.raises(MailError):
            send_mail("a@example.com", "s", "t")
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25, MAIL_TIMEOUT=10)
