"""The package build compiles the message catalogues (.po into .mo), so that a plain
`pip install .` serves the portal in French; pyproject.toml names this command for setuptools.
Babel, which compiles them, is a build requirement."""

from pathlib import Path

from setuptools.command.build_py import build_py

CATALOGUES = "portal/translations/*/LC_MESSAGES/messages.po"


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        # An editable install serves the source tree: the catalogues are compiled beside
        # their sources, as `make translations` does.
        target = Path() if self.editable_mode else Path(self.build_lib)
        for source in sorted(Path().glob(CATALOGUES)):
            compiled = target / source.with_suffix(".mo")
            compiled.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as file:
                catalogue = read_po(file, locale=source.parts[-3])
            with compiled.open("wb") as file:
                write_mo(file, catalogue)
