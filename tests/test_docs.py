"""The documentation site builds from the notebooks without Quarto, strictly, and documents every exported symbol.

The site is built into a temporary folder (`tools/docs_prep.py --build TMP`, then `sphinx-build -W`), so the working
tree is never touched. README.md is regenerated from nbs/index.ipynb in another temporary folder and compared.
"""
import html
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PREP = ROOT / 'tools' / 'docs_prep.py'


def _run(args, **kw):
    res = subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True, text=True, **kw)
    assert res.returncode == 0, f"{' '.join(map(str, args))} failed ({res.returncode}):\n{res.stdout[-4000:]}\n{res.stderr[-8000:]}"
    return res


def build_site(tmp: Path) -> Path:
    "Build the docs into `tmp` (nbdev processing -> docs_src -> Sphinx with -W); return the HTML folder."
    _run([PREP, '--sphinx', '--build', tmp, '--force'], timeout=300)
    _run(['-m', 'sphinx', '-W', '--keep-going', '-q', '-b', 'html', '-c', ROOT / 'tools' / 'sphinx',
          tmp / 'docs_src', tmp / '_site'], timeout=300)
    return tmp / '_site'


@pytest.fixture(scope='module')
def site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp('docs'))


def page_text(path: Path) -> str:
    "Visible text of an HTML page: no scripts/styles, tags removed, entities unescaped, whitespace collapsed."
    s = re.sub(r'<(script|style)\b.*?</\1>', ' ', path.read_text(encoding='utf-8'), flags=re.S | re.I)
    return re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', ' ', s))).strip()


def words(s: str) -> str:
    "Only the words of `s`, one space apart: immune to markup, escaping, math delimiters and punctuation."
    return ' '.join(re.findall(r'\w+', s))


def _modidx() -> dict:
    from rlkit._modidx import d
    return d['syms']


def _signatures(obj) -> list[list[str]]:
    "Candidate parameter-name lists for `obj` (a class may be shown by its own or by its `__init__` signature)."
    cands = []
    for f in ([obj, obj.__init__] if inspect.isclass(obj) else [obj]):
        try: ps = list(inspect.signature(f).parameters.values())
        except (TypeError, ValueError): continue
        if f is not obj and ps and ps[0].name in ('self', 'cls'): ps = ps[1:]
        cands.append([p.name for p in ps])
    return cands


def _own_doc(obj) -> str:
    doc = obj.__dict__.get('__doc__') if inspect.isclass(obj) else obj.__doc__
    return inspect.cleandoc(doc).strip().splitlines()[0] if doc and doc.strip() else ''


def _documented(modname: str, syms: dict) -> list[tuple[str, object, str]]:
    "(name, object, page) of the module's exported top-level functions and classes."
    mod = importlib.import_module(modname)
    public = set(getattr(mod, '__all__', []))
    out = []
    for full, (link, _src) in syms.items():
        name = full[len(modname) + 1:]
        if '.' in name or name not in public: continue
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj): out.append((name, obj, link.split('#')[0]))
    return out


def test_site_builds_with_every_notebook(site):
    "-W passed (the fixture); every notebook has its page, named by nbdev's output-file convention."
    sys.path.insert(0, str(ROOT / 'tools'))
    try: import docs_prep
    finally: sys.path.remove(str(ROOT / 'tools'))
    nbs = ROOT / 'nbs'
    for rel in docs_prep.source_files(nbs):
        if rel.suffix != '.ipynb': continue
        if rel.name == 'index.ipynb' and rel.parent == Path('.'): page = 'index.html'
        else: page = re.sub(r'^\d+[a-z]?_', '', rel.stem) + '.html'
        assert (site / rel.parent / page).exists(), f'no page for nbs/{rel} (expected {rel.parent / page})'
    assert (site / 'core' / 'config.html').exists()
    assert not list(site.rglob('00_*.html')), 'numeric prefixes must be stripped from page names'


def test_sidebar_order(site):
    "The home page's sidebar lists the folders as captions, in the design's order, jobs last."
    s = (site / 'index.html').read_text(encoding='utf-8')
    caps = re.findall(r'<p class="caption"[^>]*><span class="caption-text">([^<]+)</span>', s)
    present = [p.name for p in (ROOT / 'nbs').iterdir() if p.is_dir() and not p.name.startswith(('_', '.'))]
    assert len(caps) >= len([p for p in present if list((ROOT / 'nbs' / p).rglob('*.ipynb'))]), caps
    assert caps[0] == 'Core', caps
    if 'Jobs (papermill)' in caps: assert caps[-1] == 'Jobs (papermill)', caps


