/** The console's one stylesheet, served by the service itself at /ui/assets/console.css (no CDN, no fonts). */
export const CONSOLE_CSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #d0d4da; --link: #0b4fa8; --bad: #a3160e; --good: #1b6e20; --band: #f3f5f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 1; }
header { background: #14233c; color: #fff; padding: 8px 20px; display: flex; gap: 24px; align-items: center; flex-wrap: wrap; }
header a { color: #fff; text-decoration: none; padding: 4px 2px; }
header a[aria-current="page"] { border-bottom: 3px solid #f0a000; }
header .brand { font-weight: 700; margin-right: 12px; }
header nav { display: flex; gap: 20px; flex-wrap: wrap; }
header form { margin-left: auto; }
.when { white-space: nowrap; }
main { padding: 16px 20px 40px; max-width: 1280px; }
h1 { font-size: 1.45rem; margin: 4px 0 12px; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 24px 0 8px; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 16px 0 6px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td, tbody th, th.id { overflow-wrap: anywhere; }
td.id, th.id { min-width: 8em; }
caption { text-align: left; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
code { overflow-wrap: anywhere; }
pre { background: var(--band); border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0 10px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.status { white-space: nowrap; }
.status-failed, .bad { color: var(--bad); font-weight: 600; }
.status-completed { color: var(--good); }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card .value { font-size: 1.3rem; font-weight: 600; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; margin: 8px 0 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
input, select, button { font: inherit; padding: 4px 6px; border: 1px solid #767676; border-radius: 4px; background: #fff; color: var(--ink); }
button { background: #14233c; color: #fff; border-color: #14233c; cursor: pointer; }
header button { background: transparent; border-color: #fff; }
.pager { margin: 12px 0; }
ol.timeline { list-style: none; padding: 0; margin: 8px 0; }
ol.timeline li { border-left: 4px solid var(--line); padding: 6px 12px; margin: 0 0 8px; overflow-wrap: anywhere; }
ol.timeline li.failed { border-left-color: var(--bad); }
ol.timeline li.completed { border-left-color: var(--good); }
meter { width: 120px; }
.signin { max-width: 420px; }
.signin label { display: block; margin: 12px 0 4px; }
`;
