/**
 * The dashboard's stylesheet. The page never scrolls sideways: grids fall to one column on a narrow screen and
 * wide tables scroll inside their own box (`.scroll`).
 */
export const DASHBOARD_CSS = `
[hidden] { display: none !important; }
*, *::before, *::after { box-sizing: border-box; }
:root { font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
body { margin: 0 auto; max-width: 1240px; padding: 16px 24px; }
header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 12px; }
h1 { font-size: 20px; margin: 0; } h1 span { color: #667; font-weight: 400; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #556; margin: 0 0 8px; }
form { display: flex; gap: 10px; align-items: end; flex-wrap: wrap; }
label { display: flex; flex-direction: column; font-size: 12px; color: #556; gap: 2px; }
input, select, button { font: inherit; padding: 4px 8px; }
#status { color: #a33; min-height: 1.4em; margin: 8px 0; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 16px; margin: 12px 0; min-width: 0; }
.head { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.head h2 { margin-bottom: 8px; }
button.csv { font-size: 12px; padding: 2px 8px; color: #2456b3; background: #fff; border: 1px solid #c5d3ee; border-radius: 4px; cursor: pointer; }
button.csv:hover { background: #eef3fc; }
.cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; background: none; border: 0; padding: 0; }
.card { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 16px; min-width: 0; }
.card p { font-size: 22px; margin: 0; font-variant-numeric: tabular-nums; }
.card.saved p { color: #1a7f37; }
.card small { color: #667; font-variant-numeric: tabular-nums; }
.pair { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; margin: 12px 0; }
.columns { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 3fr) minmax(0, 4fr); gap: 12px; margin: 12px 0; }
.pair section, .columns section { margin: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { font-size: 12px; font-weight: 600; color: #445; white-space: nowrap; }
th small { font-weight: 400; color: #778; }
td:not(:first-child), th:not(:first-child) { text-align: right; }
td.text, th.text { text-align: left !important; }
h2 small { text-transform: none; letter-spacing: 0; font-weight: 400; color: #778; }
td small, td .sub { display: block; color: #667; font-size: 12px; white-space: nowrap; }
td.num { white-space: nowrap; }
.saved-value { color: #1a7f37; }
.prior-mark { display: inline-block; font-size: 11px; line-height: 1.3; padding: 0 5px; border-radius: 8px; background: #fff4d6; color: #7a5500; border: 1px solid #f0d999; }
.none { color: #889; }
.budget { min-width: 120px; }
.meter { height: 6px; background: #eef0f3; border-radius: 3px; margin-top: 3px; overflow: hidden; }
.meter span { display: block; height: 100%; background: #2f6fdb; }
.meter.warn span { background: #d4a017; } .meter.over span { background: #d1242f; }
.rate { min-width: 72px; }
.rate .meter span { background: #d1242f; }
.exit-rule .rate .meter span { background: #2f6fdb; }
.rate.zero { color: #99a1ab; }
.rule-name { white-space: nowrap; }
.rule-kind { font-size: 11px; color: #667; margin-left: 4px; }
.note { color: #667; font-size: 12px; margin: 8px 0 0; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0 0 6px; padding: 0; font-size: 12px; color: #334; }
.legend li { display: flex; align-items: center; gap: 5px; }
.legend .swatch { width: 10px; height: 10px; border-radius: 2px; display: inline-block; }
.legend .legend-note { color: #667; }
.legend .whisker-key { position: relative; width: 8px; height: 11px; border-top: 1.5px solid #1b1f24; border-bottom: 1.5px solid #1b1f24; }
.legend .whisker-key::after { content: ""; position: absolute; left: 3.25px; top: 0; bottom: 0; border-left: 1.5px solid #1b1f24; }
.chart { width: 100%; min-height: 190px; }
.chart svg { display: block; }
.axis { stroke: #9aa3ad; } .grid { stroke: #eef0f3; }
.tick { fill: #556; font-size: 11px; font-variant-numeric: tabular-nums; }
.whisker { stroke: #1b1f24; stroke-width: 1.5; fill: none; }
.empty { color: #889; }
@media (max-width: 960px) {
  .pair, .columns { grid-template-columns: minmax(0, 1fr); }
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
@media (max-width: 760px) {
  body { padding: 12px; }
  /* The teams table as one card per team: its seven figures do not fit side by side. */
  #teams thead { display: none; }
  #teams tr { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px 12px; padding: 8px 0; border-bottom: 1px solid #eef0f3; }
  #teams td { border: 0; padding: 0; text-align: left; min-width: 0; }
  #teams td::before { content: attr(data-label); display: block; font-size: 11px; text-transform: uppercase; letter-spacing: .03em; color: #778; }
  #teams td.team-name { grid-column: 1 / -1; font-weight: 600; font-size: 15px; }
  #teams td.team-name::before { content: none; }
  section { padding: 10px 12px; }
  .card p { font-size: 19px; }
}
`;
