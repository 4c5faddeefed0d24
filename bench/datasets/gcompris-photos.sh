#!/usr/bin/env bash
# gcompris-photos: a small 5-class dataset of real photographs, assembled offline
# from the Debian package gcompris-qt-data (bookworm, version 3.1-2).
#
# Output: ${OUT:-/work/datasets/gcompris-photos}/{train,val,test}/CLASS/*.jpg
#         plus manifest.tsv (split, class, file, source path in package, sha256)
#         and ATTRIBUTION.tsv (per image: author, licence, original URL).
#
# Classes and where they come from (paths inside the package's Qt .rcc files;
# the label is the GCompris folder/activity the photo ships in, not a guess):
#   animals           explore_farm_animals/resource/animals/*.webp (9),
#                     explore_world_animals/resource/animals/*.webp (15),
#                     erase/resource/*.webp (33; every file is a named animal species).
#                     Contains no fish (fish photos are only in "fishes").
#   fishes            categorization/resource/images/fishes/*.webp
#   monuments         categorization/resource/images/monuments/*.webp
#                     + explore_monuments/resource/*/*.webp
#   renewable_energy  categorization/resource/images/renewable/*.webp (dams, solar, windmills)
#   tools             categorization/resource/images/tools/*.webp (hand tools)
# Not used: categorization "others" (incoherent class), paintings/details (artworks),
# lang words (drawings), svg/svgz (drawings).
#
# LICENCE / ATTRIBUTION: GCompris (https://gcompris.net, KDE) is GPL-3.0-or-later; the
# photos are third-party images, mostly from Wikimedia Commons, publicdomainpictures.net
# and maxpixel.net, each with its own licence recorded in the README next to it in the
# package: Public Domain, CC0-1.0, CC-BY-2.0/3.0/4.0, CC-BY-SA-3.0/4.0. This script copies
# the author, licence and source URL of every image into ATTRIBUTION.tsv; keep that file
# with the images (CC-BY/CC-BY-SA require attribution; CC-BY-SA derivatives stay BY-SA).
# GCompris' README says the images were cropped/sharpened/rescaled from the originals.
#
# Split: stratified 60/20/20 per class with a fixed seed (42). Exact / near duplicates
# (same photo shipped by two activities, dHash distance <= 6) are kept once; photos of the
# same monument (e.g. two Eiffel Tower photos) are kept but forced into the same split.
#
# Needs: apt (Debian bookworm), dpkg-deb, python3 with PIL (python3-pil, WebP support).
set -euo pipefail

PKG=gcompris-qt-data
VER=${GCOMPRIS_VER:-3.1-2}
OUT=${OUT:-/work/datasets/gcompris-photos}
SEED=${SEED:-42}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
  apt-get install -y -q python3-pil
fi

cd "$WORK"
apt-get download "$PKG=$VER" 2>/dev/null || apt-get download "$PKG"
dpkg-deb -x "$PKG"_*.deb pkg
dpkg-deb -f "$PKG"_*.deb Version > pkgversion

rm -rf "$OUT"
mkdir -p "$OUT"

/usr/bin/python3 - "$WORK/pkg/usr/share/gcompris-qt/rcc" "$OUT" "$SEED" "$(cat pkgversion)" <<'PY'
import sys, os, struct, zlib, re, io, random, hashlib, glob
from collections import defaultdict
from PIL import Image

