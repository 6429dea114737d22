"""Radar analytics (seed 002): the figures and their SQL, the share network, and the customers export."""
