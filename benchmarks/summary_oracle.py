"""The oracle over briefing's own candidates, for benchmarks/summaries.py.

What the best choice among the candidates briefing considers would cover, the content units
known: what it covers and briefing does not is what the choice misses, not the pool.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from summaries import Event, contains, coverage, tokens

from briefing.compose.summarize import story_candidates
from briefing.models import Article
from briefing.text.sentences import opens_with_reference


def candidate_oracle(events: list[tuple[Event, list[Article]]], words: int) -> dict[str, float]:
    """The best that choosing among briefing's own candidates could do: the candidates (those
    not pointing back) that cover the most unit weight within the budget, found by integer
    programming on the units themselves. What it covers and briefing does not is what the
    choice, not the pool, misses.
    """
    scores = []
    for event, articles in events:
        pool = [c.text for c in story_candidates(articles) if not opens_with_reference(c.text)]
        units = event["units"]
        held = np.array(
            [[any(contains(tokens(t), f) for f in u["forms"]) for t in pool] for u in units], float
        )
        n, m = len(pool), len(units)
        length = np.concatenate([[len(t.split()) for t in pool], np.zeros(m)])
        link = np.hstack([-held, np.eye(m)])
        result = milp(
            -np.concatenate([np.zeros(n), [u["weight"] for u in units]]),
            constraints=[LinearConstraint(np.vstack([length, link]), -np.inf, [words] + [0] * m)],
            integrality=np.concatenate([np.ones(n), np.zeros(m)]),
            bounds=Bounds(0, 1),
            options={"time_limit": 10},
        )
        chosen = [t for j, t in enumerate(pool) if result.x is not None and result.x[j] > 0.5]
        scores.append(coverage(" ".join(chosen), units))
    return {
        "weighted": float(np.mean([w for w, _ in scores])),
        "specific": float(np.mean([s for _, s in scores])),
    }