rccdir, out, seed, pkgver = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def rcc_files(path):
    """Yield (path, bytes) from a Qt binary resource (.rcc) file."""
    b = open(path, 'rb').read()
    assert b[:4] == b'qres', path
    ver, tree, data, names = struct.unpack('>iiii', b[4:20])
    es = 14 if ver == 1 else 22
    def name(off):
        o = names + off; ln = struct.unpack('>H', b[o:o+2])[0]
        return b[o+6:o+6+2*ln].decode('utf-16-be')
    stack = [(0, '')]
    while stack:
        i, prefix = stack.pop()
        o = tree + i*es
        noff, flags = struct.unpack('>iH', b[o:o+6])
        p = prefix + '/' + name(noff) if i else ''
        if flags & 2:
            cnt, first = struct.unpack('>ii', b[o+6:o+14])
            stack.extend((c, p) for c in range(first, first+cnt))
        else:
            doff = struct.unpack('>i', b[o+10:o+14])[0]
            d = data + doff; sz = struct.unpack('>I', b[d:d+4])[0]; raw = b[d+4:d+4+sz]
            if flags & 1: raw = zlib.decompress(raw[4:])
            elif flags & 4: raise RuntimeError('zstd-compressed entry in ' + path)
            yield p.lstrip('/'), raw

files = {}
for act in ['categorization', 'explore_farm_animals', 'explore_world_animals', 'erase', 'explore_monuments']:
    for p, raw in rcc_files(os.path.join(rccdir, act + '.rcc')):
        files[p] = raw

A = 'gcompris/src/activities/'
rules = [  # (class, regex on package path)
    ('animals', A + r'explore_farm_animals/resource/animals/[^/]+\.webp$'),
    ('animals', A + r'explore_world_animals/resource/animals/[^/]+\.webp$'),
    ('animals', A + r'erase/resource/[^/]+\.webp$'),
    ('fishes', A + r'categorization/resource/images/fishes/[^/]+\.webp$'),
    ('monuments', A + r'categorization/resource/images/monuments/[^/]+\.webp$'),
    ('monuments', A + r'explore_monuments/resource/[^/]+/[^/]+\.webp$'),
    ('renewable_energy', A + r'categorization/resource/images/renewable/[^/]+\.webp$'),
    ('tools', A + r'categorization/resource/images/tools/[^/]+\.webp$'),
]

# File names misspelt in the package's README files (3.1-2).
README_TYPOS = {'screDriver.webp': 'screwDriver.webp', 'audaPalatina.webp': 'aulaPalatina.webp'}

def parse_readme(text):
    """GCompris README blocks: Copyright/Source/License/Comments/Files -> {basename: info}."""
    info = {}
    for block in re.split(r'\n\s*\n', text):
        fields, key = {}, None
        for line in block.splitlines():
            m = re.match(r'^(Copyright|Source|License|Comments?|Files?|Author)\s*:\s*(.*)$', line.strip(), re.I)
            if m:
                key = m.group(1).lower().rstrip('s'); fields.setdefault(key, []).append(m.group(2).strip())
            elif key and line.strip():
                fields[key].append(line.strip())
        meta = {k: ' '.join(x for x in v if x) for k, v in fields.items() if k != 'file'}
        if 'license' in meta:  # normalise spelling variants
            meta['license'] = re.sub(r'^(CC[-A-Z]*?)[ -](\d\.\d)$', r'\1-\2', meta['license'].strip())
            meta['license'] = re.sub(r'(?i)^public domain$', 'Public Domain', meta['license'])
        for f in fields.get('file', []):
            for tok in f.split():
                b = os.path.basename(tok)
                info[README_TYPOS.get(b, b)] = meta
    return info

def readme_for(p):
    d = os.path.dirname(p)
    while d:
        r = files.get(d + '/README')
        if r is not None:
            inf = parse_readme(r.decode('utf-8', 'replace'))
            if os.path.basename(p) in inf: return inf[os.path.basename(p)]
            rel = p[len(d)+1:]
            if rel in inf: return inf[rel]
        d = os.path.dirname(d)
    return {}

