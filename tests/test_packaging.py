"""The wheel is self-contained: corpus/ and prompts/ resolve from a non-editable install."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
import qa
from qa.config import Config, data_dir
from qa.llm import render
from qa.pipeline import Pipeline
p = Pipeline.load(Config.of(index_dir=sys.argv[1]))
a = p.ask("创业担保贷款最高能贷多少？")
c = (a.citations or a.related)[0]
print(json.dumps({"qa": qa.__file__, "corpus": str(data_dir("corpus")),
                  "answered": a.answered, "verbatim": p.docs[c.doc_id].text[c.start:c.end] == c.quote,
                  "prompt": "问题" in render("answer_user", question="q", draft="d",
                                             clauses="c", scope_note="n")}))
"""


def test_pyproject_lists_every_package():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {
        ".".join(p.relative_to(ROOT).parts[:-1])
        for p in (ROOT / "qa").rglob("__init__.py")
    } | {"qa.app.static"}
    assert found <= listed


@pytest.mark.slow
def test_wheel_installs_and_answers(tmp_path):
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = pip + [
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(wheels),
        str(ROOT),
    ]
    subprocess.run(build, check=True, capture_output=True, cwd=tmp_path)
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    site = subprocess.run(
        [
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies come from the test environment; the editable finder's .pth is not
    # processed for a plain path entry, so only the wheel's qa is importable.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("policy_qa-*.whl"))
    install = pip + ["--python", str(python), "install", "--no-deps", str(wheel)]
    subprocess.run(install, check=True, capture_output=True)
    out = subprocess.run(
        [str(python), "-c", PROBE, str(tmp_path / "index")],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    import json

    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["qa"].startswith(site) and got["corpus"].startswith(site)
    assert got["verbatim"] and got["prompt"] and got["answered"]
