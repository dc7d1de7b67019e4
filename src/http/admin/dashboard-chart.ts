/**
 * The dashboard's daily bar chart (browser JS, part of `DASHBOARD_SCRIPT`; plain SVG, no library). One slot per
 * day of the range, so a day without requests shows as an empty slot at zero rather than being skipped; series are
 * stacked; an optional whisker per day shows an interval (the saved estimate's p10-p90). It draws at the box's
 * own pixel width, so labels keep their size on a narrow screen, and day labels thin out until they cannot touch.
 * Each day is a `g.day` with `data-day` and `data-total`, which the browser test reads.
 */
export const DASHBOARD_CHART = String.raw`
  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // spec: { days: [YYYY-MM-DD], series: [{ name, color, values }], unit: "usd" | "tokens" | "count",
  //         whiskers: { low: [], high: [] } | null, label }
  function barChart(box, spec) {
    var W = Math.max(280, Math.floor(box.clientWidth));
    var H = W < 520 ? 190 : 220;
    var n = spec.days.length;
    var totals = spec.days.map(function (_, i) {
      return spec.series.reduce(function (sum, s) { return sum + (s.values[i] || 0); }, 0);
    });
    var highs = spec.whiskers ? spec.whiskers.high : [];
    var ticks = axisTicks(Math.max.apply(null, totals.concat(highs, [0])), H < 200 ? 4 : 5, spec.unit === "count");
    var labels = ticks.values.map(function (v) { return axisLabel(v, spec.unit, ticks); });
    // Room for the longest y label at 11px (about 6.5px a character).
    var L = 12 + Math.ceil(6.5 * Math.max.apply(null, labels.map(function (s) { return s.length; })));
    // The last day's label is centred on its bar: leave it room on the right.
    var R = 20, T = 10, B = 24;
    var plotW = W - L - R, plotH = H - T - B;
    var slot = plotW / n;
    var barW = Math.max(1, Math.min(36, slot * 0.72));
    var y = function (v) { return T + plotH * (1 - v / ticks.top); };
    var root = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": spec.label });

    ticks.values.forEach(function (v, i) {
      root.appendChild(svg("line", { class: i === 0 ? "axis" : "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      root.appendChild(svg("text", { class: "tick y-tick", x: L - 6, y: y(v) + 4, "text-anchor": "end", "data-value": v }, labels[i]));
    });

    // A day label is ~44px wide ("Nov 18"): label every k-th day, counted back from the last so it is always shown.
    var every = Math.max(1, Math.ceil(48 / slot));
    spec.days.forEach(function (day, i) {
      var cx = L + slot * (i + 0.5);
      var g = svg("g", { class: "day", "data-day": day, "data-total": totals[i] });
      var base = y(0);
      spec.series.forEach(function (s) {
        var v = s.values[i] || 0;
        if (v <= 0) return;
        var h = Math.max(1, plotH * (v / ticks.top));
        var rect = svg("rect", { class: "bar", x: cx - barW / 2, y: base - h, width: barW, height: h, fill: s.color, "data-series": s.name, "data-value": v });
        rect.appendChild(svg("title", {}, s.name + " · " + dayLabel(day) + ": " + amount(v, spec.unit)));
        g.appendChild(rect);
        base -= h;
      });
      if (spec.whiskers && spec.whiskers.high[i] > 0) {
        var lo = y(spec.whiskers.low[i]), hi = y(spec.whiskers.high[i]);
        var cap = Math.min(8, barW / 2);
        var whisker = svg("path", { class: "whisker", d: "M" + cx + " " + lo + "V" + hi + "M" + (cx - cap / 2) + " " + hi + "H" + (cx + cap / 2) + "M" + (cx - cap / 2) + " " + lo + "H" + (cx + cap / 2) });
        whisker.appendChild(svg("title", {}, dayLabel(day) + " p10–p90: " + amount(spec.whiskers.low[i], spec.unit) + " – " + amount(spec.whiskers.high[i], spec.unit)));
        g.appendChild(whisker);
      }
      if ((n - 1 - i) % every === 0) g.appendChild(svg("text", { class: "tick x-tick", x: cx, y: H - B + 16, "text-anchor": "middle" }, dayLabel(day)));
      root.appendChild(g);
    });
    box.replaceChildren(root);
  }

  // A legend in HTML, so that it wraps on a narrow screen; whisker names the whiskers' meaning.
  function legend(box, series, extra, whisker) {
    box.replaceChildren();
    series.forEach(function (s) {
      var item = el("li");
      var swatch = el("span", { class: "swatch" });
      swatch.style.background = s.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name));
      box.appendChild(item);
    });
    if (whisker) {
      var key = el("li", { class: "legend-note" });
      key.appendChild(el("span", { class: "whisker-key" }));
      key.appendChild(document.createTextNode(whisker));
      box.appendChild(key);
    }
    if (extra) box.appendChild(el("li", { class: "legend-note" }, extra));
  }
`;
