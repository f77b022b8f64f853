"""Adaptive randomized local search, in the spirit of FLOW2 (cost-frugal optimization, Wu et al.
2021).

The search keeps an *incumbent* ``x`` in the encoded unit cube (grid axes count as categorical
dimensions) and a step size ``step``. Each round draws a direction ``u`` uniformly on the unit
sphere and evaluates ``x + step * u``; if that is not better it evaluates the mirror point
``x - step * u``. The first point better than the incumbent becomes the incumbent and the step
grows (``step *= grow``, at most ``max_step``). When ``patience`` directions in a row fail on
both sides, the step shrinks (``step *= shrink``); when it falls below ``min_step`` the search
restarts with ``init_step`` from a random point (:attr:`Restart.RANDOM`) or from the best point
found so far (:attr:`Restart.BEST`). Probes are clipped into the cube; integers and quantized
floats move when the probe crosses into another value's bin; a probe that decodes to the
incumbent's own values is skipped without an evaluation and counts as a failed side.

Categorical dimensions (and grid axes) have no order, so directions and steps live in the
numeric dimensions only. Instead, with probability ``switch_prob`` a probe is the incumbent with
one categorical value switched to another choice at random (a *switch*): it becomes the
incumbent if better, and never changes the step (a space of categoricals only is searched by
switches alone).

Start: ``init_config`` if given (e.g. the best config of a coarse global search), else the first
trial added from outside (``points_to_evaluate``) before the first suggestion, else the centre
of the space. Its evaluation is the first suggestion.

Asynchrony: with several trials pending, every free slot gets a further probe around the
*current* incumbent: the mirror of a failed ``+`` probe if its incumbent has not moved since,
else a fresh direction. Results may arrive in any order; any result better than the incumbent
moves it (and counts as a success if it was a probe). Results of probes from before a restart
only update the best-so-far, so they cannot pull the new run back into the old basin.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

import numpy as np

from raytune_lite._checks import check_int
from raytune_lite.search._local import Probe, ProbeKind, step_probe, switched
from raytune_lite.search._population import (
    Codec,
    check_float,
    score_of,
    unit_direction,
)
from raytune_lite.search.base import Searcher, Suggestion
from raytune_lite.space import Categorical, Space
from raytune_lite.trial import Mode, ModeName

__all__ = ["LocalSearch", "Probe", "ProbeKind", "Restart"]


class Restart(str, Enum):
    """Where the search restarts once its step falls below ``min_step``.

    Example:
        >>> Restart("best") is Restart.BEST
        True
    """

    RANDOM = "random"  #: a uniformly random point, incumbent unevaluated
    BEST = "best"  #: the best point found so far


class LocalSearch(Searcher):
    """Randomized direct search around an incumbent, with a step that adapts to the results.

    Args:
        init_config: where to start (may give only some keys: the others start at the centre
            of their domain); None: see the module docs.
        init_step: first step length (Euclidean, in the unit cube of the numeric dimensions),
            > 0; None: ``0.1 * sqrt(n)`` for ``n`` numeric dimensions.
        min_step: restart once the step falls below this, > 0; None: ``init_step / 1000``.
        max_step: the step never grows past this; None: ``sqrt(n)`` (the cube's diagonal).
        grow: factor applied to the step after a success, >= 1.
        shrink: factor applied after ``patience`` failed directions, in (0, 1).
        patience: failed directions in a row before shrinking, >= 1.
        restart: :class:`Restart` (or ``"random"`` / ``"best"``).
        switch_prob: probability that a probe switches a categorical value instead of
            stepping in the numeric dimensions (when the space has both), in [0, 1].
        max_pending: see :class:`~raytune_lite.search.base.Searcher`.

    Example:
        >>> from raytune_lite.space import Space, uniform
        >>> ls = LocalSearch(init_config={"x": 0.8, "y": -0.5}, init_step=0.2)
        >>> ls.setup(Space({"x": uniform(-1, 1), "y": uniform(-1, 1)}), "loss", "min", seed=0)
        >>> for i in range(60):
        ...     cfg = ls.suggest(str(i))
        ...     ls.on_complete(str(i), {"loss": cfg["x"] ** 2 + cfg["y"] ** 2}, False)
        >>> ls.best_score < 0.01
        True
    """

    requires_metric = True

    def __init__(
        self,
        *,
        init_config: dict[str, Any] | None = None,
        init_step: float | None = None,
        min_step: float | None = None,
        max_step: float | None = None,
        grow: float = 1.2,
        shrink: float = 0.5,
        patience: int = 2,
        restart: Restart | str = Restart.RANDOM,
        switch_prob: float = 0.2,
        max_pending: int | None = None,
    ):
        super().__init__(max_pending=max_pending)
        if init_config is not None and not isinstance(init_config, dict):
            raise ValueError(f"init_config must be a dict or None; got {init_config=}")
        self.init_config = init_config
        self._init_step = (
            None
            if init_step is None
            else check_float("init_step", init_step, low=0.0, low_open=True)
        )
        self._min_step = (
            None if min_step is None else check_float("min_step", min_step, low=0.0, low_open=True)
        )
        self._max_step = (
            None if max_step is None else check_float("max_step", max_step, low=0.0, low_open=True)
        )
        if (
            self._init_step is not None
            and self._min_step is not None
            and not self._min_step < self._init_step
        ):
            raise ValueError(f"min_step must be < init_step; got {min_step=}, {init_step=}")
        if (
            self._init_step is not None
            and self._max_step is not None
            and self._max_step < self._init_step
        ):
            raise ValueError(f"max_step must be >= init_step; got {max_step=}, {init_step=}")
        self.grow = check_float("grow", grow, low=1.0)
        self.shrink = check_float(
            "shrink", shrink, low=0.0, high=1.0, low_open=True, high_open=True
        )
        self.patience = check_int("patience", patience, low=1)
        try:
            self.restart = Restart(restart)
        except ValueError:
            raise ValueError(
                f"restart must be one of {[r.value for r in Restart]}; got {restart=}"
            ) from None
        self.switch_prob = check_float("switch_prob", switch_prob, low=0.0, high=1.0)
        self._codec = Codec(Space({}))
        self._numeric = np.zeros(0, dtype=bool)
        self._switchable: list[int] = []
        self._reset(np.zeros(0), validate=False)

    def _reset(self, x: np.ndarray, validate: bool = True) -> None:
        dim = int(self._numeric.sum())
        self.init_step = (
            self._init_step if self._init_step is not None else 0.1 * math.sqrt(max(dim, 1))
        )
        self.min_step = self._min_step if self._min_step is not None else self.init_step / 1000
        self.max_step = max(
            self._max_step if self._max_step is not None else math.sqrt(max(dim, 1)), self.init_step
        )
        if validate and not self.min_step < self.init_step:
            raise ValueError(
                f"min_step must be < init_step; got min_step={self.min_step}, "
                f"init_step={self.init_step}"
            )
        self._x = x
        self._f: float | None = None
        self._step = self.init_step
        self._fails = 0
        self._version = 0
        self._run = 0
        self._need_start = True
        self._started = False
        self._mirrors: list[Probe] = []
        self._pending: dict[str, Probe] = {}
        self._last_score: dict[str, float] = {}
        self._best_x: np.ndarray | None = None
        self._best_f: float | None = None
        self.num_successes = 0
        self.num_shrinks = 0
        self.num_restarts = 0

    def setup(
        self,
        space: Space,
        metric: str | None,
        mode: Mode | ModeName,
        seed: int | None,
        num_samples: int = 1,
    ) -> None:
        super().setup(space, metric, mode, seed, num_samples)
        self._codec = Codec(space)
        self._numeric = ~self._codec.categorical
        self._switchable = [
            i
            for i, d in enumerate(self._codec.domains)
            if isinstance(d, Categorical) and len(d.choices) > 1
        ]
        x = np.full(self._codec.dim, 0.5)
        if self.init_config is not None:
            problems = [p for p in space.contains(self.init_config) if not p.startswith("missing")]
            if problems:
                raise ValueError(f"init_config is outside the search space: {problems}")
            x = self._codec.encode(self._codec.genome(self.init_config))
        self._reset(x)

    # -- public views ----------------------------------------------------------------------
    @property
    def step(self) -> float:
        """The current step length in the unit cube."""
        return self._step

    @property
    def incumbent(self) -> dict[str, Any]:
        """The config the search is probing around."""
        return self._codec.config(self._codec.decode(self._x), np.random.default_rng(0))

    @property
    def best_score(self) -> float | None:
        """The best value so far, as minimized (negated metric for ``mode="max"``)."""
        return self._best_f

    # -- searcher hooks --------------------------------------------------------------------
    def suggest(self, trial_id: str) -> Suggestion:
        self._started = True
        probe = self._next_probe()
        self._pending[trial_id] = probe
        return self._codec.config(self._codec.decode(probe.x), self.rng)

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        x = self._codec.encode(self._codec.genome(config))
        if not self._started and self._need_start and self.init_config is None:
            self._x, self._need_start = x, False  # start from the user's first point
        self._pending[trial_id] = Probe(ProbeKind.EXTERNAL, x.tolist(), run=self._run)

    def on_result(self, trial_id: str, row: dict[str, Any]) -> None:
        s = score_of(row, self.metric, self.mode)
        if s is not None and trial_id in self._pending:
            self._last_score[trial_id] = s

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        probe = self._pending.pop(trial_id, None)
        last = self._last_score.pop(trial_id, None)
        if probe is None:
            return
        score = (
            None if error else (score_of(row, self.metric, self.mode) if row is not None else last)
        )
        x = np.array(probe.x, dtype=float)
        if score is not None and (self._best_f is None or score < self._best_f):
            self._best_x, self._best_f = x.copy(), score
        if probe.run != self._run and probe.kind is not ProbeKind.EXTERNAL:
            return  # from before a restart: informs the best-so-far only
        if score is not None and (self._f is None or score < self._f):
            probing = probe.kind in (ProbeKind.PLUS, ProbeKind.MINUS)
            if probing and self._f is not None:
                self._step = min(self._step * self.grow, self.max_step)
                self._fails = 0
                self.num_successes += 1
            self._x, self._f = x, score
            self._version += 1
            self._mirrors.clear()
            return
        if probe.version != self._version:
            return  # the incumbent moved meanwhile: this says nothing about it
        if probe.kind is ProbeKind.PLUS:
            self._mirrors.append(probe)
        elif probe.kind is ProbeKind.MINUS:
            self._failed_direction()

    # -- probing ---------------------------------------------------------------------------
    def _failed_direction(self) -> None:
        self._fails += 1
        if self._fails >= self.patience:
            self._fails = 0
            self._step *= self.shrink
            self.num_shrinks += 1
            if self._step < self.min_step:
                self._restart()

    def _restart(self) -> None:
        self.num_restarts += 1
        self._run += 1
        self._version += 1
        self._mirrors.clear()
        self._fails = 0
        self._step = self.init_step
        if self.restart is Restart.BEST and self._best_x is not None:
            self._x, self._f = self._best_x.copy(), self._best_f
        else:
            self._x, self._f = self.rng.random(self._codec.dim), None
            self._need_start = True

    def _probe(
        self, kind: ProbeKind, x: np.ndarray, u: np.ndarray | None = None, step: float = 0.0
    ) -> Probe:
        return Probe(
            kind, x.tolist(), None if u is None else u.tolist(), step, self._version, self._run
        )

    def _switch(self) -> Probe:
        k = self._switchable[int(self.rng.integers(len(self._switchable)))]
        d = self._codec.domains[k]
        assert isinstance(d, Categorical)
        return self._probe(ProbeKind.SWITCH, switched(self._x, k, d, self.rng))

    def _next_probe(self) -> Probe:
        dim = self._codec.dim
        here = self._codec.decode(self._x)
        n_num = int(self._numeric.sum())

        def running() -> list[Any]:
            return [self._codec.decode(np.array(p.x)) for p in self._pending.values()]

        for _ in range(50):
            if self._need_start or dim == 0:
                self._need_start = False
                return self._probe(ProbeKind.START, self._x)
            if self._mirrors:
                m = self._mirrors.pop(0)
                xm = step_probe(self._x, -m.step, np.array(m.u))
                if self._codec.decode(xm) != here:
                    return self._probe(ProbeKind.MINUS, xm, np.array(m.u), m.step)
                self._failed_direction()
                here = self._codec.decode(self._x)
                continue
            if self._switchable and (n_num == 0 or self.rng.random() < self.switch_prob):
                probe = self._switch()
                if self._codec.decode(np.array(probe.x)) not in running():
                    return probe
                continue  # that category is being tried already
            if n_num == 0:
                break
            u = np.zeros(dim)
            u[self._numeric] = unit_direction(n_num, self.rng)
            xp = step_probe(self._x, self._step, u)
            if self._codec.decode(xp) in running():
                continue  # another direction: that point is being tried already
            if self._codec.decode(xp) != here:
                return self._probe(ProbeKind.PLUS, xp, u, self._step)
            self._mirrors.append(self._probe(ProbeKind.PLUS, xp, u, self._step))
        # every nearby probe decodes to the incumbent: evaluate a random point instead
        return self._probe(ProbeKind.EXTERNAL, self.rng.random(dim))

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            **super().state(),
            "x": self._x.tolist(),
            "f": self._f,
            "step": self._step,
            "fails": self._fails,
            "version": self._version,
            "run": self._run,
            "need_start": self._need_start,
            "started": self._started,
            "mirrors": [m.to_json() for m in self._mirrors],
            "pending": {t: p.to_json() for t, p in self._pending.items()},
            "last_score": dict(self._last_score),
            "best_x": None if self._best_x is None else self._best_x.tolist(),
            "best_f": self._best_f,
            "counts": [self.num_successes, self.num_shrinks, self.num_restarts],
        }

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        if "x" not in state:
            return
        self._x = np.array(state["x"], dtype=float)
        self._f = state["f"]
        self._step = float(state["step"])
        self._fails = int(state["fails"])
        self._version = int(state["version"])
        self._run = int(state["run"])
        self._need_start = bool(state["need_start"])
        self._started = bool(state["started"])
        self._mirrors = [Probe.from_json(m) for m in state["mirrors"]]
        self._pending = {t: Probe.from_json(p) for t, p in state["pending"].items()}
        self._last_score = {t: float(s) for t, s in state.get("last_score", {}).items()}
        bx = state.get("best_x")
        self._best_x = None if bx is None else np.array(bx, dtype=float)
        self._best_f = state.get("best_f")
        self.num_successes, self.num_shrinks, self.num_restarts = (
            int(c) for c in state.get("counts", [0, 0, 0])
        )
