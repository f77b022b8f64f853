"""The HTML report of a real experiment (figures embedded, no network)."""

from __future__ import annotations

import os
import re

import pytest

import raytune_lite as rt
from raytune_lite.cli import main

pytest.importorskip("matplotlib")
pytestmark = pytest.mark.ray


def sometimes_fails(config):
    if config["x"] < -1:
        raise ValueError("x is too small")
    if config["x"] > 1.5:
        raise RuntimeError("x is too large")
    for step in range(1, 4):
        rt.report({"loss": (config["x"] - 0.5) ** 2 + 1.0 / step})


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    from conftest import start_local_ray

    start_local_ray()
    return rt.Tuner(
        sometimes_fails,
        {"x": rt.uniform(-3, 3), "act": rt.choice(["a", None])},
        metric="loss",
        num_samples=12,
        seed=2,
        storage_path=str(tmp_path_factory.mktemp("report")),
        name="report",
        verbose=0,
    ).fit()


def test_the_page_embeds_figures_tables_errors_and_settings(results):
    path = results.report(top=4)
    assert path == os.path.join(results.path, "report.html")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    images = re.findall(r'<img alt="(\w+)" src="data:image/png;base64,', text)
    assert {"learning_curves", "best_so_far", "timeline", "parallel_coordinates"} <= set(images)
    assert not re.search(r'(src|href)="(https?:|//)', text)  # opens with no network
    table = text.split("<h2>Top")[1].split("</table>")[0]
    assert table.count("<tr") == 1 + 4 and f"<td>{results.best.trial_id}</td>" in table
    small = [t for t, e in results.errors.items() if "too small" in e]
    large = [t for t, e in results.errors.items() if "too large" in e]
    assert small and large
    assert f"<b>{len(small)} x</b> ValueError: x is too small" in text
    assert f"<b>{len(large)} x</b> RuntimeError: x is too large" in text
    assert "&quot;num_samples&quot;: 12" in text and "BasicSearch" in text


def test_the_cli_writes_it_too(results, tmp_path, capsys):
    out = str(tmp_path / "page.html")
    assert main(["report", results.path, "--out", out, "--top", "3"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    with open(out, encoding="utf-8") as f:
        assert f.read().startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="top must be >= 1; got top=0"):
        results.report(out, top=0)


def test_the_report_page_module_does_not_shadow_rt_report() -> None:
    """``raytune_lite.report`` is the function trials call; a submodule of that name would
    replace it on the package as soon as it is imported."""
    import raytune_lite
    import raytune_lite.report_page

    assert (
        callable(raytune_lite.report) and raytune_lite.report.__module__ == "raytune_lite.session"
    )
