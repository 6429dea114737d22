"""The emulated corp's credentials and a clock tests can move forward."""

from __future__ import annotations

import random
import string
import time
from dataclasses import asdict, dataclass

_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class CorpConfig:
    """What an admin copies out of the WeCom console: corp id, callback token/key, app id and secrets."""

    corp_id: str
    token: str
    encoding_aes_key: str
    agent_id: int
    agent_secret: str
    contact_secret: str
    # the WeChat official account (公众号) the emulator also plays, for radar visitors' web OAuth
    wechat_app_id: str = ""
    wechat_app_secret: str = ""

    @classmethod
    def generate(cls, seed: int | None = None) -> CorpConfig:
        """Valid random values (seeded for reproducible demos): token ≤ 32 alnum, key exactly 43 alnum."""
        rng = random.Random(seed) if seed is not None else random.SystemRandom()

        def pick(alphabet: str, n: int) -> str:
            return "".join(rng.choice(alphabet) for _ in range(n))

        return cls(
            corp_id="ww" + pick("0123456789abcdef", 16),
            token=pick(_ALNUM, 32),
            encoding_aes_key=pick(_ALNUM, 43),
            agent_id=1000002,
            agent_secret=pick(_ALNUM + "-_", 43),
            contact_secret=pick(_ALNUM + "-_", 43),
            wechat_app_id="wx" + pick("0123456789abcdef", 16),
            wechat_app_secret=pick("0123456789abcdef", 32),
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class OffsetClock:
    """Wall-clock time plus an offset that `advance()` grows: lets tests jump past 20 s or 2 h instantly."""

    def __init__(self, offset: float = 0.0):
        self.offset = offset

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
