"""Tests of the adaptive local search (no Ray needed)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from pinning import assert_same, replay

from raytune_lite.search.base import Searcher
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.local import LocalSearch, Restart
from raytune_lite.space import Space, choice, grid, randint, sample_from, uniform
from raytune_lite.testing import CONFORMANCE_SPACE, check_searcher

SHIFT = np.array([0.7, -1.3, 2.1, -0.4, 1.6])
SPHERE = Space({f"x{i}": uniform(-5, 5) for i in range(5)})
PLANE = Space({"x": uniform(0, 1), "y": uniform(0, 1)})


def sphere(cfg: dict[str, Any]) -> float:
    return float(sum((cfg[f"x{i}"] - SHIFT[i]) ** 2 for i in range(5)))


def best_of(s: Searcher, seed: int, n: int = 150, pending: int = 4) -> float:
    """Runs ``n`` trials with ``pending`` outstanding, completed in random order."""
    s.setup(SPHERE, "loss", "min", seed=seed, num_samples=n)
    rng = np.random.default_rng(seed + 100)
    out: list[tuple[str, dict[str, Any]]] = []
    best, started = np.inf, 0
    while started < n or out:
        while started < n and len(out) < pending:
            cfg = s.suggest(str(started))
            assert isinstance(cfg, dict)
            out.append((str(started), cfg))
            started += 1
        tid, cfg = out.pop(int(rng.integers(len(out))))
        v = sphere(cfg)
        best = min(best, v)
        s.on_complete(tid, {"loss": v}, False)
    return best


def enc(cfg: Any) -> np.ndarray:
    return PLANE.encode(cfg)


def test_conforms() -> None:
    check_searcher(lambda: LocalSearch())
    check_searcher(lambda: LocalSearch(init_step=0.05, min_step=0.01, restart=Restart.BEST))


def test_conforms_with_a_grid_axis_treated_as_a_categorical() -> None:
    check_searcher(lambda: LocalSearch(), param_space={**CONFORMANCE_SPACE, "g": grid([1, 2, 3])})


def test_beats_random_search_on_shifted_sphere() -> None:
    seeds = range(5)
    local = np.mean([best_of(LocalSearch(), s) for s in seeds])
    rnd = np.mean([best_of(BasicSearch(), s) for s in seeds])
    assert local < rnd / 4, (local, rnd)


def test_starts_at_init_config_then_probes_at_step_distance() -> None:
    s = LocalSearch(init_config={"x": 0.3, "y": 0.6}, init_step=0.1)
    s.setup(PLANE, "loss", "min", seed=0)
    assert s.suggest("0") == {"x": 0.3, "y": 0.6}
    # several pending: each is a probe around the same incumbent, at distance step
    probes = [s.suggest(str(i)) for i in range(1, 5)]
    for p in probes:
        assert np.linalg.norm(enc(p) - [0.3, 0.6]) == pytest.approx(0.1)
    assert len({json.dumps(p, sort_keys=True) for p in probes}) == 4


def test_step_grows_after_success_and_mirror_is_tried_after_failure() -> None:
    s = LocalSearch(init_config={"x": 0.5, "y": 0.5}, init_step=0.1, grow=1.5)
    s.setup(PLANE, "loss", "min", seed=1)
    s.suggest("c")
    s.on_complete("c", {"loss": 1.0}, False)
    plus = s.suggest("p")
    s.on_complete("p", {"loss": 2.0}, False)  # not better: the mirror comes next
    minus = s.suggest("m")
    assert np.allclose(enc(plus) + enc(minus), [1.0, 1.0])
    assert s.step == pytest.approx(0.1)
    s.on_complete("m", {"loss": 0.5}, False)  # better: move there, grow the step
    assert s.step == pytest.approx(0.15)
    assert s.incumbent == minus
    assert s.num_successes == 1


def test_step_shrinks_after_a_run_of_failures_then_restarts() -> None:
    # the start point is optimal: every probe fails
    s = LocalSearch(
        init_config={"x": 0.5, "y": 0.5}, init_step=0.1, min_step=0.03, shrink=0.5, patience=2
    )
    s.setup(PLANE, "loss", "min", seed=2)

    def loss(cfg: Any) -> float:
        return float(np.linalg.norm(enc(cfg) - 0.5))

    steps = []
    i = 0
    while s.num_restarts == 0:
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        s.on_complete(str(i), {"loss": loss(cfg)}, False)
        steps.append(s.step)
        i += 1
        assert i < 100
    # 1 start + (2 directions x 2 sides) per shrink: 0.1 -> 0.05 -> 0.025 < min -> restart
    assert i == 1 + 4 + 4
    assert steps[4] == pytest.approx(0.05) and steps[3] == pytest.approx(0.1)
    assert s.num_shrinks == 2 and s.step == pytest.approx(0.1)
    start = s.suggest("restart")  # a random restart evaluates its new start point first
    assert isinstance(start, dict) and loss(start) > 0.0
    assert s.incumbent == start


def test_restart_from_best_keeps_the_best_point() -> None:
    s = LocalSearch(
        init_config={"x": 0.5, "y": 0.5}, init_step=0.1, min_step=0.06, restart="best", patience=1
    )
    s.setup(PLANE, "loss", "min", seed=3)
    i = 0
    while s.num_restarts == 0:
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        s.on_complete(str(i), {"loss": float(np.linalg.norm(enc(cfg) - 0.5))}, False)
        i += 1
    assert s.incumbent == {"x": 0.5, "y": 0.5}
    nxt = s.suggest("after")
    assert np.linalg.norm(enc(nxt) - 0.5) == pytest.approx(0.1)  # probes at once


def test_external_first_point_becomes_the_incumbent() -> None:
    s = LocalSearch()
    s.setup(PLANE, "loss", "max", seed=0)
    s.add_trial("warm", {"x": 0.7, "y": 0.3})
    first = s.suggest("0")
    assert first != {"x": 0.5, "y": 0.5}, "the centre is not evaluated: the warm point is"
    assert np.linalg.norm(enc(first) - [0.7, 0.3]) == pytest.approx(s.step)
    s.on_complete("warm", {"loss": 3.0}, False)
    assert s.best_score == -3.0  # max mode: stored negated


def test_probes_that_decode_to_the_incumbent_are_skipped() -> None:
    space = Space({"n": randint(0, 3), "k": choice(["a", "b", "c"])})
    s = LocalSearch(init_step=0.05, min_step=0.01)
    s.setup(space, "loss", "min", seed=0)
    start = s.suggest("0")
    s.on_complete("0", {"loss": 1.0}, False)
    for i in range(1, 30):
        cfg = s.suggest(str(i))
        assert cfg != start or s.num_restarts > 0
        s.on_complete(str(i), {"loss": 2.0}, False)


def test_categoricals_are_switched_not_stepped() -> None:
    space = Space({"x": uniform(0, 1), "k": choice(["a", "b", "c", "d"])})
    pen = {"a": 3.0, "b": 2.0, "c": 0.0, "d": 1.0}
    s = LocalSearch(init_config={"x": 0.2, "k": "a"}, init_step=0.1, switch_prob=0.3)
    s.setup(space, "loss", "min", seed=0)
    switches = 0
    for i in range(60):
        before_k, before_step = s.incumbent["k"], s.step
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        if cfg["k"] != before_k:  # a switch: the numeric value stays, the step is kept
            switches += 1
            assert cfg["x"] == pytest.approx(s.incumbent["x"])
        loss = (cfg["x"] - 0.6) ** 2 + pen[cfg["k"]]
        s.on_complete(str(i), {"loss": loss}, False)
        if cfg["k"] != before_k:
            assert s.step == before_step
    assert 5 <= switches <= 35
    assert s.incumbent["k"] == "c"
    assert abs(s.incumbent["x"] - 0.6) < 0.05


def test_categorical_only_space_is_searched_by_switches() -> None:
    space = Space({"k": choice(list("abcdef")), "m": choice([1, 2, 3])})
    s = LocalSearch()
    s.setup(space, "loss", "max", seed=1)
    for i in range(30):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        s.on_complete(str(i), {"loss": float(cfg["k"] == "e") + cfg["m"]}, False)
    assert s.incumbent == {"k": "e", "m": 3}


def test_same_seed_same_suggestions_and_state_round_trip() -> None:
    def run(seed: int) -> tuple[LocalSearch, list[Any]]:
        s = LocalSearch()
        s.setup(SPHERE, "loss", "min", seed=seed)
        cfgs = []
        for i in range(15):
            cfg = s.suggest(str(i))
            assert isinstance(cfg, dict)
            cfgs.append(cfg)
            if i >= 2:
                s.on_complete(str(i - 2), {"loss": sphere(cfgs[i - 2])}, False)
        return s, cfgs

    (a, ca), (_, cb), (_, cc) = run(5), run(5), run(6)
    assert ca == cb and ca != cc
    c = LocalSearch()
    c.setup(SPHERE, "loss", "min", seed=0)
    c.load_state(json.loads(json.dumps(a.state())))
    for s in (a, c):
        for i in (13, 14):
            s.on_complete(str(i), {"loss": sphere(ca[i])}, False)
    assert [a.suggest(f"n{i}") for i in range(6)] == [c.suggest(f"n{i}") for i in range(6)]


def test_space_of_constants_and_choice_of_subspaces() -> None:
    """Nothing to encode still works; a choice among sub-spaces samples the chosen one."""
    s = LocalSearch()
    s.setup(Space({"c": 1, "d": sample_from(lambda cfg: cfg["c"] + 1)}), "loss", "min", seed=0)
    for i in range(4):
        assert s.suggest(str(i)) == {"c": 1, "d": 2}
        s.on_complete(str(i), {"loss": 1.0}, False)
    sub = Space(
        {"m": choice([{"kind": "a", "v": uniform(0, 1)}, {"kind": "b"}]), "x": uniform(0, 1)}
    )
    s.setup(sub, "loss", "min", seed=0)
    for i in range(12):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        assert cfg["m"]["kind"] in ("a", "b")
        assert cfg["m"]["kind"] == "b" or 0 <= cfg["m"]["v"] <= 1
        s.on_complete(str(i), {"loss": cfg["x"]}, False)
        json.dumps(s.state())


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"init_step": 0.0}, "init_step"),
        ({"init_step": 0.1, "min_step": 0.2}, "min_step"),
        ({"init_step": 0.5, "max_step": 0.2}, "max_step"),
        ({"grow": 0.5}, "grow"),
        ({"shrink": 1.0}, "shrink"),
        ({"patience": 0}, "patience"),
        ({"restart": "never"}, "restart"),
        ({"init_config": [1, 2]}, "init_config"),
        ({"switch_prob": 1.5}, "switch_prob"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, Any], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        LocalSearch(**kwargs)


def test_rejects_init_config_outside_the_space() -> None:
    with pytest.raises(ValueError, match="init_config"):
        LocalSearch(init_config={"x": 2.0, "y": 0.5}).setup(PLANE, "loss", "min", seed=0)


# -- the same suggestions as before the helpers were split out (tests/pinning.py) -------
PINNED = [
    (-0.01660459569417494, 0.06804006547425806, 4, "relu"),
    (0.0902584411769971, 0.0013321793624974274, 4, "relu"),
    (0.2800514447392426, 0.013535334586806388, 7, "relu"),
    (-0.08005144473924242, 0.007388070044273262, 0, "relu"),
    (0.16682484467307956, 0.007135522848958228, 4, "relu"),
    (0.21660459569417512, 0.0014697222776458613, 2, "relu"),
    (0.18214650401491905, 0.009584128480811943, 3, "relu"),
    (0.05515420780485103, 0.007958086360790232, 4, "relu"),
    (0.05033370172802476, 0.007133105987753017, 4, "relu"),
    (0.2784954815413081, 0.006397981125068998, 4, "relu"),
    (0.039507393857383555, 0.006885430448761646, 4, "relu"),
    (0.2941422954887756, 0.007394699097884614, 4, "relu"),
    (0.28331598761813437, 0.007137940529051892, 4, "relu"),
    (0.3863987724516007, 0.00661793981117905, 4, "relu"),
    (0.14043300777217071, 0.0058387735737214196, 4, "relu"),
    (0.3863987724516007, 0.00661793981117905, 4, "gelu"),
    (0.2692148062141384, 0.005072744194845661, 4, "relu"),
    (0.3724978996417567, 0.009627319183074717, 4, "relu"),
    (0.478088615271675, 0.004762135709442185, 4, "relu"),
    (0.503582738689063, 0.008633813506482395, 5, "relu"),
    (0.4738662029676237, 0.0071493086913930574, 5, "relu"),
    (0.6273897598519906, 0.008432315209069107, 4, "relu"),
    (0.11760603943152281, 0.010991675756275542, 4, "relu"),
    (0.5133897169415294, 0.014219669186258718, 4, "relu"),
    (0.3884265555840254, 0.00882915044559004, 4, "relu"),
    (0.35656924369948806, 0.010497643598211946, 4, "relu"),
    (0.27112959631588973, 0.012964228942076708, 4, "relu"),
    (0.2316060823419841, 0.0065181034409974555, 4, "relu"),
    (0.3598801323470249, 0.009975787644901127, 4, "relu"),
    (0.3724978996417567, 0.009627319183074717, 4, "tanh"),
    (0.3707734907590652, 0.009720114739801647, 4, "tanh"),
    (0.3680087417336537, 0.00954330957989242, 4, "tanh"),
    (0.3769870575498597, 0.00971206832146414, 4, "tanh"),
    (0.37950940257923094, 0.00984154972036434, 4, "tanh"),
    (0.37558001668346286, 0.009824708849618431, 4, "tanh"),
    (0.37950940257923094, 0.00984154972036434, 4, "gelu"),
    (0.383438788474999, 0.009858419458624982, 4, "tanh"),
    (0.37948351319736506, 0.009754966290129207, 4, "tanh"),
    (0.37741993408118946, 0.009847260517426015, 4, "tanh"),
    (0.3795352919610968, 0.00992890165047619, 4, "tanh"),
    (0.37863357919346363, 0.009891399914883886, 4, "tanh"),
    (0.382037966234269, 0.009948973878466985, 4, "tanh"),
    (0.3804879787578339, 0.009883857505842199, 4, "tanh"),
    (0.3785826051643597, 0.009974151076799505, 4, "tanh"),
    (0.38335844966305865, 0.010023400770342786, 4, "tanh"),
    (0.38071748280547935, 0.009875099629587438, 4, "tanh"),
    (0.38560416326501734, 0.009954936618187865, 4, "tanh"),
    (0.3810689387082822, 0.009965152051658769, 4, "tanh"),
    (0.38224443727105806, 0.00998445009988463, 4, "tanh"),
    (0.38195085173387433, 0.009988595973018191, 4, "tanh"),
    (0.3872359193153425, 0.00996111306644234, 4, "tanh"),
    (0.3810657643068782, 0.00997704768607501, 4, "tanh"),
    (0.38283593916087044, 0.010000157626934802, 4, "tanh"),
    (0.38342032358593947, 0.009967617645159148, 4, "tanh"),
    (0.3804813798818092, 0.010009618452875771, 4, "tanh"),
    (0.3812903521066451, 0.009996453716122025, 4, "tanh"),
    (0.381662403202375, 0.009996815652606466, 4, "tanh"),
    (0.3843815262150958, 0.010003862910129797, 4, "tanh"),
    (0.3843815262150958, 0.010003862910129797, 4, "gelu"),
    (0.3868073812906623, 0.009964459758649262, 4, "tanh"),
    (0.38195567113952933, 0.010043421876213852, 4, "tanh"),
    (0.38412599534850633, 0.009979152068667885, 4, "tanh"),
]


def test_local_search_gives_the_recorded_suggestions() -> None:
    assert_same(replay(lambda: LocalSearch(init_step=0.3, patience=1, shrink=0.3), 4, 60), PINNED)
