"""The domain: what the SCRM does with WeCom's data. Services take plain values, never HTTP requests."""
