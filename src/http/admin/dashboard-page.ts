/**
 * The dashboard's static shell. It holds no data: the script asks for the admin token (or reads it from the
 * URL fragment, which browsers never send to the server), keeps it in sessionStorage and reads the admin API.
 * Each section's CSV button downloads that section's grouping of `GET /admin/usage` for the range shown.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>inflight · usage</title>
<link rel="stylesheet" href="/admin/dashboard.css">
<script src="/admin/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>inflight <span>usage</span></h1>
  <form id="controls">
    <label>Team <select id="team"><option value="">All teams</option></select></label>
    <label>From <input id="from" type="date" required></label>
    <label>To <input id="to" type="date" required></label>
    <label>Charts in <select id="unit"><option value="usd">USD</option><option value="tokens">tokens</option></select></label>
    <button type="submit">Show</button>
  </form>
</header>
<form id="login" hidden>
  <label>Admin token <input id="token" type="password" autocomplete="off" required></label>
  <button type="submit">Sign in</button>
</form>
<p id="status" role="status"></p>
<main id="report" hidden>
  <section class="cards">
    <div class="card"><h2>Spend</h2><p id="total-spend">–</p><small id="total-range"></small></div>
    <div class="card saved"><h2>Estimated saved by inflight</h2><p id="total-saved">–</p><small id="total-saved-interval"></small></div>
    <div class="card"><h2>Requests</h2><p id="total-requests">–</p><small id="total-rejected"></small></div>
    <div class="card"><h2>Estimated tokens saved</h2><p id="total-saved-tokens">–</p><small id="total-saved-tokens-interval"></small></div>
  </section>

  <section id="teams-section">
    <div class="head"><h2>Teams side by side</h2><button type="button" class="csv" data-group="team">Download CSV</button></div>
    <div class="scroll"><table id="teams">
      <thead><tr><th>Team</th><th>Requests <small>rejected</small></th><th>Spend</th><th>Estimated saved</th><th>Budget today <small id="budget-day"></small></th><th>Budget this month <small id="budget-month"></small></th></tr></thead>
      <tbody></tbody>
    </table></div>
    <p class="note">Estimated saved is an estimate: for each stream a rule cut, the completion tokens it would most
    likely still have generated, at the model's output price, summed; p10–p90 sums each request's interval.
    <span class="prior-mark">prior</span> marks estimates resting on the documented prior, made before the team's
    key and model had 5 accepted completions to learn from. Budgets are the team's effective policy, in UTC days and
    calendar months; spend there is what finished requests cost.</p>
  </section>

  <section id="rules-section">
    <div class="head"><h2>Rejection rate by rule</h2><button type="button" class="csv" data-group="team,rule">Download CSV</button></div>
    <div class="scroll"><table id="rule-rates"><thead></thead><tbody></tbody></table></div>
    <p class="note">A rule's rejections (or early exits, for an exit rule) over all the team's requests in the range.</p>
  </section>

  <div class="pair">
    <section id="spend-section">
      <div class="head"><h2 id="spend-title">Spend per day by team</h2><button type="button" class="csv" data-group="team,day">Download CSV</button></div>
      <ul class="legend" id="spend-legend"></ul>
      <div id="spend-chart" class="chart"></div>
    </section>
    <section id="saved-section">
      <div class="head"><h2 id="saved-title">Estimated saved per day by team</h2><button type="button" class="csv" data-group="team,day">Download CSV</button></div>
      <ul class="legend" id="saved-legend"></ul>
      <div id="saved-chart" class="chart"></div>
    </section>
  </div>

  <section id="rule-trend-section">
    <div class="head"><h2>Streams cut per day by rule <small>rejections and early exits</small></h2><button type="button" class="csv" data-group="rule,day">Download CSV</button></div>
    <ul class="legend" id="rule-legend"></ul>
    <div id="rule-chart" class="chart"></div>
  </section>

  <div class="columns">
    <section id="methods-section">
      <div class="head"><h2>How the savings were estimated</h2><button type="button" class="csv" data-group="team,method">Download CSV</button></div>
      <div class="scroll"><table id="methods"><thead><tr><th>Team</th><th class="text">Method</th><th>Requests</th><th>Est. saved</th></tr></thead><tbody></tbody></table></div>
    </section>
    <section><h2>Outcomes</h2><div class="scroll"><table id="outcomes"><thead><tr><th>Outcome</th><th>Requests</th></tr></thead><tbody></tbody></table></div></section>
    <section id="models-section">
      <div class="head"><h2>Top models</h2><button type="button" class="csv" data-group="model">Download CSV</button></div>
      <div class="scroll"><table id="models"><thead><tr><th>Model</th><th>Requests</th><th>Spend</th><th>Est. saved</th></tr></thead><tbody></tbody></table></div>
    </section>
  </div>
</main>
</body>
</html>
`;
