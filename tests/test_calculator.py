"""The calculator page (docs/calculator.md, snippets/calculator.py, assets/javascripts/calculator/).

Its JavaScript must compute what kf.stack computes (hundreds of random stacks), its form must say
what is wrong at the field concerned, its links must restore a configuration, nothing from the URL
may become HTML, and no input may make it show NaN, Infinity or a negative size.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from built_pages import missing_sentences

from browser_support import browser, local_only, site_url  # noqa: F401 - fixtures
from conftest import ROOT, SNIPPETS
from kf import stack
from kf.render import num

PAGE = "calculator/"
SEED_QUERY = "?calc=v1.28x28x1_c64k3x3s1d1g1v.28x28x1_c32k7x7s1d1g1v"

# ---- Python side: pinned values and the built page -------------------------------------------------

# By hand: 3·3·1·64 + 64; 26·26·64·9; ConvNeXt: 7·7·96 + 96, 96·384 + 384, 384·96 + 96.
HAND_CHECKED_TOTALS = {
    ("seed", "a"): (640, 389_376, 43_264),
    ("seed", "b"): (1_600, 758_912, 15_488),
    ("vgg", "a"): (3 * (9 * 64 * 64 + 64), 3 * 28 * 28 * 9 * 64 * 64, 3 * 28 * 28 * 64),
    ("vgg", "b"): (49 * 64 * 64 + 64, 28 * 28 * 49 * 64 * 64, 28 * 28 * 64),
    ("convnext", "a"): (4_800 + 37_248 + 36_960, 56 * 56 * (49 * 96 + 96 * 384 + 384 * 96), 56 * 56 * (96 + 384 + 96)),
}


@pytest.mark.parametrize(("preset", "key"), list(HAND_CHECKED_TOTALS))
def test_preset_totals_equal_the_hand_checked_values(preset: str, key: str) -> None:
    spec = stack.PRESETS[preset][key]
    total = stack.totals(stack.stack_results(spec["input"], spec["layers"]))
    assert (total["params"], total["macs"], total["activations"]) == HAND_CHECKED_TOTALS[(preset, key)]


def built_page(site: Path) -> BeautifulSoup:
    """The built calculator page."""
    return BeautifulSoup((site / "calculator" / "index.html").read_text(encoding="utf-8"), "html.parser")


@pytest.mark.slow
def test_built_page_shows_the_python_numbers(built_site: Path) -> None:
    soup = built_page(built_site)
    text = re.sub(r"\s+", " ", soup.find("article").get_text(" "))
    assert "Keras agrees with kf.stack on all 18 layers" in text
    for needle in ("640", "1,600", "86,704,128", "1,647,378,432", "16 × 16"):
        assert needle in text, needle
    assert "counts 79,008 of the block's 79,296 parameters. The 288 it leaves out" in text
    assert "per channel (192) and the layer scale (96); GELU and the residual addition have none" in text
    assert soup.select_one("#kf-calculator") is not None
    scripts = [s.get("src", "") for s in soup.find_all("script")]
    assert "../assets/javascripts/calculator/core.js" in scripts
    assert "../assets/javascripts/calculator/ui.js" in scripts


@pytest.mark.slow
def test_answer_page_links_to_the_seed_comparison(built_site: Path) -> None:
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert f'href="calculator/{SEED_QUERY}"' in html


@pytest.mark.slow
def test_built_page_says_what_depthwise_conv2d_really_does(built_site: Path) -> None:
    page = BeautifulSoup((built_site / "calculator" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert not missing_sentences(
        page,
        [
            "The docstring of DepthwiseConv2D says strides > 1 is incompatible with dilation_rate > 1",
            "the depthwise layer never checks",
            "the largest difference between the two here is 0.0",
            "the calculator accepts stride and dilation together on DepthwiseConv2D, as Keras does",
        ],
    )


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "calculator.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "| **Total** | 79,296 | 79,008 |" in done.stdout
    # Issue 11: DepthwiseConv2D runs stride 2 with dilation 2 (docstring says incompatible); Conv2D refuses it.
    assert "docstring: `strides > 1` is incompatible with `dilation_rate > 1`" in done.stdout
    assert "largest difference from stride 1 + every second output: 0.0" in done.stdout
    assert "Conv2D(3, 3, strides=2, dilation_rate=2): ValueError: `strides > 1` not supported" in done.stdout


# ---- Browser side --------------------------------------------------------------------------------


@pytest.fixture
def page(browser, site_url):  # noqa: F811 - fixtures imported above
    """A fresh calculator tab; fails the test on any uncaught exception or console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    tab.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    outside = local_only(tab, site_url)
    tab.problems = problems
    tab.base = site_url + PAGE
    yield tab
    context.close()
    assert not problems, problems
    assert not outside, outside


