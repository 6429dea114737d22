"""The callback sender: WeCom's URL verification and encrypted event POSTs, retries, injected faults."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

import aiohttp

from ..crypto import CallbackCrypto

log = logging.getLogger(__name__)


class CallbackVerificationFailed(Exception):
    """The callback URL did not answer WeCom's GET handshake with the bare echo plaintext."""


@dataclass
class DeliveryRecord:
    seq: int  # which emitted event (1-based, in emission order)
    event_xml: str
    attempt: int  # 0 for events never attempted (dropped, no URL)
    status: int | None  # HTTP status, None on timeout/transport error/no attempt
    outcome: str  # ok | http_<status> | timeout | error | dropped | no_url | gave_up
    duplicate: bool = False


@dataclass
class _Pending:
    seq: int
    event_xml: str
    duplicate: bool = False


class CallbackSender:
    """Delivers events one at a time in a background task, like WeCom: 200 = done, else retry."""

    def __init__(
        self,
        crypto: CallbackCrypto,
        agent_id: int,
        *,
        url: str | None = None,
        retries: int = 3,
        callback_timeout: float = 5.0,
        retry_delay: float = 0.2,
        duplicate_rate: float = 0.0,
        reorder_rate: float = 0.0,
        drop_rate: float = 0.0,
        seed: int = 0,
    ):
        self.crypto = crypto
        self.agent_id = agent_id
        self.url = url
        self.retries = retries
        self.callback_timeout = callback_timeout
        self.retry_delay = retry_delay
        self.duplicate_rate = duplicate_rate
        self.reorder_rate = reorder_rate
        self.drop_rate = drop_rate
        self._rng = random.Random(f"callbacks:{seed}")
        self.events: list[str] = []  # everything emitted, delivered or not
        self.log: list[DeliveryRecord] = []
        self.stats: Counter[str] = Counter()  # delivered, failed, dropped, duplicated, reordered, attempts
        self._queue: deque[_Pending] = deque()
        self._held: list[_Pending] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- configuration --------------------------------------------------------------------------

    async def configure(self, url: str) -> None:
        """The admin saves the URL: WeCom GETs it with an encrypted echostr and wants the plaintext back."""
        echo_plain = str(secrets.randbelow(10**19))
        query = self.crypto.build_verification(echo_plain)
        try:
            async with self._http().get(
                url, params=query, timeout=aiohttp.ClientTimeout(total=self.callback_timeout)
            ) as resp:
                body = await resp.text()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise CallbackVerificationFailed(f"GET {url} failed: {type(exc).__name__}") from None
        if status != 200:
            raise CallbackVerificationFailed(f"GET {url} answered HTTP {status}")
        if body != echo_plain:
            raise CallbackVerificationFailed(f"GET {url} did not echo the decrypted echostr exactly")
        self.url = url

    # -- sending --------------------------------------------------------------------------------

    def send(self, plain_xml: str) -> None:
        """Queue one event; fault injection is decided here, with the seeded RNG, in emission order."""
        self.events.append(plain_xml)
        seq = len(self.events)
        # Always draw all three numbers so one rate never shifts the others' sequence.
        drop, dup, hold = self._rng.random(), self._rng.random(), self._rng.random()
        if self.url is None:
            self.log.append(DeliveryRecord(seq, plain_xml, 0, None, "no_url"))
            self.stats["unconfigured"] += 1
            return
        if drop < self.drop_rate:
            self.log.append(DeliveryRecord(seq, plain_xml, 0, None, "dropped"))
            self.stats["dropped"] += 1
            return
        items = [_Pending(seq, plain_xml)]
        if dup < self.duplicate_rate:
            items.append(_Pending(seq, plain_xml, duplicate=True))
            self.stats["duplicated"] += 1
        if hold < self.reorder_rate and not self._held:
            # Held back until the next event has been queued: the receiver sees them swapped.
            self._held = items
            self.stats["reordered"] += 1
            return
        self._enqueue(items + self._held)
        self._held = []

    async def drain(self) -> None:
        """Wait until everything queued was delivered or given up (a held-back event is released first)."""
        if self._held:
            self._enqueue(self._held)
            self._held = []
        if self._queue:
            self._ensure_worker()
        await self._idle.wait()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def log_dicts(self, after: int = 0) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.log[after:]]

    # -- internals ------------------------------------------------------------------------------

    def _enqueue(self, items: list[_Pending]) -> None:
        if not items:
            return
        self._queue.extend(items)
        self._idle.clear()
        self._wake.set()
        try:
            self._ensure_worker()
        except RuntimeError:
            pass  # no running loop (seeding from sync code): drain() starts the worker

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run())

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _run(self) -> None:
        while True:
            while self._queue:
                await self._deliver(self._queue.popleft())
            # No await between the empty check and these: a send() cannot slip in unnoticed.
            self._idle.set()
            self._wake.clear()
            await self._wake.wait()

    async def _deliver(self, item: _Pending) -> None:
        url = self.url
        attempts = 1 + max(0, self.retries)
        for attempt in range(1, attempts + 1):
            # WeCom re-encrypts every attempt: new random prefix, timestamp and nonce, same plaintext.
            delivery = self.crypto.build_delivery(item.event_xml, self.agent_id)
            self.stats["attempts"] += 1
            status: int | None = None
            try:
                async with self._http().post(
                    f"{url}?{delivery.query_string}",
                    data=delivery.body,
                    headers={"Content-Type": "text/xml"},
                    timeout=aiohttp.ClientTimeout(total=self.callback_timeout),
                ) as resp:
                    await resp.read()
                    status = resp.status
                outcome = "ok" if status == 200 else f"http_{status}"
            except TimeoutError:
                outcome = "timeout"
            except aiohttp.ClientError as exc:
                outcome = "error"
                log.debug("callback delivery error: %s", type(exc).__name__)
            self.log.append(
                DeliveryRecord(item.seq, item.event_xml, attempt, status, outcome, item.duplicate)
            )
            if outcome == "ok":
                self.stats["delivered"] += 1
                return
            if attempt < attempts:
                await asyncio.sleep(self.retry_delay)
        self.log.append(DeliveryRecord(item.seq, item.event_xml, attempts, None, "gave_up", item.duplicate))
        self.stats["failed"] += 1
