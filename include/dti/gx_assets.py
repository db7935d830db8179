"""GX Data Docs without the internet: the scripts and styles its pages load from CDNs, served
from the copy `make setup` installs from the npm registry (deploy/gx-assets, pinned by its
package-lock.json) into ``.venv/gx-assets``.

A provincial network often reaches no CDN: the pages would render unstyled, and their result
tables, which bootstrap-table fills in the browser, empty. :func:`localise` copies the files
into the site (``_assets/``) and points every page at them; it also drops the logo GX loads from
its own S3 bucket with the data context's id in the query (a request out of the network per page
view).
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
from pathlib import Path

log = logging.getLogger(__name__)

# what the pages of great-expectations 1.x load -> the file of the npm package that is it
ASSETS = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js/dist/umd/popper.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (  # noqa: E501
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (  # noqa: E501
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (  # noqa: E501
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css"
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
# bootstrap-table and its filter-control extension (the pages name 1.19.0 and 1.19.1: one copy)
_BOOTSTRAP_TABLE = re.compile(r"https://unpkg\.com/bootstrap-table@1\.19\.[01]/(dist/[\w./-]+)")
# fonts the font-awesome stylesheet loads relative to itself
_FOLDERS = ("@fortawesome/fontawesome-free/webfonts",)
_GX_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[\w.-]*\.amazonaws\.com/[^\"')]*")
_EXTERNAL = re.compile(
    r"""(?:src|href)=["'](https://(?!docs\.greatexpectations|greatexpectations)[^"']+)"""
)
PREFIX = "/_assets/"


def installed() -> Path | None:
    """The npm packages `make setup` installed, or None."""
    modules = Path(sys.prefix) / "gx-assets" / "node_modules"
    return modules if (modules / "jquery").is_dir() else None


def localise(site: Path, modules: Path | None = None) -> list[str]:
    """Point every page of the Data Docs `site` at local copies (under ``site/_assets``, served
    from the site's root); returns the external URLs still left in the pages (none when the
    packages are installed and GX loads nothing new)."""
    modules = modules or installed()
    if modules is None:
        raise FileNotFoundError(
            "GX Data Docs' scripts and styles are not installed (.venv/gx-assets): run "
            "`make setup` (it needs npm)"
        )
    target = site / PREFIX.strip("/")
    needed: set[str] = set()

    def local(match: re.Match[str]) -> str:
        path = "bootstrap-table/" + match.group(1)
        needed.add(path)
        return PREFIX + path

    left: set[str] = set()
    for page in site.rglob("*.html"):
        if target in page.parents:
            continue
        text = original = page.read_text(encoding="utf-8")
        for url, path in ASSETS.items():
            if url in text:
                text = text.replace(url, PREFIX + path)
                needed.add(path)
        text = _BOOTSTRAP_TABLE.sub(local, text)
        text = _GX_LOGO.sub("data:,", text)
        left.update(_EXTERNAL.findall(text))
        if text != original:
            page.write_text(text, encoding="utf-8")
    for path in sorted(needed):
        source = modules / path
        if not source.is_file():
            raise FileNotFoundError(f"{source}: missing from the installed packages (make setup)")
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / path)
    for folder in _FOLDERS:
        if (modules / folder).is_dir():
            shutil.copytree(modules / folder, target / folder, dirs_exist_ok=True)
    if left:
        log.warning("GX Data Docs still load from the internet: %s", ", ".join(sorted(left)))
    return sorted(left)
