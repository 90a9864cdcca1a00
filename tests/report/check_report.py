#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks of `fveval report` output against the results files it was made from.

  check_report.py data REPORT.html RESULTS.json...   the page's data and static tables
  check_report.py dom DOM.html PAGE_SIZE [sort=COLUMN:asc|desc] RESULTS.json...
                                                     the tables a browser drew (sorted)
  check_report.py pixels SHOT.png MIN_PIXELS RRGGBB...   a screenshot shows these colours
  check_report.py png CHART.png WIDTH HEIGHT RRGGBB     a chart image
"""
import base64
import html.parser
import json
import math
import re
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""

    def all(self, tag=None, **attrs):
        for c in self.children:
            if (tag is None or c.tag == tag) and all(c.attrs.get(k) == v for k, v in attrs.items()):
                yield c
            yield from c.all(tag, **attrs)

    def find(self, tag=None, **attrs):
        return next(self.all(tag, **attrs), None)

    def content(self):
        return self.text + "".join(c.content() for c in self.children)


class Tree(html.parser.HTMLParser):
    VOID = {"meta", "img", "input", "br", "link", "hr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#root", {}, None)
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        # text after a child goes to a text node so content() keeps the order
        t = Node("#text", {}, self.cur)
        t.text = data
        self.cur.children.append(t)


def expected_cell(doc, result):
    """What fveval's reader makes of a result, in the page's cell form."""
    if result is None:
        return None
    details = result.get("details") or {}
    skipped, error = result.get("skipped"), result.get("error")
    if doc["fveval"]["schema"] == 1 and isinstance(details.get("skipped"), str):
        text = details["skipped"]
        if details.get("error") is True:
            error = text[7:] if text.startswith("error: ") else text
        else:
            skipped = text
    if isinstance(error, str):
        return ["error", error]
    if isinstance(skipped, str):
        return ["skipped", skipped]
    if isinstance(result.get("score"), (int, float)):
        return float(result["score"])
    return ["no score", "the metric gave no finite score"]


def generated(doc):
    return [s for s in doc["samples"] if s.get("role") != "reference"]


def load_data(page):
    m = re.search(r'<script type="application/json" id="fveval-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def table(data, tid):
    return next((t for t in data["tables"] if t["id"] == tid), None)


def metric_columns(cols):
    """{(metric, run): column} for score columns; run is 0 for a single run."""
    out = {}
    for i, c in enumerate(cols):
        if c["t"] == "score":
            if "g" in c:
                out[(c["g"], int(c["h"].split()[1]) - 1)] = i
            else:
                out[(c["h"], 0)] = i
    return out


def check_data(page_path, docs):
    page = open(page_path, encoding="utf-8").read()
    check("Content-Security-Policy" in page and "default-src 'none'" in page, "no CSP that keeps the page offline")
    check(not re.search(r'(src|href)\s*=\s*"(https?:)?//', page), "the page references something on the network")
    data = load_data(page)
    samples = table(data, "samples-table")
    by_index = [{s["index"]: s for s in generated(d)} for d in docs]
    cols = samples["cols"]
    mcols = metric_columns(cols)
    metrics = sorted({m for m, _ in mcols})
    want_rows = sorted(set().union(*[set(b) for b in by_index]))
    check([r[0] for r in samples["rows"]] == want_rows, "the table's rows are not the samples, in order")
    checked = 0
    for row in samples["rows"]:
        for m in metrics:
            for k, doc in enumerate(docs):
                s = by_index[k].get(row[0])
                want = expected_cell(doc, s["results"].get(m)) if s else None
                got = row[mcols[(m, k)]]
                check(got == want, "sample %d %s run %d: %r in the page, %r in the file" % (row[0], m, k + 1, got, want))
                checked += 1
    for i, c in enumerate(cols):
        if c["t"] == "delta":
            for row in samples["rows"]:
                a, b = row[c["a"]], row[c["b"]]
                want = b - a if isinstance(a, float) and isinstance(b, float) else None
                check(row[i] == want, "sample %d %s: delta %r, want %r" % (row[0], c["g"], row[i], want))
    # one column per run for each metric, and a delta column per later run
    for m in metrics:
        check(sum(1 for c in cols if c.get("g", c["h"]) == m and c["t"] == "score") == len(docs),
              "%s: not one column per run" % m)
        check(sum(1 for c in cols if c.get("g") == m and c["t"] == "delta") == len(docs) - 1,
              "%s: not one delta column per later run" % m)
    # problems: every skip and error of every run, and the warnings
    problems = table(data, "problems-table")
    want = 0
    for doc in docs:
        for s in generated(doc):
            want += len(s.get("warnings", []))
            want += sum(1 for r in s["results"].values() if not isinstance(expected_cell(doc, r), float))
    got = len(problems["rows"]) if problems else 0
    check(got == want, "%d problem rows, want %d" % (got, want))
    tree = Tree(page).root
    # skips and errors by reason, a count per run
    groups = {}
    for k, doc in enumerate(docs):
        for s in generated(doc):
            for m, r in s["results"].items():
                c = expected_cell(doc, r)
                if not isinstance(c, float):
                    groups.setdefault((m, c[0], c[1]), [0] * len(docs))[k] += 1
    reasons = tree.find("table", **{"class": "reasons"})
    got_groups = {}
    for tr in reasons.find("tbody").all("tr") if reasons else []:
        tds = [td.content() for td in tr.all("td")]
        got_groups[tuple(tds[:3])] = [int(n) for n in tds[3:]]
    top = sorted(groups.items(), key=lambda g: -sum(g[1]))[:30]  # most frequent first, stable
    check(list(got_groups.items()) == top, "reasons: %r, want %r" % (got_groups, top))
    # static summary: mean and std per metric and run, as computed from the file
    summary = tree.find("table", **{"class": "summary"})
    for tr in summary.find("tbody").all("tr"):
        name = tr.find("th").content()
        if name not in metrics:
            continue
        for k, doc in enumerate(docs):
            td = tr.find("td", **{"data-run": str(k + 1)})
            vals = [expected_cell(doc, s["results"].get(name)) for s in generated(doc)]
            vals = [v for v in vals if isinstance(v, float)]
            mean = sum(vals) / len(vals)
            std = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))
            spans = list(td.all("span"))
            check(math.isclose(float(spans[0].attrs["title"]), mean, rel_tol=1e-12), "%s run %d: mean" % (name, k + 1))
            check(math.isclose(float(spans[1].attrs["title"]), std, rel_tol=1e-12), "%s run %d: std" % (name, k + 1))
            check("n=%d," % len(vals) in td.content(), "%s run %d: n" % (name, k + 1))
    # one chart per per-sample metric, each an SVG that cairo wrote
    figures = list(tree.all("figure"))
    check(sorted(f.attrs["data-metric"] for f in figures) == metrics, "not one chart per metric")
    for f in figures:
        src = f.find("img").attrs["src"]
        check(src.startswith("data:image/svg+xml;base64,"), "a chart is not inline SVG")
        svg = base64.b64decode(src.split(",", 1)[1]).decode()
        check("<svg" in svg and "</svg>" in svg, "a chart's SVG is incomplete")
    print("data: %d cells, %d problem rows checked" % (checked, got))


def js_order(rows, col, desc):
    """The order the page's script sorts rows by column col: numbers, then statuses, then absent."""
    import functools

    def rank(v):
        return 0 if isinstance(v, (int, float, str)) else 1 if isinstance(v, list) else 2

    def cmp(a, b):
        va, vb = rows[a][col], rows[b][col]
        if rank(va) != rank(vb):
            return rank(va) - rank(vb)
        d = 0
        if rank(va) == 0:
            d = (va > vb) - (va < vb)
        elif rank(va) == 1:
            d = (va[0] > vb[0]) - (va[0] < vb[0])
        if desc:
            d = -d
        return d or a - b
    return sorted(range(len(rows)), key=functools.cmp_to_key(cmp))


