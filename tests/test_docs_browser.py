"""The built docs site renders in a real browser (headless Debian `chromium`) without errors.

The site is built into a temporary folder and served on 127.0.0.1 (a free port, `http.server` in a thread, stopped at
the end). Each page is opened twice: `--dump-dom` (the DOM after scripts ran, plus the console log on stderr) and
`--screenshot` (to check that it painted).

What counts as an error:
* a console message whose source is our server (furo logs nothing on a healthy page), and any "Uncaught" exception;
* a request to our server answered with 4xx/5xx (a missing stylesheet, script or image), except /favicon.ico.
External hosts are made unreachable (`--host-resolver-rules`), so MathJax from jsdelivr (Sphinx's default, fine for
the published site) does not load here: the math stays as `\\(...\\)` source text, and that failed load is neither a
console message nor a request to our server, so it is not counted. A canary page with a deliberate uncaught error and
a missing script proves that the checks see errors.

Needs `chromium` on PATH (`make test-slow` installs it with apt-get); skipped otherwise. The test installs nothing.
"""
import html
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which('chromium')
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason='chromium is not installed (make test-slow installs it: '
                                                          'apt-get install -y chromium)')]
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
         '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--virtual-time-budget=5000',
         '--enable-logging=stderr', '--v=0', '--window-size=1280,1600']
_re_console = re.compile(r':CONSOLE(?:\(\d+\)|:\d+)\] "(?P<msg>.*)", source: (?P<src>\S*)')


def _run(args, **kw):
    res = subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True, text=True, **kw)
    assert res.returncode == 0, f"{' '.join(map(str, args))} failed:\n{res.stdout[-4000:]}\n{res.stderr[-8000:]}"


@pytest.fixture(scope='module')
def site(tmp_path_factory) -> Path:
    "The docs built into a temporary folder, as `make docs` builds them."
    tmp = tmp_path_factory.mktemp('docs')
    _run([ROOT / 'tools' / 'docs_prep.py', '--sphinx', '--build', tmp], timeout=300)
    _run(['-m', 'sphinx', '-W', '--keep-going', '-q', '-b', 'html', '-c', ROOT / 'tools' / 'sphinx',
          tmp / 'docs_src', tmp / '_site'], timeout=300)
    return tmp / '_site'


class _Handler(SimpleHTTPRequestHandler):
    requests: list  # (path, status), per server
    def log_request(self, code='-', size='-'):
        self.requests.append((self.path, int(code) if str(code).isdigit() else 0))
    def log_message(self, *args): pass


@pytest.fixture(scope='module')
def server(site):
    "Serve the site on 127.0.0.1 (free port) in a thread; yields (base_url, requests log)."
    log = []
    handler = type('Handler', (_Handler,), {'requests': log})
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), partial(handler, directory=str(site)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try: yield f'http://127.0.0.1:{httpd.server_address[1]}', log
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(10)


def open_page(url: str, base: str, log: list, shot: Path | None = None) -> tuple[str, list[str]]:
    "Open `url` in headless chromium: (DOM after scripts, list of errors); with `shot`, also save a screenshot."
    errors = []
    with tempfile.TemporaryDirectory() as prof:
        n0 = len(log)
        res = subprocess.run([CHROMIUM, *FLAGS, f'--user-data-dir={prof}', '--dump-dom', url],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, f'chromium failed on {url}:\n{res.stderr[-3000:]}'
        for m in _re_console.finditer(res.stderr):
            if m['src'].startswith(base) or 'Uncaught' in m['msg']: errors.append(f"console: {m['msg']} ({m['src']})")
        for path, status in log[n0:]:
            if status >= 400 and not path.startswith('/favicon.ico'): errors.append(f'HTTP {status}: {path}')
        if shot is not None:
            subprocess.run([CHROMIUM, *FLAGS, f'--user-data-dir={prof}', f'--screenshot={shot}', url],
                           capture_output=True, text=True, timeout=120)
    return res.stdout, errors


def _text(dom: str) -> str:
    s = re.sub(r'<(script|style)\b.*?</\1>', ' ', dom, flags=re.S | re.I)
    return re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', ' ', s)))


def _painted(png: Path) -> bool:
    "The screenshot exists and is not blank: many colours and dark (text) pixels on a light page."
    from PIL import Image
    im = Image.open(png).convert('RGB')
    colours = im.getcolors(maxcolors=1 << 20) or []
    dark = sum(n for n, c in colours if sum(c) < 200)
    return len(colours) > 50 and dark > 500


def _first(site: Path, folder: str, preferred: str) -> str | None:
    if (site / folder / preferred).exists(): return f'{folder}/{preferred}'
    pages = sorted((site / folder).glob('*.html')) if (site / folder).is_dir() else []
    return f'{folder}/{pages[0].name}' if pages else None


def test_checks_catch_errors(site, server, tmp_path):
    "A canary page with an uncaught error and a missing local script is reported: the checks below can fail."
    base, log = server
    (site / '_canary.html').write_text('<html><body><p>canary</p><script src="missing.js"></script>'
                                       '<script>throw new Error("canary-boom")</script></body></html>')
    dom, errors = open_page(f'{base}/_canary.html', base, log)
    assert 'canary' in dom
    assert any('canary-boom' in e for e in errors), errors
    assert any('HTTP 404' in e and 'missing.js' in e for e in errors), errors


def test_pages_render_without_errors(site, server, tmp_path):
    "Home, a core page and a job page: content present (sidebar, show_doc signature), painted, no errors."
    base, log = server
    pages = {'index.html': ['rlkit', 'Two commands', 'Four ways to use rlkit', 'Core']}
    core = _first(site, 'core', 'config.html')
    assert core, 'no core page was built'
    pages[core] = ['source', 'def ']  # show_doc: source link and signature
    job = _first(site, 'jobs', 'train.html')
    if job: pages[job] = ['papermill']
    problems = []
    for page, expected in pages.items():
        shot = tmp_path / (page.replace('/', '_') + '.png')
        dom, errors = open_page(f'{base}/{page}', base, log, shot)
        text = _text(dom)
        problems += [f'{page}: {e}' for e in errors]
        problems += [f'{page}: {w!r} not in the rendered page' for w in expected if w not in text]
        if 'furo' not in dom or 'sidebar-tree' not in dom: problems.append(f'{page}: no furo sidebar in the DOM')
        if not shot.exists() or not _painted(shot): problems.append(f'{page}: the screenshot is blank')
    assert not problems, '\n'.join(problems)
