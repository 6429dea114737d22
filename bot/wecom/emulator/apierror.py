"""WeCom's refusal as the emulator raises it: an errcode, and a detail for the errmsg."""

from __future__ import annotations


class ApiError(Exception):
    """An errcode answer; `detail` goes into errmsg before WeCom's hint suffix. Raised by the API handlers
    and by the logic they share with user actions (mass tasks), which turn it into an ActionError."""

    def __init__(self, errcode: int, detail: str = ""):
        super().__init__(errcode, detail)
        self.errcode = errcode
        self.detail = detail
