"""The documentation stays true to the repository: links resolve, images exist and are
produced by a script, and every knob of the scenario is documented in docs/model.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif"}

_LINK = re.compile(r"(!?)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG = re.compile(r"<img[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def markdown_files() -> list[Path]:
    files = sorted(DOCS.glob("*.md"))
    readme = ROOT / "README.md"
    if readme.exists():
        files.append(readme)
    return files


def links(text: str) -> list[tuple[bool, str]]:
    """(is_image, target) of every Markdown link and image outside code blocks."""
    text = _FENCE.sub("", text)
    out = [(bang == "!", target) for bang, target in _LINK.findall(text)]
    out += [(True, src) for src in _HTML_IMG.findall(text)]
    return out


def is_relative(target: str) -> bool:
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) and not target.startswith(("#", "/"))


def resolve(md: Path, target: str) -> Path:
    return (md.parent / target.split("#", 1)[0].split("?", 1)[0]).resolve()


# --------------------------------------------------------------------------- helpers' tests


def test_link_parser_finds_links_and_images_and_skips_code():
    text = (
        "See [a](../model/ledger.py#L1) and ![fig](figures/x.png).\n"
        '```\n[not](a/link.md)\n```\n<img src="figures/y.svg">'
    )
    assert links(text) == [
        (False, "../model/ledger.py#L1"),
        (True, "figures/x.png"),
        (True, "figures/y.svg"),
    ]
    assert not is_relative("https://example.org") and not is_relative("#section")


def test_a_broken_link_is_detected(tmp_path):
    md = tmp_path / "x.md"
    md.write_text("[gone](missing.py)")
    assert [t for _, t in links(md.read_text()) if not resolve(md, t).exists()] == ["missing.py"]


# ------------------------------------------------------------------------------- the checks


@pytest.mark.parametrize("md", markdown_files(), ids=lambda p: p.name)
def test_relative_links_point_to_existing_files(md: Path):
    broken = [
        target
        for _, target in links(md.read_text(encoding="utf-8"))
        if is_relative(target) and target.split("#", 1)[0] and not resolve(md, target).exists()
    ]
    assert not broken, f"{md.relative_to(ROOT)}: broken links {broken}"


@pytest.mark.parametrize("md", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_referenced_images_exist(md: Path):
    missing = [
        target
        for image, target in links(md.read_text(encoding="utf-8"))
        if (image or Path(target.split("#", 1)[0]).suffix.lower() in IMAGE_SUFFIXES)
        and is_relative(target)
        and not resolve(md, target).is_file()
    ]
    assert not missing, f"{md.relative_to(ROOT)}: missing images {missing}"


def _script_text() -> str:
    scripts = [*DOCS.rglob("*.py"), *(ROOT / "experiments").rglob("*.py")]
    return "\n".join(p.read_text(encoding="utf-8") for p in scripts)


def figure_files() -> list[Path]:
    folder = DOCS / "figures"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def produced_by_script(image: Path, scripts: str) -> bool:
    """The image's file name, or its stem (scripts often add the suffix per format),
    appears in a script under docs/ or experiments/."""
    return image.name in scripts or re.search(rf"[\"']{re.escape(image.stem)}[\"'.]", scripts)


def test_figure_check_rejects_an_image_no_script_names():
    assert not produced_by_script(Path("docs/figures/orphan_plot.png"), "save('other')")
    assert produced_by_script(Path("docs/figures/x.png"), "fig.savefig('x.png')")


@pytest.mark.parametrize("image", figure_files(), ids=lambda p: p.name)
def test_each_figure_is_produced_by_a_script(image: Path):
    assert produced_by_script(image, _script_text()), (
        f"{image.relative_to(ROOT)} is named in no .py file under docs/ or experiments/"
    )


def test_every_knob_is_documented_in_model_md():
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    missing = [k for k in Scenario.model_fields if f"`{k}`" not in text]
    assert not missing, f"docs/model.md does not mention the knobs {missing}"
