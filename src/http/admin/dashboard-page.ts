/**
 * The dashboard's static shell. It holds no data: the script asks for the admin token (or reads it from the
 * URL fragment, which browsers never send to the server), keeps it in sessionStorage and reads the admin API.
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
    <div class="card"><h2>Spend</h2><p id="total-spend">–</p></div>
    <div class="card saved"><h2>Estimated saved by inflight</h2><p id="total-saved">–</p><small id="total-saved-interval"></small></div>
    <div class="card"><h2>Requests</h2><p id="total-requests">–</p></div>
    <div class="card"><h2>Estimated tokens saved</h2><p id="total-saved-tokens">–</p><small id="total-saved-tokens-interval"></small></div>
  </section>
  <section>
    <h2>Spend and estimated saved spend per day (USD)</h2>
    <div id="chart" class="chart"></div>
  </section>
  <div class="columns">
    <section><h2>Rejections by rule</h2><div id="rules"></div></section>
    <section><h2>Outcomes</h2><table id="outcomes"><thead><tr><th>Outcome</th><th>Requests</th></tr></thead><tbody></tbody></table></section>
    <section><h2>Top models</h2><table id="models"><thead><tr><th>Model</th><th>Requests</th><th>Spend</th><th>Est. saved</th></tr></thead><tbody></tbody></table></section>
  </div>
</main>
</body>
</html>
`;

export const DASHBOARD_CSS = `
[hidden] { display: none !important; }
:root { font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
body { margin: 0 auto; max-width: 1100px; padding: 16px 24px; }
header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 12px; }
h1 { font-size: 20px; margin: 0; } h1 span { color: #667; font-weight: 400; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #556; margin: 0 0 8px; }
form { display: flex; gap: 10px; align-items: end; flex-wrap: wrap; }
label { display: flex; flex-direction: column; font-size: 12px; color: #556; gap: 2px; }
input, select, button { font: inherit; padding: 4px 8px; }
#status { color: #a33; min-height: 1.4em; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; background: none; border: 0; padding: 0; }
.card { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 16px; }
.card p { font-size: 22px; margin: 0; font-variant-numeric: tabular-nums; }
.card.saved p { color: #1a7f37; }
.card small { color: #667; font-variant-numeric: tabular-nums; }
.columns { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.columns section { margin: 0; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 4px; border-bottom: 1px solid #eef0f3; }
td:not(:first-child), th:not(:first-child) { text-align: right; }
.chart svg { width: 100%; height: auto; display: block; }
.series-spend { stroke: #2f6fdb; fill: none; stroke-width: 2; }
.series-saved { stroke: #1a7f37; fill: none; stroke-width: 2; stroke-dasharray: 5 3; }
.axis { stroke: #c9ced6; } .grid { stroke: #eef0f3; }
.tick { fill: #667; font-size: 11px; }
.legend { font-size: 12px; fill: #334; }
.bar-row { display: grid; grid-template-columns: 1fr 2fr auto; gap: 8px; align-items: center; margin: 4px 0; font-size: 12px; }
.bar { height: 10px; background: #d1242f; border-radius: 2px; }
.empty { color: #889; }
`;