def open_calc(tab, query: str = "") -> None:
    """Load the calculator with a query and wait until it has built its form."""
    tab.goto(tab.base + query)
    tab.wait_for_selector("#kf-calculator[data-ready=true]")


def js_compute(tab, stacks: list[dict]) -> list[dict]:
    """The page's own compute() on many stacks at once, BigInts as strings."""
    return tab.evaluate("stacks => stacks.map(s => window.kfCalculator.computeJSON(s))", stacks)


def python_compute(spec: dict) -> dict:
    """kf.stack on one stack, in the shape computeJSON returns (first error only)."""
    try:
        results = stack.stack_results(spec["input"], spec["layers"])
    except stack.StackError as error:
        return {"error": (error.layer, error.field)}
    return {
        "layers": [
            {
                "shape": [str(d) for d in r.shape],
                "params": str(r.params),
                "macs": str(r.macs),
                "activations": str(r.activations),
                "rf": [str(d) for d in r.receptive_field],
                "jump": str(r.jump),
            }
            for r in results
        ]
    }


def random_layer(rng: random.Random, bad: float) -> dict:
    """A random calculator layer; with probability `bad` one field gets a bad value."""
    kind = rng.choice(stack.LAYER_TYPES)
    small = lambda: rng.choice([1, 1, 2, 3, 3, 5, 7, 11])  # noqa: E731
    layer = {"type": kind, "padding": rng.choice(["valid", "same"])}
    if kind == "conv":
        groups = rng.choice([1, 1, 1, 2, 4])
        layer.update(
            filters=groups * rng.randint(1, 16),
            kh=small(),
            kw=small(),
            stride=rng.choice([1, 1, 2, 3]),
            dilation=rng.choice([1, 1, 2]),
            groups=groups,
        )
    elif kind == "depthwise":
        layer.update(
            multiplier=rng.choice([1, 1, 2]),
            kh=small(),
            kw=small(),
            stride=rng.choice([1, 2]),
            dilation=rng.choice([1, 1, 2]),
        )
    else:
        layer.update(pool=rng.choice([2, 2, 3]), stride=rng.choice([1, 2, 2, 3]))
    if rng.random() < bad:
        field = rng.choice(stack.FIELDS[kind])
        layer[field] = rng.choice([0, -1, 2.5, 10**7, 2_000])
    return layer


def random_stacks(count: int, seed: int) -> list[dict]:
    """Seeded random stacks: mostly valid, some with bad fields, too-large kernels or bad groups."""
    rng = random.Random(seed)
    stacks = []
    for _ in range(count):
        spec = {
            "input": {"h": rng.randint(1, 64), "w": rng.randint(1, 64), "c": rng.choice([1, 3, 4, 8, 12])},
            "layers": [random_layer(rng, bad=0.04) for _ in range(rng.randint(1, 6))],
        }
        if rng.random() < 0.03:
            spec["input"][rng.choice("hwc")] = rng.choice([0, -5, 1.5, 99_999])
        stacks.append(spec)
    return stacks


@pytest.mark.browser
@pytest.mark.slow
def test_javascript_equals_python_on_random_stacks(page) -> None:
    open_calc(page)
    stacks = random_stacks(600, seed=20260101)
    valid = errors = 0
    for spec, from_js in zip(stacks, js_compute(page, stacks), strict=True):
        expected = python_compute(spec)
        if "error" in expected:
            errors += 1
            assert from_js["errors"], (spec, expected)
            first = from_js["errors"][0]
            assert (first["layer"], first["field"]) == expected["error"], (spec, from_js["errors"])
        else:
            valid += 1
            assert not from_js["errors"], (spec, from_js["errors"])
            assert from_js["layers"] == expected["layers"], spec
    assert valid >= 200, (valid, errors)  # both paths really exercised
    assert errors >= 100, (valid, errors)


