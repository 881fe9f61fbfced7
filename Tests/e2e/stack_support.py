"""The old name of meet_e2e.stack, kept so that code written against it still imports; new code imports meet_e2e."""
from meet_e2e.stack import *  # noqa: F401,F403
from meet_e2e.signaling import *  # noqa: F401,F403
from meet_e2e.waiting import *  # noqa: F401,F403
from meet_e2e.env import *  # noqa: F401,F403
