"""The callback path: `/wecom/callback` and `/healthz` (routes), the durable writer that stores an event
before the 200, the worker that drains the inbox in order with retries and a dead-letter state, and the
handler registry (router) each domain registers its event handlers with."""
