"""Find text that renders as missing glyphs ("tofu") in a page open in Chromium.

For every visible character outside ASCII, in the font the page computes for it, the character is drawn
on a canvas and compared, pixel for pixel, with a character no font has (U+10FFFD, private use). The
canvas uses the page's font list and the browser's font fallback, so a match means the reader sees
the same empty box. Whitespace and zero-width characters draw nothing and are skipped.
"""

from __future__ import annotations

MISSING = "\U0010fffd"

FIND_TOFU = r"""() => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    const pixels = (font, ch) => {
        ctx.clearRect(0, 0, 64, 64);
        ctx.font = font; ctx.textBaseline = 'top'; ctx.fillStyle = '#000';
        ctx.fillText(ch, 4, 4);
        return new Uint32Array(ctx.getImageData(0, 0, 64, 64).data.buffer);  // one number a pixel
    };
    const same = (a, b) => { for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; };
    const missing = new Map();  // font -> pixels of a glyph no font has
    const found = new Map();    // char -> a sample of the text it appears in
    const seen = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const element = node.parentElement;
        if (!element || element.closest('script, style, noscript, template, svg')) continue;
        if (!element.getClientRects().length) continue;  // not rendered (display: none, closed <details>)
        const style = getComputedStyle(element);
        if (style.visibility === 'hidden') continue;
        const font = `${style.fontStyle} ${style.fontWeight} 32px ${style.fontFamily}`;
        for (const ch of node.data) {
            if (ch.codePointAt(0) < 0x80 || /[\s\u200b-\u200f\u2060\ufeff]/u.test(ch)) continue;
            const key = font + '\u0000' + ch;
            if (seen.has(key)) continue;
            seen.add(key);
            if (!missing.has(font)) missing.set(font, pixels(font, '\u{10FFFD}'));
            if (same(pixels(font, ch), missing.get(font))) {
                const at = node.data.indexOf(ch);
                found.set(ch, node.data.slice(Math.max(0, at - 15), at + 15).trim());
            }
        }
    }
    return [...found].map(([ch, text]) => `U+${ch.codePointAt(0).toString(16).toUpperCase()} ${ch} in "${text}"`);
}"""

# Elements of the article that stick out past the window's right edge without a scrolling frame to hold
# them: at 390 px a wide table or code line must scroll inside its own box, never be cut off or widen the
# page. (Material lets code blocks bleed past the column to the screen edge on phones: that is allowed.)
FIND_CLIPPED = r"""() => {
    const article = document.querySelector('article');
    if (!article) return [];
    const edge = document.documentElement.clientWidth + 1;
    const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
    const bad = [];
    for (const el of article.querySelectorAll('*')) {
        if (!el.getClientRects().length || el.closest('svg, .katex-mathml, .tabbed-control, .md-annotation')) continue;
        if (el.getBoundingClientRect().right <= edge) continue;
        // The nearest ancestor that does not let it overflow decides: a frame of its own that scrolls is fine;
        // one that hides the overflow cuts it off; none (or the whole notebook scrolling sideways) is not a frame.
        let holder = el.parentElement;
        while (holder && holder !== article && getComputedStyle(holder).overflowX === 'visible') holder = holder.parentElement;
        if (holder && holder !== article && scrolls(holder) && !holder.matches('.jp-Notebook')) continue;
        const text = (el.textContent || '').trim().slice(0, 40);
        const within = el.parentElement ? `${el.parentElement.tagName.toLowerCase()}.${el.parentElement.className}` : '';
        bad.push(`<${el.tagName.toLowerCase()} class="${el.className}"> in <${within}> "${text}"`);
        if (bad.length >= 5) break;
    }
    return bad;
}"""

# Table frames that scroll sideways but show no cue: each must carry kf-more (a fade at the right edge,
# set by assets/javascripts/a11y.js) while there is more table to the right.
FIND_UNCUED_TABLES = r"""() => [...document.querySelectorAll('.md-typeset__scrollwrap, .jupyter-wrapper .jp-OutputArea-output')]
    .filter(frame => frame.querySelector('table') && frame.scrollWidth - frame.clientWidth - frame.scrollLeft > 2)
    .filter(frame => !frame.classList.contains('kf-more') || getComputedStyle(frame).maskImage === 'none')
    .map(frame => `a table scrolls without a cue: "${frame.textContent.trim().slice(0, 40)}"`)"""
