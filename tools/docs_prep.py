"""Turn the notebooks into a Sphinx (myst-nb) source tree and README.md, without Quarto.

    python tools/docs_prep.py --readme --sphinx      # nbs/ -> _proc/ -> docs_src/, and README.md
    sphinx-build -W --keep-going -q -b html -c tools/sphinx docs_src _site

1. `nbdev.serve.proc_nbs` (nbdev's own docs processing, the step `nbdev_docs` runs before Quarto) writes `_proc/`:
   show_doc cells executed to markdown, hidden/export cells removed, title and description in a raw frontmatter cell.
   Only exported cells, cells with imports and `#| exec_doc` cells run, and only in notebooks that have such cells:
   papermill jobs run nothing (their committed outputs, if any, are shown as they are); index.ipynb runs its
   `#| exec_doc` example. Unchanged notebooks are reused from `_proc/` (nbdev's own mtime cache; `--force` redoes all).
2. This script turns each processed notebook into what myst-nb renders as-is: frontmatter -> H1 + blockquote,
   Quarto cell options -> myst-nb tags (`echo: false` -> remove-input, ...), Pandoc `{...}` link attributes ->
   HTML, links into the published site -> relative links, pages named by nbdev's `output-file` (`00_config` ->
   `config`) in the notebook's folder, and a hidden toctree (one caption per folder) that gives the sidebar.
3. `--readme` renders the processed `index.ipynb` with nbconvert's MarkdownExporter (what `nbdev_readme` does with
   Quarto).

Never call `nbdev_proc_nbs`/`nbdev_docs`/`nbdev_preview`/`nbdev_readme` here: they try to install Quarto.
Output folders are options, so tests can build into a temporary folder: `--build DIR` puts `_proc/` and `docs_src/`
in DIR (default: the project root) and `--readme PATH` writes the README elsewhere. `--readme` alone processes only
index.ipynb, in a scratch folder.
"""
from __future__ import annotations

import argparse
import copy
import html
import json
import os
import posixpath
import re
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]

# Sidebar order of the top-level folders of nbs/ (each one a caption); other folders go before tutorials and jobs.
FOLDER_ORDER = ['core', 'math', 'bo', 'envs', 'agents', 'backends', 'train', 'orchestrate']
TAIL_FOLDERS = ['tutorials', 'jobs']
CAPTIONS = {'core': 'Core', 'math': 'Math', 'bo': 'Bayesian optimisation', 'envs': 'Environments',
            'agents': 'Agents', 'backends': 'Backends', 'train': 'Training', 'orchestrate': 'Orchestration',
            'tutorials': 'Tutorials', 'jobs': 'Jobs (papermill)'}
# Folders under nbs/ that never hold pages: nbdev's own skips (`_x`, `.x`) plus run directories written by jobs.
SKIP_FOLDER_RE = r'^([_.]|runs$)'
# Files proc_nbs copies that are Quarto's business, not pages or assets.
QUARTO_FILES = {'_quarto.yml', 'nbdev.yml', 'sidebar.yml', 'styles.css', '_brand.yml'}
NB_META_KEEP = ('kernelspec', 'language_info', 'widgets')

# ----------------------------------------------------------------------------------------------------------------
# 1. nbdev's processing


class _ConfigAt:
    "`get_config()` as `proc_nbs` sees it, except that its cache (`config_path/'_proc'`) lives under `build`."
    def __init__(self, cfg, build: Path): self._cfg, self.config_path = cfg, build
    def __getattr__(self, name): return getattr(self._cfg, name)


