// The incident report's only style sheet and only script, and the Content-Security-Policy that
// admits exactly these two and nothing else.
//
// Why hashes and not 'unsafe-inline', for styles too: the report embeds hostile text (SIP
// from the wire). It is escaped, but if an escape were ever missed, 'unsafe-inline' would let
// an injected <style> restyle the page (hide the real verdict, fake another), and an injected
// script run. With `default-src 'none'` and a hash for each of our two blocks, a missed escape
// can at most add inert markup. The price is that nothing may use style="" attributes: the
// SVG draws with presentation attributes (not governed by style-src) and classes.

import { createHash } from 'node:crypto';

export const REPORT_CSS = `
:root{--bg:#fff;--bg-elev:#f6f7f9;--fg:#1b1f24;--fg-muted:#5f6b7a;--border:#d5dae1;--accent:#2f6fde;--ok:#1f8a4c;--warn:#b86e00;--danger:#c93a3a;
--b1:#2e8b57;--b2:#6a9fb5;--b3:#7b68ee;--b4:#d9822b;--b5:#c93a3a;--b6:#a0522d;--b7:#6b1f1f;--bnone:#8a8f98;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;--sans:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
@media (prefers-color-scheme:dark){:root{--bg:#15181c;--bg-elev:#1e2227;--fg:#e4e7eb;--fg-muted:#9aa4b1;--border:#343a42;--accent:#6ea1ff;--ok:#4cc38a;--warn:#e0a040;--danger:#ff6b6b}}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;background:var(--bg);color:var(--fg);font:14px/1.45 var(--sans)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:19px;margin:0 0 12px}h3{font-size:16px;margin:22px 0 8px}h4{font-size:14px;margin:10px 0 4px}
code,pre,.mono{font-family:var(--mono);font-size:12.5px}
.muted{color:var(--fg-muted)}.small{font-size:12px}
header.report{border-bottom:2px solid var(--border);padding-bottom:12px;margin-bottom:18px}
section.call,section.summary{border:1px solid var(--border);border-radius:8px;padding:16px 20px;margin:0 0 28px;background:var(--bg)}
.notice{border-left:4px solid var(--warn);background:var(--bg-elev);padding:8px 12px;margin:8px 0}
.redaction{border-left:4px solid var(--accent);background:var(--bg-elev);padding:8px 12px;margin:8px 0}
.redaction.none{border-left-color:var(--warn)}
table{border-collapse:collapse;margin:6px 0 10px}
th,td{border:1px solid var(--border);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--bg-elev);font-weight:600}
table.metrics td.num,table.kpi td.num,td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:var(--mono);font-size:12.5px}
table.facts th{width:190px}
table.metrics td,table.metrics th{white-space:nowrap}
.chip{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;background:var(--bnone)}
.chip.b1{background:var(--b1)}.chip.b2{background:var(--b2)}.chip.b3{background:var(--b3)}.chip.b4{background:var(--b4)}.chip.b5{background:var(--b5)}.chip.b6{background:var(--b6)}.chip.b7{background:var(--b7)}
.tag{display:inline-block;margin-left:8px;padding:0 8px;border-radius:10px;border:1px solid var(--border);font-size:12px}
.tag.problem{color:var(--danger);border-color:var(--danger)}.tag.ok{color:var(--ok);border-color:var(--ok)}
.fix{border:1px solid var(--border);border-radius:6px;padding:6px 14px;background:var(--bg-elev)}
ol.evidence li{margin:3px 0}ol.evidence time{color:var(--fg-muted);font-family:var(--mono);font-size:12px;margin-left:8px}
.ladder-wrap{display:flex;gap:14px;align-items:flex-start}
.ladder-scroll{overflow:auto;max-width:100%;border:1px solid var(--border);border-radius:6px;background:var(--bg-elev);flex:0 1 auto}
.raw-panel{position:sticky;top:8px;flex:1 1 380px;min-width:320px;max-height:92vh;overflow:auto;border:1px solid var(--border);border-radius:6px;padding:8px 12px;background:var(--bg)}
.raw-panel pre,details.raw-msg pre{white-space:pre-wrap;word-break:break-all;margin:6px 0}
details.raw-msg{border-top:1px solid var(--border);padding:2px 0}details.raw-msg summary{cursor:pointer;font-family:var(--mono);font-size:12.5px}
details.raw-msg:target,details.raw-msg.selected{background:var(--bg-elev);outline:2px solid var(--accent)}
svg text{font-family:var(--sans);fill:var(--fg)}
svg .hdr{fill:var(--bg-elev)}svg .col{stroke:var(--border);stroke-width:1.5}
svg .col-lbl{font-family:var(--mono);font-size:12px;font-weight:600}svg .col-role{font-size:11px;fill:var(--fg-muted)}
svg .pause,svg .time{font-family:var(--mono);font-size:11px;fill:var(--fg-muted)}svg .pause{font-style:italic}
svg a.arrow{cursor:pointer}svg a.arrow .hit{stroke:transparent;stroke-width:14;fill:none}
svg a.arrow .shaft{stroke-width:1.5;fill:none}svg a.arrow .lbl{font-size:12px;stroke:var(--bg-elev);stroke-width:3px;stroke-linejoin:round;paint-order:stroke}
svg a.arrow .tag{fill:var(--warn);font-weight:600}
svg a.arrow:hover .lbl,svg a.arrow:focus .lbl,svg a.arrow.selected .lbl{font-weight:700}svg a.arrow.selected .shaft{stroke-width:3}
svg .tone-request .shaft{stroke:var(--accent)}svg .tone-request .head{fill:var(--accent)}
svg .tone-provisional .shaft{stroke:var(--fg-muted)}svg .tone-provisional .head{fill:var(--fg-muted)}
svg .tone-success .shaft{stroke:var(--ok)}svg .tone-success .head{fill:var(--ok)}
svg .tone-redirect .shaft{stroke:var(--warn)}svg .tone-redirect .head{fill:var(--warn)}
svg .tone-failure .shaft{stroke:var(--danger)}svg .tone-failure .head{fill:var(--danger)}
svg .rtp .track{stroke:var(--accent);stroke-opacity:.12;stroke-width:10}svg .rtp .seg{fill:var(--accent);fill-opacity:.45}
svg .rtp-lbl{font-size:10.5px;fill:var(--accent);stroke:var(--bg-elev);stroke-width:3px;paint-order:stroke}
.timeline-wrap{overflow:auto;border:1px solid var(--border);border-radius:6px;background:var(--bg-elev)}
svg .tick{stroke:var(--border);stroke-width:1}svg .tick-lbl{font-family:var(--mono);font-size:10.5px;fill:var(--fg-muted)}
svg .lane-bg{fill:var(--bg);stroke:var(--border)}svg .lane-title{font-size:11.5px}svg .lane.missing .lane-bg{fill:none;stroke:var(--danger);stroke-dasharray:5 4}
svg .density{fill:var(--accent);fill-opacity:.55}svg .loss{fill:var(--danger)}
svg .gap rect{fill:var(--danger);fill-opacity:.18;stroke:var(--danger);stroke-width:1}svg .gap.trailing rect{fill:var(--warn);fill-opacity:.2;stroke:var(--warn)}
svg .gap:target rect,svg .lane:target .lane-bg{stroke:var(--accent);stroke-width:3}
svg .gap text{font-family:var(--mono);font-size:11px;font-weight:600}
svg .event line{stroke:var(--fg-muted);stroke-dasharray:3 3;stroke-width:1}svg .event text{font-size:10.5px}
svg .ev-invite line,svg .ev-reinvite line{stroke:var(--accent)}svg .ev-answer line{stroke:var(--ok)}svg .ev-failure line{stroke:var(--danger)}svg .ev-bye line,svg .ev-cancel line{stroke:var(--warn)}
svg .capture-end line{stroke:var(--fg);stroke-width:1.5;stroke-dasharray:8 4}svg .capture-end text{font-size:11px;font-weight:600}
nav.toc a{margin-right:10px}
@media print{body{padding:0}.raw-panel{display:none}details.raw-msg{break-inside:avoid}section.call{break-before:page}}
`;

