/**
 * The dashboard's tables and cards (browser JS, part of `DASHBOARD_SCRIPT`): teams side by side, rejection rate by
 * rule, how the savings were estimated. Cells carry `data-field`, `data-team`, `data-rule` and `data-count`, which
 * the browser test reads next to the text a reader sees.
 */
export const DASHBOARD_TABLES = String.raw`
  // How each saved estimate was made (docs/metering.md), in the words of the page.
  var METHODS = {
    loop_to_max_tokens: "loop, run to max_tokens",
    loop_to_default_cap: "loop without max_tokens, run to 4,096 tokens",
    length_history: "typical length, learned from the key",
    length_model_history: "typical length, learned from the model",
    length_prior: "typical length, from the prior",
    exit_tail_history: "tail after the answer, learned from the key",
    exit_tail_model_history: "tail after the answer, learned from the model",
    exit_tail_prior: "tail after the answer, from the prior",
    answer_length_history: "rest of the final answer, learned from the key",
    answer_length_model_history: "rest of the final answer, learned from the model",
    mixed: "choices cut for different reasons",
    already_generated: "output complete when the rule decided: nothing saved",
  };
  var isPrior = function (method) { return /_prior$/.test(method); };
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function cell(tr, text, attrs) {
    var td = el("td", attrs || {}, text);
    tr.appendChild(td);
    return td;
  }
  function sub(td, text, cls) { td.appendChild(el("span", { class: cls || "sub" }, text)); }
  function meter(td, share, cls) {
    var bar = el("div", { class: "meter" + (cls ? " " + cls : "") });
    var fill = el("span");
    fill.style.width = Math.max(0, Math.min(100, 100 * share)) + "%";
    bar.appendChild(fill);
    td.appendChild(bar);
  }

  // Each cell gets its column's name (the header's first line), shown above the value where a narrow screen lays
  // the table's rows out as cards.
  function labelCells(table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.firstChild ? th.firstChild.textContent.trim() : ""; });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) { td.setAttribute("data-label", names[i] || ""); });
    });
  }

  function byKey(rows, name) {
    var out = {};
    rows.forEach(function (row) { out[row[name]] = row; });
    return out;
  }
  var sum = function (values) { return values.reduce(function (a, b) { return a + (b || 0); }, 0); };

  function drawCards(report) {
    var t = report.team.totals;
    $("total-spend").textContent = usd(t.cost_usd);
    $("total-range").textContent = report.days.length + " days" + (t.unpriced_requests ? " · " + int(t.unpriced_requests) + " requests on unpriced models left out" : "");
    $("total-saved").textContent = usd(t.estimated_saved_cost_usd);
    $("total-saved-interval").textContent = t.estimated_saved_cost_usd === null ? "" : "estimate, p10–p90 " + usd(t.estimated_saved_cost_usd_p10) + " – " + usd(t.estimated_saved_cost_usd_p90);
    $("total-requests").textContent = int(t.requests);
    $("total-rejected").textContent = pct(t.rejected, t.requests) + " rejected · " + pct(t.early_exit, t.requests) + " early exits";
    $("total-saved-tokens").textContent = int(t.estimated_saved_tokens);
    $("total-saved-tokens-interval").textContent = "p10–p90 " + int(t.estimated_saved_tokens_p10) + " – " + int(t.estimated_saved_tokens_p90);
  }

  function budgetCell(tr, spent, limit, field) {
    var td = cell(tr, "", { class: "budget num", "data-field": field });
    if (limit === null || limit === undefined) {
      td.appendChild(el("span", { class: "none" }, "no limit"));
      sub(td, usd(spent) + " spent");
      return;
    }
    var share = (spent || 0) / limit;
    td.appendChild(document.createTextNode(pct(spent || 0, limit) + " used"));
    meter(td, share, share >= 1 ? "over" : share >= 0.8 ? "warn" : "");
    sub(td, usd(spent) + " of " + usd(limit));
  }

  function drawTeams(report) {
    var body = $("teams").querySelector("tbody");
    body.replaceChildren();
    var rows = byKey(report.team.data, "team"), today = byKey(report.today.data, "team"), month = byKey(report.month.data, "team");
    var methods = {};
    report.methods.data.forEach(function (row) {
      if (row.method === "none") return;
      var m = (methods[row.team] = methods[row.team] || { cut: 0, prior: 0, list: [] });
      m.cut += row.requests;
      if (isPrior(row.method)) m.prior += row.requests;
      m.list.push(row.requests + " × " + (METHODS[row.method] || row.method));
    });
    $("budget-day").textContent = dayLabel(report.today.from) + " UTC";
    $("budget-month").textContent = new Date(report.month.from + "T00:00:00Z").toLocaleDateString(LOCALE, { month: "short", year: "numeric", timeZone: "UTC" });
    report.teams.forEach(function (team) {
      var r = rows[team] || { requests: 0, rejected: 0, cost_usd: 0, estimated_saved_cost_usd: 0, estimated_saved_cost_usd_p10: 0, estimated_saved_cost_usd_p90: 0 };
      var tr = el("tr", { "data-team": team });
      cell(tr, team, { class: "team-name" });
      var requests = cell(tr, int(r.requests), { class: "num", "data-field": "requests" });
      sub(requests, pct(r.rejected, r.requests) + " rejected", "sub rejected");
      cell(tr, usd(r.cost_usd), { class: "num", "data-field": "cost_usd" });
      var saved = cell(tr, "", { class: "num", "data-field": "estimated_saved_cost_usd" });
      saved.appendChild(el("span", { class: "saved-value" }, usd(r.estimated_saved_cost_usd)));
      if (r.estimated_saved_cost_usd !== null) sub(saved, "p10–p90 " + usd(r.estimated_saved_cost_usd_p10) + " – " + usd(r.estimated_saved_cost_usd_p90), "sub interval");
      var m = methods[team];
      if (m && m.prior > 0) {
        var mark = el("span", { class: "prior-mark", title: m.list.join("\n") }, "prior: " + m.prior + " of " + m.cut);
        var line = el("span", { class: "sub" });
        line.appendChild(mark);
        saved.appendChild(line);
      }
      var limits = report.budgets[team] || { daily_usd: null, monthly_usd: null };
      budgetCell(tr, today[team] ? today[team].cost_usd : 0, limits.daily_usd, "budget_day");
      budgetCell(tr, month[team] ? month[team].cost_usd : 0, limits.monthly_usd, "budget_month");
      body.appendChild(tr);
    });
    labelCells($("teams"));
  }

  function drawRuleRates(report) {
    var table = $("rule-rates");
    var teams = report.teams;
    var perTeam = byKey(report.team.data, "team");
    var rules = {};
    report.teamRule.data.forEach(function (row) {
      if (row.rule === null || row.rejected + row.early_exit === 0) return;
      var r = (rules[row.rule] = rules[row.rule] || { rule: row.rule, rejected: 0, early_exit: 0, teams: {} });
      r.rejected += row.rejected;
      r.early_exit += row.early_exit;
      r.teams[row.team] = row;
    });
    var list = Object.keys(rules).map(function (k) { return rules[k]; });
    list.sort(function (a, b) { return b.rejected - a.rejected || b.early_exit - a.early_exit || (a.rule < b.rule ? -1 : 1); });
    var head = el("tr");
    head.appendChild(el("th", {}, "Rule"));
    var columns = teams.length > 1 ? [null].concat(teams) : teams;
    columns.forEach(function (team) { head.appendChild(el("th", {}, team === null ? "All teams" : team)); });
    table.querySelector("thead").replaceChildren(head);
    var body = table.querySelector("tbody");
    body.replaceChildren();
    if (list.length === 0) {
      var tr = el("tr");
      cell(tr, "No stream was cut in this range.", { class: "empty", colspan: String(columns.length + 1) });
      body.appendChild(tr);
      return;
    }
    var count = function (rule, row) { return row ? (rule.rejected >= rule.early_exit ? row.rejected : row.early_exit) : 0; };
    var requestsOf = function (team) { return team === null ? report.team.totals.requests : perTeam[team] ? perTeam[team].requests : 0; };
    list.forEach(function (rule) {
      var exit = rule.early_exit > rule.rejected;
      var tr = el("tr", { "data-rule": rule.rule, class: exit ? "exit-rule" : "" });
      var name = cell(tr, "", { class: "rule-name" });
      name.appendChild(document.createTextNode(rule.rule));
      if (exit) name.appendChild(el("span", { class: "rule-kind" }, "early exit"));
      columns.forEach(function (team) {
        var n = team === null ? count(rule, rule) : count(rule, rule.teams[team]);
        var of = requestsOf(team);
        var td = cell(tr, pct(n, of), { class: "rate num" + (n === 0 ? " zero" : ""), "data-team": team === null ? "" : team, "data-count": n });
        // On the scale of all requests, so that bars compare across rules and teams.
        if (of) meter(td, n / of);
        sub(td, int(n) + " of " + int(of));
      });
      body.appendChild(tr);
    });
  }

  function fillTable(id, rows) {
    var body = $(id).querySelector("tbody");
    body.replaceChildren();
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (c) {
        if (typeof c === "string") cell(tr, c);
        else tr.appendChild(c);
      });
      body.appendChild(tr);
    });
  }

  function drawMethods(report) {
    var rows = report.methods.data.filter(function (row) { return row.method !== "none"; });
    rows.sort(function (a, b) { return (a.team < b.team ? -1 : a.team > b.team ? 1 : 0) || b.estimated_saved_tokens - a.estimated_saved_tokens; });
    if (rows.length === 0) {
      var td = el("td", { class: "empty", colspan: "4" }, "No stream was cut in this range.");
      return fillTable("methods", [[td]]);
    }
    fillTable("methods", rows.map(function (row) {
      var method = el("td", { class: isPrior(row.method) ? "text method prior" : "text method" }, METHODS[row.method] || row.method);
      method.appendChild(el("small", {}, row.method));
      if (isPrior(row.method)) method.appendChild(el("span", { class: "prior-mark" }, "prior"));
      var saved = el("td", { class: "num" }, usd(row.estimated_saved_cost_usd));
      saved.appendChild(el("small", {}, int(row.estimated_saved_tokens) + " tokens"));
      return [row.team, method, int(row.requests), saved];
    }));
  }

`;