def process_notebooks(nbs: Path, build: Path, force: bool = False, n_workers: int | None = None,
                      only_index: bool = False) -> Path:
    "Run nbdev's docs processing (`proc_nbs`) on `nbs` (or only its index.ipynb), writing `build/_proc`; return it."
    import nbdev.serve
    from fastcore.basics import defaults
    from nbdev.config import get_config
    cfg = get_config()
    skips = dict(skip_folder_re='.', skip_file_re=r'^(?!index\.ipynb$)') if only_index else dict(skip_folder_re=SKIP_FOLDER_RE)
    kw = dict(path=nbs, force=force, n_workers=defaults.cpus if n_workers is None else n_workers, **skips)
    if build.resolve() == cfg.config_path.resolve(): return nbdev.serve.proc_nbs(**kw)
    build.mkdir(parents=True, exist_ok=True)
    with mock.patch.object(nbdev.serve, 'get_config', lambda: _ConfigAt(cfg, build.resolve())):
        return nbdev.serve.proc_nbs(**kw)


def mixed_import_cells(nbs: Path, rels: list[Path]) -> list[str]:
    """Cells that nbdev's docs processing will execute only because they mix imports with other code (nbdev's
    "Found cells containing imports and other code" warning, which does not say where): a slow or side-effecting
    test cell then runs at every docs build. Keeping imports in their own cell avoids it."""
    import ast
    notes = []
    for rel in rels:
        if rel.suffix != '.ipynb': continue
        cells = [(i, *_split_directives(_src(c))) for i, c in enumerate(json.loads((nbs / rel).read_text())['cells'])
                 if c['cell_type'] == 'code']
        if not any({'export', 'exports', 'exec_doc'} & {k for k, _ in opts} for _, opts, _ in cells): continue
        for i, opts, code in cells:
            keys = dict(opts)
            if {'export', 'exports', 'exporti', 'exec_doc'} & keys.keys() or keys.get('eval') == 'false': continue
            if 'nbdev_export()' in code: continue  # nbdev never runs that one
            try: tree = ast.parse(code)
            except SyntaxError: continue
            kinds = {type(n) for n in ast.walk(tree)}  # nbdev's test (processors._do_eval)
            if kinds & {ast.Import, ast.ImportFrom} and kinds & {ast.Expr, ast.Assign}:
                notes.append(f'nbs/{rel.as_posix()} cell {i}: imports mixed with other code, so the docs build runs it')
    return notes


def source_files(nbs: Path) -> list[Path]:
    "The files under `nbs` that proc_nbs processes or copies (same globbing), relative to `nbs`."
    from nbdev.doclinks import nbglob
    files = nbglob(nbs, func=Path, file_glob='', skip_folder_re=SKIP_FOLDER_RE)
    return sorted(Path(f).relative_to(nbs) for f in files)

# ----------------------------------------------------------------------------------------------------------------
# 2. processed notebook -> myst-nb notebook

_re_directive = re.compile(r'^\s*#\|\s*([\w-]+):?\s*(.*?)\s*$')
# `[text](url){target="_blank" style="..."}`: Pandoc link attributes, as in show_doc's source link
_re_attr_link = re.compile(r'\[([^\]]*)\]\(([^)\s]+)\)\{([^}]*)\}')
_re_attr = re.compile(r'([\w-]+)="([^"]*)"')
_re_md_link = re.compile(r'(!?)\[([^\]]*)\]\(([^)\s]+)\)')
_re_scheme = re.compile(r'^[a-z][a-z0-9+.-]*:', re.I)
_re_rule = re.compile(r'^---+\s*$', re.M)
_re_code = re.compile(r'`([^`]+)`')
TAG_FOR_OPTION = {('echo', 'false'): 'remove-input', ('output', 'false'): 'remove-output',
                  ('include', 'false'): 'remove-cell'}


def _src(cell) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def _frontmatter(nb) -> dict:
    "The YAML frontmatter nbdev put in a leading raw cell ({} when there is none)."
    import yaml
    for c in nb['cells'][:1]:
        s = _src(c).strip()
        if c['cell_type'] == 'raw' and s.startswith('---') and s.endswith('---'):
            return yaml.safe_load(s.strip('-')) or {}
    return {}


