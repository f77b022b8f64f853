"""Asynchronous particle swarm optimization in the encoded unit cube.

Each particle has a position and a velocity in ``[0, 1]^dim`` (the space's encoding; grid axes
count as categorical dimensions), a personal best, and at most one evaluation outstanding. A
particle moves as soon as a slot is free and it is idle, using the freshest personal and global
bests (there are no synchronous iterations)::

    v <- w * v + c1 * r1 * (personal_best - x) + c2 * r2 * (global_best - x)
    v <- clip(v, -v_max, v_max);  x <- x + v

with ``r1, r2`` uniform per dimension. Positions leaving the cube are mirrored back at the
bound and that velocity component reverses (:attr:`Bounds.REFLECT`, the default) or they stop
at the bound and that component is zeroed (:attr:`Bounds.CLIP`).

Positions decode through each domain's ``from_unit``: integers and quantized floats round to
their bin, log domains move in log space, and a categorical dimension is a coordinate split
into one equal bin per choice, in the order the choices were listed (an order the swarm
assumes but that may mean nothing: put related choices next to each other).

When every particle is busy, ``suggest`` adds an *extra particle* at a random position (its
first evaluation is a random exploratory point) rather than returning None, so the swarm grows
to the level of concurrency and no worker waits. Trials added from outside
(``points_to_evaluate``) only inform the global best. Failed or NaN evaluations update no best.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from raytune_lite._checks import check_int
from raytune_lite.search._population import Codec, check_float, reflect, score_of
from raytune_lite.search.base import Searcher, Suggestion
from raytune_lite.space import Space
from raytune_lite.trial import Mode, ModeName


class Bounds(str, Enum):
    """What happens to a particle that would leave the unit cube.

    Example:
        >>> Bounds("clip") is Bounds.CLIP
        True
    """

    REFLECT = "reflect"  #: mirrored back inside; that velocity component reverses
    CLIP = "clip"  #: stopped at the bound; that velocity component becomes 0


@dataclass
class Particle:
    """One particle: position, velocity, personal best and its outstanding trial.

    Example:
        >>> import numpy as np
        >>> p = Particle(x=np.array([0.5]), v=np.array([0.1]))
        >>> Particle.from_json(p.to_json()).x.tolist()
        [0.5]
    """

    x: np.ndarray
    v: np.ndarray
    best_x: np.ndarray | None = None
    best_f: float | None = None
    trial: str | None = None
    sent: int = 0  #: evaluations requested so far
    last_sent: int = -1  #: tick of the last request (idle particles go round robin)

    def to_json(self) -> dict[str, Any]:
        return {
            "x": self.x.tolist(),
            "v": self.v.tolist(),
            "best_x": None if self.best_x is None else self.best_x.tolist(),
            "best_f": self.best_f,
            "trial": self.trial,
            "sent": self.sent,
            "last_sent": self.last_sent,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Particle:
        return cls(
            x=np.array(d["x"], dtype=float),
            v=np.array(d["v"], dtype=float),
            best_x=None if d["best_x"] is None else np.array(d["best_x"], dtype=float),
            best_f=d["best_f"],
            trial=d["trial"],
            sent=int(d["sent"]),
            last_sent=int(d["last_sent"]),
        )


class ParticleSwarm(Searcher):
    """Asynchronous particle swarm: particles move as their own evaluations come back.

    Args:
        n_particles: size of the initial swarm; >= 1 (more are added while all are busy).
        w: inertia weight, in [0, 1].
        c1: cognitive weight (pull towards the particle's own best), >= 0.
        c2: social weight (pull towards the swarm's best), >= 0.
        v_max: largest velocity component, as a fraction of the unit interval, in (0, 1].
        bounds: :class:`Bounds` (or its value, ``"reflect"`` / ``"clip"``).
        max_pending: see :class:`~raytune_lite.search.base.Searcher`.

    Example:
        >>> from raytune_lite.space import Space, uniform
        >>> pso = ParticleSwarm(n_particles=4)
        >>> pso.setup(Space({"x": uniform(-1, 1), "y": uniform(-1, 1)}), "loss", "min", seed=0)
        >>> for i in range(40):
        ...     cfg = pso.suggest(str(i))
        ...     pso.on_complete(str(i), {"loss": cfg["x"] ** 2 + cfg["y"] ** 2}, False)
        >>> pso.best_score < 0.05
        True
    """

    requires_metric = True

    def __init__(
        self,
        *,
        n_particles: int = 10,
        w: float = 0.7298,
        c1: float = 1.49618,
        c2: float = 1.49618,
        v_max: float = 0.2,
        bounds: Bounds | str = Bounds.REFLECT,
        max_pending: int | None = None,
    ):
        super().__init__(max_pending=max_pending)
        self.n_particles = check_int("n_particles", n_particles, low=1)
        self.w = check_float("w", w, low=0.0, high=1.0)
        self.c1 = check_float("c1", c1, low=0.0)
        self.c2 = check_float("c2", c2, low=0.0)
        self.v_max = check_float("v_max", v_max, low=0.0, high=1.0, low_open=True)
        try:
            self.bounds = Bounds(bounds)
        except ValueError:
            raise ValueError(
                f"bounds must be one of {[b.value for b in Bounds]}; got {bounds=}"
            ) from None
        self._codec = Codec(Space({}))
        self._reset()

    def _reset(self) -> None:
        self.particles: list[Particle] = []
        self._busy: dict[str, int] = {}  # trial id -> particle index
        self._external: dict[str, list[float]] = {}  # added trials -> encoded position
        self._last_score: dict[str, float] = {}
        self._gbest_x: np.ndarray | None = None
        self._gbest_f: float | None = None
        self._tick = 0

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
        self._reset()

    # -- public views ----------------------------------------------------------------------
    @property
    def best_score(self) -> float | None:
        """The swarm's best value so far, as minimized (negated metric for ``mode="max"``)."""
        return self._gbest_f

    @property
    def best_position(self) -> np.ndarray | None:
        """The swarm's best position in the unit cube."""
        return None if self._gbest_x is None else self._gbest_x.copy()

    # -- searcher hooks --------------------------------------------------------------------
    def suggest(self, trial_id: str) -> Suggestion:
        dim = self._codec.dim
        idle = [i for i, p in enumerate(self.particles) if p.trial is None]
        if len(self.particles) < self.n_particles or not idle:
            self.particles.append(
                Particle(x=self.rng.random(dim), v=self.rng.uniform(-self.v_max, self.v_max, dim))
            )
            i = len(self.particles) - 1
        else:
            i = min(idle, key=lambda k: (self.particles[k].last_sent, k))
        p = self.particles[i]
        if p.sent > 0:
            self._move(p)
        p.sent += 1
        p.trial = trial_id
        p.last_sent = self._tick
        self._tick += 1
        self._busy[trial_id] = i
        return self._codec.config(self._codec.decode(p.x), self.rng)

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        self._external[trial_id] = self._codec.encode(self._codec.genome(config)).tolist()

    def on_result(self, trial_id: str, row: dict[str, Any]) -> None:
        s = score_of(row, self.metric, self.mode)
        if s is not None and (trial_id in self._busy or trial_id in self._external):
            self._last_score[trial_id] = s

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        last = self._last_score.pop(trial_id, None)
        score = (
            None if error else (score_of(row, self.metric, self.mode) if row is not None else last)
        )
        if trial_id in self._external:
            x = np.array(self._external.pop(trial_id), dtype=float)
        elif trial_id in self._busy:
            p = self.particles[self._busy.pop(trial_id)]
            p.trial = None
            x = p.x.copy()
            if score is not None and (p.best_f is None or score < p.best_f):
                p.best_x, p.best_f = x.copy(), score
        else:
            return
        if score is not None and (self._gbest_f is None or score < self._gbest_f):
            self._gbest_x, self._gbest_f = x, score

    # -- motion ----------------------------------------------------------------------------
    def _move(self, p: Particle) -> None:
        dim = self._codec.dim
        r1, r2 = self.rng.random(dim), self.rng.random(dim)
        v = self.w * p.v
        if p.best_x is not None:
            v = v + self.c1 * r1 * (p.best_x - p.x)
        if self._gbest_x is not None:
            v = v + self.c2 * r2 * (self._gbest_x - p.x)
        v = np.clip(v, -self.v_max, self.v_max)
        x = p.x + v
        out = (x < 0.0) | (x > 1.0)
        if self.bounds is Bounds.REFLECT:
            x = reflect(x)
            v = np.where(out, -v, v)
        else:
            x = np.clip(x, 0.0, 1.0)
            v = np.where(out, 0.0, v)
        p.x, p.v = x, v

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            **super().state(),
            "particles": [p.to_json() for p in self.particles],
            "busy": dict(self._busy),
            "external": dict(self._external),
            "last_score": dict(self._last_score),
            "gbest_x": None if self._gbest_x is None else self._gbest_x.tolist(),
            "gbest_f": self._gbest_f,
            "tick": self._tick,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.particles = [Particle.from_json(d) for d in state.get("particles", [])]
        self._busy = {t: int(i) for t, i in state.get("busy", {}).items()}
        self._external = {t: list(x) for t, x in state.get("external", {}).items()}
        self._last_score = {t: float(s) for t, s in state.get("last_score", {}).items()}
        gx = state.get("gbest_x")
        self._gbest_x = None if gx is None else np.array(gx, dtype=float)
        self._gbest_f = state.get("gbest_f")
        self._tick = int(state.get("tick", 0))
