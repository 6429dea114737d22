"""`scrm demo`: a seeded emulator, the server and the worker in one process, with demo radars."""
