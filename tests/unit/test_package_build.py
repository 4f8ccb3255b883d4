"""A plain `pip install .` serves French: the package build compiles the catalogues itself
(build_catalogues.py), without `pybabel compile` first."""

import shutil
import subprocess
import sys
import zipfile

from babel.messages.mofile import read_mo

from portal import ROOT

COMPILED = "portal/translations/fr/LC_MESSAGES/messages.mo"


def test_the_wheel_holds_the_compiled_french_catalogue(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "build_catalogues.py"):
        shutil.copy(ROOT / name, source)
    # The sources only: no catalogue compiled beforehand.
    shutil.copytree(
        ROOT / "portal", source / "portal", ignore=shutil.ignore_patterns("*.mo", "__pycache__")
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "wheels"), str(source)],
        check=True,
    )  # fmt: skip
    (wheel,) = (tmp_path / "wheels").glob("portal-*.whl")
    with zipfile.ZipFile(wheel) as archive, archive.open(COMPILED) as compiled:
        catalogue = read_mo(compiled)
    assert catalogue.get("Forgot your password?").string == "Mot de passe oublié\u202f?"
