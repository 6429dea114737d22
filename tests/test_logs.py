"""Secrets never reach the log, even when a library formats them into a message."""

import io
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


def test_a_log_line_during_a_progress_bar_gets_its_own_line_and_the_bar_is_drawn_again():
    from tqdm import tqdm

    from bot.logs import ConsoleHandler

    terminal = io.StringIO()
    handler = ConsoleHandler(terminal)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("test.bars")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with tqdm(desc="customers", total=10, file=terminal, ascii=True, ncols=60, mininterval=0) as bar:
            bar.update(3)
            logger.warning("customer wmAbc changed while syncing")
            bar.update(3)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    lines = terminal.getvalue().split("\n")
    # What the terminal shows on each line is what follows its last carriage return.
    shown = [line.rsplit("\r", 1)[-1] for line in lines]
    assert "WARNING customer wmAbc changed while syncing" in shown
    # The bar comes back after the line and keeps counting.
    after = "\n".join(lines[shown.index("WARNING customer wmAbc changed while syncing") + 1 :])
    assert "customers:" in after and "6/10" in after


def test_every_command_logs_through_the_bar_aware_handler_with_secrets_masked(settings):
    from bot import logs

    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        logs.setup(settings)
        (handler,) = root.handlers
        assert isinstance(handler, logs.ConsoleHandler)
        assert any(isinstance(f, RedactSecrets) for f in handler.filters)
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