def _split_directives(src: str) -> tuple[list[tuple[str, str]], str]:
    "Leading `#| key: value` lines of a code cell, and the code without them."
    lines, opts = src.splitlines(), []
    while lines and (m := _re_directive.match(lines[0])):
        opts.append((m.group(1).lower(), m.group(2).strip().strip('"\'').lower()))
        lines.pop(0)
    return opts, '\n'.join(lines)


def _attr_link(m: re.Match) -> str:
    attrs = ''.join(f' {k}="{html.escape(v)}"' for k, v in _re_attr.findall(m.group(3)))
    return f'<a href="{html.escape(m.group(2))}"{attrs}>{_inline_html(m.group(1))}</a>'


def _inline_html(text: str) -> str:
    return _re_code.sub(lambda m: f'<code>{html.escape(m.group(1))}</code>', html.escape(text, quote=False))


class LinkMap:
    """Rewrites links to pages of this build as relative HTML links: links into the published site (nbdev's index
    points to `doc_host + doc_baseurl`) and relative links to `page.html` or `00_page.ipynb`, as Quarto resolves them.
    MyST would otherwise report relative `.html` links as missing cross-references."""
    def __init__(self, site_url: str, pages: dict[str, str], anchors: dict[str, set[str]]):
        self.site = site_url.rstrip('/') + '/'
        self.pages = pages  # 'core/config.html' and 'core/00_config.ipynb' -> docname 'core/config'
        self.anchors = anchors  # docname -> ids of its headings

    def anchor(self, doc: str, anchor: str) -> str:
        """The heading id for nbdev's `anchor` on page `doc`: `Run.create` -> `run-create`, or `run` (its class) when
        the method has no heading of its own, or '' (the page) when neither has one."""
        from docutils.nodes import make_id
        parts = anchor.split('.')
        for i in range(len(parts), 0, -1):
            if (a := make_id('.'.join(parts[:i]))) in self.anchors.get(doc, ()): return a
        return ''

    def target(self, url: str, docname: str) -> tuple[str, str] | None:
        "(docname, anchor) that `url`, seen from page `docname`, points to; None when it is not a page of this build."
        if url.startswith(self.site): rest, base = url[len(self.site):], ''
        elif _re_scheme.match(url) or url.startswith(('#', '/')): return None
        else: rest, base = url, posixpath.dirname(docname)
        path, _, anchor = rest.partition('#')
        doc = self.pages.get(posixpath.normpath(posixpath.join(base, path or 'index.html')))
        return (doc, anchor) if doc else None

    def __call__(self, text: str, docname: str) -> str:
        def sub(m: re.Match) -> str:
            if m.group(1) or not (t := self.target(m.group(3), docname)): return m.group(0)  # images: unchanged
            href = posixpath.relpath(t[0] + '.html', posixpath.dirname(docname) or '.')
            if t[1] and (a := self.anchor(*t)): href += '#' + a  # docutils ids: 'ppo.__init__' -> 'ppo-init'
            return f'<a href="{html.escape(href)}">{_inline_html(m.group(2))}</a>'
        return _re_md_link.sub(sub, text)


_re_tag = re.compile(r'<(/?[A-Za-z][\w-]*)>')
_re_verbatim = re.compile(r'(\$[^$]*\$|`[^`]*`)')


def _escape_docstring_tags(md: str) -> str:
    """In a show_doc output, show `<name>` in the docstring (after the signature block) as text, not as an HTML tag
    the browser would swallow; math and code spans are left alone."""
    head, fence, tail = md.rpartition('```')
    parts = _re_verbatim.split(tail)
    tail = ''.join(p if i % 2 else _re_tag.sub(r'&lt;\1&gt;', p) for i, p in enumerate(parts))
    return head + fence + tail


_re_heading = re.compile(r'^#{1,6}\s+(.+?)\s*#*\s*$', re.M)