@pytest.mark.browser
@pytest.mark.slow
def test_javascript_counts_stay_exact_past_two_to_the_53(page) -> None:
    open_calc(page)
    deep = {
        "input": {"h": 16_384, "w": 16_384, "c": 65_536},
        "layers": [
            {
                "type": "conv",
                "filters": 65_536,
                "kh": 1_024,
                "kw": 1_024,
                "stride": 1,
                "dilation": 1,
                "groups": 1,
                "padding": "same",
            }
        ]
        + [{"type": "depthwise", "multiplier": 1_024, "kh": 3, "kw": 3, "stride": 2, "dilation": 1, "padding": "same"}]
        * 4,
    }
    (from_js,) = js_compute(page, [deep])
    assert from_js["layers"] == python_compute(deep)["layers"]
    assert int(from_js["layers"][-1]["macs"]) > 2**53


@pytest.mark.browser
@pytest.mark.slow
def test_presets_and_limits_are_the_python_ones(page) -> None:
    open_calc(page)
    js = page.evaluate("""() => {
        const core = window.kfCalcCore, out = {};
        for (const name of Object.keys(core.PRESETS)) out[name] = core.preset(name);
        return {presets: out, limits: core.LIMITS, fields: core.FIELDS, types: core.LAYER_TYPES};
    }""")
    assert js["limits"] == stack.LIMITS
    assert js["fields"] == {k: list(v) for k, v in stack.FIELDS.items()}
    assert js["types"] == list(stack.LAYER_TYPES)
    assert set(js["presets"]) == set(stack.PRESETS)
    for name, preset in stack.PRESETS.items():
        for key in ("a", "b"):
            if preset[key] is None:
                assert js["presets"][name]["compare"] is False
                continue
            expected = preset[key]
            got = js["presets"][name][key]
            assert {k: int(v) for k, v in got["input"].items()} == expected["input"], (name, key)
            for mine, theirs in zip(got["layers"], expected["layers"], strict=True):
                fields = {f: int(mine[f]) for f in stack.FIELDS[mine["type"]]}
                assert {"type": mine["type"], "padding": mine["padding"], **fields} == theirs, (name, key)


def encode_stack(spec: dict) -> str:
    """A stack in the calculator's link format (written here independently of the page's encoder)."""
    i = spec["input"]
    parts = [f"{i['h']}x{i['w']}x{i['c']}"]
    for layer in spec["layers"]:
        p = "s" if layer["padding"] == "same" else "v"
        if layer["type"] == "conv":
            parts.append(
                f"c{layer['filters']}k{layer['kh']}x{layer['kw']}s{layer['stride']}d{layer['dilation']}"
                f"g{layer['groups']}{p}"
            )
        elif layer["type"] == "depthwise":
            parts.append(f"w{layer['multiplier']}k{layer['kh']}x{layer['kw']}s{layer['stride']}d{layer['dilation']}{p}")
        else:
            parts.append(f"{'m' if layer['type'] == 'maxpool' else 'a'}{layer['pool']}s{layer['stride']}{p}")
    return "_".join(parts)


def table_rows(tab, key: str) -> list[list[str]]:
    """The cells of one stack's results table (input row, layer rows, total row)."""
    return tab.eval_on_selector_all(
        f"#kf-{key}-results tbody tr, #kf-{key}-results tfoot tr",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))",
    )


def expected_cells(results: list[stack.LayerResult]) -> list[list[str]]:
    """What a results table shows for valid layers, formatted like the page (Python's num())."""
    return [
        [
            " × ".join(num(d) for d in r.shape),
            num(r.params),
            num(r.macs),
            num(r.activations),
            " × ".join(num(d) for d in r.receptive_field),
            num(r.jump),
        ]
        for r in results
    ]


