// Layer-stack arithmetic for the calculator page: the same rules as snippets/kf/stack.py (checked by
// tests/test_calculator.py on hundreds of random stacks). Pure functions, no DOM, no network.
// Counts use BigInt: a deep stack's MACs or jump can pass 2^53, where Numbers would round.
(function (root) {
  "use strict";

  var LAYER_TYPES = ["conv", "depthwise", "maxpool", "avgpool"];
  var TYPE_NAMES = { conv: "Conv2D", depthwise: "DepthwiseConv2D", maxpool: "MaxPooling2D", avgpool: "AveragePooling2D" };
  // Bounds on each field, as in kf.stack.LIMITS: far beyond real layers, small enough to stay readable.
  var LIMITS = {
    h: 16384, w: 16384, c: 65536, filters: 65536, groups: 65536, multiplier: 1024,
    kh: 1024, kw: 1024, pool: 1024, stride: 1024, dilation: 1024,
  };
  var FIELDS = {
    conv: ["filters", "kh", "kw", "stride", "dilation", "groups"],
    depthwise: ["multiplier", "kh", "kw", "stride", "dilation"],
    maxpool: ["pool", "stride"],
    avgpool: ["pool", "stride"],
  };
  var INPUT_FIELDS = ["h", "w", "c"];
  var MAX_LAYERS = 200;
  var VERSION = "v1";

  // Every text the calculator shows, per language; the page's <html lang> picks one (zh, zh-Hans, ... -> zh;
  // anything else, and Node, -> en). {name} holes are filled by phrase(); both tables have the same keys and
  // holes (tests/test_calculator.py checks it).
  var STRINGS = {
    en: {
      enterWhole: "Enter a whole number.",
      notNegative: "Must be at least 1, not negative.",
      noDecimals: "Must be a whole number (no decimals).",
      digitsOnly: "Enter digits only, e.g. 3.",
      notZero: "Must be at least 1, not 0.",
      atMost: "Must be at most {limit}.",
      largerThanInput: "Larger than the input ({n}). Use a smaller kernel or padding \u201csame\u201d.",
      dilatedLargerThanInput: "With dilation {d} the window spans {span} pixels, more than the input ({n}). " +
        "Use a smaller kernel or padding \u201csame\u201d.",
      chooseType: "Choose a layer type.",
      choosePadding: "Choose \u201cvalid\u201d or \u201csame\u201d.",
      strideAndDilation: "Keras\u2019s Conv2D refuses a stride above 1 together with a dilation above 1. Set one of them to 1.",
      kernelHeight: "Kernel height: {error}",
      kernelWidth: "Kernel width: {error}",
      groupsDivide: "Groups ({g}) must divide both the input channels ({c}) and the filters ({f}).",
      linkNoInput: "stack {stack} does not start with an input shape like 28x28x1.",
      linkTooManyLayers: "stack {stack} has more than {max} layers.",
      linkBadLayer: "layer {n} of stack {stack} is not in a form the calculator knows.",
      linkVersion: "The link was not made by this version of the calculator{version}.",
      linkVersionNote: " ({version})",
      linkStacks: "The link should hold one or two stacks.",
      inTheLink: "In the link, {error}",
      showingDefault: "{error} Showing the question\u2019s two layers instead.",
      presetSeed: "The question: Conv2D(64, 3\u00d73) vs Conv2D(32, 7\u00d77) on 28\u00d728\u00d71",
      presetVgg: "VGG: three 3\u00d73 convolutions vs one 7\u00d77 (64 channels)",
      presetVggstages: "VGG-style stages on 28\u00d728\u00d71: 3\u00d73 pairs and 2\u00d72 max pooling",
      presetConvnext: "ConvNeXt block (7\u00d77 depthwise, 1\u00d71 expand, 1\u00d71 project) vs the same with a dense 7\u00d77",
      h: "Height", w: "Width", c: "Channels", filters: "Filters", kh: "Kernel height", kw: "Kernel width",
      stride: "Stride", dilation: "Dilation", groups: "Groups", multiplier: "Depth multiplier", pool: "Pool size",
      type: "Type",
      padding: "Padding",
      nameStride: ", stride {n}",
      nameDilation: ", dilation {n}",
      nameGroups: ", groups {n}",
      nameSame: ", same",
      moveUp: "Move layer {n} of stack {stack} up",
      moveDown: "Move layer {n} of stack {stack} down",
      removeLayer: "Remove layer {n} of stack {stack}",
      remove: "Remove",
      layerN: "Layer {n}",
      addLayer: "Add layer",
      colLayer: "Layer", colShape: "Output shape", colParams: "Parameters", colMacs: "MACs",
      colActivations: "Activations", colField: "Receptive field", colJump: "Jump",
      stackCaption: "Stack {stack}, layer by layer",
      input: "Input",
      total: "Total",
      stackTitle: "Stack {stack}",
      inputLegend: "Input (height \u00d7 width \u00d7 channels)",
      stackResults: "Stack {stack} results",
      fixThisLayer: "fix this layer",
      waitsForLayer: "waits for layer {n}",
      waitsForInput: "waits for the input",
      fixMarked: "fix the marked fields",
      choosePreset: "Choose a preset\u2026",
      preset: "Preset",
      compare: "Compare with a second stack (B)",
      metricParams: "Parameters", metricMacs: "MACs", metricActivations: "Activations",
      metricField: "Receptive field (last layer)",
      summaryCaption: "Stack B against stack A, in total",
      inTotal: "In total",
      summaryA: "Stack A",
      summaryB: "Stack B",
      summaryRatio: "B \u00f7 A",
      summaryRegion: "Comparison of the two stacks",
    },
    zh: {
      enterWhole: "请输入一个整数。",
      notNegative: "至少为 1，不能是负数。",
      noDecimals: "必须是整数（不能有小数）。",
      digitsOnly: "只能输入数字，例如 3。",
      notZero: "至少为 1，不能是 0。",
      atMost: "最多为 {limit}。",
      largerThanInput: "比输入（{n}）还大。请用更小的卷积核，或使用 \u201csame\u201d 填充。",
      dilatedLargerThanInput: "扩张为 {d} 时，窗口跨越 {span} 个像素，超过了输入（{n}）。" +
        "请用更小的卷积核，或使用 \u201csame\u201d 填充。",
      chooseType: "请选择层的类型。",
      choosePadding: "请选择 \u201cvalid\u201d 或 \u201csame\u201d。",
      strideAndDilation: "Keras 的 Conv2D 不接受步幅和扩张同时大于 1。请把其中一个设为 1。",
      kernelHeight: "卷积核高度：{error}",
      kernelWidth: "卷积核宽度：{error}",
      groupsDivide: "分组数（{g}）必须同时整除输入通道数（{c}）和滤波器数量（{f}）。",
      linkNoInput: "堆叠 {stack} 没有以 28x28x1 这样的输入形状开头。",
      linkTooManyLayers: "堆叠 {stack} 的层数超过了 {max}。",
      linkBadLayer: "堆叠 {stack} 的第 {n} 层不是计算器认识的格式。",
      linkVersion: "这个链接不是由这一版本的计算器生成的{version}。",
      linkVersionNote: "（{version}）",
      linkStacks: "链接中应当有一个或两个堆叠。",
      inTheLink: "链接有误：{error}",
      showingDefault: "{error}现在改为显示问题中的两个层。",
      presetSeed: "问题本身：28\u00d728\u00d71 上的 Conv2D(64, 3\u00d73) 对比 Conv2D(32, 7\u00d77)",
      presetVgg: "VGG：三个 3\u00d73 卷积对比一个 7\u00d77 卷积（64 个通道）",
      presetVggstages: "28\u00d728\u00d71 上的 VGG 式阶段：成对的 3\u00d73 卷积和 2\u00d72 最大池化",
      presetConvnext: "ConvNeXt 块（7\u00d77 深度卷积、1\u00d71 扩展、1\u00d71 投影）对比把深度卷积换成完整 7\u00d77 卷积",
      h: "高度", w: "宽度", c: "通道数", filters: "滤波器数量", kh: "卷积核高度", kw: "卷积核宽度",
      stride: "步幅", dilation: "扩张", groups: "分组数", multiplier: "深度乘数", pool: "池化窗口",
      type: "类型",
      padding: "填充",
      nameStride: ", 步幅 {n}",
      nameDilation: ", 扩张 {n}",
      nameGroups: ", 分组 {n}",
      nameSame: ", same",
      moveUp: "把堆叠 {stack} 的第 {n} 层上移",
      moveDown: "把堆叠 {stack} 的第 {n} 层下移",
      removeLayer: "删除堆叠 {stack} 的第 {n} 层",
      remove: "删除",
      layerN: "第 {n} 层",
      addLayer: "添加层",
      colLayer: "层", colShape: "输出形状", colParams: "参数", colMacs: "乘加运算次数",
      colActivations: "激活值", colField: "感受野", colJump: "跳距",
      stackCaption: "堆叠 {stack}，逐层结果",
      input: "输入",
      total: "合计",
      stackTitle: "堆叠 {stack}",
      inputLegend: "输入（高 \u00d7 宽 \u00d7 通道数）",
      stackResults: "堆叠 {stack} 的结果",
      fixThisLayer: "请修正这一层",
      waitsForLayer: "等待第 {n} 层",
      waitsForInput: "等待输入",
      fixMarked: "请修正标出的字段",
      choosePreset: "选择一个预设\u2026",
      preset: "预设",
      compare: "与第二个堆叠（B）比较",
      metricParams: "参数", metricMacs: "乘加运算次数", metricActivations: "激活值",
      metricField: "感受野（最后一层）",
      summaryCaption: "堆叠 B 对比堆叠 A，合计",
      inTotal: "合计",
      summaryA: "堆叠 A",
      summaryB: "堆叠 B",
      summaryRatio: "B \u00f7 A",
      summaryRegion: "两个堆叠的比较",
    },
  };

  // "zh" on a page whose <html lang> is Chinese (zh, zh-Hans, zh-CN, ...), "en" everywhere else.
  function pageLanguage() {
    var html = typeof document !== "undefined" && document.documentElement;
    return html && /^zh\b/i.test(html.getAttribute("lang") || "") ? "zh" : "en";
  }
  var LANGUAGE = pageLanguage();

  // The text for a key in the page's language, with its {holes} filled from values.
  function phrase(key, values) {
    var template = STRINGS[LANGUAGE][key];
    if (template === undefined) throw new Error("calculator: no text for " + key);
    return template.replace(/\{(\w+)\}/g, function (_, name) {
      if (!values || !(name in values)) throw new Error("calculator: text " + key + " needs " + name);
      return String(values[name]);
    });
  }

  // 1234567 -> "1,234,567" (toLocaleString would do, but builds a number formatter on every call: 50x slower).
  function fmt(n) {
    return BigInt(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // A field's raw value (string or number) as {value: BigInt} or {error: message}; never echoes the input.
  function parseWhole(raw, field) {
    var entered = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
    var limit = LIMITS[field];
    if (entered === "") return { error: phrase("enterWhole") };
    if (/^-\s*\d/.test(entered)) return { error: phrase("notNegative") };
    if (!/^\d+$/.test(entered)) {
      if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(entered)) return { error: phrase("noDecimals") };
      return { error: phrase("digitsOnly") };
    }
    var value = BigInt(entered);
    if (value === 0n) return { error: phrase("notZero") };
    if (value > BigInt(limit)) return { error: phrase("atMost", { limit: fmt(limit) }) };
    return { value: value };
  }

  // Output length along one axis, as Keras computes it; {error} when the kernel is larger than the (padded) input.
  function outputSize(n, k, s, padding, d) {
    var span = d * (k - 1n) + 1n;
    var pad = 0n;
    if (padding === "same") {
      var out = (n + s - 1n) / s;
      pad = (out - 1n) * s + span - n;
      if (pad < 0n) pad = 0n;
    }
    if (span > n + pad) {
      if (d > 1n) return { error: phrase("dilatedLargerThanInput", { d: fmt(d), span: fmt(span), n: fmt(n) }) };
      return { error: phrase("largerThanInput", { n: fmt(n) }) };
    }
    return { value: (n + pad - span) / s + 1n };
  }

  // One layer on input [h, w, c] after receptive field [rh, rw] and jump; returns {result} or {errors}.
  function layerResult(index, layer, shape, field, jump) {
    var errors = [];
    var err = function (name, message) { errors.push({ layer: index, field: name, message: message }); };
    var type = layer && layer.type;
    if (LAYER_TYPES.indexOf(type) < 0) {
      err("type", phrase("chooseType"));
      return { errors: errors };
    }
    var v = {};
    FIELDS[type].forEach(function (name) {
      var parsed = parseWhole(layer[name], name);
      if (parsed.error) err(name, parsed.error); else v[name] = parsed.value;
    });
    var padding = layer.padding;
    if (padding !== "valid" && padding !== "same") err("padding", phrase("choosePadding"));
    if (errors.length || !shape) return { errors: errors };

    var pooling = type === "maxpool" || type === "avgpool";
    var kh = pooling ? v.pool : v.kh, kw = pooling ? v.pool : v.kw;
    var d = pooling ? 1n : v.dilation, s = v.stride;
    var names = pooling ? ["pool", "pool"] : ["kh", "kw"];
    if (type === "conv" && s > 1n && d > 1n) {
      err("dilation", phrase("strideAndDilation"));
      return { errors: errors };
    }
    var oh = outputSize(shape[0], kh, s, padding, d);
    if (oh.error) err(names[0], phrase("kernelHeight", { error: oh.error }));
    var ow = outputSize(shape[1], kw, s, padding, d);
    if (ow.error) err(names[1], phrase("kernelWidth", { error: ow.error }));
    if (errors.length) return { errors: errors.slice(0, pooling ? 1 : 2) };
    var h = oh.value, w = ow.value, cIn = shape[2], cOut, params, macs;
    if (type === "conv") {
      var g = v.groups;
      if (cIn % g !== 0n || v.filters % g !== 0n) {
        err("groups", phrase("groupsDivide", { g: fmt(g), c: fmt(cIn), f: fmt(v.filters) }));
        return { errors: errors };
      }
      cOut = v.filters;
      var weights = kh * kw * (cIn / g) * cOut;
      params = weights + cOut;
      macs = h * w * weights;
    } else if (type === "depthwise") {
      cOut = cIn * v.multiplier;
      params = kh * kw * cOut + cOut;
      macs = h * w * cOut * kh * kw;
    } else {
      cOut = cIn; params = 0n; macs = 0n;  // pooling has no weights; max/sum are not multiply-accumulates
    }
    return {
      result: {
        shape: [h, w, cOut], params: params, macs: macs, activations: h * w * cOut,
        rf: [field[0] + d * (kh - 1n) * jump, field[1] + d * (kw - 1n) * jump], jump: jump * s,
      },
    };
  }

  // The whole stack: {input: {h, w, c}, layers: [...]} -> {layers: [result|null], errors: [...], totals|null}.
  // Errors come in the order kf.stack raises them, so errors[0] is the one Python reports.
  function compute(stack) {
    var errors = [];
    var input = (stack && stack.input) || {};
    var shape = [];
    INPUT_FIELDS.forEach(function (name) {
      var parsed = parseWhole(input[name], name);
      if (parsed.error) errors.push({ layer: -1, field: name, message: parsed.error });
      else shape.push(parsed.value);
    });
    if (errors.length) shape = null;
    var field = [1n, 1n], jump = 1n, results = [];
    var layers = (stack && stack.layers) || [];
    for (var i = 0; i < layers.length; i++) {
      var out = layerResult(i, layers[i], shape, field, jump);
      if (out.errors) {
        errors = errors.concat(out.errors);
        results.push(null);
        shape = null;
        continue;
      }
      results.push(out.result);
      shape = out.result.shape; field = out.result.rf; jump = out.result.jump;
    }
    var totals = null;
    if (!errors.length) {
      totals = { params: 0n, macs: 0n, activations: 0n };
      results.forEach(function (r) { totals.params += r.params; totals.macs += r.macs; totals.activations += r.activations; });
    }
    return { layers: results, errors: errors, totals: totals };
  }

  // compute() with every BigInt as a decimal string, for JSON and for the tests.
  function computeJSON(stack) {
    return JSON.parse(JSON.stringify(compute(stack), function (key, value) {
      return typeof value === "bigint" ? value.toString() : value;
    }));
  }

  // ---- Sharing: the state in the URL, ?calc=v1.28x28x1_c64k3x3s1d1g1v.28x28x1_c32k7x7s1d1g1v ------
  // Version, then stack A and optionally stack B; each stack is an input shape and a token per layer:
  //   c{filters}k{kh}x{kw}s{stride}d{dilation}g{groups}{v|s}   Conv2D
  //   w{multiplier}k{kh}x{kw}s{stride}d{dilation}{v|s}         DepthwiseConv2D
  //   m{pool}s{stride}{v|s} and a{pool}s{stride}{v|s}          Max/AveragePooling2D
  var N = "(\\d{1,12})";
  var PATTERNS = {
    conv: new RegExp("^c" + N + "k" + N + "x" + N + "s" + N + "d" + N + "g" + N + "([vs])$"),
    depthwise: new RegExp("^w" + N + "k" + N + "x" + N + "s" + N + "d" + N + "([vs])$"),
    maxpool: new RegExp("^m" + N + "s" + N + "([vs])$"),
    avgpool: new RegExp("^a" + N + "s" + N + "([vs])$"),
  };
  var INPUT_PATTERN = new RegExp("^" + N + "x" + N + "x" + N + "$");
  var DEFAULT_LAYER = { filters: "32", multiplier: "1", kh: "3", kw: "3", pool: "2", stride: "1", dilation: "1", groups: "1" };

  function digits(value) {
    var text = String(value).trim();
    return /^\d{1,12}$/.test(text) ? String(BigInt(text)) : null;
  }

  // One stack as "28x28x1_c64k3x3s1d1g1v", or null while a field holds something other than digits.
  function encodeStack(stack) {
    var head = INPUT_FIELDS.map(function (n) { return digits(stack.input[n]); });
    if (head.indexOf(null) >= 0) return null;
    var parts = [head.join("x")];
    for (var i = 0; i < stack.layers.length; i++) {
      var layer = stack.layers[i];
      var f = {};
      var ok = FIELDS[layer.type].every(function (n) { f[n] = digits(layer[n]); return f[n] !== null; });
      if (!ok) return null;
      var p = layer.padding === "same" ? "s" : "v";
      if (layer.type === "conv") parts.push("c" + f.filters + "k" + f.kh + "x" + f.kw + "s" + f.stride + "d" + f.dilation + "g" + f.groups + p);
      else if (layer.type === "depthwise") parts.push("w" + f.multiplier + "k" + f.kh + "x" + f.kw + "s" + f.stride + "d" + f.dilation + p);
      else parts.push((layer.type === "maxpool" ? "m" : "a") + f.pool + "s" + f.stride + p);
    }
    return parts.join("_");
  }

  // The whole state as "v1.A" or "v1.A.B" (the value of the calc= query parameter), or null while a
  // field holds something other than digits. Only [0-9a-z._] appear, so the link needs no escaping.
  function encode(state) {
    var a = encodeStack(state.a);
    if (a === null) return null;
    var out = VERSION + "." + a;
    if (state.compare) {
      var b = encodeStack(state.b);
      if (b === null) return null;
      out += "." + b;
    }
    return out;
  }

  function decodeStack(text, name) {
    var parts = text.split("_");
    var head = INPUT_PATTERN.exec(parts[0]);
    if (!head) return { error: phrase("linkNoInput", { stack: name }) };
    if (parts.length - 1 > MAX_LAYERS) return { error: phrase("linkTooManyLayers", { stack: name, max: MAX_LAYERS }) };
    var stack = { input: { h: head[1], w: head[2], c: head[3] }, layers: [] };
    for (var i = 1; i < parts.length; i++) {
      var layer = null;
      for (var t = 0; t < LAYER_TYPES.length && !layer; t++) {
        var type = LAYER_TYPES[t], m = PATTERNS[type].exec(parts[i]);
        if (!m) continue;
        layer = Object.assign({}, DEFAULT_LAYER, { type: type, padding: m[m.length - 1] === "s" ? "same" : "valid" });
        FIELDS[type].forEach(function (n, j) { layer[n] = String(BigInt(m[j + 1])); });
      }
      if (!layer) return { error: phrase("linkBadLayer", { n: i, stack: name }) };
      stack.layers.push(layer);
    }
    return { stack: stack };
  }

  // The calc= value as {state} or {error}; the error message never repeats the text it was given.
  function decode(text) {
    var parts = typeof text === "string" ? text.split(".") : [];
    if (parts[0] !== VERSION) {
      var version = /^v\d{1,4}$/.test(parts[0]) ? phrase("linkVersionNote", { version: parts[0] }) : "";
      return { error: phrase("linkVersion", { version: version }) };
    }
    if (parts.length < 2 || parts.length > 3) return { error: phrase("linkStacks") };
    var a = decodeStack(parts[1], "A");
    if (a.error) return { error: phrase("inTheLink", { error: a.error }) };
    var state = { a: a.stack, compare: parts.length === 3, b: null };
    if (state.compare) {
      var b = decodeStack(parts[2], "B");
      if (b.error) return { error: phrase("inTheLink", { error: b.error }) };
      state.b = b.stack;
    } else {
      state.b = copyStack(state.a);
    }
    return { state: state };
  }

  // ---- Presets ----------------------------------------------------------------------------------
  function conv(filters, k, padding, extra) {
    return Object.assign({}, DEFAULT_LAYER, { type: "conv", filters: String(filters), kh: String(k), kw: String(k),
      padding: padding || "valid" }, extra || {});
  }
  function pool(type, size) {
    return Object.assign({}, DEFAULT_LAYER, { type: type, pool: String(size), stride: String(size), padding: "valid" });
  }
  function input(h, w, c) { return { h: String(h), w: String(w), c: String(c) }; }

  var PRESETS = {
    seed: {
      label: phrase("presetSeed"),
      a: { input: input(28, 28, 1), layers: [conv(64, 3)] },
      b: { input: input(28, 28, 1), layers: [conv(32, 7)] },
    },
    vgg: {
      label: phrase("presetVgg"),
      a: { input: input(28, 28, 64), layers: [conv(64, 3, "same"), conv(64, 3, "same"), conv(64, 3, "same")] },
      b: { input: input(28, 28, 64), layers: [conv(64, 7, "same")] },
    },
    vggstages: {
      label: phrase("presetVggstages"),
      a: { input: input(28, 28, 1), layers: [conv(32, 3, "same"), conv(32, 3, "same"), pool("maxpool", 2),
        conv(64, 3, "same"), conv(64, 3, "same"), pool("maxpool", 2)] },
      b: null,
    },
    convnext: {
      label: phrase("presetConvnext"),
      a: { input: input(56, 56, 96), layers: [
        Object.assign({}, DEFAULT_LAYER, { type: "depthwise", multiplier: "1", kh: "7", kw: "7", padding: "same" }),
        conv(384, 1), conv(96, 1)] },
      b: { input: input(56, 56, 96), layers: [conv(96, 7, "same"), conv(384, 1), conv(96, 1)] },
    },
  };

  function copyStack(stack) {
    return { input: Object.assign({}, stack.input), layers: stack.layers.map(function (l) { return Object.assign({}, l); }) };
  }

  function preset(name) {
    var p = PRESETS[name];
    if (!p) return null;
    return { a: copyStack(p.a), b: p.b ? copyStack(p.b) : copyStack(p.a), compare: !!p.b };
  }

  var api = {
    LAYER_TYPES: LAYER_TYPES, TYPE_NAMES: TYPE_NAMES, LIMITS: LIMITS, FIELDS: FIELDS, INPUT_FIELDS: INPUT_FIELDS,
    MAX_LAYERS: MAX_LAYERS, DEFAULT_LAYER: DEFAULT_LAYER, PRESETS: PRESETS,
    parseWhole: parseWhole, compute: compute, computeJSON: computeJSON, fmt: fmt,
    encode: encode, decode: decode, preset: preset, copyStack: copyStack,
    STRINGS: STRINGS, LANGUAGE: LANGUAGE, phrase: phrase,
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.kfCalcCore = api;
})(typeof window !== "undefined" ? window : this);
