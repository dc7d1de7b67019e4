import { DASHBOARD_CHART } from "./dashboard-chart";
import { DASHBOARD_FORMAT } from "./dashboard-format";
import { DASHBOARD_TABLES } from "./dashboard-tables";

/**
 * The dashboard's main script: the admin token, what it asks the admin API, the trend charts, CSV downloads
 * (browser JS). Every figure comes from `GET /admin/usage` (one grouping per section, the range shown), the
 * budgets from each team's effective policy; nothing is computed that the API does not already sum, except rates,
 * shares and each day's stack.
 */
const DASHBOARD_MAIN = String.raw`
  var TOKEN_KEY = "inflight-admin-token";
  var PALETTE = ["#2f6fdb", "#e8833a", "#1a9e77", "#9c5bd2", "#d1485f", "#8c8c2a", "#3aa0c8"];
  var OTHER_COLOR = "#9aa3ad";
  var OUTCOMES = ["accepted", "rejected", "early_exit", "client_abort", "upstream_error", "incomplete", "budget_denied", "forwarded"];
  var $ = function (id) { return document.getElementById(id); };
  var status = function (text) { $("status").textContent = text; };
  var state = null;

  // A token in the fragment (#token=...) never reaches the server; keep it for this tab and drop it from the URL.
  var fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem(TOKEN_KEY, fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  var token = function () { return sessionStorage.getItem(TOKEN_KEY); };

  function request(path) {
    return fetch(path, { headers: { authorization: "Bearer " + token() } }).then(function (res) {
      if (res.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin();
        throw new Error("The admin token was refused.");
      }
      if (!res.ok) return res.json().then(function (body) { throw new Error(body.error ? body.error.message : "HTTP " + res.status); });
      return res;
    });
  }
  function api(path) { return request(path).then(function (res) { return res.json(); }); }

  function usagePath(query, group) {
    var params = new URLSearchParams({ from: query.from, to: query.to, group_by: group });
    if (query.team) params.set("team", query.team);
    return "/admin/usage?" + params.toString();
  }
  // Series for a stacked chart: the largest keys get their own colour, the rest one "other" series.
  function stackSeries(rows, dim, dayList, value, colorOf, otherName) {
    var perKey = {};
    rows.forEach(function (row) {
      var key = row[dim];
      if (key === null || key === undefined) return;
      perKey[key] = perKey[key] || {};
      perKey[key][row.day] = (perKey[key][row.day] || 0) + (value(row) || 0);
    });
    var keys = Object.keys(perKey).filter(function (k) { return sum(dayList.map(function (d) { return perKey[k][d]; })) > 0; });
    var totalOf = function (k) { return sum(dayList.map(function (d) { return perKey[k][d]; })); };
    keys.sort(function (a, b) { return totalOf(b) - totalOf(a) || (a < b ? -1 : 1); });
    var series = keys.slice(0, PALETTE.length).map(function (k) {
      return { name: k, color: colorOf(k), values: dayList.map(function (d) { return perKey[k][d] || 0; }) };
    });
    if (keys.length > PALETTE.length) {
      var rest = keys.slice(PALETTE.length);
      series.push({ name: otherName, color: OTHER_COLOR, values: dayList.map(function (d) { return sum(rest.map(function (k) { return perKey[k][d]; })); }) });
    }
    return series;
  }

  function drawTrends(report) {
    var teamColors = {};
    report.teams.forEach(function (team, i) { teamColors[team] = PALETTE[i % PALETTE.length]; });
    var colorOfTeam = function (team) { return teamColors[team] || OTHER_COLOR; };
    // USD at list price, or tokens (billed: prompt and completion; saved: the estimate's completion tokens).
    var unit = $("unit").value === "tokens" ? "tokens" : "usd";
    var f = unit === "usd"
      ? { spend: function (r) { return r.cost_usd; }, saved: "estimated_saved_cost_usd", low: "estimated_saved_cost_usd_p10", high: "estimated_saved_cost_usd_p90" }
      : { spend: function (r) { return r.prompt_tokens + r.completion_tokens; }, saved: "estimated_saved_tokens", low: "estimated_saved_tokens_p10", high: "estimated_saved_tokens_p90" };
    $("spend-title").textContent = unit === "usd" ? "Spend per day by team" : "Tokens billed per day by team";
    $("saved-title").textContent = unit === "usd" ? "Estimated saved per day by team" : "Estimated tokens saved per day by team";
    var spend = stackSeries(report.teamDay.data, "team", report.days, f.spend, colorOfTeam, "other teams");
    legend($("spend-legend"), spend);
    barChart($("spend-chart"), { days: report.days, series: spend, unit: unit, whiskers: null, label: $("spend-title").textContent });

    var saved = stackSeries(report.teamDay.data, "team", report.days, function (r) { return r[f.saved]; }, colorOfTeam, "other teams");
    var perDay = {};
    report.teamDay.data.forEach(function (row) {
      var d = (perDay[row.day] = perDay[row.day] || { low: 0, high: 0 });
      d.low += row[f.low] || 0;
      d.high += row[f.high] || 0;
    });
    var whiskers = {
      low: report.days.map(function (d) { return perDay[d] ? perDay[d].low : 0; }),
      high: report.days.map(function (d) { return perDay[d] ? perDay[d].high : 0; }),
    };
    legend($("saved-legend"), saved, "", "p10–p90 of the day's estimate");
    barChart($("saved-chart"), { days: report.days, series: saved, unit: unit, whiskers: whiskers, label: $("saved-title").textContent + ", with p10-p90" });

    var ruleRank = {};
    var rules = stackSeries(report.ruleDay.data, "rule", report.days, function (r) { return r.rejected + r.early_exit; }, function (rule) {
      if (!(rule in ruleRank)) ruleRank[rule] = Object.keys(ruleRank).length;
      return PALETTE[ruleRank[rule] % PALETTE.length];
    }, "other rules");
    legend($("rule-legend"), rules, rules.length ? "" : "No stream was cut in this range.");
    barChart($("rule-chart"), { days: report.days, series: rules, unit: "count", whiskers: null, label: "Streams cut per day by rule" });
  }

  function drawReport(report) {
    drawCards(report);
    drawTeams(report);
    drawRuleRates(report);
    drawTrends(report);
    drawMethods(report);
    var t = report.team.totals;
    fillTable("outcomes", OUTCOMES.map(function (o) { return [o, int(t[o])]; }));
    var models = report.model.data.slice().sort(function (a, b) { return b.requests - a.requests; }).slice(0, 8);
    fillTable("models", models.map(function (m) { return [m.model || "(none)", int(m.requests), usd(m.cost_usd), usd(m.estimated_saved_cost_usd)]; }));
    document.querySelectorAll("button.csv").forEach(function (button) {
      button.title = "CSV of GET " + usagePath(report.query, button.getAttribute("data-group")) + "&format=csv";
    });
  }

  function load() {
    var query = { from: $("from").value, to: $("to").value, team: $("team").value };
    var today = new Date().toISOString().slice(0, 10);
    var teams = query.team ? [query.team] : state && state.allTeams ? state.allTeams : [];
    status("Loading…");
    var groups = { team: "team", teamRule: "team,rule", methods: "team,method", teamDay: "team,day", ruleDay: "rule,day", model: "model" };
    var names = Object.keys(groups);
    var calls = names.map(function (name) { return api(usagePath(query, groups[name])); });
    calls.push(api(usagePath({ from: today, to: today, team: query.team }, "team")));
    calls.push(api(usagePath({ from: today.slice(0, 8) + "01", to: today, team: query.team }, "team")));
    calls.push(Promise.all(teams.map(function (team) {
      return api("/admin/teams/" + encodeURIComponent(team) + "/policy").then(function (p) { return p.effective.budget; });
    })));
    return Promise.all(calls).then(function (answers) {
      var report = { query: query, teams: teams, budgets: {} };
      names.forEach(function (name, i) { report[name] = answers[i]; });
      report.today = answers[names.length];
      report.month = answers[names.length + 1];
      answers[names.length + 2].forEach(function (budget, i) { report.budgets[teams[i]] = budget; });
      // The range the API resolved, one slot per day.
      report.days = days(report.team.from, report.team.to);
      state.report = report;
      // Shown first: the charts draw at their box's width, which a hidden box does not have.
      $("report").hidden = false;
      drawReport(report);
      var search = new URLSearchParams(query).toString();
      history.replaceState(null, "", location.pathname + "?" + search);
      document.body.setAttribute("data-loaded", "true");
      document.body.setAttribute("data-query", search);
      status("");
    }).catch(function (error) { status(error.message); });
  }

  function downloadCsv(group) {
    var path = usagePath(state.report.query, group) + "&format=csv";
    return request(path).then(function (res) {
      var disposition = res.headers.get("content-disposition") || "";
      var match = /filename="([^"]+)"/.exec(disposition);
      return res.blob().then(function (blob) {
        var link = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : "usage.csv" });
        document.body.appendChild(link);
        link.click();
        link.remove();
        // The download has its own copy once started; free the blob later, not before it is read.
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
      });
    }).catch(function (error) { status(error.message); });
  }

  function showLogin() { $("login").hidden = false; $("report").hidden = true; }

  function start() {
    $("login").hidden = true;
    return api("/admin/teams").then(function (list) {
      var select = $("team");
      select.replaceChildren(el("option", { value: "" }, "All teams"));
      state = { allTeams: list.data.map(function (t) { return t.team; }) };
      state.allTeams.forEach(function (team) { select.appendChild(el("option", { value: team }, team)); });
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
    $("controls").addEventListener("submit", function (event) { event.preventDefault(); if (state) load(); });
    $("login").addEventListener("submit", function (event) {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("token").value);
      $("token").value = "";
      start();
    });
    $("unit").addEventListener("change", function () { if (state && state.report) drawTrends(state.report); });
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button.csv");
      if (button && state && state.report) downloadCsv(button.getAttribute("data-group"));
    });
    // Charts draw at their box's width: draw again, once per frame, when it changes (a window resized, a page
    // grown long enough to need a scroll bar).
    var pending = false;
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".chart"));
    var stale = function () {
      return boxes.some(function (box) {
        var chart = box.querySelector("svg");
        return chart && Number(chart.getAttribute("width")) !== Math.max(280, Math.floor(box.clientWidth));
      });
    };
    var observer = new ResizeObserver(function () {
      if (pending || !state || !state.report) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; if (stale()) drawTrends(state.report); });
    });
    boxes.forEach(function (box) { observer.observe(box); });
    if (token()) start(); else showLogin();
  });
`;

/**
 * The dashboard's browser script (plain ES2020, no dependencies, no CDN). It builds every element with DOM
 * calls and `textContent`, so names from requests (models, rules, teams) are never parsed as HTML. Its parts are
 * kept free of backticks so they can live in strings.
 */
export const DASHBOARD_SCRIPT = `"use strict";
(function () {
${DASHBOARD_FORMAT}
${DASHBOARD_CHART}
${DASHBOARD_TABLES}
${DASHBOARD_MAIN}
})();
`;