@pytest.mark.browser
@pytest.mark.slow
def test_the_real_form_shows_python_numbers_for_linked_stacks(page) -> None:
    rng = random.Random(7)
    checked = 0
    while checked < 12:
        spec = random_stacks(1, seed=rng.randint(0, 10**6))[0]
        expected = python_compute(spec)
        if "error" in expected:
            continue
        open_calc(page, "?calc=v1." + encode_stack(spec))
        rows = table_rows(page, "a")
        results = stack.stack_results(spec["input"], spec["layers"])
        assert [row[1:] for row in rows[1:-1]] == expected_cells(results), spec
        total = stack.totals(results)
        assert rows[-1][2:5] == [num(total["params"]), num(total["macs"]), num(total["activations"])]
        checked += 1


def field(tab, key: str, layer: int | None, name: str):
    """The input element of one field (layer None is the input shape)."""
    where = "in" if layer is None else f"l{layer}"
    return tab.locator(f"#kf-{key}-{where}-{name}")


def error_of(tab, key: str, layer: int | None, name: str) -> str:
    """The inline message under a field, after checking it is wired to the field for assistive tech."""
    box = field(tab, key, layer, name)
    described = box.get_attribute("aria-describedby")
    message = tab.locator(f"#{described}").text_content()
    assert (box.get_attribute("aria-invalid") == "true") == bool(message), (name, message)
    return message


@pytest.mark.browser
@pytest.mark.slow
def test_typing_a_layer_recomputes_it(page) -> None:
    open_calc(page)
    field(page, "a", 0, "filters").fill("32")
    field(page, "a", 0, "kh").fill("7")
    field(page, "a", 0, "kw").fill("7")
    rows = table_rows(page, "a")
    assert rows[1][1:3] == ["22 × 22 × 32", "1,600"]
    assert page.locator("#kf-summary tbody tr").first.text_content().count("1,600") == 2
    page.wait_for_function("window.kfCalculator.urlUpToDate()")  # the link follows a moment after typing
    assert "calc=v1.28x28x1_c32k7x7s1d1g1v" in page.url


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter a whole number"),
        ("0", "at least 1, not 0"),
        ("-3", "not negative"),
        ("2.5", "whole number (no decimals)"),
        ("abc", "digits only"),
        ("99999999999", "at most 65,536"),
        ("1e3", "whole number"),
    ],
)
def test_bad_values_get_a_message_at_the_field(page, value: str, message: str) -> None:
    open_calc(page)
    field(page, "a", 0, "filters").fill(value)
    assert message in error_of(page, "a", 0, "filters")
    rows = table_rows(page, "a")
    assert rows[1][2:] == ["—"] * 5
    assert rows[-1][2:] == ["—"] * 5
    field(page, "a", 0, "filters").fill("64")
    assert error_of(page, "a", 0, "filters") == ""
    assert table_rows(page, "a")[1][2] == "640"


@pytest.mark.browser
@pytest.mark.slow
def test_cross_field_problems_are_named_at_the_right_field(page) -> None:
    open_calc(page)
    field(page, "a", 0, "kh").fill("29")
    assert "Larger than the input (28)" in error_of(page, "a", 0, "kh")
    field(page, "a", 0, "kh").fill("3")
    field(page, "a", 0, "stride").fill("0")
    assert "at least 1" in error_of(page, "a", 0, "stride")
    field(page, "a", 0, "stride").fill("2")
    field(page, "a", 0, "dilation").fill("2")
    assert "refuses a stride above 1 together with a dilation above 1" in error_of(page, "a", 0, "dilation")
    field(page, "a", 0, "dilation").fill("1")
    field(page, "a", 0, "groups").fill("2")
    assert "must divide both the input channels (1)" in error_of(page, "a", 0, "groups")
    field(page, "a", 0, "groups").fill("1")
    field(page, "a", None, "h").fill("2")
    assert "Larger than the input (2)" in error_of(page, "a", 0, "kh")
    assert error_of(page, "a", None, "h") == ""