def check_dom(dom_path, page_size, docs, sort=None):
    tree = Tree(open(dom_path, encoding="utf-8").read()).root
    data = load_data(open(dom_path, encoding="utf-8").read())
    container = tree.find("div", id="samples-table")
    body = container.find("tbody") if container else None
    if body is None:
        check(False, "the script drew no samples table")
        return
    rows = list(body.all("tr"))
    spec = table(data, "samples-table")
    n = len(spec["rows"])
    check(len(rows) == min(n, page_size), "%d rows drawn, want a page of %d" % (len(rows), min(n, page_size)))
    info = container.find("span", **{"class": "info"}).content()
    check(("of %d," % n) in info, "the pager says %r" % info)
    heads = [th.content() for th in container.find("thead").all("th") if th.attrs.get("class", "").startswith("sortable")]
    check(heads == [c["h"] for c in spec["cols"]], "headings %r" % heads)
    want_rows = spec["rows"]
    if sort:
        col, direction = int(sort[0]), sort[1]
        want_rows = [spec["rows"][i] for i in js_order(spec["rows"], col, direction == "desc")]
        th = [t for t in container.find("thead").all("th") if t.attrs.get("class", "").startswith("sortable")][col]
        check(th.attrs["class"] == "sortable " + direction, "the sorted heading is marked %r" % th.attrs["class"])
    for tr, want in zip(rows, want_rows):
        tds = list(tr.all("td"))
        check(len(tds) == len(want), "row %s: %d cells" % (want[0], len(tds)))
        for td, v, col in zip(tds, want, spec["cols"]):
            cls = td.attrs.get("class", "").split()
            if isinstance(v, (int, float)) and col["t"] != "text":
                check(float(td.attrs["title"]) == v, "row %s: %r shown for %r" % (want[0], td.attrs.get("title"), v))
                check(math.isclose(float(td.content()), v, rel_tol=1e-5, abs_tol=1e-300),
                      "row %s: text %r for %r" % (want[0], td.content(), v))
            elif isinstance(v, list) and col["t"] != "text":
                check(td.content() == v[0] and td.attrs.get("title") == v[1], "row %s: status %r" % (want[0], v))
            elif v is None:
                check("absent" in cls, "row %s: an absent result not marked" % want[0])
            # runs 2..: better / worse against run 1 by the metric's direction
            if col["t"] == "score" and "base" in col:
                a = want[col["base"]]
                if isinstance(a, float) and isinstance(v, float) and abs(a - v) > 1e-6 * max(abs(a), abs(v)):
                    good = (v - a) * col["dir"] > 0
                    check(("better" if good else "worse") in cls, "row %s %s: %r vs %r not highlighted %s" %
                          (want[0], col["g"], v, a, "better" if good else "worse"))
                elif a == v:
                    check(not {"better", "worse", "diff"} & set(cls), "row %s: equal values highlighted" % want[0])
    print("dom: %d rows of %d checked" % (len(rows), n))


