"""The old name of meet_e2e.mover, kept so that code written against it still imports; new code imports meet_e2e."""
from meet_e2e.mover import *  # noqa: F401,F403
