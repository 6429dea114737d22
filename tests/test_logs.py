"""Secrets never reach the log, even when a library formats them into a message."""

import logging

from bot.logs import RedactSecrets


def test_secrets_and_token_parameters_are_masked(caplog):
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactSecrets(["contact-secret-value", "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"]))
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("GET /cgi-bin/user/get?access_token=%s&userid=zhangsan", "tok3n-value-123")
        logger.info("secret %s and token %s", "contact-secret-value", "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo")
    text = caplog.text
    assert "tok3n-value-123" not in text and "access_token=***&userid=zhangsan" in text
    assert "contact-secret-value" not in text and "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo" not in text
