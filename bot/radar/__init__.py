"""Smart radar (智能雷达): radars and their groups, uploaded files, signed links and sending from the sidebar,
visitors (WeChat and WeCom OAuth), visits and beacons through the group-commit write path, first-visit
effects, merged alerts, the WeChat share card, and the analytics in `analytics/` (figures, SQL, share network,
export); their tables in `models.py`."""
