"""The one skip rule, in RecommendService.feedback, on a real library and index.

Two quick skips (early in a track, or at an unknown position) within a minute ask for a fresh list;
skips late in a track are not a sign that the list is wrong. The player window and the tray send
their skips with the position, and use the list the service answers with.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "recommend"))

from test_rec_service import fill_library

from desktoprec.recommend.service import QUICK_SKIP_MS
from desktoprec.services import Services


@pytest.fixture
def services() -> Any:
    svc = Services()
    fill_library(svc)
    yield svc
    svc.close()


def test_two_quick_skips_refresh_but_late_skips_do_not(services: Services) -> None:
    service = services.recommend
    base = service.recommend(mode="more_like", seeds=("jazz1_t0", "pop1_t0"), n=6)
    a, b, c, d = (i.track.id for i in base.items[:4])
    late = QUICK_SKIP_MS + 90_000
    assert not service.feedback(a, "skip", position_ms=late).refreshed
    assert not service.feedback(b, "skip", position_ms=late).refreshed  # two late skips
    assert not service.feedback(c, "skip", position_ms=4_000).refreshed  # one quick one
    answer = service.feedback(d, "skip", position_ms=2_500)  # the second quick skip
    assert answer.refreshed and set(answer.steered_away_from) == {c, d}
    assert not {c, d} & {i.track.id for i in answer.fresh.items}
    # a late skip right after does not refresh again, even with quick ones in the window
    assert not service.feedback(a, "skip", position_ms=late).refreshed
