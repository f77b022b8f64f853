"""The bad-input catalogue: every wrong input gives a clear error that names the bad value and
says what is accepted (see docs/bad_input.md, one row per case here).

``test_bad_input_fails_at_once`` covers everything that is caught before any Ray work (domains,
Tuner arguments, trainables, calls outside a trial, storage paths, restoring a folder that is
not an experiment, conflicting arguments). The ``ray``-marked tests cover what only a running
experiment can show: rows whose metric is missing, NaN/inf or not a number (the trial ends as
ERROR, the searcher is told so, ``results.best`` skips it), resources no node has (an error
within seconds, not a hang) and objects that cannot be pickled.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.bayes import BayesOpt  # here: its scipy import is not the case's time

Trigger = Callable[[str], Any]


def quadratic(config: dict[str, Any]) -> None:
    rt.report({"loss": (config["x"] - 3.0) ** 2})


def tuner(storage: str, space: Any = None, **kwargs: Any) -> rt.Tuner:
    """A Tuner over ``{"x": uniform(0, 6)}`` with ``kwargs`` overriding the defaults."""
    kwargs = {"storage_path": storage, "metric": "loss", "verbose": 0, **kwargs}
    return rt.Tuner(quadratic, {"x": rt.uniform(0, 6)} if space is None else space, **kwargs)


def bad(value: Any) -> Any:
    """``value``, typed Any: these cases pass wrong types on purpose."""
    return value


def experiment_json(storage: str, content: str, folder: str = "exp") -> str:
    """A folder with an experiment.json holding ``content``; returns the folder."""
    path = os.path.join(storage, folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "experiment.json"), "w") as f:
        f.write(content)
    return path


def existing_experiment(storage: str) -> None:
    experiment_json(storage, json.dumps({"format_version": 1}), folder="same")
    tuner(storage, name="same").fit()  # refused before Ray starts


def two_args(a, b):  # unannotated: the message shows the signature
    """A trainable with the wrong signature."""


def no_args():  # unannotated: the message shows the signature
    """A trainable that cannot take the config."""


def keyword_only(*, config):  # unannotated: the message shows the signature
    """A trainable whose one parameter cannot be passed positionally."""


def yields(config):
    """A generator trainable: calling it runs nothing."""
    yield config


async def coroutine(config):
    """An async trainable: calling it makes a coroutine that nobody awaits."""


class AClass:
    """A class as the trainable."""

    def __init__(self, config):
        self.config = config


Trainable = type("Trainable", (), {"__module__": "ray.tune.trainable.trainable"})


class MyTrainable(Trainable):  # type: ignore[misc, valid-type]
    """Stands for a Ray Tune Trainable subclass (ray.tune need not be installed)."""


def a_file(storage: str) -> str:
    path = os.path.join(storage, "a_file")
    open(path, "w").close()
    return path


def p(
    trigger: Trigger, error: type[BaseException], message: str, id: str, finding: str | None = None
) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=finding)] if finding else []
    return pytest.param(trigger, error, message, id=id, marks=marks)


CASES = [
    # -- domains -------------------------------------------------------------------------
    p(
        lambda s: rt.uniform(5, 1),
        ValueError,
        r"Float domain needs low < high; got low=5, high=1",
        "uniform-low-above-high",
    ),
    p(
        lambda s: rt.uniform(bad("a"), 1),
        TypeError,
        r"low must be a number; got low='a'",
        "uniform-string-bound",
    ),
    p(
        lambda s: rt.uniform(0, float("nan")),
        ValueError,
        r"high must be finite; got high=nan",
        "uniform-nan-bound",
    ),
    p(
        lambda s: rt.uniform(0, float("inf")),
        ValueError,
        r"high must be finite; got high=inf",
        "uniform-inf-bound",
    ),
    p(
        lambda s: rt.loguniform(0, 1),
        ValueError,
        r"a log-scaled domain needs low > 0; got low=0",
        "loguniform-zero-low",
    ),
    p(
        lambda s: rt.quniform(0, 1, 0),
        ValueError,
        r"quantization step must be > 0; got q=0",
        "quniform-zero-step",
    ),
    p(
        lambda s: rt.quniform(0, 1, 5),
        ValueError,
        r"quantization step must be <= high - low; got q=5.0, low=0, high=1",
        "quniform-step-too-big",
    ),
    p(
        lambda s: rt.randint(3, 3),
        ValueError,
        r"Integer domain needs low < high \(high is excluded\); got low=3, high=3",
        "randint-empty-range",
    ),
    p(
        lambda s: rt.randint(bad(0.5), 3),
        TypeError,
        r"Integer domain bounds must be ints; got low=0.5",
        "randint-float-bound",
    ),
    p(
        lambda s: rt.lograndint(0, 10),
        ValueError,
        r"a log-scaled domain needs low > 0; got low=0",
        "lograndint-zero-low",
    ),
    p(
        lambda s: rt.choice([]),
        ValueError,
        r"choices must be a non-empty list; got \[\]",
        "choice-empty",
    ),
    p(
        lambda s: rt.choice("abc"),
        TypeError,
        r"choices must be a non-empty list; got 'abc'",
        "choice-string",
    ),
    p(lambda s: rt.grid([]), ValueError, r"must be a non-empty list; got \[\]", "grid-empty"),
    p(
        lambda s: rt.sample_from(bad(3)),
        TypeError,
        r"sample_from needs a callable taking the config; got 3",
        "sample-from-not-callable",
    ),
    p(
        lambda s: tuner(s, {1: rt.uniform(0, 1)}),
        TypeError,
        r"param_space keys must be strings; got 1",
        "space-key-not-string",
    ),
    p(
        lambda s: tuner(s, {"a/b": rt.uniform(0, 1)}),
        ValueError,
        r"param_space keys may not contain '/'; got 'a/b'",
        "space-key-with-slash",
    ),
    p(
        lambda s: tuner(s, [1, 2]),
        TypeError,
        r"param_space must be a dict; got list: \[1, 2\]",
        "space-not-a-dict",
    ),
    p(
        lambda s: tuner(s, "x"),
        TypeError,
        r"param_space must be a dict; got str: 'x'",
        "space-a-string",
    ),
    p(
        lambda s: tuner(s, {"shape": (rt.randint(1, 4), 3)}),
        TypeError,
        r"param_space\['shape'\] is a tuple holding a domain \(\(randint\(1, 4\), 3\)\); "
        r"tuples are constants and reach the trial as they are: use a list",
        "space-tuple-holding-a-domain",
    ),
    p(
        lambda s: tuner(s, {"x": rt.choice([rt.grid([1, 2]), 3])}),
        TypeError,
        r"param_space\['x'\] is a choice whose option 0 holds a grid .*; a grid inside a "
        r"choice is sampled, never expanded",
        "space-grid-inside-choice",
    ),
    p(
        lambda s: tuner(s, {"x": rt.uniform(0, 1), "f": lambda config: config["x"] * 2}),
        TypeError,
        r"param_space\['f'\] is a bare lambda, which would reach the trial as a function: "
        r"wrap it in rt.sample_from\(lambda config: ...\)",
        "space-bare-lambda",
    ),
    p(
        lambda s: tuner(s, {"x": rt.uniform(0, 1), "tags": {"a", "b"}}),
        TypeError,
        r"param_space\['tags'\] is a set .*; experiment.json cannot keep a set \(it would "
        r"come back as a string on resume\): use a list",
        "space-set-constant",
    ),
    p(
        lambda s: tuner(s, {"x": rt.uniform(0, 1), "d": {"__domain__": "mine", "v": 1}}),
        ValueError,
        r"param_space\['d'\] is a dict with the key '__domain__', which raytune_lite "
        r"reserves .*: rename the key",
        "space-constant-with-domain-key",
    ),
    p(
        lambda s: tuner(s, {"x": rt.sample_from(lambda config: 1 / 0)}),
        ValueError,
        r"sampling a config of the param_space raised ZeroDivisionError: division by zero",
        "space-sample-from-raises",
    ),
    p(
        lambda s: tuner(s, {"w": rt.choice([np.zeros(2), np.ones(2)])}, searcher=BayesOpt()),
        ValueError,
        r"BayesOpt cannot tell the choices of param_space\['w'\] apart: array\(\[0., 0.\]\) "
        r"== array\(\[0., 0.\]\) raises ValueError: .*; a model-based searcher needs "
        r"choices that compare with ==",
        "choice-of-arrays-model-based",
    ),
    # -- metric and mode -----------------------------------------------------------------
    p(
        lambda s: tuner(s, mode="minimize"),
        ValueError,
        r"mode must be 'min' or 'max'; got mode='minimize'",
        "mode-unknown",
    ),
    p(
        lambda s: tuner(s, mode=None),
        ValueError,
        r"mode must be 'min' or 'max'; got mode=None",
        "mode-none",
    ),
    p(
        lambda s: tuner(s, metric=5),
        ValueError,
        r"metric must be the name of a reported key \(a string\); got metric=5",
        "metric-int",
    ),
    p(
        lambda s: tuner(s, metric=""),
        ValueError,
        r"metric must be the name of a reported key \(a string\); got metric=''",
        "metric-empty",
    ),
    # -- counts and limits ---------------------------------------------------------------
    p(
        lambda s: tuner(s, num_samples=0),
        ValueError,
        r"num_samples must be an int >= 1 \(or -1: no limit\); got num_samples=0",
        "num-samples-zero",
    ),
    p(
        lambda s: tuner(s, num_samples=-5),
        ValueError,
        r"num_samples must be an int >= 1 \(or -1: no limit\); got num_samples=-5",
        "num-samples-negative",
    ),
    p(
        lambda s: tuner(s, num_samples=2.5),
        ValueError,
        r"num_samples must be an int >= 1.*; got num_samples=2.5",
        "num-samples-float",
    ),
    p(
        lambda s: tuner(s, num_samples=True),
        ValueError,
        r"num_samples must be an int >= 1.*; got num_samples=True",
        "num-samples-bool",
    ),
    p(
        lambda s: tuner(s, max_concurrent=0),
        ValueError,
        r"max_concurrent must be an int >= 1 or None; got max_concurrent=0",
        "max-concurrent-zero",
    ),
    p(
        lambda s: tuner(s, max_failures=-1),
        ValueError,
        r"max_failures must be an int >= 0; got max_failures=-1",
        "max-failures-negative",
    ),
    p(
        lambda s: tuner(s, num_to_keep=0),
        ValueError,
        r"num_to_keep must be an int >= 1 or None; got num_to_keep=0",
        "num-to-keep-zero",
    ),
    p(
        lambda s: tuner(s, verbose=-1),
        ValueError,
        r"verbose must be an int >= 0; got verbose=-1",
        "verbose-negative",
    ),
    p(
        lambda s: tuner(s, seed="seven"),
        ValueError,
        r"seed must be an int >= 0 or None; got seed='seven'",
        "seed-string",
    ),
    p(
        lambda s: tuner(s, seed=-1),
        ValueError,
        r"seed must be an int >= 0 or None; got seed=-1",
        "seed-negative",
    ),
    p(
        lambda s: tuner(s, time_budget_s=-3),
        ValueError,
        r"time_budget_s must be a positive number of seconds or None; got time_budget_s=-3",
        "time-budget-negative",
    ),
    p(
        lambda s: tuner(s, stop={"training_iteration": "ten"}),
        ValueError,
        r"stop criteria map a reported key to a finite number.*; got 'training_iteration': "
        r"'ten'",
        "stop-threshold-string",
    ),
    p(
        lambda s: tuner(s, stop={"loss": float("nan")}),
        ValueError,
        r"stop criteria map a reported key to a finite number.*; got 'loss': nan",
        "stop-threshold-nan",
    ),
    p(
        lambda s: tuner(s, stop={"done": False}),
        ValueError,
        r"stop criteria map a reported key to a finite number \(.*\) or to True \(once "
        r"row\[key\] is true\); got 'done': False",
        "stop-threshold-false",
    ),
    p(
        lambda s: tuner(s, stop=lambda row: row["loss"] < 0.1),
        TypeError,
        r"a stop callable is called as stop\(trial_id, row\) -> bool; '<lambda>' has the "
        r"signature \(row\)",
        "stop-callable-one-argument",
    ),
    p(
        lambda s: tuner(s, stop={}),
        ValueError,
        r"stop must be a non-empty dict like \{'training_iteration': 20\} or a callable.*; "
        r"got stop=\{\}",
        "stop-empty",
    ),
    # -- resources (what no node has: see test_resources_no_node_has_fail_within_seconds) --
    p(
        lambda s: tuner(s, resources={"cpu": -1}),
        ValueError,
        r"resources\['cpu'\] must be a number >= 0; got -1",
        "resources-negative",
    ),
    p(
        lambda s: tuner(s, resources={"cpu": "one"}),
        ValueError,
        r"resources\['cpu'\] must be a number >= 0; got 'one'",
        "resources-string",
    ),
    p(
        lambda s: tuner(s, resources=[1]),
        TypeError,
        r"resources must be a dict like \{'cpu': 1, 'gpu': 0.5\}; got \[1\]",
        "resources-list",
    ),
    p(
        lambda s: tuner(s, resources={"cpu": 0}),
        ValueError,
        r"a trial must request some resource; got \{'cpu': 0\}",
        "resources-all-zero",
    ),
    p(
        lambda s: tuner(s, resources={"gpu": 1.5}),
        ValueError,
        r"a fractional GPU request must be <= 1; got gpu=1.5",
        "resources-fractional-gpus",
    ),
    p(
        lambda s: tuner(s, resources={"cpu": 0.00001}),
        ValueError,
        r"resources\['cpu'\] must be 0 or a multiple of 0.0001 \(Ray counts resources in "
        r"steps of 0.0001\); got 1e-05",
        "resources-below-ray-precision",
    ),
    p(
        lambda s: tuner(s, resources={"CPU": 4, "cpu": 1}),
        ValueError,
        r"resources names the same resource twice: 'CPU' and 'cpu' \(resource names "
        r"\['cpu', 'gpu', 'memory'\] are case-insensitive\)",
        "resources-same-key-twice",
    ),
    # -- plugins and points --------------------------------------------------------------
    p(
        lambda s: tuner(s, searcher="tpe"),
        TypeError,
        r"searcher must be a raytune_lite Searcher \(e.g. rt.search.BasicSearch\(\)\) or "
        r"'auto'; got 'tpe'",
        "searcher-string",
    ),
    p(
        lambda s: tuner(s, scheduler="asha"),
        TypeError,
        r"scheduler must be a raytune_lite Scheduler \(e.g. .*\); got 'asha'",
        "scheduler-string",
    ),
    p(
        lambda s: tuner(s, points_to_evaluate={"x": 1.0}),
        TypeError,
        r"points_to_evaluate must be a list of dicts; got \{'x': 1.0\}",
        "points-not-a-list",
    ),
    p(
        lambda s: tuner(s, points_to_evaluate=[{"x": 99.0}]),
        ValueError,
        r"point \{'x': 99.0\} does not fit the param_space: x=99.0 is outside "
        r"uniform\(0.0, 6.0\)",
        "point-outside-domain",
    ),
    p(
        lambda s: tuner(s, points_to_evaluate=[{"z": 1.0}]),
        ValueError,
        r"point \{'z': 1.0\} has keys that are not in the param_space: \['z'\]; known keys: "
        r"\['x'\]",
        "point-unknown-key",
    ),
    # -- trainables ----------------------------------------------------------------------
    p(
        lambda s: rt.Tuner(bad(42), {}, storage_path=s),
        TypeError,
        r"the trainable must be a function taking the config dict; got int: 42",
        "trainable-not-callable",
    ),
    p(
        lambda s: rt.Tuner(two_args, {}, storage_path=s),
        TypeError,
        r"the trainable must accept one argument, the config dict; 'two_args' has the "
        r"signature \(a, b\)",
        "trainable-two-arguments",
    ),
    p(
        lambda s: rt.Tuner(no_args, {}, storage_path=s),
        TypeError,
        r"must accept one argument, the config dict; 'no_args' has the signature \(\)",
        "trainable-no-argument",
    ),
    p(
        lambda s: rt.Tuner(keyword_only, {}, storage_path=s),
        TypeError,
        r"must accept one argument, the config dict; 'keyword_only' has the signature "
        r"\(\*, config\)",
        "trainable-keyword-only",
    ),
    p(
        lambda s: rt.Tuner(yields, {}, storage_path=s),
        TypeError,
        r"the trainable must be a plain function taking the config dict; 'yields' is a "
        r"generator function \(it yields\), so calling it runs nothing: pass a plain "
        r"function train\(config\) that calls rt.report",
        "trainable-generator",
    ),
    p(
        lambda s: rt.Tuner(coroutine, {}, storage_path=s),
        TypeError,
        r"'coroutine' is an async def function, which trials cannot await: .*; run your "
        r"coroutine inside it with asyncio.run\(...\)",
        "trainable-async-def",
    ),
    p(
        lambda s: rt.Tuner(AClass, {}, storage_path=s),
        TypeError,
        r"the trainable must be a plain function taking the config dict; 'AClass' is a "
        r"class: pass a plain function",
        "trainable-class",
    ),
    p(
        lambda s: rt.Tuner(MyTrainable, {}, storage_path=s),
        TypeError,
        r"the trainable 'MyTrainable' is a Ray Tune Trainable class; raytune_lite runs the "
        r"function API only: move setup\(\) and step\(\) into def train\(config\)",
        "trainable-ray-tune-class",
    ),
    # -- calls outside a trial -----------------------------------------------------------
    p(
        lambda s: rt.report({"loss": 1.0}),
        RuntimeError,
        r"raytune_lite.report\(\) was called outside a trial: call it from the training "
        r"function",
        "report-outside-a-trial",
    ),
    p(
        lambda s: rt.get_checkpoint(),
        RuntimeError,
        r"raytune_lite.get_checkpoint\(\) was called outside a trial",
        "checkpoint-outside",
    ),
    # -- storage -------------------------------------------------------------------------
    p(
        lambda s: tuner(s, storage_path="/proc/forbidden"),
        ValueError,
        r"storage_path '/proc/forbidden' cannot be created: .*No such file",
        "storage-cannot-be-created",
    ),
    p(
        lambda s: tuner(s, storage_path=os.path.join(a_file(s), "sub")),
        ValueError,
        r"storage_path '.*/a_file/sub' cannot be created: .*Not a directory",
        "storage-under-a-file",
    ),
    p(
        lambda s: tuner(s, name="a/b"),
        ValueError,
        r"name must be one folder name \(a non-empty string without '/', NUL, and not '.' "
        r"or '..', at most 255 bytes\); got name='a/b'",
        "name-with-separator",
    ),
    p(
        lambda s: tuner(s, name=".."),
        ValueError,
        r"name must be one folder name .*; got name='..'",
        "name-dot-dot",
    ),
    p(
        lambda s: tuner(s, name="a\x00b"),
        ValueError,
        r"name must be one folder name .*; got name='a\\x00b'",
        "name-with-nul",
    ),
    p(
        lambda s: tuner(s, name="x" * 256),
        ValueError,
        r"name must be one folder name .*; got a name of 256 bytes: 'xxx",
        "name-over-255-bytes",
    ),
    # -- restore -------------------------------------------------------------------------
    p(
        lambda s: rt.Tuner.restore(s, quadratic),
        rt.StoreError,
        r"'.*/results' is not a raytune_lite experiment directory: it has no experiment.json",
        "restore-not-an-experiment",
    ),
    p(
        lambda s: rt.Tuner.restore(os.path.join(s, "missing"), quadratic),
        rt.StoreError,
        r"'.*/missing' is not a raytune_lite experiment directory",
        "restore-missing-folder",
    ),
    p(
        lambda s: rt.Tuner.restore(experiment_json(s, '{"format_version": 99}'), quadratic),
        rt.StoreError,
        r"experiment.json' has format_version=99; this raytune_lite reads "
        r"versions up to 1: upgrade raytune_lite",
        "restore-newer-format",
    ),
    p(
        lambda s: rt.Tuner.restore(experiment_json(s, "{not json"), quadratic),
        rt.StoreError,
        r"cannot read '.*/exp/experiment.json': Expecting property name",
        "restore-not-json",
    ),
    p(
        lambda s: rt.Tuner.restore(experiment_json(s, '{"spec": {}}'), quadratic),
        rt.StoreError,
        r"not a raytune_lite experiment: '.*/exp' \(its experiment.json has no "
        r"format_version\)",
        "restore-no-format-version",
    ),
    p(
        lambda s: rt.Tuner.restore(experiment_json(s, "[1, 2]"), quadratic),
        rt.StoreError,
        r"not a raytune_lite experiment: '.*/exp' \(its experiment.json holds a JSON list, not "
        r"an object with a format_version\)",
        "restore-json-not-an-object",
    ),
    p(
        lambda s: rt.Tuner.restore(experiment_json(s, '{"format_version": "1"}'), quadratic),
        rt.StoreError,
        r"not a raytune_lite experiment: '.*/exp' \(its experiment.json has "
        r"format_version='1'; raytune_lite writes an int >= 1\)",
        "restore-format-version-not-an-int",
    ),
    p(
        lambda s: rt.ResultGrid.from_path(experiment_json(s, '{"spec": {}}')),
        rt.StoreError,
        r"not a raytune_lite experiment: '.*/exp' \(its experiment.json has no format_version",
        "results-no-format-version",
    ),
    p(
        lambda s: rt.Tuner.restore(
            experiment_json(s, json.dumps({"format_version": 1, "searcher": {"class": "TPE"}})),
            quadratic,
        ),
        ValueError,
        r"the experiment used searcher TPE; pass searcher=TPE\(...\) to "
        r"Tuner.restore",
        "restore-without-its-searcher",
    ),
    # -- conflicting arguments -----------------------------------------------------------
    p(
        lambda s: tuner(s, checkpoint_score="loss"),
        ValueError,
        r"checkpoint_score .* needs num_to_keep; got checkpoint_score='loss', "
        r"num_to_keep=None",
        "checkpoint-score-without-num-to-keep",
    ),
    p(
        lambda s: tuner(s, resume=True),
        ValueError,
        r"resume=True needs the name of the experiment to continue: pass name=",
        "resume-without-name",
    ),
    p(
        lambda s: tuner(s, resume="yes", name="n"),
        ValueError,
        r"resume must be True or False; got resume='yes'",
        "resume-not-bool",
    ),
    p(
        existing_experiment,
        ValueError,
        r"an experiment named 'same' already exists in '.*'; pick another name, pass "
        r"resume=True",
        "name-taken-without-resume",
    ),
    p(
        lambda s: tuner(s, num_samples=-1),
        ValueError,
        r"num_samples=-1 runs trials until the time budget ends or the searcher finishes, but "
        r"BasicSearch \(grid \+ random search\) never finishes by itself, so fit\(\) would never "
        r"end; got num_samples=-1, time_budget_s=None: pass time_budget_s=<seconds>, a "
        r"num_samples >= 1, or a searcher that finishes by itself",
        "unlimited-samples-without-budget",
    ),
    p(
        lambda s: tuner(s, {"x": rt.grid([1.0, 2.0])}, num_samples=-1),
        ValueError,
        r"num_samples=-1 .* never finishes by itself.*; got num_samples=-1, time_budget_s=None",
        "unlimited-samples-grid-only",
    ),  # BasicSearch repeats the grid forever under -1
    # -- failure options and the cluster -------------------------------------------------
    p(
        lambda s: tuner(s, fail_fast="yes"),
        ValueError,
        r"fail_fast must be True, False or 'raise'; got fail_fast='yes'",
        "fail-fast-not-bool",
    ),
    p(
        lambda s: tuner(s, systematic_failures=0),
        ValueError,
        r"systematic_failures must be an int >= 1 or None; got systematic_failures=0",
        "systematic-failures-zero",
    ),
    p(
        lambda s: tuner(s, wait_for_nodes_s=-1),
        ValueError,
        r"wait_for_nodes_s must be a positive number of seconds or None; got "
        r"wait_for_nodes_s=-1",
        "wait-for-nodes-negative",
    ),
    p(
        lambda s: tuner(s, address="127.0.0.1:1").fit(),
        ConnectionError,
        r"cannot reach the Ray cluster at address='127.0.0.1:1' within 15 s \(.*\); start "
        r"it \(ray start --head\) or pass the address of its head node",
        "address-unreachable",
    ),
]


@pytest.mark.parametrize("trigger, error, message", CASES)
def test_bad_input_fails_at_once(
    trigger: Trigger, error: type[BaseException], message: str, storage: str
) -> None:
    with pytest.raises(error) as info:
        trigger(storage)
    assert re.search(message, str(info.value)), str(info.value)


def test_the_catalogue_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


# -- inside a running experiment ------------------------------------------------------------


def _never_reports_metric() -> None:
    rt.report({"other": 1.0})


def _never_reports() -> None:
    pass


def _last(value: Any) -> Callable[[], None]:
    def run() -> None:
        rt.report({"loss": -100.0})  # a very good value earlier: only the last one counts
        rt.report({"loss": 0.5})
        rt.report({"loss": value})

    return run


def _reports(metrics: Any, **kwargs: Any) -> Callable[[], None]:
    return lambda: rt.report(metrics, **kwargs)


def _returns(value: Any) -> Callable[[], Any]:
    return lambda: value


ROW_CASES: dict[str, tuple[Callable[[], Any], str]] = {
    "never-reported": (
        _never_reports_metric,
        r"the metric 'loss' was never reported; the trial reported \['other'\]",
    ),
    "no-report-at-all": (
        _never_reports,
        r"the metric 'loss' was never reported: the training "
        r"function never called raytune_lite.report\(\)",
    ),
    "last-nan": (
        _last(float("nan")),
        r"the metric 'loss' was nan at its last report "
        r"\(iteration 3\): a finite number is needed",
    ),
    "last-inf": (
        _last(math.inf),
        r"the metric 'loss' was inf at its last report "
        r"\(iteration 3\)",
    ),
    "last-minus-inf": (
        _last(-math.inf),
        r"the metric 'loss' was -inf at its last report "
        r"\(iteration 3\)",
    ),
    # np.float64 is a float subclass: rows store it as a plain float, the text shows nan
    "last-numpy-nan": (
        _last(np.float64("nan")),
        r"the metric 'loss' was nan "
        r"at its last report \(iteration 3\)",
    ),
    "metric-string": (
        _reports({"loss": "low"}),
        r"the metric 'loss' was 'low' at its last "
        r"report \(iteration 1\): a finite number",
    ),
    "metric-none": (_reports({"loss": None}), r"the metric 'loss' was None at its last report"),
    "metric-bool": (_reports({"loss": True}), r"the metric 'loss' was True at its last report"),
    "metric-object": (
        _reports({"loss": object()}),
        r"report\(\): the value of 'loss' must be a number, string, bool, None "
        r"or a list/dict of those; got object: <object object",
    ),
    "row-not-a-dict": (
        _reports([1, 2]),
        r"report\(\) needs a dict of metrics; got list: "
        r"\[1, 2\]",
    ),
    "metric-name-not-string": (
        _reports({1: 2.0}),
        r"report\(\): metric names must be strings; got 1",
    ),
    "checkpoint-not-a-checkpoint": (
        _reports({"loss": 1.0}, checkpoint="ckpt"),
        r"report\(checkpoint=...\) needs a raytune_lite.Checkpoint; "
        r"got str",
    ),
    "returns-a-string": (
        _returns("done"),
        r"the training function returned str: 'done'; "
        r"return None, a dict of final metrics, or a number",
    ),
}
GOOD = {"good-0.1": 0.1, "good-0.2": 0.2}


def dispatch(config: dict[str, Any]) -> Any:
    """Runs the behaviour named by ``config["case"]``."""
    if config["case"] in GOOD:
        rt.report({"loss": GOOD[config["case"]]})
        return None
    return ROW_CASES[config["case"]][0]()


class RecordingSearch(BasicSearch):
    """BasicSearch that keeps what ``on_complete`` was told in its (JSON) state."""

    def __init__(self) -> None:
        super().__init__()
        self.completed: dict[str, Any] = {}

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        self.completed[trial_id] = {
            "error": error,
            "last": None if row is None else repr(row.get("loss")),
        }

    def state(self) -> dict[str, Any]:
        return {**super().state(), "completed": self.completed}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[rt.ResultGrid, dict[str, Any]]:
    """One experiment with a trial per bad-row case and two good trials."""
    from conftest import start_local_ray

    start_local_ray()
    storage = str(tmp_path_factory.mktemp("bad_rows"))
    cases = [*ROW_CASES, *GOOD]
    results = rt.Tuner(
        dispatch,
        {"case": rt.grid(cases)},
        metric="loss",
        mode="min",
        searcher=RecordingSearch(),
        storage_path=storage,
        verbose=0,
    ).fit()
    with open(os.path.join(results.path, "experiment.json")) as f:
        completed = json.load(f)["searcher"]["state"]["completed"]
    return results, completed


@pytest.mark.ray
@pytest.mark.parametrize("case", list(ROW_CASES))
def test_a_bad_row_ends_its_trial_with_an_error_naming_the_value(
    mixed: tuple[rt.ResultGrid, dict[str, Any]], case: str
) -> None:
    results, completed = mixed
    (trial,) = [r for r in results if r.config["case"] == case]
    assert trial.status is rt.TrialStatus.ERROR
    assert trial.error is not None and re.search(ROW_CASES[case][1], trial.error), trial.error
    assert completed[trial.trial_id]["error"] is True  # the searcher is told it failed


@pytest.mark.ray
def test_good_trials_win_over_nan_and_inf_ones(mixed: tuple[rt.ResultGrid, dict[str, Any]]) -> None:
    results, completed = mixed
    good = [r for r in results if r.config["case"] in GOOD]
    assert {r.status for r in good} == {rt.TrialStatus.TERMINATED}
    assert all(completed[r.trial_id]["error"] is False for r in good)
    # -100 was reported earlier by the NaN/inf trials and -inf is "smaller" than anything:
    # neither may make them the best
    assert results.best.config["case"] == "good-0.1"
    assert results.best.metrics["loss"] == 0.1
    assert results.num_errors == len(ROW_CASES)


@pytest.mark.ray
@pytest.mark.parametrize(
    "resources, message",
    [
        (
            {"cpu": 1, "tpu": 1},
            r"no node of the Ray cluster can run a trial that requests "
            r"\{'cpu': 1.0, 'tpu': 1.0\}; the 1 alive node\(s\) have .*Lower "
            r"the request",
        ),
        ({"cpu": 64}, r"requests \{'cpu': 64.0\}; the 1 alive node\(s\) have \[\{.*'CPU': 8.0"),
        (
            {"gpu": 3},
            r"requests \{'gpu': 3.0, 'cpu': 1.0\}; the 1 alive node\(s\) have "
            r"\[\{.*'GPU': 2.0",
        ),
    ],
    ids=["unknown-resource", "too-many-cpus", "too-many-gpus"],
)
def test_resources_no_node_has_fail_within_seconds(
    ray_local: Any, storage: str, resources: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        tuner(storage, resources=resources).fit()
    assert not os.listdir(storage) or not any(
        os.path.exists(os.path.join(storage, d, "experiment.json")) for d in os.listdir(storage)
    )


@pytest.mark.ray
def test_an_unpicklable_trainable_is_named(ray_local: Any, storage: str) -> None:
    lock = threading.Lock()

    def closes_over_lock(config: dict[str, Any]) -> None:
        with lock:
            rt.report({"loss": 1.0})

    with pytest.raises(
        TypeError,
        match=r"(?s)the trainable <function .*closes_over_lock.*> could "
        r"not be pickled .*rt.with_parameters\(train, data=...\)"
        r" and do not capture locks",
    ):
        rt.Tuner(closes_over_lock, {}, storage_path=storage, verbose=0).fit()


def _numbers() -> Any:
    yield 1


@pytest.mark.ray
@pytest.mark.parametrize(
    "space, message",
    [
        (
            {"x": 1.0, "lock": threading.Lock()},
            r"param_space\['lock'\] = <unlocked _thread.lock object at 0x\w+> cannot be "
            r"pickled to send it to the trials \(TypeError: cannot pickle '_thread.lock' "
            r"object\); param_space values must be picklable: create locks, open files, "
            r"connections and generators inside the training function, and pass large objects "
            r"with rt.with_parameters\(train, data=...\)",
        ),
        (
            {"x": 1.0, "data": {"batches": [0, _numbers()]}},
            r"param_space\['data'\]\['batches'\]\[1\] = <generator object _numbers at "
            r"0x\w+> cannot be pickled .*\(TypeError: cannot pickle 'generator' object\)",
        ),
    ],
    ids=["lock", "nested-generator"],
)
def test_an_unpicklable_config_value_is_named(
    ray_local: Any, storage: str, space: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        rt.Tuner(quadratic, space, metric="loss", storage_path=storage, verbose=0).fit()


def test_numpy_integers_are_taken_as_plain_ints(storage: str) -> None:
    """``seed=np.int64(5)`` is accepted like ``num_samples=np.int64(2)``, and both are kept
    as plain ints (experiment.json is JSON)."""
    t = tuner(storage, seed=np.int64(5), num_samples=np.int64(2), max_failures=np.int32(1))
    assert (t.spec.seed, t.spec.num_samples, t.spec.max_failures) == (5, 2, 1)
    assert {type(v) for v in (t.spec.seed, t.spec.num_samples, t.spec.max_failures)} == {int}
    json.dumps(t.spec.to_json())


def test_a_huge_grid_is_not_listed(storage: str) -> None:
    """A 1000 x 1000 x 1000 grid is counted, not materialised: Tuner() is at once and the
    grid points come out in order."""
    axis = rt.grid(list(range(1000)))
    t = tuner(storage, {"a": axis, "b": axis, "c": axis})
    assert [t.searcher.suggest(str(i)) for i in range(2)] == [
        {"a": 0, "b": 0, "c": 0},
        {"a": 0, "b": 0, "c": 1},
    ]