def dhash(im):
    g = im.convert('L').resize((9, 8), Image.LANCZOS)
    px = list(g.getdata())
    return sum(1 << i for i in range(64) if px[(i//8)*9 + i%8] > px[(i//8)*9 + i%8 + 1])

# Photos of the same subject shipped under different names (kept together in one split).
alias = {'kutubminar': 'qutubminar', 'greatpyramidofgiza': 'greatpyramid', 'greatwallofchina': 'greatwall',
         'statueofliberty': 'statueofliberty', 'mysorepalace': 'mysorepalace'}
def group_key(cls, p):
    s = re.sub(r'[^a-z]', '', os.path.splitext(os.path.basename(p))[0].lower())
    if cls == 'monuments':
        return alias.get(s, s)
    return p  # other classes: every photo is its own group

items, seen = [], []
for p in sorted(files):
    cls = next((c for c, rx in rules if re.match(rx, p)), None)
    if cls is None: continue
    im = Image.open(io.BytesIO(files[p]))
    if im.mode in ('RGBA', 'LA', 'P'):
        im = im.convert('RGBA'); bg = Image.new('RGBA', im.size, (255, 255, 255, 255)); bg.alpha_composite(im); im = bg
    im = im.convert('RGB')
    h = dhash(im)
    dup = next((q for q, hh in seen if bin(h ^ hh).count('1') <= 6), None)
    if dup:
        print(f'skip near-duplicate {p} (of {dup})', file=sys.stderr); continue
    seen.append((p, h))
    items.append(dict(cls=cls, src=p, im=im, group=group_key(cls, p), meta=readme_for(p),
                      sha=hashlib.sha256(files[p]).hexdigest()))

rng = random.Random(seed)
by_cls = defaultdict(list)
for it in items: by_cls[it['cls']].append(it)
rows, attr = [], []
for cls in sorted(by_cls):
    groups = defaultdict(list)
    for it in by_cls[cls]: groups[it['group']].append(it)
    keys = sorted(groups); rng.shuffle(keys)
    n = len(by_cls[cls]); targets = {'test': round(0.2*n), 'val': round(0.2*n)}
    counts = {'train': 0, 'val': 0, 'test': 0}
    for k in keys:
        g = groups[k]
        split = next((s for s in ('test', 'val') if counts[s] + len(g) <= targets[s]), 'train')
        counts[split] += len(g)
        for it in g:
            parts = it['src'].split('/')
            act = parts[3]
            stem = os.path.splitext(parts[-1])[0]
            sub = parts[-2] if act == 'explore_monuments' else ''
            name = '_'.join(x for x in (act, sub, stem) if x) + '.jpg'
            d = os.path.join(out, split, cls); os.makedirs(d, exist_ok=True)
            it['im'].save(os.path.join(d, name), 'JPEG', quality=95)
            rows.append((split, cls, f'{split}/{cls}/{name}', it['src'], f"{it['im'].width}x{it['im'].height}", it['sha']))
            m = it['meta']
            attr.append((f'{split}/{cls}/{name}', m.get('copyright', ''), m.get('license', ''), m.get('source', ''),
                         m.get('comment', ''), it['src']))

with open(os.path.join(out, 'manifest.tsv'), 'w') as f:
    f.write(f'# gcompris-qt-data {pkgver}, seed {seed}\nsplit\tclass\tfile\tpackage_path\tsize\tsha256_of_package_file\n')
    for r in sorted(rows): f.write('\t'.join(r) + '\n')
with open(os.path.join(out, 'ATTRIBUTION.tsv'), 'w') as f:
    f.write('file\tauthor_copyright\tlicence\toriginal_source\tcomment\tpackage_path\n')
    for r in sorted(attr): f.write('\t'.join(x.replace('\t', ' ') for x in r) + '\n')

tab = defaultdict(lambda: defaultdict(int))
for s, c, *_ in rows: tab[c][s] += 1
print(f'{"class":18s} train  val test total')
for c in sorted(tab):
    t = tab[c]; print(f'{c:18s} {t["train"]:5d} {t["val"]:4d} {t["test"]:4d} {sum(t.values()):5d}')
print(f'{"TOTAL":18s} {sum(t["train"] for t in tab.values()):5d} {sum(t["val"] for t in tab.values()):4d} '
      f'{sum(t["test"] for t in tab.values()):4d} {len(rows):5d}')
missing = [a[0] for a in attr if not a[2]]
if missing: print('WARNING: no licence found for', missing, file=sys.stderr)
PY
echo "written to $OUT"
