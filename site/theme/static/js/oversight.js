/* 挂牌督办 and 效能投诉 in the staff console (/staff/): the listing of a letter on its view, the
 * inbox badge of a listed letter, and whom a conduct complaint is about (the office and the
 * supervising office's clerks only: the API never shows such a letter to anyone else).
 * js/staff.js calls WZ.oversight.show(letter, deptName) and WZ.oversight.badge(row).
 *
 * SECURITY (invariant 3): text from the API goes in through WZ.el / WZ.fill only.
 */
(function () {
  "use strict";
  if (!window.WZ) return;
  var WZ = window.WZ;
  var T = WZ.t;
  var $ = function (id) { return document.getElementById(id); };

  function listingText(s) {
    if (!s) return [T("未挂牌", "Not listed")];
    var parts = [WZ.el("strong", null, s.active ? T("督办中", "Listed") : T("已撤牌", "Answered")),
      T("，挂牌于 ", ", listed on "), WZ.time(s.listed_at),
      s.due ? T("，督办期限 ", ", deadline ") + s.due : T("，无督办期限", ", no deadline")];
    if (s.overdue) parts.push(WZ.el("strong", { class: "late" }, T("（已逾期）", " (past the deadline)")));
    if (s.ended_at) parts.push(T("；答复于 ", "; answered on "), WZ.time(s.ended_at),
      s.on_time === true ? T("（在期限内）", " (within the deadline)") :
        s.on_time === false ? T("（超过期限）", " (after the deadline)") : "");
    parts.push(WZ.el("br"), T("督办理由：", "Reason: ") + s.reason);
    return parts;
  }

  function show(l, deptName) {
    WZ.fill($("d-listing"), listingText(l.listing));
    var about = l.about;
    $("d-about").hidden = $("d-about-term").hidden = !about;
    WZ.fill($("d-about"), about ? [deptName(about.department && about.department.id),
      about.person ? T("，人员：", ", person: ") + about.person : T("（未指明人员）", " (no person named)")] : []);
  }

  function badge(r) {
    if (!r.listed) return null;
    return WZ.el("span", { class: "wz-badge wz-badge-listed" }, " ", T("挂牌督办", "Listed"),
      r.listing_due ? T(" · 期限 ", " · due ") + r.listing_due : "");
  }

  WZ.oversight = { show: show, badge: badge };
})();
