/* 建议承办部门 / Suggested department on /write/: after a pause in typing the subject (or the
 * letter), asks POST /api/suggest and offers up to three departments as buttons that fill the
 * department select; the writer may ignore them. The result is announced in a polite live
 * region. Without JavaScript the select is the whole story; a failed or refused request (429)
 * just leaves the box hidden.
 */
(function () {
  "use strict";
  var WZ = window.WZ;
  var box = document.getElementById("w-suggest");
  var form = document.getElementById("write-form");
  if (!WZ || !box || !form) return;
  var subject = form.elements.namedItem("subject");
  var body = form.elements.namedItem("body");
  var select = form.elements.namedItem("department");
  var live = box.querySelector("[role=status]");
  var section = box.querySelector("section");
  var list = section.querySelector("ul");
  var PAUSE = 700;          // ms after the last key
  var MIN_CHARS = 4;        // a subject shorter than this says too little
  var timer = null;
  var asked = "";           // the text of the last request: the same text is not asked again
  var seq = 0;              // answers to older requests are dropped

  function deptName(id) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === id) return select.options[i].textContent;
    }
    return null;
  }

  function mark() {
    list.querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.value === select.value ? "true" : "false");
    });
  }

  function show(rows) {
    var items = rows.filter(function (r) { return deptName(r.department); }).map(function (r) {
      var b = WZ.el("button", { type: "button", class: "wz-button wz-secondary", value: r.department,
                                "data-category": r.category },
                    deptName(r.department), " ",
                    WZ.el("span", { class: "meta" }, "（" + r.category + "，" +
                          Math.round(r.score * 100) + "%）"));
      b.addEventListener("click", function () {
        select.value = r.department;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        mark();
        WZ.fill(live, WZ.t("已选择：", "Chosen: ") + deptName(r.department));
      });
      return WZ.el("li", null, b);
    });
    if (!items.length) { section.hidden = true; return; }
    WZ.fill(list, items);
    mark();
    section.hidden = false;
    WZ.fill(live, WZ.t("有 " + items.length + " 个建议承办部门，在部门选择框下方。",
                       items.length + " suggested department" + (items.length > 1 ? "s" : "") +
                       ", below the department choice."));
  }

  async function ask() {
    var s = subject.value.trim();
    var b = body.value.trim();
    if (s.length < MIN_CHARS) { section.hidden = true; return; }
    var key = s + "\n" + b;
    if (key === asked) return;
    asked = key;
    var mine = ++seq;
    try {
      var answer = await WZ.api("POST", "/suggest", { body: { subject: s.slice(0, 100),
                                                               body: b ? b.slice(0, 6000) : null } });
      if (mine === seq) show((answer && answer.suggestions) || []);
    } catch (e) {
      if (mine === seq) { section.hidden = true; asked = ""; }
    }
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, PAUSE);
  }

  subject.addEventListener("input", later);
  body.addEventListener("input", later);
  select.addEventListener("change", mark);
  box.setAttribute("data-suggest-ready", "");
})();
