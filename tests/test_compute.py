"""The Compute & memory chapter (docs/compute.md, snippets/compute.py).

Computed numbers are pinned to hand-checked values. Measured times are not deterministic, so
they are only checked to be positive, finite, shown, and marked as measurements.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from built_pages import ZH_PUNCTUATION, built_page, built_zh_page, missing_sentences, text_of

from conftest import ROOT, SNIPPETS
from kf import timing
from kf.costs import activation_bytes, binary_size, flops, layer_cost

# (filters, kernel, padding) -> (output shape, MACs, FLOPs), checked by hand: H·W·C_out·k·k·1 and 2×.
HAND_CHECKED = {
    (64, 3, "valid"): ((26, 26, 64), 389_376, 778_752),
    (64, 3, "same"): ((28, 28, 64), 451_584, 903_168),
    (32, 7, "valid"): ((22, 22, 32), 758_912, 1_517_824),
    (32, 7, "same"): ((28, 28, 32), 1_229_312, 2_458_624),
}
MEMORY_ROWS = {  # (layer, padding) cell prefix -> values, 1 image, batch 32, batch 128 (×4 bytes, binary units)
    ("Conv2D(64, (3,3)) output", "valid"): ("43,264", "169 KiB", "5.281 MiB", "21.125 MiB"),
    ("Conv2D(64, (3,3)) output", "same"): ("50,176", "196 KiB", "6.125 MiB", "24.5 MiB"),
    ("Conv2D(32, (7,7)) output", "valid"): ("15,488", "60.5 KiB", "1.891 MiB", "7.563 MiB"),
    ("Conv2D(32, (7,7)) output", "same"): ("25,088", "98 KiB", "3.063 MiB", "12.25 MiB"),
    ("input image, 28×28×1", "—"): ("784", "3.063 KiB", "98 KiB", "392 KiB"),
}
PROSE = [
    '"3.6 billion FLOPs (multiply-adds)" (He et al., 2016, section 3.3), which is 7.2 billion FLOPs',
    "costs 49 MACs against 9 for the 3×3 layer, but the 3×3 layer has 2.79× as many output values",
    "the totals differ by only 1.95×",
    "(22×22 → 28×28) than the 3×3 layer (26×26 → 28×28), and the gap widens to 2.72×",
    "they peak at 14×14 and 15×15 (1,411,200 MACs)",
    "its output takes 2.79× the memory of the 32 × 7×7 layer's: 21.125 MiB against 7.563 MiB",
    "Its own weights and biases take 2.5 KiB in float32",
    "the 7×7 layer would take 1.95× as long as the 3×3 layer",
    "a 3×3 output value costs only 9 MACs and a 7×7 one 49",
    "9 for the first 3×3 layer, 576 for the next layer",
]
LABEL = "Measured on the machine and at the time shown"


@pytest.mark.parametrize(("layer", "expected"), HAND_CHECKED.items())
def test_macs_and_flops_equal_hand_counts(layer: tuple[int, int, str], expected: tuple) -> None:
    cost = layer_cost(*layer)
    assert (cost.out_shape, cost.macs, cost.flops) == expected
    assert cost.flops == flops(cost.macs) == 2 * cost.macs


def test_activation_memory_in_float32() -> None:
    assert activation_bytes((26, 26, 64)) == 173_056
    assert activation_bytes((26, 26, 64), batch=128) == 22_151_168
    assert layer_cost(32, 7, "same").bytes(128) == 12_845_056
    assert binary_size(22_151_168) == "21.125 MiB"
    assert binary_size(7_929_856) == "7.563 MiB"  # 7.5625 rounds half up
    assert (binary_size(1023), binary_size(1024), binary_size(2**30)) == ("1023 B", "1 KiB", "1 GiB")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: flops(-1), "MACs must be between 0"),
        (lambda: activation_bytes(()), "at least one dimension"),
        (lambda: activation_bytes((26, 0, 64)), "shape dimension must be between 1"),
        (lambda: activation_bytes((26, 26, 64), batch=0), "batch must be between 1"),
        (lambda: binary_size(-5), "bytes must be between 0"),
        (lambda: layer_cost(64, 29), "larger than the input"),
        (lambda: timing.ms(float("nan")), "finite"),
        (lambda: timing.ms(-1.0), "finite and ≥ 0"),
        (lambda: timing.median_ms({"f": lambda: None}, repeats=0, warmup=0), "repeats ≥ 1"),
        (lambda: timing.time_conv(8, 29), "larger than the input"),
        (lambda: timing.time_conv(8, 3, batch=0), "batch must be between 1"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_a_tiny_timing_is_positive_and_finite() -> None:
    result = timing.time_conv(4, 3, (8, 8, 1), batch=2, repeats=2, warmup=1)
    assert 0 < result.forward_ms < 60_000
    assert math.isfinite(result.step_ms)
    assert result.step_ms > 0


def test_measured_text_is_wrapped_and_escaped() -> None:
    span = '<span class="kf-measured" title="measured when this page’s code last ran">'
    assert timing.measured("1.5 ms") == span + "1.5 ms</span>"
    assert timing.measured("<b>") == span + "&lt;b&gt;</span>"
    assert timing.ms(12.345) == "12.3 ms"
    assert timing.ms(345.6) == "346 ms"


def test_machine_facts_name_cores_and_tensorflow() -> None:
    facts = timing.machine_facts()
    assert int(facts["logical cores usable"]) >= 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", facts["measured at"])  # a cached timing says when
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", facts["TensorFlow"])


def page(site: Path) -> BeautifulSoup:
    """The built Compute & memory page."""
    return built_page(site, "compute")


@pytest.mark.slow
def test_built_prose_shows_the_computed_numbers(built_site: Path) -> None:
    assert not missing_sentences(page(built_site), PROSE)


@pytest.mark.slow
def test_built_macs_and_memory_tables(built_site: Path) -> None:
    soup = page(built_site)
    macs = [t for t in soup.find_all("table") if "FLOPs per image" in t.get_text()]
    assert len(macs) == 1
    rows = [[text_of(td) for td in tr.find_all("td")] for tr in macs[0].find_all("tr")[1:]]
    assert [(row[2], row[4], row[5]) for row in rows] == [
        ("(26, 26, 64)", "389,376", "778,752"),
        ("(28, 28, 64)", "451,584", "903,168"),
        ("(22, 22, 32)", "758,912", "1,517,824"),
        ("(28, 28, 32)", "1,229,312", "2,458,624"),
    ]
    memory = [t for t in soup.find_all("table") if "batch of 128" in t.get_text()]
    assert len(memory) == 1
    cells = {
        (text_of(tr.find_all("td")[0]), text_of(tr.find_all("td")[1])): tuple(
            text_of(td) for td in tr.find_all("td")[2:]
        )
        for tr in memory[0].find_all("tr")[1:]
    }
    assert cells == MEMORY_ROWS


@pytest.mark.slow
def test_built_measurements_are_positive_finite_and_labelled(built_site: Path) -> None:
    soup = page(built_site)
    article = soup.find("article")
    assert text_of(article).count(LABEL) >= 2, "the admonition title and the machine facts are labelled"
    timing_table = [t for t in article.find_all("table") if "GMAC/s" in t.get_text()]
    assert len(timing_table) == 1
    for tr in timing_table[0].find_all("tr")[1:]:
        tds = tr.find_all("td")
        for td in tds[2:]:  # forward, backward, GMAC/s: each is exactly one measured span
            spans = td.select("span.kf-measured")
            assert len(spans) == 1
            assert text_of(td) == text_of(spans[0])
        for td in tds[2:4]:
            value = float(re.fullmatch(r"([\d.]+) ms", text_of(td)).group(1))
            assert math.isfinite(value)
            assert value > 0
        assert float(text_of(tds[4])) > 0
    ratios = [t for t in article.find_all("table") if "MACs (computed)" in t.get_text()]
    assert len(ratios) == 1
    ratio_cells = [text_of(tr.find_all("td")[1]) for tr in ratios[0].find_all("tr")[1:]]
    assert ratio_cells[0] == "1.95×"
    for cell in ratio_cells[1:]:
        assert float(cell.rstrip("×")) > 0
    label = [s for s in article.find_all(string=re.compile(LABEL)) if s.find_parent("strong")]
    assert len(label) == 1, "the machine facts have their own label"
    facts = label[0].find_parent("p").find_next_sibling("ul")
    assert "TensorFlow" in text_of(facts)
    assert "logical cores usable" in text_of(facts)
    assert len(facts.select("span.kf-measured")) == len(facts.find_all("li"))
    measured_prose = [
        s for s in article.select("p span.kf-measured, li span.kf-measured") if s.find_parent("ul") is not facts
    ]
    assert len(measured_prose) >= 2, "the measured ratio and throughput in the prose are marked too"


@pytest.mark.slow
def test_built_exercise_answer_is_collapsed_and_computed(built_site: Path) -> None:
    answer = page(built_site).select_one("details.question")
    assert answer is not None
    assert not answer.has_attr("open")
    text = text_of(answer)
    assert "= 12,845,056 bytes = 12.25 MiB" in text
    assert "= 314,703,872" in text


@pytest.mark.slow
def test_built_figure_is_deterministic_and_themed(built_site: Path) -> None:
    figures = page(built_site).select("figure.kf-figure svg[role=img]")
    assert len(figures) == 1
    assert "Conv2D(64, (3,3)) needs 389,376 and Conv2D(32, (7,7)) 758,912" in figures[0]["aria-label"]
    assert "kf-measured" not in str(figures[0]), "figures must not contain measurements"


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "compute.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "| `Conv2D(64, (3,3))` | `valid` | (26, 26, 64) | 3·3·1 = 9 | 389,376 | 778,752 |" in done.stdout
    assert f"**{LABEL}:**" in done.stdout
    assert '<span class="kf-measured"' in done.stdout


# The Chinese page (docs_zh/compute.md, i18n/zh/compute.yml): the same computed numbers in its sentences,
# figure text and answer (the measured times change from build to build and are not pinned).
ZH_PROSE = [
    "按本站的约定，即 7.2 × 10⁹ 次浮点运算",
    "但 3×3 层的输出值个数是 7×7 层的 2.79 倍（valid），所以总数只差 1.95 倍",
    "7×7 层增加的输出位置（22×22 → 28×28）比 3×3 层（26×26 → 28×28）更多，差距扩大到 2.72 倍",
    "它在 14×14 和 15×15（1,411,200 次乘加运算）处达到峰值",
    "Conv2D(64, (3,3)) 需要 389,376 次，Conv2D(32, (7,7)) 需要 758,912 次",
    "它的输出占用的内存却是 32 × 7×7 层的 2.79 倍：批量为 128 时（valid）为 21.125 MiB，而后者为 7.563 MiB",
    "它自己的权重和偏置以 float32 存储只占 2.5 KiB",
    "第一个 3×3 层为 9，有 64 个输入通道的下一层为 576",
    "内存：25,088 × 4 字节 × 128 = 12,845,056 字节 = 12.25 MiB",
    "浮点运算次数：2 × 1,229,312 次乘加运算 × 128 = 314,703,872",
]


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    assert not missing_sentences(built_zh_page(built_zh_site, "compute"), ZH_PROSE, ZH_PUNCTUATION)
