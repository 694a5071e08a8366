/* The staff console's interview programme (API.md "Interview programme and evaluators"):
 *
 * - `decorate(item, comment, call)`: under an interview question of #/topics/{id}, what the
 *   question was — a consultation answered live, a suggestion with its verdict, or a demand
 *   that becomes a letter (POST /staff/comments/{id}/classify); once a letter was made, the
 *   link to it in the console and no more controls;
 * - `open(call)`: an evaluator's console (人大代表, 政协委员, expert): the interview sessions
 *   (GET /staff/evaluations) with a 1–5 score per criterion and a comment
 *   (POST /staff/topics/{id}/evaluation), revisable while the window is open.
 *
 * staff.js calls both (it owns the session and `call`). SECURITY (invariant 3): titles and
 * comments are inserted as text only (WZ.el), never as markup.
 */
(function () {
  "use strict";
  var T = WZ.t;
  function $(id) { return document.getElementById(id); }

  var KINDS = [["consultation", T("咨询（现场答复）", "Consultation (answered live)")],
    ["suggestion", T("建议", "Suggestion")], ["demand", T("诉求", "Demand")]];
  var VERDICTS = [["adopted", T("采纳", "Adopted")], ["typical", T("典型案例", "Typical case")],
    ["not_adopted", T("未采纳", "Not adopted")]];

  function labelOf(list, code) {
    var hit = list.filter(function (p) { return p[0] === code; })[0];
    return hit ? hit[1] : code;
  }

  function select(id, name, options, value, blank) {
    var s = WZ.el("select", { id: id, name: name });
    if (blank) s.appendChild(WZ.el("option", { value: "" }, blank));
    options.forEach(function (p) {
      var o = WZ.el("option", { value: p[0] }, p[1]);
      if (p[0] === value) o.selected = true;
      s.appendChild(o);
    });
    return s;
  }

  function summary(c) {
    var k = c.classification;
    if (!k) return T("尚未分类。", "Not classified yet.");
    var text = T("分类：", "Classified: ") + labelOf(KINDS, k.kind);
    if (k.verdict) text += " · " + labelOf(VERDICTS, k.verdict);
    return text;
  }

  /* Classify controls under one interview question (office, or a guest department's clerk). */
  function decorate(item, c, call) {
    if (c.kind !== "interview") return;
    var box = WZ.el("div", { class: "wz-classify" });
    var id = "cl-" + c.id;
    var said = WZ.el("p", { class: "wz-meta", id: id + "-said" }, summary(c));
    box.appendChild(said);
    var letterId = c.letter_id || (c.classification && c.classification.letter_id);
    if (letterId) {
      box.appendChild(WZ.el("p", {}, WZ.el("a", { href: "#/letters/" + encodeURIComponent(letterId) },
        T("已转为来信办理：查看来信", "Became a letter: open it"))));
      item.appendChild(box);
      return;
    }
    var k = c.classification || {};
    var kind = select(id + "-kind", "kind", KINDS, k.kind || "", T("选择类别", "Choose a kind"));
    var verdict = select(id + "-verdict", "verdict", VERDICTS, k.verdict || "", T("选择结论", "Choose a verdict"));
    var letter = WZ.el("input", { type: "checkbox", id: id + "-letter", name: "letter" });
    var verdictField = WZ.el("div", { class: "wz-field" },
      WZ.el("label", { for: id + "-verdict" }, T("建议的处理结论", "Verdict on the suggestion")), verdict,
      WZ.el("p", { class: "field-error", id: id + "-verdict-error", "data-error-for": "verdict", hidden: true }));
    var letterField = WZ.el("div", { class: "wz-field" }, WZ.el("div", { class: "wz-check" }, letter,
      WZ.el("label", { for: id + "-letter" }, T("转为来信，按时限交本部门办理", "Make it a letter, handled by the department within the usual deadlines"))),
      WZ.el("p", { class: "field-error", id: id + "-letter-error", "data-error-for": "letter", hidden: true }));
    var button = WZ.el("button", { type: "submit", class: "wz-button wz-secondary" }, T("保存分类", "Save the classification"));
    var status = WZ.el("p", { class: "form-status", role: "status", "aria-live": "polite" });
    var form = WZ.el("form", { class: "wz-form", method: "post" },
      WZ.el("div", { class: "wz-field" },
        WZ.el("label", { for: id + "-kind" }, T("提问类别", "What the question was")), kind,
        WZ.el("p", { class: "field-error", id: id + "-kind-error", "data-error-for": "kind", hidden: true })),
      verdictField, letterField, button, status);
    function sync() {
      verdictField.hidden = kind.value !== "suggestion";
      letterField.hidden = kind.value !== "demand";
    }
    kind.addEventListener("change", sync);
    sync();
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      WZ.clearErrors(form);
      button.disabled = true;
      WZ.say(status, T("正在保存……", "Saving…"));
      try {
        var updated = await call("POST", "/staff/comments/" + encodeURIComponent(c.id) + "/classify", {
          kind: kind.value || null,
          verdict: kind.value === "suggestion" ? (verdict.value || null) : null,
          letter: kind.value === "demand" && letter.checked
        });
        c.classification = updated.classification;
        c.letter_id = updated.letter_id;
        box.remove();
        decorate(item, c, call);
        var again = item.querySelector(".wz-classify");
        var saved = WZ.el("p", { class: "form-status", role: "status", "aria-live": "polite" });
        again.appendChild(saved);
        WZ.say(saved, c.letter_id ? T("已保存，并已转为来信。", "Saved; it became a letter.") : T("分类已保存。", "Classification saved."), "ok");
      } catch (err) {
        button.disabled = false;
        WZ.showError(form, status, err);
      }
    });
    box.appendChild(form);
    item.appendChild(box);
  }

  // --- the evaluator's console -------------------------------------------------------------

  function hideOthers() {
    ["inbox-section", "dashboard-section", "letter-section", "topics-section", "topic-section",
      "outcome-section", "reports-section"].forEach(function (id) { if ($(id)) $(id).hidden = true; });
    ["nav-topics-item", "nav-reports-item"].forEach(function (id) { if ($(id)) $(id).hidden = true; });
  }

  function sessionItem(s, criteria, call) {
    var mine = s.mine || {};
    var scores = mine.scores || {};
    var hid = "ev-" + s.id + "-h";
    var title = WZ.lang === "en" && s.title_en ? s.title_en : s.title;
    var item = WZ.el("li", { class: "wz-item", id: "ev-" + s.id },
      WZ.el("h3", { id: hid, tabindex: "-1" }, title),
      WZ.el("p", { class: "wz-meta" }, (s.departments || []).map(WZ.deptName).join(T("、", ", ")),
        s.starts ? " · " : "", s.starts ? WZ.time(s.starts) : "", " · ",
        T("评议截止 ", "scores accepted until "), WZ.time(s.window_closes)),
      WZ.el("p", { class: "wz-meta" }, mine.revision
        ? T("您已评议（第 " + mine.revision + " 次）", "You scored it (revision " + mine.revision + ")")
        : T("您尚未评议。", "You have not scored it yet.")));
    if (!s.open) {
      item.appendChild(WZ.el("p", {}, T("不在评议期内。", "Outside the evaluation window.")));
      return item;
    }
    var status = WZ.el("p", { class: "form-status", role: "status", "aria-live": "polite" });
    var fields = criteria.map(function (c) {
      var fid = "ev-" + s.id + "-" + c.id;
      var options = [1, 2, 3, 4, 5].map(function (n) { return [String(n), String(n)]; });
      var sel = select(fid, "scores." + c.id, options, scores[c.id] ? String(scores[c.id]) : "", T("请选择", "Choose"));
      return WZ.el("div", { class: "wz-field" },
        WZ.el("label", { for: fid }, WZ.lang === "en" ? c.label_en : c.label),
        c.description ? WZ.el("p", { class: "wz-hint" }, WZ.lang === "en" ? (c.description_en || c.description) : c.description) : "",
        sel, WZ.el("p", { class: "field-error", id: fid + "-error", "data-error-for": "scores." + c.id, hidden: true }));
    });
    var cid = "ev-" + s.id + "-comment";
    var comment = WZ.el("textarea", { id: cid, name: "comment", rows: "3", maxlength: "2000" });
    comment.value = mine.comment || "";
    var button = WZ.el("button", { type: "submit", class: "wz-button", "aria-describedby": hid },
      mine.revision ? T("修改评分", "Revise the scores") : T("提交评分", "Send the scores"));
    var form = WZ.el("form", { class: "wz-form", method: "post" });
    fields.forEach(function (f) { form.appendChild(f); });
    form.appendChild(WZ.el("div", { class: "wz-field" },
      WZ.el("label", { for: cid }, T("评语（不公开）", "Comment (not published)")), comment,
      WZ.el("p", { class: "field-error", id: cid + "-error", "data-error-for": "comment", hidden: true })));
    form.appendChild(button);
    form.appendChild(status);
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      WZ.clearErrors(form);
      var body = { scores: {}, comment: comment.value.trim() || null };
      criteria.forEach(function (c) {
        var v = form.querySelector("[name='scores." + c.id + "']").value;
        if (v) body.scores[c.id] = parseInt(v, 10);
      });
      button.disabled = true;
      WZ.say(status, T("正在提交……", "Sending…"));
      try {
        var answer = await call("POST", "/staff/topics/" + encodeURIComponent(s.id) + "/evaluation", body);
        s.mine = { scores: answer.scores, comment: answer.comment, revision: answer.revision };
        var fresh = sessionItem(s, criteria, call);
        item.replaceWith(fresh);
        var said = fresh.querySelector(".form-status");
        if (said) WZ.say(said, T("评分已保存。", "Scores saved."), "ok");
        fresh.querySelector("h3").focus();
      } catch (err) {
        button.disabled = false;
        WZ.showError(form, status, err);
      }
    });
    item.appendChild(form);
    return item;
  }

  async function open(call) {
    hideOthers();
    $("evaluations-section").hidden = false;
    WZ.say($("ev-status"), T("正在读取……", "Loading…"));
    try {
      var answer = await call("GET", "/staff/evaluations");
      WZ.fill($("ev-list"), answer.sessions.map(function (s) { return sessionItem(s, answer.criteria, call); }));
      $("ev-empty").hidden = answer.sessions.length > 0;
      WZ.say($("ev-status"), "");
    } catch (err) {
      WZ.say($("ev-status"), err.message || T("读取失败。", "Could not load."), "error");
    }
  }

  window.WZInterviews = { decorate: decorate, open: open };
})();