def heading_ids(nb: dict) -> set[str]:
    "Ids Sphinx gives the headings of a processed notebook (markdown cells and show_doc outputs), and its title's."
    from docutils.nodes import make_id
    texts = [str(_frontmatter(nb).get('title', ''))]
    for c in nb['cells']:
        if c['cell_type'] == 'markdown': texts += _re_heading.findall(_src(c))
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md: texts += _re_heading.findall(''.join(md) if isinstance(md, list) else md)
    return {make_id(re.sub(r'[`*_]', ' ', t).strip()) for t in texts if t}


def _fix_markdown(text: str, docname: str, links: LinkMap | None) -> str:
    text = _re_attr_link.sub(_attr_link, text)
    return links(text, docname) if links else text


def to_myst(nb: dict, docname: str, title: str, links: LinkMap | None = None) -> dict:
    "A processed (`_proc/`) notebook as a notebook that myst-nb (or nbconvert) renders without Quarto."
    nb = copy.deepcopy(nb)
    fm = _frontmatter(nb)
    cells = nb['cells'][1:] if fm else nb['cells']
    title, desc = fm.get('title') or title, fm.get('description')
    head = f'# {title}' + (f'\n\n> {desc}' if desc else '')
    out = [{'cell_type': 'markdown', 'metadata': {}, 'source': head}]
    for c in cells:
        src = _src(c)
        if 'source' not in c or (c['cell_type'] == 'markdown' and src.strip().startswith('<!-- WARNING')): continue
        c.pop('has_sd', None)
        c.pop('id', None)
        c['metadata'] = {k: v for k, v in c.get('metadata', {}).items() if k in ('tags',)}
        if c['cell_type'] == 'markdown':
            c['source'] = _fix_markdown(src, docname, links)
        elif c['cell_type'] == 'code':
            opts, code = _split_directives(src)
            tags = list(c['metadata'].get('tags', []))
            tags += [TAG_FOR_OPTION[o] for o in opts if o in TAG_FOR_OPTION and TAG_FOR_OPTION[o] not in tags]
            if not code.strip(): tags.append('remove-input')
            if not code.strip() and not c.get('outputs'): continue
            c['source'] = code
            c['execution_count'] = None
            if tags: c['metadata']['tags'] = sorted(set(tags))
            is_show_doc = re.match(r'\s*show_doc\(', code) is not None
            for o in c.get('outputs', []):
                if 'execution_count' in o: o['execution_count'] = None
                md = o.get('data', {}).get('text/markdown')
                if md is not None:  # a `---` rule (show_doc's separator) can't be a transition inside an output
                    md = _re_rule.sub('<hr class="docs-sep">', ''.join(md) if isinstance(md, list) else md)
                    if is_show_doc: md = re.sub(r'(```python\n)\n+|\n+(?=\n```(?:\n|$))', r'\1', _escape_docstring_tags(md))
                    o['data']['text/markdown'] = _fix_markdown(md, docname, links)
        else:
            continue  # raw cells: Quarto-only content
        out.append(c)
    nb['cells'] = out
    nb['metadata'] = {k: v for k, v in nb.get('metadata', {}).items() if k in NB_META_KEEP}
    if not nb['metadata'].get('widgets', {}).get('application/vnd.jupyter.widget-state+json', {}).get('state'):
        nb['metadata'].pop('widgets', None)
    nb['metadata'].setdefault('kernelspec', {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'})
    nb['metadata'].setdefault('language_info', {'name': 'python'})  # code fences and highlighting: python
    nb['nbformat'], nb['nbformat_minor'] = 4, 4  # 4.4: cells without ids
    return nb

# ----------------------------------------------------------------------------------------------------------------
# 3. docs_src/: pages, assets, toctree


def page_name(rel: Path, fm: dict) -> str:
    "Docname of a notebook: its folder + nbdev's `output-file` without `.html` (`core/00_config` -> `core/config`)."
    name = fm.get('output-file') or re.sub(r'^\d+[a-z]?_', '', rel.stem) + '.html'
    return (rel.parent / name).with_suffix('').as_posix()


def _folder_key(folder: str):
    if folder in FOLDER_ORDER: return (0, FOLDER_ORDER.index(folder), folder)
    if folder in TAIL_FOLDERS: return (2, TAIL_FOLDERS.index(folder), folder)
    return (1, 0, folder)


def toctree_markdown(docnames: list[str]) -> str:
    "Hidden toctrees for the sidebar: top-level pages first, then one captioned toctree per top-level folder."
    groups: dict[str, list[str]] = {}
    for d in docnames:
        if d == 'index': continue
        groups.setdefault(d.split('/')[0] if '/' in d else '', []).append(d)
    blocks = []
    for folder in sorted(groups, key=lambda f: (-1,) if f == '' else _folder_key(f)):
        caption = f':caption: {CAPTIONS.get(folder, folder.replace("_", " ").capitalize())}\n' if folder else ''
        blocks.append('```{toctree}\n:hidden:\n' + caption + '\n' + '\n'.join(groups[folder]) + '\n```')
    return '\n\n'.join(blocks)


def build_docs_src(nbs: Path, proc: Path, out: Path) -> list[str]:
    "Write `out` (myst-nb sources) from the processed notebooks; return the docnames, index first."
    from nbdev.config import get_config
    cfg = get_config()
    rels = source_files(nbs)
    nb_rels = [r for r in rels if r.suffix == '.ipynb']
    if Path('index.ipynb') not in nb_rels: raise SystemExit(f'{nbs}/index.ipynb is missing: it is the home page')
    nbs_data, docnames, seen = {}, {}, {}
    for rel in nb_rels:
        p = proc / rel
        if not p.exists(): raise SystemExit(f'{p} is missing: nbdev processing did not write it')
        nb = json.loads(p.read_text(encoding='utf-8'))
        doc = 'index' if rel == Path('index.ipynb') else page_name(rel, _frontmatter(nb))
        if doc in seen: raise SystemExit(f'{rel} and {seen[doc]} both become the page {doc}.html')
        seen[doc], nbs_data[rel], docnames[rel] = rel, nb, doc
    pages = {d + '.html': d for d in docnames.values()} | {r.as_posix(): d for r, d in docnames.items()}
    anchors = {docnames[r]: heading_ids(nb) for r, nb in nbs_data.items()}
    links = LinkMap(cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/'), pages, anchors)
    marker = out / '.docs_prep'  # only a folder this script made is cleaned of stale files
    if out.exists() and any(out.iterdir()) and not marker.exists():
        raise SystemExit(f'{out} exists and was not made by {Path(__file__).name}: refusing to write into it')
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text('written by tools/docs_prep.py; files not written by it are deleted\n')
    written: set[Path] = {marker}
    def write(dst: Path, data: bytes):  # only when changed, so that Sphinx rebuilds only what changed
        written.add(dst)
        if dst.exists() and dst.read_bytes() == data: return
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
    order = sorted(nb_rels, key=lambda r: (r != Path('index.ipynb'), r.as_posix()))
    for rel in order:
        doc = docnames[rel]
        title = re.sub(r'^\d+[a-z]?_', '', rel.stem).replace('_', ' ').capitalize()
        nb = to_myst(nbs_data[rel], doc, title, links)
        if doc == 'index':
            nb['cells'].append({'cell_type': 'markdown', 'metadata': {},
                                'source': toctree_markdown([docnames[r] for r in order])})
        write(out / (doc + '.ipynb'), (json.dumps(nb, indent=1, ensure_ascii=False) + '\n').encode())
    for rel in rels:  # assets (images, videos, data) next to the pages that use them
        if rel.suffix in ('.ipynb', '.py', '.qmd', '.md') or rel.name in QUARTO_FILES: continue
        write(out / rel, (nbs / rel).read_bytes())
    for p in sorted(out.rglob('*'), reverse=True):  # pages and assets whose notebook is gone
        if p.is_file() and p not in written: p.unlink()
        elif p.is_dir() and not any(p.iterdir()): p.rmdir()
    return [docnames[r] for r in order]

# ----------------------------------------------------------------------------------------------------------------
# 4. README.md


def readme_markdown(proc_index: Path) -> str:
    "README.md text from the processed index notebook (nbconvert MarkdownExporter; what nbdev_readme does)."
    import nbformat
    from nbconvert import MarkdownExporter
    from traitlets.config import Config
    nb = to_myst(json.loads(proc_index.read_text(encoding='utf-8')), 'index', 'README')
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ('remove-cell',)
    c.TagRemovePreprocessor.remove_input_tags = ('remove-input',)
    c.TagRemovePreprocessor.remove_all_outputs_tags = ('remove-output',)
    body, res = MarkdownExporter(config=c).from_notebook_node(nbformat.reads(json.dumps(nb), as_version=4))
    if res.get('outputs'):
        raise SystemExit(f'{proc_index.name} has image outputs ({", ".join(res["outputs"])}): README.md holds text only')
    body = re.sub(r'\n{3,}', '\n\n', body).strip() + '\n'
    return '<!-- WARNING: generated from nbs/index.ipynb by tools/docs_prep.py --readme; do not edit -->\n\n' + body


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--nbs', type=Path, default=None, help="notebook folder (default: settings.ini's nbs_path)")
    ap.add_argument('--build', type=Path, default=ROOT, help='folder for _proc/ and docs_src/ (default: project root)')
    ap.add_argument('--out', type=Path, default=None, help='Sphinx source folder (default: BUILD/docs_src)')
    ap.add_argument('--sphinx', action='store_true', help='write the Sphinx sources (docs_src/)')
    ap.add_argument('--readme', type=Path, nargs='?', const=ROOT / 'README.md', default=None,
                    help='write README.md (or the given path) from index.ipynb')
    ap.add_argument('--force', action='store_true', help="reprocess every notebook (ignore nbdev's _proc cache)")
    ap.add_argument('--n-workers', type=int, default=None, help='processes for nbdev processing (default: CPUs)')
    a = ap.parse_args(argv)
    if not (a.sphinx or a.readme): ap.error('nothing to do: give --sphinx and/or --readme')
    nbs, build, out, readme = (p.resolve() if p else None for p in (a.nbs, a.build, a.out, a.readme))
    os.chdir(ROOT)  # nbdev (here and in its worker processes) finds settings.ini from the cwd
    from nbdev.config import get_config
    nbs = nbs or get_config().nbs_path.resolve()
    if a.sphinx:
        for note in mixed_import_cells(nbs, source_files(nbs)): print('note:', note)
    # nbdev's own warning for those cells names neither notebook nor cell: the notes above replace it
    os.environ['PYTHONWARNINGS'] = 'ignore:Found cells containing imports:UserWarning'
    t = time.time()
    if a.sphinx:
        proc = process_notebooks(nbs, build, force=a.force, n_workers=a.n_workers)
        print(f'nbdev processing: {proc} ({time.time() - t:.1f} s)')
        out = out or build / 'docs_src'
        docs = build_docs_src(nbs, proc, out)
        print(f'sphinx sources: {out} ({len(docs)} pages)')
        if readme: write_readme(proc / 'index.ipynb', readme)
    else:  # README only: index.ipynb alone, in a scratch folder, so that nbdev's mtime cache in _proc/ stays honest
        with tempfile.TemporaryDirectory() as tmp:
            proc = process_notebooks(nbs, Path(tmp), n_workers=a.n_workers, only_index=True)
            print(f'nbdev processing: index.ipynb ({time.time() - t:.1f} s)')
            write_readme(proc / 'index.ipynb', readme)


def write_readme(proc_index: Path, readme: Path):
    readme.write_text(readme_markdown(proc_index), encoding='utf-8')
    print(f'readme: {readme}')


if __name__ == '__main__':  # proc_nbs starts worker processes with `spawn`: they re-import this module
    main()
