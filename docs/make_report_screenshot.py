"""Writes the HTML report of a small real experiment and photographs it in headless Chromium:
docs/images/report.png (the README shows it). It checks the page in a real browser: Chromium
opens the file from disk with networking off, and the screenshot must not be blank.

Run from the repository root (needs the [plot] extra and Chromium: on Debian,
``apt-get install chromium``)::

    python docs/make_report_screenshot.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import ray

import raytune_lite as rt
from raytune_lite.schedulers import ASHA

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "images", "report.png")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def train(config):
    if config["lr"] > 0.04:
        raise FloatingPointError("loss is NaN: the learning rate is too high")
    if config["layers"] == 4 and config["act"] is None:
        raise ValueError("act=None needs layers < 4")
    for step in range(1, 16):
        time.sleep(0.02)
        loss = 0.2 + abs(math.log10(config["lr"] / 0.006)) / 3 + 1.2 * math.exp(-step / 4)
        rt.report({"loss": loss + 0.05 * (config["act"] is None) + 0.03 * (4 - config["layers"])})


def screenshot(page: str, out: str, width: int = 1200, height: int = 2600) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="raytune_lite_chromium_")
    try:
        subprocess.run(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                f"--window-size={width},{height}",
                f"file://{page}",
            ],
            check=True,
            timeout=120,
            capture_output=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def shrink(png: str, width: int = 900, colours: int = 128) -> None:
    """Scales the screenshot down and to a palette, to keep the file small."""
    from PIL import Image

    img = Image.open(png).convert("RGB")
    img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
    img.quantize(colors=colours).save(png, optimize=True)


def not_blank(png: str) -> float:
    """The fraction of pixels that are not (nearly) white."""
    from PIL import Image

    img = Image.open(png).convert("L")
    hist = img.histogram()
    return 1 - sum(hist[245:]) / (img.width * img.height)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", help="a folder to keep the experiment and report in")
    args = ap.parse_args()
    storage = args.keep or tempfile.mkdtemp(prefix="raytune_lite_report_")
    ray.init(address="local", num_cpus=4, include_dashboard=False, logging_level="ERROR")
    results = rt.Tuner(
        train,
        {
            "lr": rt.loguniform(1e-4, 1e-1),
            "layers": rt.randint(1, 5),
            "act": rt.choice(["relu", "gelu", None]),
        },
        metric="loss",
        num_samples=30,
        max_concurrent=4,
        scheduler=ASHA(max_t=15, grace_period=2),
        storage_path=storage,
        name="report_demo",
        seed=4,
        verbose=0,
    ).fit()
    ray.shutdown()
    page = results.report()
    print(f"report: {page} ({os.path.getsize(page) // 1024} KB)")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    screenshot(page, OUT)
    drawn = not_blank(OUT)
    if drawn < 0.05:
        raise SystemExit(f"the screenshot {OUT} is blank ({drawn:.1%} drawn)")
    shrink(OUT)
    print(f"screenshot: {OUT} ({os.path.getsize(OUT) // 1024} KB, {drawn:.0%} not white)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
