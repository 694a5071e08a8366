/* 工作台 (/staff/), the leaders' part (services/leaders.py): on each letter view (the
 * "wz:letter" event of js/staff.js) the board the letter was written to, the leaders it was
 * sent to (呈报) and, first thing on the page, the leaders' instructions (批示) for the
 * department that handles it. A leader's own instruction form has no leader field: it is the
 * account's own.
 *
 * Loaded before staff.js, which fires the event. Citizen and staff text goes in as text nodes
 * only (WZ.el, WZ.fill), never as HTML (invariant 3).
 */
(function () {
  "use strict";
  if (!window.WZ) return;
  var WZ = window.WZ;
  var T = WZ.t;
  var $ = function (id) { return document.getElementById(id); };

  function who(x) {
    if (!x) return "—";
    return T(x.title + " " + x.name, x.title_en + " " + x.name_en);
  }

  document.addEventListener("wz:letter", function (ev) {
    var l = ev.detail.letter;
    var role = ev.detail.role;
    if (!$("d-leader")) return;
    WZ.fill($("d-leader"), l.leader ? who(l.leader) : T("无", "None"));
    var ups = l.escalations || [];
    WZ.fill($("d-escalations"), ups.length ? ups.map(function (e, i) {
      return (i ? T("；", "; ") : "") + who(e.leader) + T("（", " (") + WZ.time(e.at) +
        (e.note ? T("，说明：", ", note: ") + e.note : "") + T("）", ")");
    }).join("") : T("无", "None"));
    var notes = l.instructions || [];
    $("d-instructions").hidden = notes.length === 0;
    WZ.fill($("d-instructions-body"), notes.map(function (n) {
      return WZ.el("blockquote", { class: "wz-instruction" },
        WZ.el("div", { class: "wz-text" }, WZ.paragraphs(n.text)),
        WZ.el("p", { class: "wz-meta" }, who(n.leader), T(" 批示 · ", " · "), WZ.time(n.at),
          n.by ? T("（记录：", " (recorded by ") + n.by + T("）", ")") : ""));
    }));
    // a leader's account instructs in its own name: no leader to choose
    var own = role === "leader";
    $("a-instruction-leader-wrap").hidden = own;
    $("a-instruction-leader").disabled = own;
    $("a-instruction-leader").required = !own;
  });
})();
