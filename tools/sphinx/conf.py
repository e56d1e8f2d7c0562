"""Sphinx configuration for the rlkit site (no Quarto): sources come from `tools/docs_prep.py` (docs_src/).

    python tools/docs_prep.py --readme --sphinx
    sphinx-build -W --keep-going -q -b html -c tools/sphinx docs_src _site
"""
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_ini = configparser.ConfigParser()
_ini.read(ROOT / 'settings.ini')
_s = _ini['DEFAULT']

project = _s.get('title', 'rlkit')
author = _s.get('author', '')
copyright = _s.get('copyright', '')
release = version = _s.get('version', '')

extensions = ['myst_nb']
root_doc = 'index'
exclude_patterns = ['_build', '**.ipynb_checkpoints', 'Thumbs.db', '.DS_Store']
source_suffix = {'.ipynb': 'myst-nb', '.md': 'myst-nb'}

# myst-nb: render what nbdev's processing produced (show_doc outputs, committed outputs); never execute.
nb_execution_mode = 'off'
nb_render_markdown_format = 'myst'   # text/markdown outputs are MyST, so `$..$` in docstrings becomes math
nb_merge_streams = True
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence', 'deflist', 'html_image', 'html_admonition',
                          'smartquotes', 'strikethrough', 'tasklist']
myst_heading_anchors = 3
# show_doc headings are H3/H4 under the page's H1 (nbdev's layout), which MyST reports as a level jump.
suppress_warnings = ['myst.header']

html_theme = 'furo'
html_title = f'{project} {release}'
html_static_path = ['_static']
html_css_files = ['rlkit.css']
html_show_sourcelink = False
html_copy_source = False
# MathJax: Sphinx's default (MathJax from jsdelivr) is fine for the published site.


def setup(app):
    # myst-nb writes notebook copies and output images to `<outdir>/../jupyter_execute`, which for `_site` is the
    # project root; keep them with Sphinx's own build cache (the doctree folder, `_site/.doctrees` by default).
    import myst_nb.sphinx_ext
    myst_nb.sphinx_ext.OUTPUT_FOLDER = str(Path(app.doctreedir) / 'jupyter_execute')