def test_every_exported_symbol_is_documented(site):
    "Each module in rlkit/_modidx.py has a page showing each exported function/class: name, parameters, docstring."
    syms = _modidx()
    assert syms, 'rlkit/_modidx.py lists no modules'
    problems, checked = [], 0
    for modname, msyms in sorted(syms.items()):
        if not msyms: continue
        pages = {link.split('#')[0] for link, _ in msyms.values()}
        for p in pages:
            if not (site / p).exists(): problems.append(f'{modname}: no page {p}')
        for name, obj, page in _documented(modname, msyms):
            if not (site / page).exists(): continue
            text = words(page_text(site / page))
            m = re.search(rf'\b(def|class) {re.escape(name)}\b', text)
            if not m:
                problems.append(f'{modname}.{name}: no signature `def/class {name}(` on {page}'); continue
            window = text[m.end():m.end() + 6000]
            cands = _signatures(obj)
            if cands and not any(re.search(r'.*?'.join(rf'\b{re.escape(p)}\b' for p in c) or '', window[:3000]) for c in cands):
                problems.append(f'{modname}.{name}: parameters {cands} not shown in order on {page}')
            doc = words(_own_doc(obj))
            if doc and doc not in window:
                problems.append(f'{modname}.{name}: docstring line {doc!r} not on {page}')
            checked += 1
    assert not problems, '\n'.join(problems)
    assert checked >= 10, f'only {checked} symbols checked'


def test_internal_links_resolve(site):
    "Every relative link between pages points to an existing file, and its #anchor to an existing id."
    bad = []
    for page in site.rglob('*.html'):
        s = page.read_text(encoding='utf-8')
        for href in re.findall(r'<a\b[^>]*\bhref="([^"]+)"', s):
            href = html.unescape(href)
            u = urlsplit(href)
            if u.scheme or u.netloc or href.startswith(('#', 'mailto:')): continue
            target = (page.parent / unquote(u.path)).resolve() if u.path else page
            if target.is_dir(): target = target / 'index.html'
            if not target.exists(): bad.append(f'{page.relative_to(site)}: {href} (no such file)'); continue
            if u.fragment and target.suffix == '.html' and f'id="{u.fragment}"' not in target.read_text(encoding='utf-8'):
                bad.append(f'{page.relative_to(site)}: {href} (no such anchor)')
    assert not bad, '\n'.join(sorted(set(bad))[:50])


def test_math_and_show_doc_render(site):
    "Markdown/docstring math goes to MathJax; show_doc's Pandoc-style links became HTML; no Quarto syntax leaks."
    returns = site / 'math' / 'returns.html'
    if returns.exists():
        s = returns.read_text(encoding='utf-8')
        assert 'class="math notranslate nohighlight">\\(' in s and 'mathjax' in s.lower()
    for page in site.rglob('*.html'):
        t = page_text(page)
        assert '{target=' not in t and not re.search(r'#\| (echo|output|include):', t), \
            f'unprocessed Quarto syntax on {page.relative_to(site)}'


def test_readme_is_up_to_date(tmp_path):
    "README.md is what `python tools/docs_prep.py --readme` makes from nbs/index.ipynb."
    out = tmp_path / 'README.md'
    _run([PREP, '--readme', out], timeout=120)
    new, old = out.read_text(encoding='utf-8'), (ROOT / 'README.md').read_text(encoding='utf-8')
    assert new == old, 'README.md is out of date with nbs/index.ipynb: run `python tools/docs_prep.py --readme`'
    assert new.lstrip().splitlines()[2] == '# rlkit', new[:200]
    assert '> Notebook-first reinforcement learning' in new


def test_quarto_config_is_valid():
    "_quarto.yml (root) is nbdev 2's default site config; nbs/_quarto.yml links to it; styles.css exists."
    q = yaml.safe_load((ROOT / '_quarto.yml').read_text(encoding='utf-8'))
    assert q['project']['type'] == 'website'
    h = q['format']['html']
    assert h['theme'] == 'cosmo' and h['css'] == 'styles.css' and h['toc'] is True and h['keep-md'] is True
    assert {'navbar', 'sidebar'} <= set(q['website'])
    assert q['metadata-files'] == ['nbdev.yml', 'sidebar.yml']
    link = ROOT / 'nbs' / '_quarto.yml'
    assert link.is_symlink() and link.resolve() == (ROOT / '_quarto.yml').resolve()
    assert (ROOT / 'nbs' / 'styles.css').exists()
