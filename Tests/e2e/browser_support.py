"""The old name of meet_e2e.browser, kept so that code written against it still imports; new code imports meet_e2e."""
from meet_e2e.browser import *  # noqa: F401,F403
from meet_e2e.env import *  # noqa: F401,F403
