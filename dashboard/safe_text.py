"""Text from data (the feed, the events file, the page address) made safe for where it is shown.

Streamlit renders markdown in ``st.markdown``, ``st.caption``, ``st.info/warning/error/success``, widget
labels and ``help=``; plotly renders a subset of HTML (``<a href>``, ``<b>``, ``<span style>``...) in every
text, hover text, legend name, title and annotation, on the page and in exported SVGs. A value that reaches
either unescaped can show a clickable link, load a remote image or fake the page. So, everywhere a value
that the code did not write itself is put into such text:

======================================  =======================================================================
where the text goes                     wrap the data part in
======================================  =======================================================================
Streamlit markdown (any ``st.*`` that   ``md(value)`` — every markdown/HTML/LaTeX special character escaped,
renders markdown, labels, help)         newlines folded, so it shows literally
a link on the page                      ``md_link(label, url)`` — only for http(s) URLs that :func:`safe_url`
                                        accepts; anything else is shown as plain text
plotly text (hovertext, text, name,     ``plotly_text(value)`` — ``&``, ``<``, ``>`` escaped (plotly shows the
titles, annotations, hovertemplate)     characters, never a tag)
a plotly hovertemplate                  ``plotly_template(value)`` — as ``plotly_text`` and ``%{`` neutralised
======================================  =======================================================================

Write the code's own markup around the escaped value: ``st.markdown(f"**{md(name)}** — {md(reason)}")``,
``hover = f"<b>{plotly_text(title)}</b><br>{plotly_text(summary)}"``.

:func:`defang_figure` is the last line of defence for figures (the page and every export call it): any
``<a`` / ``</a>`` left in a figure's text becomes visible text, so no figure ever carries a link.
"""
from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote, urlsplit

# Characters with a markdown meaning anywhere in a line (emphasis, code, links, images, HTML, LaTeX,
# strikethrough, Streamlit's :color[...] directives). Escaping only these keeps dates and times readable
# ("2023-12-20 10:25" stays as it is) while no value can form a link, an image, a tag or a formula.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>$~&])")
# Autolinks and Streamlit directives: "https://", "www.", "a@b.c", ":material/...:", ":red[...]", ":smile:".
_MD_CONTEXT = re.compile(r"(?<=:)(?=[a-z/])|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
# Block markers at the start of the text: "- item", "+ item", "1. item", "# title", "> quote".
_MD_LINE_START = re.compile(r"^(\s*\d*)([-+#>=.)])")
_WS = re.compile(r"\s+")


def md(value: Any) -> str:
    """``value`` as markdown that renders as exactly its text (one line). None/NaN -> ''."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN
            return ""
    except Exception:  # pd.NA and friends refuse comparison
        return ""
    text = _WS.sub(" ", str(value)).strip()
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # Streamlit's markdown turns "https://...", "www." and "a@b.c" in *text* into links after parsing
    # (GFM autolink literals), so escapes do not help there: a word joiner (U+2060, invisible) breaks them.
    text = _MD_CONTEXT.sub("\u2060", text)
    m = _MD_LINE_START.match(text)
    if m and (not m.group(1).strip() or m.group(2) in ".)"):  # "- x", "# x" or "1. x" / "1) x"
        text = m.group(1) + "\\" + text[m.end(1):]
    return text


def safe_url(url: Any, *, schemes: tuple[str, ...] = ("https",)) -> str | None:
    """``url`` if it is an absolute URL with an allowed scheme, a host, and no characters that could break
    out of a markdown link or an HTML attribute; else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > 2000 or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    if any(c in url for c in "<>\"'`()[]{}\\|^"):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not parts.hostname or parts.username or parts.password:
        return None
    return url


def md_link(label: Any, url: Any, *, schemes: tuple[str, ...] = ("https",)) -> str:
    """A markdown link with escaped ``label`` to ``url`` if :func:`safe_url` accepts it, else the label
    followed by the URL as plain escaped text."""
    ok = safe_url(url, schemes=schemes)
    if ok is None:
        return md(label) + (f" ({md(url)})" if url else "")
    return f"[{md(label)}](<{quote(ok, safe=':/?#@!$&*+,;=%~.-_')}>)"


def domain(url: Any) -> str:
    """The host of a URL without ``www.`` (for link labels), '' if none."""
    try:
        host = urlsplit(str(url)).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def plotly_text(value: Any) -> str:
    """``value`` for any plotly text attribute: shown as its characters, never as markup."""
    if value is None:
        return ""
    return html.escape(str(value), quote=False)


def plotly_template(value: Any) -> str:
    """``value`` for use inside a plotly ``hovertemplate`` (``%{...}`` would be evaluated there)."""
    return plotly_text(value).replace("%{", "%\u200b{")


_LINK_TAG = re.compile(r"<\s*(/?\s*a\b)", re.IGNORECASE)
_TEXT_KEYS = ("text", "hovertext", "name", "hovertemplate", "texttemplate", "ticktext", "title")


def _defang(v: Any) -> Any:
    if isinstance(v, str):
        return _LINK_TAG.sub(r"&lt;\1", v) if "<" in v else v
    if isinstance(v, (list, tuple)):
        if any(isinstance(x, str) and "<" in x for x in v):
            return [(_LINK_TAG.sub(r"&lt;\1", x) if isinstance(x, str) else x) for x in v]
    return v


def _has_link_tag(obj: Any) -> bool:
    """True when any string inside ``obj`` (plain dicts, lists, tuples) holds an ``<a`` tag."""
    if isinstance(obj, str):
        return "<" in obj and _LINK_TAG.search(obj) is not None
    if isinstance(obj, dict):
        return any(_has_link_tag(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_has_link_tag(v) for v in obj)
    return False


def defang_figure(fig):
    """Make sure no text in ``fig`` (a plotly Figure, changed in place and returned) is a link tag."""
    # Fast path: scan the figure's own plain dicts once (reading every property through plotly's
    # validators cost ~0.3-0.5 s per chart on a page rerun); walk and rewrite only when a tag is there.
    raw = (getattr(fig, "_data", None), getattr(fig, "_layout", None))
    if raw[0] is None or raw[1] is None:
        raw = fig.to_dict()
    if not _has_link_tag(raw):
        return fig

    def walk(obj) -> None:
        for key in _TEXT_KEYS:
            try:
                val = obj[key]
            except (KeyError, ValueError, TypeError, AttributeError):
                continue
            if isinstance(val, (str, list, tuple)):
                new = _defang(val)
                if new is not val and new != val:
                    obj[key] = new
            elif val is not None and hasattr(val, "__getitem__") and key == "title":
                walk(val)
    for trace in fig.data:
        walk(trace)
    layout = fig.layout
    walk(layout)
    for ann in layout.annotations or ():
        walk(ann)
    for shape in layout.shapes or ():
        walk(shape)
    for ax in ("xaxis", "yaxis", "legend", "legend2"):
        try:
            sub = layout[ax]
        except (KeyError, ValueError):
            continue
        if sub is not None:
            walk(sub)
    return fig
