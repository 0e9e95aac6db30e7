"""The built wheel is the whole program: installed outside the checkout, it makes the demo."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pypdf

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_installed_in_a_fresh_environment_makes_the_demo(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("briefing-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "briefing/templates/briefing.html" in names  # mapped in from the top-level folder
    assert "briefing/fonts/CharisSIL-Regular.ttf" in names
    assert "briefing/extract/appeals-model.json.gz" in names  # the appeal model's weights
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )
    # The dependencies come from this environment's site-packages; the project itself only from
    # the new one (a PYTHONPATH entry is not a site folder, so the editable install is not seen).
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    where = subprocess.run(
        [str(python), "-c", "import briefing; print(briefing.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout
    assert str(env_dir) in where, where
    out = tmp_path / "out"
    run = subprocess.run(
        [str(python), "-m", "briefing", "demo", "--output", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    (pdf,) = out.glob("briefing-*.pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Lavrov" in text
    assert list(out.glob("briefing-*.html"))
