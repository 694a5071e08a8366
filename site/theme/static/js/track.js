/* 查询 (/track/): GET /api/letters/{code} with the secret in X-Letter-Secret, then the rating
 * form (POST .../rating). The secret stays in this page's memory only: never in the URL or in
 * storage. Letter and reply text are inserted as text nodes (invariant 3).
 */
(function () {
  "use strict";
  var form = document.getElementById("track-form");
  if (!form || !window.WZ) return;
  var WZ = window.WZ;
  var $ = function (id) { return document.getElementById(id); };
  var status = $("track-status");
  var result = $("track-result");
  var ratingForm = $("rating-form");
  var ratingStatus = $("rating-status");
  var current = null;   // {code, secret} of the letter on show

  var given = new URLSearchParams(window.location.search).get("code");
  if (given) {
    $("t-code").value = given.trim().toUpperCase().slice(0, 20);
    $("t-secret").focus();
  }

  $("t-show-secret").addEventListener("change", function () {
    $("t-secret").type = this.checked ? "text" : "password";
  });

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    WZ.clearErrors(form);
    var code = $("t-code").value.trim().toUpperCase();
    var secret = $("t-secret").value.trim();
    $("t-submit").disabled = true;
    WZ.say(status, WZ.t("正在查询……", "Looking up your letter…"));
    try {
      var letter = await load(code, secret);
      current = { code: code, secret: secret };
      WZ.say(status, "");
      show(letter);
      result.focus();
    } catch (err) {
      result.hidden = true;
      WZ.showError(form, status, err);
    } finally {
      $("t-submit").disabled = false;
    }
  });

  // --- a lost secret: POST /letters/{code}/secret with the contact given (always 202) ---------
  var secretForm = $("secret-form");
  var secretStatus = $("secret-status");
  $("s-code").value = $("t-code").value;
  $("lost-secret").addEventListener("toggle", function () {
    if (this.open && !$("s-code").value.trim()) $("s-code").value = $("t-code").value.trim().toUpperCase();
  });
  secretForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    WZ.clearErrors(secretForm);
    var code = $("s-code").value.trim().toUpperCase();
    $("s-submit").disabled = true;
    WZ.say(secretStatus, WZ.t("正在提交……", "Sending…"));
    try {
      var answer = await WZ.api("POST", "/letters/" + encodeURIComponent(code) + "/secret",
        { body: { contact: $("s-contact").value.trim() } });
      WZ.say(secretStatus, WZ.t(answer.message, answer.message_en), "ok");
      secretStatus.focus();
    } catch (err) {
      WZ.showError(secretForm, secretStatus, err);
    } finally {
      $("s-submit").disabled = false;
    }
  });
  $("s-submit").disabled = false;

  function load(code, secret) {
    return WZ.api("GET", "/letters/" + encodeURIComponent(code),
      { headers: { "X-Letter-Secret": secret } });
  }

  function show(l) {
    WZ.fill($("t-subject"), l.subject);
    WZ.fill($("t-tracking-code"), l.tracking_code);
    WZ.fill($("t-type"), WZ.label(l.type));
    WZ.fill($("t-status"), WZ.t(l.status_label, l.status_label_en) || WZ.label(l.status));
    WZ.fill($("t-light"), WZ.light(l.light));
    WZ.fill($("t-department"), l.department ? WZ.deptName(l.department)
      : (l.status === "submitted" || l.status === "transfer_requested"
        ? WZ.t("待分派", "Not yet dispatched") : "—"));
    WZ.fill($("t-due"), WZ.due(l.due, l.due_provisional));

    var url = l.url && WZ.isLocalPath(l.url) ? l.url : null;
    $("t-url-wrap").hidden = !url;
    if (url) $("t-url").setAttribute("href", WZ.siteUrl(url));

    WZ.fill($("t-history"), (l.history || []).map(function (e) {
      // the API's label is zh-CN; the English page names the state (or the action) itself
      var what = WZ.lang === "en" ? (e.to ? WZ.label(e.to) : WZ.actionLabel(e.action))
        : e.label && e.label !== e.action ? e.label : WZ.actionLabel(e.action);
      return WZ.el("li", null, WZ.time(e.at), " ", WZ.el("span", { class: "wz-what" }, what),
        e.resolved ? " · " + WZ.resolved(e.resolved) : null,
        e.reason ? WZ.el("span", { class: "wz-reason" }, WZ.t("（理由：", " (reason: "), e.reason,
          WZ.t("）", ")")) : null);
    }));

    showMerged(l.duplicate_of);

    var reply = l.reply;
    $("t-reply").hidden = !reply;
    if (reply) {
      WZ.fill($("t-reply-meta"), reply.department ? WZ.deptName(reply.department) + " · " : "",
        WZ.time(reply.at));
      WZ.fill($("t-reply-body"), WZ.paragraphs(reply.body));
    }

    var rating = l.rating;
    $("t-rating").hidden = !rating;
    if (rating) {
      WZ.fill($("t-rating-score"), WZ.label(rating.score),
        rating.resolved ? " · " + WZ.resolved(rating.resolved) : "", " · ", WZ.time(rating.at));
      WZ.fill($("t-rating-comment"), WZ.paragraphs(rating.comment));
    }

    ratingForm.hidden = !l.can_rate;
    if (l.can_rate) { ratingForm.reset(); WZ.clearErrors(ratingForm); WZ.say(ratingStatus, ""); }
    result.hidden = false;
  }

  /* A letter merged into another (重复件): the original's progress, as the API gives it (its
   * state, light, department, due date and step dates; its published reply once public). */
  function showMerged(o) {
    $("t-merged").hidden = !o;
    if (!o) return;
    WZ.fill($("t-merged-status"), WZ.t(o.status_label, o.status_label_en) || WZ.label(o.status));
    WZ.fill($("t-merged-light"), WZ.light(o.light));
    WZ.fill($("t-merged-department"), o.department ? WZ.deptName(o.department)
      : WZ.t("待分派", "Not yet dispatched"));
    WZ.fill($("t-merged-due"), WZ.due(o.due, o.due_provisional));
    WZ.fill($("t-merged-history"), (o.history || []).map(function (e) {
      return WZ.el("li", null, WZ.time(e.at), " ",
        WZ.el("span", { class: "wz-what" }, WZ.t(e.label, e.label_en) || WZ.label(e.to)));
    }));
    var url = o.url && WZ.isLocalPath(o.url) ? o.url : null;
    $("t-merged-url-wrap").hidden = !url;
    if (url) $("t-merged-url").setAttribute("href", WZ.siteUrl(url));
    var reply = o.reply;
    $("t-merged-reply").hidden = !reply;
    if (reply) {
      WZ.fill($("t-merged-reply-meta"), reply.department ? WZ.deptName(reply.department) + " · " : "",
        WZ.time(reply.at));
      WZ.fill($("t-merged-reply-body"), WZ.paragraphs(reply.body));
    }
  }

  ratingForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    if (!current) return;
    WZ.clearErrors(ratingForm);
    var picked = ratingForm.querySelector('input[name="score"]:checked');
    var solved = ratingForm.querySelector('input[name="resolved"]:checked');
    var comment = $("r-comment").value.trim();
    $("r-submit").disabled = true;
    WZ.say(ratingStatus, WZ.t("正在提交评价……", "Sending your rating…"));
    try {
      await WZ.api("POST", "/letters/" + encodeURIComponent(current.code) + "/rating", {
        headers: { "X-Letter-Secret": current.secret },
        body: { score: picked ? picked.value : null, comment: comment || null,
          resolved: solved && solved.value ? solved.value : null }
      });
      show(await load(current.code, current.secret));
      WZ.say(status, WZ.t("评价已提交，谢谢！", "Thank you: your rating has been sent."));
      $("t-rating").focus();
    } catch (err) {
      WZ.showError(ratingForm, ratingStatus, err);
    } finally {
      $("r-submit").disabled = false;
    }
  });

  $("t-submit").disabled = false;   // usable from here on: see the <noscript> note
})();
