/**
 * The dashboard's number formatting and axis steps (browser JS, part of `DASHBOARD_SCRIPT`). Amounts are shown
 * the way a reader compares them: dollars with cents from $1 up and three significant digits below (a request
 * costs fractions of a cent), tokens with thousands separators in tables and as 1.5k / 2M on axes, and axes in
 * round steps (1, 2, 2.5 or 5 times a power of ten) whose labels all carry the same number of decimals.
 */
export const DASHBOARD_FORMAT = String.raw`
  var LOCALE = "en-US";
  function usd(n) {
    if (n === null || n === undefined) return "n/a";
    if (n === 0) return "$0.00";
    var abs = Math.abs(n);
    var sign = n < 0 ? "-$" : "$";
    if (abs >= 1) return sign + abs.toLocaleString(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    // Three significant digits, at least cents: $0.50, $0.0259, $0.000259.
    var digits = Math.min(8, Math.max(2, 2 - Math.floor(Math.log10(abs))));
    return sign + abs.toFixed(digits).replace(/(\.\d\d\d*?)0+$/, "$1");
  }
  function int(n) { return Number(n).toLocaleString(LOCALE, { maximumFractionDigits: 0 }); }
  function pct(part, whole) {
    if (!whole) return "–";
    var p = (100 * part) / whole;
    if (p > 0 && p < 0.1) return "<0.1%";
    return p.toLocaleString(LOCALE, { maximumFractionDigits: p >= 10 ? 0 : 1 }) + "%";
  }
  function dayLabel(day) {
    var d = new Date(day + "T00:00:00Z");
    return d.toLocaleDateString(LOCALE, { month: "short", day: "numeric", timeZone: "UTC" });
  }
  function days(from, to) {
    var out = [];
    for (var t = Date.parse(from + "T00:00:00Z"); t <= Date.parse(to + "T00:00:00Z"); t += 86400000) out.push(new Date(t).toISOString().slice(0, 10));
    return out;
  }

  // A round step near max / count: 1, 2, 2.5 or 5 times a power of ten (counts: 1, 2 or 5, and at least 1).
  function niceStep(raw, integer) {
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / power;
    var factors = integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
    for (var i = 0; i < factors.length; i++) if (f <= factors[i] + 1e-9) return Math.max(integer ? 1 : 0, factors[i] * power);
    return 10 * power;
  }
  function stepDecimals(step) {
    var d = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    // 0.25, 0.025 ...: one digit more than the power of ten shows.
    return Math.abs(step / Math.pow(10, -d) - Math.round(step / Math.pow(10, -d))) > 1e-9 ? d + 1 : d;
  }
  // Ticks from 0 to the first round value at or above max, about count of them.
  function axisTicks(max, count, integer) {
    if (!(max > 0)) max = integer ? count : 1;
    var step = niceStep(max / count, integer);
    var decimals = stepDecimals(step);
    var n = Math.ceil(max / step - 1e-9);
    var values = [];
    for (var i = 0; i <= n; i++) values.push(Number((i * step).toFixed(decimals)));
    return { values: values, step: step, decimals: decimals, top: values[values.length - 1] };
  }
  // An axis label: every label of one axis gets the decimals its step needs, so they line up.
  function axisLabel(value, unit, ticks) {
    if (unit === "usd") return "$" + value.toLocaleString(LOCALE, { minimumFractionDigits: ticks.decimals, maximumFractionDigits: ticks.decimals });
    if (unit === "tokens") {
      var scale = ticks.top >= 1e6 ? [1e6, "M"] : ticks.top >= 1e3 ? [1e3, "k"] : [1, ""];
      var d = scale[0] === 1 ? 0 : stepDecimals(ticks.step / scale[0]);
      return (value / scale[0]).toLocaleString(LOCALE, { minimumFractionDigits: d, maximumFractionDigits: d }) + scale[1];
    }
    return int(value);
  }
  // A value as its chart's tooltips show it.
  function amount(value, unit) { return unit === "usd" ? usd(value) : unit === "tokens" ? int(value) + " tokens" : int(value); }
`;
