"""The old name of meet_e2e.sfu, kept so that code written against it still imports; new code imports meet_e2e."""
from meet_e2e.sfu import *  # noqa: F401,F403
from meet_e2e.env import *  # noqa: F401,F403
from meet_e2e.waiting import WaitTimeout, wait_until


async def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    """The old bool-returning wait, over `wait_until`: whether `predicate` held within `timeout`."""
    try:
        await wait_until(predicate, timeout, "the condition", interval=interval)
        return True
    except WaitTimeout:
        return False
