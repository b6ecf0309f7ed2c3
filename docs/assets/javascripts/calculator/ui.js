// The calculator's page: builds the form inside #kf-calculator, recomputes on every keystroke and keeps
// the state in the URL (?calc=...). Text reaches the page only through textContent and DOM properties:
// nothing from the URL or the fields is ever parsed as HTML.
(function () {
  "use strict";
  var core = window.kfCalcCore;
  // Every visible or spoken text comes from core's table for the page's language (<html lang>).
  var say = core && core.phrase;
  var KEYS = ["a", "b"];
  var state = null;
  var view = { a: null, b: null };  // per stack: its elements, so a recompute only writes text
  var root, urlAlert, compareBox, presetSelect, stacksBox, resultsBox, summaryWrap, summaryRows;
  var lastQuery = null;

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "text") node.textContent = props[key];
      else if (key === "class") node.className = props[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), props[key]);
      else if (props[key] !== null && props[key] !== undefined && props[key] !== false) node.setAttribute(key, props[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  // ---- Building the form ------------------------------------------------------------------------
  function numberField(id, label, value, onInput) {
    var input = el("input", {
      id: id, type: "text", inputmode: "numeric", autocomplete: "off", spellcheck: "false",
      "aria-describedby": id + "-err", class: "kf-calc-number",
    });
    input.value = value;
    input.addEventListener("input", function () { onInput(input.value); recompute(); });
    var error = el("p", { id: id + "-err", class: "kf-calc-error" });
    var box = el("div", { class: "kf-calc-field" }, [el("label", { for: id, text: label }), input, error]);
    return { box: box, input: input, error: error };
  }

  function selectField(id, label, options, value, onChange) {
    var select = el("select", { id: id });
    options.forEach(function (o) {
      var option = el("option", { value: o[0], text: o[1] });
      if (o[0] === value) option.selected = true;
      select.appendChild(option);
    });
    select.addEventListener("change", function () { onChange(select.value); });
    return el("div", { class: "kf-calc-field" }, [el("label", { for: id, text: label }), select]);
  }

  function layerName(layer) {
    var d = function (name) { return /^\s*\d{1,7}\s*$/.test(String(layer[name])) ? String(+layer[name]) : "?"; };
    var pad = layer.padding === "same" ? say("nameSame") : "";
    var s = d("stride") !== "1" ? say("nameStride", { n: d("stride") }) : "";
    if (layer.type === "conv") {
      var g = d("groups") !== "1" ? say("nameGroups", { n: d("groups") }) : "";
      var dl = d("dilation") !== "1" ? say("nameDilation", { n: d("dilation") }) : "";
      return "Conv2D(" + d("filters") + ", " + d("kh") + "\u00d7" + d("kw") + s + dl + g + pad + ")";
    }
    if (layer.type === "depthwise") {
      var m = d("multiplier") !== "1" ? ", \u00d7" + d("multiplier") : "";
      return "DepthwiseConv2D(" + d("kh") + "\u00d7" + d("kw") + m + s + pad + ")";
    }
    return core.TYPE_NAMES[layer.type] + "(" + d("pool") + (d("stride") !== d("pool") ? say("nameStride", { n: d("stride") }) : "") + pad + ")";
  }

  function buildLayer(key, index) {
    var stack = state[key], layer = stack.layers[index], v = view[key];
    var prefix = "kf-" + key + "-l" + index + "-";
    var n = index + 1, total = stack.layers.length, which = { n: n, stack: key.toUpperCase() };
    var typeSelect = selectField(prefix + "type", say("type"), core.LAYER_TYPES.map(function (t) { return [t, core.TYPE_NAMES[t]]; }),
      layer.type, function (value) { layer.type = value; render(key, prefix + "type"); });
    var boxes = [typeSelect];
    core.FIELDS[layer.type].forEach(function (field) {
      var f = numberField(prefix + field, say(field), layer[field], function (value) { layer[field] = value; });
      v.fields[index + ":" + field] = f;
      boxes.push(f.box);
    });
    boxes.push(selectField(prefix + "padding", say("padding"), [["valid", "valid"], ["same", "same"]], layer.padding,
      function (value) { layer.padding = value; recompute(); }));
    var actions = el("div", { class: "kf-calc-actions" }, [
      el("button", { type: "button", class: "md-button kf-calc-small", id: prefix + "up", "aria-label": say("moveUp", which),
        disabled: index === 0 ? "disabled" : null, onclick: function () { move(key, index, -1, prefix + "up"); }, text: "\u2191" }),
      el("button", { type: "button", class: "md-button kf-calc-small", id: prefix + "down", "aria-label": say("moveDown", which),
        disabled: index === total - 1 ? "disabled" : null, onclick: function () { move(key, index, 1, prefix + "down"); }, text: "\u2193" }),
      el("button", { type: "button", class: "md-button kf-calc-small", id: prefix + "remove", "aria-label": say("removeLayer", which),
        onclick: function () { removeLayer(key, index); }, text: say("remove") }),
    ]);
    var legend = el("legend", { text: say("layerN", { n: n }) });
    return el("li", {}, [el("fieldset", { class: "kf-calc-layer" }, [legend].concat(boxes).concat([actions]))]);
  }

  function resultRow(cells, header) {
    var tr = el("tr");
    var nodes = cells.map(function (text, i) {
      var cell = el(i === 0 && header ? "th" : "td", { text: text });
      if (i === 0 && header) cell.setAttribute("scope", "row");
      tr.appendChild(cell);
      return cell;
    });
    return { tr: tr, cells: nodes };
  }

  // (Re)build one stack's form and table; focusId is given focus afterwards (keyboard users stay in place).
  function render(key, focusId) {
    var stack = state[key];
    var letter = key.toUpperCase();
    var v = view[key] = { fields: {}, rows: [], section: null };
    var inputs = core.INPUT_FIELDS.map(function (field) {
      var f = numberField("kf-" + key + "-in-" + field, say(field), stack.input[field],
        function (value) { stack.input[field] = value; });
      v.fields["-1:" + field] = f;
      return f.box;
    });
    var list = el("ol", { class: "kf-calc-layers" });
    stack.layers.forEach(function (_, i) { list.appendChild(buildLayer(key, i)); });
    var add = el("button", { type: "button", class: "md-button", id: "kf-" + key + "-add", text: say("addLayer"),
      disabled: stack.layers.length >= core.MAX_LAYERS ? "disabled" : null, onclick: function () { addLayer(key); } });

    var headers = ["colLayer", "colShape", "colParams", "colMacs", "colActivations", "colField", "colJump"].map(function (k) {
      return say(k);
    });
    var table = el("table", { class: "kf-calc-results", id: "kf-" + key + "-results" }, [
      el("caption", { text: say("stackCaption", { stack: letter }) }),
      el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
    ]);
    var body = el("tbody");
    var inputRow = resultRow([say("input"), "", "0", "0", "", "1 \u00d7 1", "1"], true);
    v.inputRow = inputRow;
    body.appendChild(inputRow.tr);
    stack.layers.forEach(function (layer, i) {
      var row = resultRow([(i + 1) + ". " + layerName(layer), "", "", "", "", "", ""], true);
      v.rows.push(row);
      body.appendChild(row.tr);
    });
    table.appendChild(body);
    var total = resultRow([say("total"), "", "", "", "", "", ""], true);
    v.total = total;
    table.appendChild(el("tfoot", {}, [total.tr]));

    var section = el("section", { class: "kf-calc-stack", id: "kf-stack-" + key, "aria-labelledby": "kf-" + key + "-title" }, [
      el("h2", { id: "kf-" + key + "-title", text: say("stackTitle", { stack: letter }) }),
      el("fieldset", { class: "kf-calc-input" }, [el("legend", { text: say("inputLegend") })].concat(inputs)),
      list, add,
    ]);
    // The tables sit below both forms, at full width: seven columns do not fit half a page.
    var wrap = el("div", { class: "kf-calc-scroll", id: "kf-results-" + key, tabindex: "0", role: "region",
      "aria-label": say("stackResults", { stack: letter }) }, [table]);
    v.section = section;
    v.wrap = wrap;
    var old = document.getElementById("kf-stack-" + key);
    if (old) stacksBox.replaceChild(section, old); else stacksBox.appendChild(section);
    var oldWrap = document.getElementById("kf-results-" + key);
    if (oldWrap) resultsBox.replaceChild(wrap, oldWrap);
    else if (key === "a") resultsBox.insertBefore(wrap, resultsBox.firstChild); else resultsBox.appendChild(wrap);
    section.hidden = wrap.hidden = key === "b" && !state.compare;
    recompute();
    if (focusId) {
      var target = document.getElementById(focusId);
      if (!target || target.disabled) target = document.getElementById("kf-" + key + "-add");
      if (target) target.focus();
    }
  }

  function addLayer(key) {
    var layers = state[key].layers;
    if (layers.length >= core.MAX_LAYERS) return;
    var last = layers[layers.length - 1];
    layers.push(Object.assign({}, core.DEFAULT_LAYER, last && last.type === "conv" ? last : { type: "conv", padding: "same" }));
    render(key, "kf-" + key + "-l" + (layers.length - 1) + "-type");
  }

  function removeLayer(key, index) {
    var layers = state[key].layers;
    layers.splice(index, 1);
    var next = Math.min(index, layers.length - 1);
    render(key, next >= 0 ? "kf-" + key + "-l" + next + "-remove" : "kf-" + key + "-add");
  }

  function move(key, index, step, focusId) {
    var layers = state[key].layers, other = index + step;
    if (other < 0 || other >= layers.length) return;
    var t = layers[index]; layers[index] = layers[other]; layers[other] = t;
    render(key, "kf-" + key + "-l" + other + (step < 0 ? "-up" : "-down"));
  }

  // ---- Recomputing --------------------------------------------------------------------------------
  function shapeText(shape) { return shape.map(core.fmt).join(" \u00d7 "); }

  function updateStack(key) {
    var stack = state[key], v = view[key];
    var out = core.compute(stack);
    var messages = {};
    out.errors.forEach(function (e) {
      var id = e.layer + ":" + e.field;
      if (!messages[id]) messages[id] = e.message;
    });
    Object.keys(v.fields).forEach(function (id) {
      var f = v.fields[id], message = messages[id] || "";
      setText(f.error, message);
      if (message) f.input.setAttribute("aria-invalid", "true"); else f.input.removeAttribute("aria-invalid");
    });
    var inShape = core.INPUT_FIELDS.map(function (n) { return core.parseWhole(stack.input[n], n); });
    var inputOk = inShape.every(function (p) { return !p.error; });
    setText(v.inputRow.cells[1], inputOk ? shapeText(inShape.map(function (p) { return p.value; })) : "\u2014");
    setText(v.inputRow.cells[4], inputOk ? core.fmt(inShape[0].value * inShape[1].value * inShape[2].value) : "\u2014");
    var ownError = {};
    out.errors.forEach(function (e) { ownError[e.layer] = true; });
    var firstBad = -1;  // the first layer with a problem of its own; later layers wait for it
    out.layers.forEach(function (r, i) {
      var row = v.rows[i];
      setText(row.cells[0], (i + 1) + ". " + layerName(stack.layers[i]));
      if (!r) {
        var note = ownError[i] ? say("fixThisLayer") : firstBad >= 0 ? say("waitsForLayer", { n: firstBad + 1 }) : say("waitsForInput");
        if (ownError[i] && firstBad < 0) firstBad = i;
        setText(row.cells[1], note);
        for (var c = 2; c < 7; c++) setText(row.cells[c], "\u2014");
        row.tr.className = "kf-calc-bad";
        return;
      }
      row.tr.className = "";
      setText(row.cells[1], shapeText(r.shape));
      setText(row.cells[2], core.fmt(r.params));
      setText(row.cells[3], core.fmt(r.macs));
      setText(row.cells[4], core.fmt(r.activations));
      setText(row.cells[5], core.fmt(r.rf[0]) + " \u00d7 " + core.fmt(r.rf[1]));
      setText(row.cells[6], core.fmt(r.jump));
    });
    var t = v.total.cells, last = out.layers[out.layers.length - 1];
    if (out.totals) {
      setText(t[1], last ? shapeText(last.shape) : v.inputRow.cells[1].textContent);
      setText(t[2], core.fmt(out.totals.params));
      setText(t[3], core.fmt(out.totals.macs));
      setText(t[4], core.fmt(out.totals.activations));
      setText(t[5], last ? core.fmt(last.rf[0]) + " \u00d7 " + core.fmt(last.rf[1]) : "1 \u00d7 1");
      setText(t[6], last ? core.fmt(last.jump) : "1");
    } else {
      setText(t[1], say("fixMarked"));
      for (var i = 2; i < 7; i++) setText(t[i], "\u2014");
    }
    return out;
  }

  function ratio(b, a) {
    if (a === 0n) return "\u2014";
    var value = Number(b) / Number(a);
    if (!isFinite(value)) return "\u2014";
    return (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)).replace(/\.?0+$/, "") + "\u00d7";
  }

  function updateSummary(outA, outB) {
    summaryWrap.hidden = !state.compare;
    if (!state.compare) return;
    var rows = summaryRows;
    var metrics = ["params", "macs", "activations"];
    metrics.forEach(function (m, i) {
      var cells = rows[i].cells;
      var a = outA.totals && outA.totals[m], b = outB.totals && outB.totals[m];
      setText(cells[1], outA.totals ? core.fmt(a) : "\u2014");
      setText(cells[2], outB.totals ? core.fmt(b) : "\u2014");
      setText(cells[3], outA.totals && outB.totals ? ratio(b, a) : "\u2014");
    });
    var rf = function (out) {
      var last = out.layers[out.layers.length - 1];
      return out.totals ? (last ? core.fmt(last.rf[0]) + " \u00d7 " + core.fmt(last.rf[1]) : "1 \u00d7 1") : "\u2014";
    };
    setText(rows[3].cells[1], rf(outA));
    setText(rows[3].cells[2], rf(outB));
  }

  // The link follows the form a moment after the last change: browsers throttle (and Chromium ignores
  // past ~200 in 10 s) history updates, and one per keystroke would cost more than the recompute itself.
  var URL_DELAY_MS = 250;
  var urlTimer = null;

  function scheduleUrl() {
    if (urlTimer !== null) clearTimeout(urlTimer);
    urlTimer = setTimeout(writeUrl, URL_DELAY_MS);
  }

  function writeUrl() {
    if (urlTimer !== null) { clearTimeout(urlTimer); urlTimer = null; }
    if (!state) return;
    var encoded = core.encode(state);
    if (encoded === null) return;
    var url = new URL(window.location.href);
    url.searchParams.set("calc", encoded);
    url.searchParams.delete("h");  // Material's search-highlight parameter: not part of the state
    if (url.search !== window.location.search) {
      history.replaceState(history.state, "", url.pathname + url.search + url.hash);
    }
    lastQuery = url.search;
  }

  // Compute both stacks and write only changed text; this is what scripts/bench_calculator.py times.
  function recompute() {
    if (!view.a || !view.b) return;
    var outA = updateStack("a");
    var outB = updateStack("b");
    updateSummary(outA, outB);
    scheduleUrl();
  }

  // ---- Loading state ------------------------------------------------------------------------------
  function load(newState, focusId) {
    state = newState;
    compareBox.checked = state.compare;
    view.a = view.b = null;
    stacksBox.textContent = "";
    resultsBox.textContent = "";
    // Build both, then compute once (render() recomputes only when both exist).
    render("a");
    render("b", focusId);
  }

  function showUrlError(message) {
    urlAlert.hidden = !message;
    setText(urlAlert, message ? say("showingDefault", { error: message }) : "");
  }

  function fromUrl() {
    var params = new URLSearchParams(window.location.search);
    lastQuery = window.location.search;
    if (!params.has("calc")) { showUrlError(""); return core.preset("seed"); }
    var decoded = core.decode(params.get("calc"));
    if (decoded.error) { showUrlError(decoded.error); return core.preset("seed"); }
    showUrlError("");
    return decoded.state;
  }

  function build() {
    root = document.getElementById("kf-calculator");
    if (!root || !core) return;
    root.textContent = "";
    urlAlert = el("p", { class: "kf-calc-alert", role: "alert", id: "kf-url-error" });
    urlAlert.hidden = true;
    presetSelect = el("select", { id: "kf-preset" }, [el("option", { value: "", text: say("choosePreset") })]);
    Object.keys(core.PRESETS).forEach(function (name) {
      presetSelect.appendChild(el("option", { value: name, text: core.PRESETS[name].label }));
    });
    presetSelect.addEventListener("change", function () {
      var chosen = core.preset(presetSelect.value);
      if (chosen) { showUrlError(""); load(chosen); }
    });
    compareBox = el("input", { type: "checkbox", id: "kf-compare" });
    compareBox.addEventListener("change", function () {
      state.compare = compareBox.checked;
      view.b.section.hidden = view.b.wrap.hidden = !state.compare;
      recompute();
    });
    var toolbar = el("div", { class: "kf-calc-toolbar" }, [
      el("div", { class: "kf-calc-field" }, [el("label", { for: "kf-preset", text: say("preset") }), presetSelect]),
      el("div", { class: "kf-calc-check" }, [compareBox, el("label", { for: "kf-compare", text: say("compare") })]),
    ]);
    stacksBox = el("div", { class: "kf-calc-stacks" });
    resultsBox = el("div", { class: "kf-calc-tables" });
    var metricNames = ["metricParams", "metricMacs", "metricActivations", "metricField"].map(function (k) { return say(k); });
    var summaryTable = el("table", { class: "kf-calc-summary", id: "kf-summary" }, [
      el("caption", { text: say("summaryCaption") }),
      el("thead", {}, [el("tr", {}, ["inTotal", "summaryA", "summaryB", "summaryRatio"].map(function (k) { return say(k); }).map(function (h) {
        return el("th", { scope: "col", text: h });
      }))]),
    ]);
    var sbody = el("tbody");
    metricNames.forEach(function (name) { sbody.appendChild(resultRow([name, "", "", ""], true).tr); });
    summaryTable.appendChild(sbody);
    summaryRows = sbody.rows;
    summaryWrap = el("div", { class: "kf-calc-scroll", tabindex: "0", role: "region", "aria-label": say("summaryRegion") },
      [summaryTable]);
    root.appendChild(toolbar);
    root.appendChild(urlAlert);
    root.appendChild(summaryWrap);
    root.appendChild(stacksBox);
    root.appendChild(resultsBox);
    load(fromUrl());
    window.addEventListener("pagehide", writeUrl);  // a reload or a bookmark right after typing keeps the edit
    window.addEventListener("popstate", function () {
      if (window.location.search !== lastQuery) load(fromUrl());
    });
    root.setAttribute("data-ready", "true");
  }

  // For tests and benchmarks: the pure arithmetic and the page's own recompute.
  window.kfCalculator = {
    compute: core.compute,
    computeJSON: core.computeJSON,
    recompute: recompute,
    load: function (s) { load(s); },
    state: function () { return state; },
    encode: core.encode,
    urlUpToDate: function () { return urlTimer === null; },
    writeUrl: writeUrl,
  };

  // Build as soon as this script runs. It follows #kf-calculator in the page, so the element is complete
  // and nothing after it has been laid out yet: the form takes its place before the browser paints the
  // text below. Waiting for DOMContentLoaded let a slow phone paint the page first and then push it down
  // (Lighthouse measured a layout shift of 0.29).
  if (document.getElementById("kf-calculator") || document.readyState !== "loading") build();
  else document.addEventListener("DOMContentLoaded", build);
})();
