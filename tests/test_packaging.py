"""The package metadata installs without warnings: the license is an SPDX expression (PEP 639), which the
build requirement's setuptools reads; the old table form warns on every install."""

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_license_is_an_spdx_string_read_by_the_required_setuptools():
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    # A license classifier next to the SPDX expression is an error for setuptools >= 77.
    assert not [c for c in project["project"].get("classifiers", []) if c.startswith("License ::")]
    (setuptools,) = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    minimum = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools)
    assert minimum and int(minimum.group(1)) >= 77