/**
 * The one script: clicking a ladder arrow (or an evidence item pointing at a message) shows
 * that message's raw text in the panel beside the ladder. It copies text with textContent
 * only, never markup. Without it the arrows are plain fragment links to the same text.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  function show(id, arrowEl) {
    var d = document.getElementById(id);
    if (!d || !d.classList.contains('raw-msg')) return false;
    var call = d.closest('section.call');
    var panel = call && call.querySelector('.raw-panel');
    if (!panel) return false;
    var old = call.querySelectorAll('.selected');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('selected');
    d.classList.add('selected');
    var arrow = arrowEl || call.querySelector('a.arrow[href="#' + id + '"]');
    if (arrow) arrow.classList.add('selected');
    panel.querySelector('.raw-head').textContent = d.querySelector('summary').textContent;
    var pre = d.querySelector('pre');
    panel.querySelector('.raw-body').textContent = pre ? pre.textContent : 'The index holds no raw text for this message.';
    panel.hidden = false;
    return true;
  }
  document.addEventListener('click', function (e) {
    var t = e.target;
    var a = t && t.closest ? t.closest('a[href^="#"]') : null;
    if (!a) return;
    var id = a.getAttribute('href').slice(1);
    var isArrow = a.classList.contains('arrow');
    if (show(id, isArrow ? a : null) && isArrow) e.preventDefault();
  });
  if (location.hash.length > 1) show(location.hash.slice(1), null);
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * default-src 'none' forbids every fetch (images, fonts, frames, connections, media);
 * script and style are allowed only as the exact blocks above; base-uri and form-action are
 * not covered by default-src, so they are closed too.
 */
export const REPORT_CSP = `default-src 'none'; script-src ${sha256(REPORT_SCRIPT)}; style-src ${sha256(REPORT_CSS)}; base-uri 'none'; form-action 'none'`;
