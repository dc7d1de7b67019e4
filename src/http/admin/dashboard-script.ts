/**
 * The dashboard's browser script (plain ES2020, no dependencies, no CDN). It builds every element with DOM
 * calls and `textContent`, so names from requests (models, rules) are never parsed as HTML. Kept free of
 * backticks so it can live in this string.
 */
export const DASHBOARD_SCRIPT = String.raw`
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var TOKEN_KEY = "inflight-admin-token";
  var $ = function (id) { return document.getElementById(id); };
  var usd = function (n) { return n === null ? "n/a" : "$" + n.toFixed(n !== 0 && Math.abs(n) < 1 ? 4 : 2); };
  var int = function (n) { return Number(n).toLocaleString("en-US"); };
  var status = function (text) { $("status").textContent = text; };

  // A token in the fragment (#token=...) never reaches the server; keep it for this tab and drop it from the URL.
  var fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem(TOKEN_KEY, fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  var token = function () { return sessionStorage.getItem(TOKEN_KEY); };

  function api(path) {
    return fetch(path, { headers: { authorization: "Bearer " + token() } }).then(function (res) {
      if (res.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin();
        throw new Error("The admin token was refused.");
      }
      if (!res.ok) return res.json().then(function (body) { throw new Error(body.error ? body.error.message : "HTTP " + res.status); });
      return res.json();
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function days(from, to) {
    var out = [];
    for (var t = Date.parse(from + "T00:00:00Z"); t <= Date.parse(to + "T00:00:00Z"); t += 86400000) out.push(new Date(t).toISOString().slice(0, 10));
    return out;
  }

  function drawChart(report) {
    var byDay = {};
    report.data.forEach(function (row) { byDay[row.day] = row; });
    var labels = days(report.from, report.to);
    var spend = labels.map(function (d) { return byDay[d] ? byDay[d].cost_usd || 0 : 0; });
    var saved = labels.map(function (d) { return byDay[d] ? byDay[d].estimated_saved_cost_usd || 0 : 0; });
    var W = 1000, H = 300, L = 64, R = 16, T = 28, B = 36;
    var max = Math.max.apply(null, spend.concat(saved, [0])) || 1;
    var x = function (i) { return L + (labels.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (labels.length - 1)); };
    var y = function (v) { return T + (H - T - B) * (1 - v / max); };
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "Spend and estimated saved spend per day" });
    for (var g = 0; g <= 4; g++) {
      var v = (max * g) / 4;
      root.appendChild(svg("line", { class: "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      root.appendChild(svg("text", { class: "tick", x: L - 6, y: y(v) + 4, "text-anchor": "end" }, usd(v)));
    }
    root.appendChild(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
    var step = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach(function (d, i) {
      // Count ticks back from the last day so that today is always labelled and labels never crowd.
      if ((labels.length - 1 - i) % step === 0) root.appendChild(svg("text", { class: "tick", x: x(i), y: H - B + 16, "text-anchor": "middle" }, d.slice(5)));
    });
    function line(values, cls, name) {
      var d = values.map(function (v, i) { return (i === 0 ? "M" : "L") + x(i).toFixed(1) + " " + y(v).toFixed(1); }).join(" ");
      if (values.length === 1) d += " L" + (x(0) + 1).toFixed(1) + " " + y(values[0]).toFixed(1);
      var path = svg("path", { class: cls, d: d });
      path.appendChild(svg("title", {}, name));
      root.appendChild(path);
      values.forEach(function (v, i) { if (v > 0) root.appendChild(svg("circle", { cx: x(i), cy: y(v), r: 2.5, class: cls })); });
    }
    line(spend, "series-spend", "Spend");
    line(saved, "series-saved", "Estimated saved");
    root.appendChild(svg("line", { class: "series-spend", x1: L, x2: L + 24, y1: 12, y2: 12 }));
    root.appendChild(svg("text", { class: "legend", x: L + 30, y: 16 }, "Spend"));
    root.appendChild(svg("line", { class: "series-saved", x1: L + 100, x2: L + 124, y1: 12, y2: 12 }));
    root.appendChild(svg("text", { class: "legend", x: L + 130, y: 16 }, "Estimated saved by inflight"));
    $("chart").replaceChildren(root);
  }

  function drawRules(report) {
    var rows = report.data.filter(function (row) { return row.rule !== null && row.rejected + row.early_exit > 0; });
    rows.sort(function (a, b) { return b.rejected - a.rejected; });
    var box = $("rules");
    box.replaceChildren();
    if (rows.length === 0) { box.appendChild(el("p", { class: "empty" }, "No rejections in this range.")); return; }
    var max = Math.max.apply(null, rows.map(function (r) { return r.rejected + r.early_exit; }));
    rows.forEach(function (row) {
      var n = row.rejected + row.early_exit;
      var line = el("div", { class: "bar-row" });
      line.appendChild(el("span", {}, row.rule));
      var bar = el("div", { class: "bar" });
      bar.style.width = Math.max(2, (100 * n) / max) + "%";
      line.appendChild(bar);
      line.appendChild(el("span", {}, int(row.rejected) + (row.early_exit ? " (+" + int(row.early_exit) + " exits)" : "")));
      box.appendChild(line);
    });
  }

  function fillTable(id, rows) {
    var body = $(id).querySelector("tbody");
    body.replaceChildren();
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (cell) { tr.appendChild(el("td", {}, cell)); });
      body.appendChild(tr);
    });
  }

  function load() {
    var team = $("team").value;
    var base = "/admin/usage?from=" + $("from").value + "&to=" + $("to").value + (team ? "&team=" + encodeURIComponent(team) : "");
    status("Loading…");
    return Promise.all([api(base + "&group_by=day"), api(base + "&group_by=rule"), api(base + "&group_by=model")]).then(function (r) {
      var byDay = r[0], byRule = r[1], byModel = r[2], t = byDay.totals;
      $("total-spend").textContent = usd(t.cost_usd);
      // The saved figure is an estimate: show its interval (the sum of the requests' p10 and p90) with it.
      $("total-saved").textContent = usd(t.estimated_saved_cost_usd);
      $("total-saved-interval").textContent = t.estimated_saved_cost_usd === null ? "" : "p10–p90 " + usd(t.estimated_saved_cost_usd_p10) + " – " + usd(t.estimated_saved_cost_usd_p90);
      $("total-requests").textContent = int(t.requests);
      $("total-saved-tokens").textContent = int(t.estimated_saved_tokens);
      $("total-saved-tokens-interval").textContent = "p10–p90 " + int(t.estimated_saved_tokens_p10) + " – " + int(t.estimated_saved_tokens_p90);
      drawChart(byDay);
      drawRules(byRule);
      fillTable("outcomes", ["accepted", "rejected", "early_exit", "client_abort", "upstream_error", "incomplete", "budget_denied", "forwarded"].map(function (o) { return [o, int(t[o])]; }));
      var models = byModel.data.slice().sort(function (a, b) { return b.requests - a.requests; }).slice(0, 8);
      fillTable("models", models.map(function (m) { return [m.model || "(none)", int(m.requests), usd(m.cost_usd), usd(m.estimated_saved_cost_usd)]; }));
      $("report").hidden = false;
      document.body.setAttribute("data-loaded", "true");
      status("");
    }).catch(function (error) { status(error.message); });
  }

  function showLogin() { $("login").hidden = false; $("report").hidden = true; }

  function start() {
    $("login").hidden = true;
    return api("/admin/teams").then(function (teams) {
      var select = $("team");
      teams.data.forEach(function (t) { select.appendChild(el("option", { value: t.team }, t.team)); });
      var wanted = new URLSearchParams(location.search).get("team");
      if (wanted) select.value = wanted;
      return load();
    }).catch(function (error) { status(error.message); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var today = new Date();
    var params = new URLSearchParams(location.search);
    $("to").value = params.get("to") || today.toISOString().slice(0, 10);
    $("from").value = params.get("from") || new Date(today.getTime() - 29 * 86400000).toISOString().slice(0, 10);
    $("controls").addEventListener("submit", function (event) { event.preventDefault(); load(); });
    $("login").addEventListener("submit", function (event) {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("token").value);
      $("token").value = "";
      start();
    });
    if (token()) start(); else showLogin();
  });
})();
`;