def count_colour(img, rgb, tol=3):
    import numpy as np
    r, g, b = (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255
    d = np.abs(img[:, :, :3].astype(int) - np.array([b, g, r]))  # OpenCV reads BGR
    return int((d.max(axis=2) <= tol).sum())


def check_pixels(path, min_pixels, colours):
    import cv2
    import numpy as np
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    check(img is not None and img.size > 0, "the screenshot does not read")
    check(len(np.unique(img.reshape(-1, 3), axis=0)) > 16, "the screenshot is blank")
    for c in colours:
        n = count_colour(img, int(c, 16))
        check(n >= min_pixels, "colour #%s: %d pixels, want at least %d" % (c, n, min_pixels))
        print("pixels: #%s %d" % (c, n))


def check_png(path, width, height, colour):
    import cv2
    check(open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG")
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    check(img.shape[1] == width and img.shape[0] == height, "PNG is %dx%d" % (img.shape[1], img.shape[0]))
    n = count_colour(img, int(colour, 16), tol=0)
    check(n > width * height // 50, "PNG: %d bar pixels" % n)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "data":
        check_data(args[0], [json.load(open(p)) for p in args[1:]])
    elif mode == "dom":
        sort = args[2].split(":") if args[2].startswith("sort=") else None
        if sort:
            sort[0] = sort[0][len("sort="):]
            args = args[:2] + args[3:]
        check_dom(args[0], int(args[1]), [json.load(open(p)) for p in args[2:]], sort)
    elif mode == "pixels":
        check_pixels(args[0], int(args[1]), args[2:])
    elif mode == "png":
        check_png(args[0], int(args[1]), int(args[2]), args[3])
    for f in failures[:20]:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


main()