@pytest.mark.browser
@pytest.mark.slow
def test_layers_after_a_problem_say_what_they_wait_for(page) -> None:
    open_calc(page, "?calc=v1.28x28x1_c0k3x3s1d1g1v_m2s2v_c8k3x3s1d1g1v")
    assert [row[1] for row in table_rows(page, "a")[1:]] == [
        "fix this layer",
        "waits for layer 1",
        "waits for layer 1",
        "fix the marked fields",
    ]
    field(page, "a", 0, "filters").fill("8")
    field(page, "a", None, "c").fill("")
    assert [row[1] for row in table_rows(page, "a")[1:-1]] == ["waits for the input"] * 3
    assert "Enter a whole number" in error_of(page, "a", None, "c")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(
    "query",
    [
        "?calc=v9.28x28x1",
        "?calc=garbage",
        "?calc=v1.",
        "?calc=v1.28x28_c64k3x3s1d1g1v",
        "?calc=v1.28x28x1_q1",
        "?calc=v1.28x28x1.28x28x1.28x28x1",
        "?calc=%E0%A4%A",
    ],
)
def test_a_malformed_link_says_so_and_shows_the_default(page, query: str) -> None:
    open_calc(page, query)
    alert = page.locator("#kf-url-error")
    assert alert.is_visible()
    assert "link" in alert.text_content()
    assert table_rows(page, "a")[1][2] == "640"


@pytest.mark.browser
@pytest.mark.slow
def test_a_link_with_bad_numbers_marks_the_fields(page) -> None:
    open_calc(page, "?calc=v1.28x0x1_c0k3x3s1d1g1v")
    assert "not 0" in error_of(page, "a", None, "w")
    assert "not 0" in error_of(page, "a", 0, "filters")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(
    "payload",
    [
        "<img src=x onerror=window.__xss=1>",
        "v1.28x28x1_<img src=x onerror=window.__xss=1>",
        'v1"><script>window.__xss=1</script>',
        "<svg onload=window.__xss=1>.28x28x1",
    ],
)
def test_nothing_from_the_url_becomes_html(page, payload: str) -> None:
    from urllib.parse import quote

    open_calc(page, "?calc=" + quote(payload))
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#kf-calculator img, #kf-calculator script, #kf-calculator svg").count() == 0
    assert "<" not in page.locator("#kf-url-error").text_content()


@pytest.mark.browser
@pytest.mark.slow
def test_a_link_restores_the_configuration(page) -> None:
    open_calc(page)
    page.select_option("#kf-preset", "convnext")
    field(page, "b", 0, "filters").fill("48")
    page.select_option("#kf-a-l1-type", "maxpool")
    before = {key: table_rows(page, key) for key in ("a", "b")}
    page.wait_for_function("window.kfCalculator.urlUpToDate()")
    link = page.url
    assert "?calc=v1." in link
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_selector("#kf-calculator[data-ready=true]")
    assert {key: table_rows(page, key) for key in ("a", "b")} == before
    assert page.locator("#kf-compare").is_checked()
    assert page.locator("#kf-a-l1-type").input_value() == "maxpool"


