"""The old name of meet_e2e.turn, kept so that code written against it still imports; new code imports meet_e2e."""
from meet_e2e.turn import *  # noqa: F401,F403
