"""Logging setup: one format for every command, and secrets masked wherever they might slip in."""

from __future__ import annotations

import logging
import re

from tqdm import tqdm

from bot.settings import Settings

_TOKEN_PARAM = re.compile(r"(access_token|corpsecret|echostr|msg_signature)=[^&\s\"']+")


class RedactSecrets(logging.Filter):
    """Masks configured secrets and token-bearing query parameters in every record."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _TOKEN_PARAM.sub(r"\1=***", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "***")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class ConsoleHandler(logging.StreamHandler):
    """Writes each line through tqdm: a progress bar on the same terminal (`scrm sync`, `scrm demo`) is
    cleared, the line written, and the bar drawn again below it, instead of the line cutting through it.
    With no bar drawn this is a plain write."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=self.stream)
            self.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def setup(settings: Settings) -> None:
    w = settings.wecom
    handler = ConsoleHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    a = settings.access
    secrets = [w.token, w.encoding_aes_key, w.agent_secret, w.contact_secret, a.session_secret, *a.api_tokens]
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.server.log_level.upper())
    # One line per request is noise on the callback hot path; errors still log.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("tortoise").setLevel(max(root.level, logging.WARNING))
