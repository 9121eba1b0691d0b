"""Score scales, defined once: each survey kind's range and its good / neutral / bad score groups."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A score range and its three groups, best first, with the names Delighted reports them under."""

    low: int
    high: int
    good: tuple[int, int]
    neutral: tuple[int, int]
    bad: tuple[int, int]
    labels: tuple[str, str, str]

    @property
    def groups(self):
        """The (good, neutral, bad) ranges, each ``(low, high)`` inclusive."""
        return self.good, self.neutral, self.bad

    def group_index(self, score):
        """Return 0 (good), 1 (neutral), 2 (bad) for ``score``, or ``None`` when it is off the scale."""
        for index, (low, high) in enumerate(self.groups):
            if low <= score <= high:
                return index
        return None


# CES is Delighted's CES7 ("The company made it easy for me to handle my issue"): 5-7 agree, 4 neutral, 1-3 disagree.
SCALES = {
    "nps": Scale(0, 10, good=(9, 10), neutral=(7, 8), bad=(0, 6), labels=("promoter", "passive", "detractor")),
    "csat": Scale(1, 5, good=(4, 5), neutral=(3, 3), bad=(1, 2), labels=("satisfied", "neutral", "dissatisfied")),
    "ces": Scale(1, 7, good=(5, 7), neutral=(4, 4), bad=(1, 3), labels=("agree", "neutral", "disagree")),
}
