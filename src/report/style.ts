/** The page's inline stylesheet: readable on a laptop and a phone, and printable. */
export const REPORT_CSS = `
:root { --fg: #1d2328; --muted: #5f6b75; --line: #e3e7ea; --bg-soft: #f5f7f8; --up: #1e7b34; --down: #b03a2e; --accent: #2f5d8a; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1120px; padding: 24px 28px 48px; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
h1 { font-size: 1.7rem; margin: 0 0 4px; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.02rem; margin: 18px 0 6px; }
p { margin: 6px 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; }
.muted { color: var(--muted); }
.meta { color: var(--muted); margin: 0; overflow-wrap: anywhere; }
.meta span + span::before { content: " \u00b7 "; }
nav.toc { margin: 14px 0 0; font-size: 0.9rem; display: flex; flex-wrap: wrap; gap: 4px 14px; }
nav.toc a { color: var(--accent); text-decoration: none; }
.findings { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 250px), 1fr)); gap: 12px; margin: 12px 0 8px; }
.finding { background: var(--bg-soft); border-left: 4px solid var(--accent); padding: 10px 14px; border-radius: 4px; overflow-wrap: anywhere; }
.finding.bad { border-left-color: var(--down); }
.finding.good { border-left-color: var(--up); }
.finding .nt { white-space: normal; display: block; }
.finding .big { font-size: 1.35rem; font-weight: 650; display: block; }
.table-wrap { overflow-x: auto; margin: 8px 0 14px; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.92rem; min-width: 50%; }
table.headline { width: 100%; }
caption { text-align: left; padding: 4px 0 6px; font-size: 1rem; }
.task-name { font-weight: 650; margin-right: 6px; overflow-wrap: anywhere; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-weight: 600; color: var(--muted); font-size: 0.82rem; border-bottom: 2px solid var(--line); white-space: nowrap; }
tbody th { font-weight: 500; overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.up { color: var(--up); } td.down { color: var(--down); }
td.seeds { color: var(--muted); font-size: 0.82rem; font-variant-numeric: tabular-nums; }
.pm { color: var(--muted); font-size: 0.88em; }
.vid { display: block; font-size: 0.75rem; color: var(--muted); font-family: ui-monospace, Menlo, Consolas, monospace; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
tr.is-nt { background: #fdf0ee; }
.nt { color: var(--down); font-weight: 600; white-space: nowrap; }
.best { font-size: 0.72rem; background: var(--up); color: #fff; border-radius: 3px; padding: 0 4px; margin-left: 4px; }
.chip { display: inline-block; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 3px; padding: 0 5px; margin: 1px 0; font-size: 0.82rem; overflow-wrap: anywhere; }
tr.split th, tr.split td { background: var(--bg-soft); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 360px), 1fr)); gap: 18px; }
figure.chart { margin: 10px 0; padding: 10px 12px; border: 1px solid var(--line); border-radius: 6px; background: #fff; min-width: 0; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart figcaption { font-size: 0.85rem; color: var(--muted); margin-bottom: 6px; overflow-wrap: anywhere; }
figure.chart figcaption strong { display: block; color: var(--fg); font-size: 0.98rem; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
pre.config { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 4px; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 60vh; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 6px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.8rem; }
@media (max-width: 640px) {
  body { padding: 14px 12px 32px; font-size: 14px; }
  h1 { font-size: 1.35rem; }
  th, td { padding: 4px 6px; }
  table.headline tr > :nth-child(5) { display: none; }
  thead th { white-space: normal; }
  .nt-text { display: none; }
  .vid, .baseline-text { display: none; }
  table.headline .pm { display: block; }
  table.headline tbody th { min-width: 7.5em; overflow-wrap: break-word; }
  caption { overflow-wrap: anywhere; }
  figure.chart { padding: 8px 6px; }
}
@media print {
  @page { margin: 14mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav.toc { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure.chart, table, .finding, dl.facts { break-inside: avoid; page-break-inside: avoid; }
  figure.chart { border: none; padding: 0; }
  .charts { display: block; }
  .table-wrap { overflow: visible; }
  pre.config { max-height: none; overflow: visible; }
  tr.is-nt { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
