"""racelab's own helpers, for a racelab program run with plain CPython.

Save this file next to a program downloaded from racelab and run `python3 program.py`:
the program runs unchanged. In racelab, `check()` records a broken invariant in the run's
report and the program goes on; here it says so on stderr and the program goes on too.
"""
import sys


def check(condition, name="check"):
    """An invariant check: reports `name` when `condition` is false, and goes on."""
    if not condition:
        print(f"racelab: check {name!r} failed", file=sys.stderr)


class invalid:
    """`with invalid():` marks where shared data is temporarily invalid (money debited, not
    yet credited): racelab's traces draw the stretch; here it does nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
