"""The task center (任务中心): bulk work as persisted tasks of items, run by the worker."""