@pytest.mark.browser
@pytest.mark.slow
def test_every_control_has_a_label_and_the_form_works_by_keyboard(page) -> None:
    open_calc(page, "?calc=v1.28x28x1_c64k3x3s1d1g1v")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('#kf-calculator input, #kf-calculator select')]
        .filter(e => !e.labels || e.labels.length === 0).map(e => e.id)""")
    assert unlabelled == []
    page.focus("#kf-a-add")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "kf-a-l1-type"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "kf-a-l1-filters"
    page.keyboard.type("7")  # tabbing in selects the copied 64, so typing replaces it
    assert table_rows(page, "a")[2][0].startswith("2. Conv2D(7, 3×3)")
    page.focus("#kf-a-l1-remove")
    page.keyboard.press("Enter")
    assert len(table_rows(page, "a")) == 3  # input, one layer, total
    assert page.evaluate("document.activeElement.id") == "kf-a-l0-remove"


ALLOWED_CELL = re.compile(
    r"^(—|[\d,]+( × [\d,]+)*|\d+(\.\d+)?×|fix this layer|fix the marked fields|"
    r"waits for the input|waits for layer \d+|\d+\. .*|Input|Total|)$"
)


def assert_sane(tab) -> None:
    """No NaN, Infinity, undefined or negative number in the calculator; every cell is a number or a note."""
    text = tab.locator("#kf-calculator").inner_text()
    for bad in ("NaN", "Infinity", "undefined", "null", "[object"):
        assert bad not in text, bad
    assert not re.search(r"(?<![\w.])-\s?\d", text), re.search(r".{20}(?<![\w.])-\s?\d.{20}", text)
    cells = tab.eval_on_selector_all("#kf-calculator td", "cells => cells.map(c => c.textContent)")
    odd = [c for c in cells if not ALLOWED_CELL.match(c)]
    assert not odd, odd[:5]


# Runs a batch of actions inside the page on the real controls, with the events a person's typing,
# choosing and clicking fire; returns any action after which the page text showed something impossible.
DRIVER = r"""actions => {
    const root = document.getElementById('kf-calculator');
    // Shown and enabled, found without a layout (offsetParent would force one per action).
    const visible = sel => [...root.querySelectorAll(sel)].filter(e => !e.closest('[hidden]') && !e.disabled);
    const pick = (list, r) => list[Math.floor(r * list.length)];
    const broken = [];
    for (const [kind, r1, r2, value] of actions) {
        if (kind === 'type') {
            const box = pick(visible('input.kf-calc-number'), r1);
            box.focus();
            box.value = value;
            box.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertText', data: value}));
        } else if (kind === 'select') {
            const menu = pick(visible('select'), r1);
            menu.value = pick([...menu.options], r2).value;
            menu.dispatchEvent(new Event('change', {bubbles: true}));
        } else if (kind === 'button') {
            const buttons = visible('button');
            if (buttons.length) pick(buttons, r1).click();
        } else if (kind === 'compare') {
            document.getElementById('kf-compare').click();
        } else if (kind === 'link') {  // what the back button does: a new ?calc= and a popstate event
            history.pushState(null, '', '?calc=' + encodeURIComponent(value));
            window.dispatchEvent(new PopStateEvent('popstate'));
        }
        const text = root.textContent;  // every text node, shown or not: none may hold NaN or a negative number
        if (/NaN|Infinity|undefined|\[object/.test(text) || /(^|[^\w.])-\s?\d/.test(text)) broken.push([kind, value]);
    }
    return broken;
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_fuzzing_the_form_never_breaks_it(page) -> None:
    """1,000 random actions: typing junk, choosing types, paddings and presets, clicking, following random links.

    Most run in batches inside the page (one round trip per batch keeps this under a minute); every 25th
    is typed through Playwright's own keyboard input, and every 100th loads a random link afresh.
    """
    rng = random.Random(1234)
    open_calc(page)
    junk = [
        "",
        "0",
        "-1",
        "-0",
        "3.5",
        "1e9",
        "abc",
        " 7 ",
        "+3",
        "99999999999999999999",
        "0x10",
        "Infinity",
        "NaN",
        "½",
        "３",
        "<b>x</b>",
        "1,000",
        "2",
        "3",
        "7",
        "64",
        "1024",
        "1025",
        "16384",
        "65536",
    ]
    batch: list[tuple[str, float, float, str]] = []
    done = 0

    def flush() -> None:
        nonlocal batch
        assert page.evaluate(DRIVER, batch) == []
        batch = []
        assert_sane(page)

    while done < 1000:
        roll = rng.random()
        value = rng.choice(junk) if rng.random() < 0.8 else str(rng.randint(-50, 5000))
        link = rng.choice(
            [
                "v1." + encode_stack(random_stacks(1, rng.randint(0, 999))[0]),
                "v1.28x28x1_c" + str(rng.randint(0, 10**12)) + "k3x3s1d1g1v",
                "v1.x",
                "zzz",
                "",
                "v1.1x1x1_m2s2v",
                "v1.5x5x1_c1k9x9s1d1g1v",
                "v1.3x3x3_w9k2x2s9d9v.2x2x2_a2s2s",
            ]
        )
        if done % 25 == 5:  # real keyboard input through Playwright
            flush()
            boxes = page.evaluate(
                "() => [...document.querySelectorAll('#kf-calculator input.kf-calc-number')]"
                ".filter(e => e.offsetParent !== null).map(e => e.id)"
            )
            page.fill("#" + rng.choice(boxes), value)
        elif done % 100 == 99:  # a random link, valid or not, loaded afresh
            flush()
            open_calc(page, "?calc=" + link)
        elif roll < 0.05:
            batch.append(("link", 0.0, 0.0, link))
        elif roll < 0.75:
            batch.append(("type", rng.random(), 0.0, value))
        elif roll < 0.88:
            batch.append(("select", rng.random(), rng.random(), ""))  # layer types, paddings and presets
        elif roll < 0.96:
            batch.append(("button", rng.random(), 0.0, ""))
        else:
            batch.append(("compare", 0.0, 0.0, ""))
        done += 1
    flush()
    assert not page.problems, page.problems


# ---- Layout shift --------------------------------------------------------------------------------

# Web Vitals call a cumulative layout shift up to 0.1 "good"; issue 15 asks for half of that.
MAX_LAYOUT_SHIFT = 0.05
# Each script answers this late, as on a slow phone network: the browser then paints the page before
# the scripts at the end of the body arrive, which is when a form built late pushes the text down.
SCRIPT_DELAY_MS = 400
RECORD_SHIFTS = """
window.kfShifts = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.kfShifts.push({value: e.value, input: e.hadRecentInput});
}).observe({type: "layout-shift", buffered: true});
"""


def layout_shift(browser, url: str, width: int) -> float:  # noqa: F811 - fixture passed in
    """Cumulative layout shift (shifts right after user input excluded, as in CLS) of load plus a first edit."""
    context = browser.new_context(viewport={"width": width, "height": 850})
    try:
        context.add_init_script(RECORD_SHIFTS)
        tab = context.new_page()

        def slow_script(route) -> None:
            time.sleep(SCRIPT_DELAY_MS / 1000)  # holds only this test's request handling; Chromium keeps painting
            route.continue_()

        tab.route(re.compile(r".*\.js(\?.*)?$"), slow_script)
        tab.goto(url)
        tab.wait_for_selector("#kf-calculator[data-ready=true]")
        tab.wait_for_load_state("load")
        box = field(tab, "a", 0, "kh")
        box.click()
        tab.keyboard.press("End")
        tab.keyboard.press("Backspace")
        tab.keyboard.type("5")
        tab.wait_for_timeout(800)  # past the 500 ms in which a shift counts as caused by the typing
        shifts = tab.evaluate("window.kfShifts")
    finally:
        context.close()
    return sum(s["value"] for s in shifts if not s["input"])


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_the_calculator_does_not_shift_the_page(browser, site_url, width: int) -> None:  # noqa: F811 - fixtures
    shift = layout_shift(browser, site_url + PAGE, width)
    assert shift <= MAX_LAYOUT_SHIFT, f"{PAGE} at {width} px: layout shift {shift:.3f} > {MAX_LAYOUT_SHIFT}"


# ---- The Chinese page: the same form and arithmetic, its texts from core.js's zh table -------------------

ZH_PAGE = "zh/" + PAGE
ENGLISH_UI = re.compile(
    r"\b(Add layer|Remove|Stack [AB]|Layer \d|Input|Total|Padding|Filters|Kernel|Enter|Must|waits|fix)\b"
)


def open_zh(tab, base: str, query: str = "") -> None:
    """Load a Chinese calculator page and wait until it has built its form."""
    tab.goto(base + query)
    tab.wait_for_selector("#kf-calculator[data-ready=true]")


@pytest.fixture
def zh_page(browser, site_url, built_zh_site):  # noqa: F811 - fixtures imported above
    """A fresh tab on the Chinese calculator page; fails the test on any uncaught exception or console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    tab.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    outside = local_only(tab, site_url)
    tab.base = site_url + ZH_PAGE
    yield tab
    context.close()
    assert not problems, problems
    assert not outside, outside


@pytest.mark.browser
@pytest.mark.slow
def test_the_chinese_page_builds_a_chinese_form_with_the_same_numbers(zh_page, page) -> None:
    open_zh(zh_page, zh_page.base)
    assert zh_page.evaluate("window.kfCalcCore.LANGUAGE") == "zh"
    open_calc(page)
    assert page.evaluate("window.kfCalcCore.LANGUAGE") == "en"
    zh_rows, en_rows = table_rows(zh_page, "a"), table_rows(page, "a")
    assert [row[1:] for row in zh_rows] == [row[1:] for row in en_rows]  # every number as on the English page
    assert zh_rows[0][0] == "输入"
    assert zh_rows[-1][0] == "合计"
    form = zh_page.locator("#kf-calculator").inner_text()
    for label in ("添加层", "滤波器数量", "卷积核高度", "步幅", "填充", "堆叠 A", "乘加运算次数", "感受野", "跳距"):
        assert label in form, label
    assert not ENGLISH_UI.search(form), ENGLISH_UI.search(form)
    labels = zh_page.evaluate(
        "() => [...document.querySelectorAll('#kf-calculator [aria-label]')].map(e => e.ariaLabel)"
    )
    assert labels
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels), labels


@pytest.mark.browser
@pytest.mark.slow
def test_the_chinese_page_says_what_is_wrong_in_chinese(zh_page) -> None:
    open_zh(zh_page, zh_page.base)
    field(zh_page, "a", 0, "filters").fill("0")
    assert error_of(zh_page, "a", 0, "filters") == "至少为 1，不能是 0。"
    assert table_rows(zh_page, "a")[-1][1] == "请修正标出的字段"
    field(zh_page, "a", 0, "filters").fill("64")
    field(zh_page, "a", 0, "kh").fill("29")
    assert error_of(zh_page, "a", 0, "kh") == "卷积核高度：比输入（28）还大。请用更小的卷积核，或使用 “same” 填充。"
    field(zh_page, "a", 0, "kh").fill("3")
    field(zh_page, "a", 0, "groups").fill("2")
    assert "必须同时整除输入通道数（1）和滤波器数量（64）" in error_of(zh_page, "a", 0, "groups")
    open_zh(zh_page, zh_page.base, "?calc=v9.28x28x1")
    alert = zh_page.locator("#kf-url-error").text_content()
    assert alert == "这个链接不是由这一版本的计算器生成的（v9）。现在改为显示问题中的两个层。", alert


@pytest.mark.browser
@pytest.mark.slow
def test_html_lang_picks_the_language_and_english_stays_english(browser, site_url) -> None:  # noqa: F811
    """The English page served with <html lang="zh-Hans"> gets the Chinese form; as served, the English one."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()

        def as_chinese(route) -> None:
            body = route.fetch().text()
            assert '<html lang="en"' in body
            route.fulfill(body=body.replace('<html lang="en"', '<html lang="zh-Hans"', 1), content_type="text/html")

        open_calc_at = site_url + PAGE
        tab.goto(open_calc_at)
        tab.wait_for_selector("#kf-calculator[data-ready=true]")
        english = tab.locator("#kf-calculator").inner_text()
        assert "Add layer" in english
        assert "Stack A" in english
        assert not re.search(r"[\u4e00-\u9fff]", english)
        tab.route(re.compile(r".*/calculator/(\?.*)?$"), as_chinese)
        tab.goto(open_calc_at + "?reload=1")
        tab.wait_for_selector("#kf-calculator[data-ready=true]")
        assert "添加层" in tab.locator("#kf-calculator").inner_text()
    finally:
        context.close()


SAME_IN_BOTH = {"nameSame", "summaryRatio"}  # ", same" (Keras's padding name) and "B ÷ A"


@pytest.mark.browser
@pytest.mark.slow
def test_every_text_has_a_chinese_twin_with_the_same_holes(page) -> None:
    open_calc(page)
    strings = page.evaluate("window.kfCalcCore.STRINGS")
    assert list(strings["zh"]) == list(strings["en"])
    for key, english in strings["en"].items():
        assert sorted(re.findall(r"\{\w+\}", strings["zh"][key])) == sorted(re.findall(r"\{\w+\}", english)), key
        assert strings["zh"][key] != english or key in SAME_IN_BOTH, key


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    from built_pages import ZH_PUNCTUATION, built_zh_page

    page = built_zh_page(built_zh_site, "calculator")
    assert page.select_one("#kf-calculator") is not None
    assert not missing_sentences(
        page,
        [
            "这里两者之间的最大差距是 0.0",
            "这个预设统计了该块 79,296 个参数中的 79,008 个。它漏掉的 288 个是 LayerNorm 每个通道的缩放和偏移（192）"
            "以及层缩放（96）",
            "问题本身",
        ],
        ZH_PUNCTUATION,
    )
