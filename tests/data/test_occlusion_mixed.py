import numpy as np

from lifting.data.occlusion import PAPER_PATTERNS, occlusion_mask


def test_mixed_draws_every_paper_pattern():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(300):
        m = occlusion_mask("mixed", 27, 17, rng)
        if not m.any():
            seen.add("none")
        elif m.all(axis=1).sum() == 5 and m.any(axis=1).sum() == 5:
            seen.add("consecutive_frames")
        elif set(np.flatnonzero(m.any(axis=0))) == {1, 2, 3} and m.any(axis=1).sum() == 10:
            seen.add("consecutive_leg")
        elif set(np.flatnonzero(m.any(axis=0))) <= {1, 2, 3, 11, 12, 13} and (m[:, [1, 2, 3, 11, 12, 13]].all(1) == m.any(1)).all():
            seen.add("random_leg_arm")
        else:
            seen.add("random")
    assert seen == set(PAPER_PATTERNS)
