/* Wenzheng (问政): the small shared helpers of the forms and the staff console.
 *
 * WZ.api() talks JSON to the same-origin API (/api, see API.md) and turns every failure into a
 * WZ.ApiError {status, code, message, field}. WZ.el() builds elements from text only: citizen
 * text is never parsed as HTML (invariant 3), so nothing here touches HTML-string sinks.
 *
 * The page's language (<html lang>: zh-CN, or en on the English site under /en/) picks the
 * labels and messages: WZ.t(zh, en), WZ.label(code), and the API's message_en for errors.
 */
(function () {
  "use strict";

  var LANG = /^en\b/i.test(document.documentElement.lang || "") ? "en" : "zh";

  function t(zh, en) { return LANG === "en" ? en : zh; }

  // zh-CN labels of chalicelib/letters.py LABELS (tests/browser/test_forms_static.py keeps them equal)
  var LABELS = {
    submitted: "已提交",
    dispatched: "已转办",
    signed: "办理中",
    extension_requested: "申请延期",
    transfer_requested: "退回重新转办",
    replied: "已答复待审核",
    published: "已答复",
    closed: "已办结",
    rejected: "不予受理",
    redo: "重办中",
    consultation: "咨询",
    help: "求助",
    complaint: "投诉",
    report: "举报",
    suggestion: "建议",
    criticism: "批评",
    efficiency: "效能投诉",
    supervised: "挂牌督办",
    supervision_overdue: "督办逾期",
    satisfied: "满意",
    basically_satisfied: "基本满意",
    unsatisfied: "不满意",
    submit: "提交来信",
    rating_followup: "提醒评价",
    rate: "评价答复",
    keep_reply: "维持答复",
    secret_reset: "重新发送查询密码",
    duplicate: "合并重复来信",
    escalated: "呈报领导",
    instruction: "领导批示",
    green: "绿灯",
    yellow: "黄灯",
    red: "红灯",
    none: "—"
  };

  // English labels of the same table (the test keeps these equal too)
  var LABELS_EN = {
    submitted: "Submitted",
    dispatched: "Dispatched",
    signed: "Being handled",
    extension_requested: "Extension requested",
    transfer_requested: "Sent back for re-dispatch",
    replied: "Replied, awaiting approval",
    published: "Answered",
    closed: "Closed",
    rejected: "Not accepted",
    redo: "Being redone",
    consultation: "Consultation",
    help: "Request for help",
    complaint: "Complaint",
    report: "Tip-off",
    suggestion: "Suggestion",
    criticism: "Criticism",
    efficiency: "Conduct complaint",
    supervised: "Listed for supervision",
    supervision_overdue: "Past the supervision date",
    satisfied: "Satisfied",
    basically_satisfied: "Basically satisfied",
    unsatisfied: "Unsatisfied",
    submit: "Letter submitted",
    rating_followup: "Asked for a rating",
    rate: "Reply rated",
    keep_reply: "Reply kept",
    secret_reset: "New password sent",
    duplicate: "A repeated letter was merged into this one",
    escalated: "Sent to a city leader",
    instruction: "A city leader's instruction",
    green: "Green",
    yellow: "Yellow",
    red: "Red",
    none: "—"
  };

  // zh-CN and English labels of chalicelib/consultations.py LABELS: kinds, topic and comment
  // states, stances, decisions (the console's consultation views; the test keeps them equal)
  var TOPIC_LABELS = {
    hearing: "网上听证",
    deliberation: "市民议政",
    solicitation: "意见征集",
    survey: "网上调查",
    interview: "在线访谈",
    drive: "献计献策",
    upcoming: "即将开始",
    open: "进行中",
    closed: "已结束",
    pending: "待审核",
    approved: "已通过",
    rejected: "未通过",
    support: "支持",
    oppose: "反对",
    neutral: "中立",
    none: "未表态",
    single: "单选",
    multiple: "多选",
    text: "文字",
    adopted: "采纳",
    partly_adopted: "部分采纳",
    not_adopted: "未采纳"
  };

  var TOPIC_LABELS_EN = {
    hearing: "Online hearing",
    deliberation: "Citizen deliberation",
    solicitation: "Call for comments",
    survey: "Survey",
    interview: "Online interview",
    drive: "Suggestion drive",
    upcoming: "Upcoming",
    open: "Open",
    closed: "Closed",
    pending: "Awaiting moderation",
    approved: "Approved",
    rejected: "Rejected",
    support: "Support",
    oppose: "Oppose",
    neutral: "Neutral",
    none: "No stance",
    single: "Single choice",
    multiple: "Multiple choice",
    text: "Free text",
    adopted: "Adopted",
    partly_adopted: "Partly adopted",
    not_adopted: "Not adopted"
  };

  // history actions that do not end in a state of their own
  var ACTIONS = {
    submit: "提交来信", dispatch: "转办", reject: "不予受理", sign: "签收", transfer: "退回重新转办",
    request_extension: "申请延期", approve_extension: "同意延期", deny_extension: "不同意延期",
    reply: "答复", approve: "审核", redo: "重办", rate: "评价", light: "督办灯变化",
    keep_reply: "维持答复", duplicate: "合并重复来信", escalated: "呈报领导", instruction: "领导批示",
    personal_data_purged: "删除个人信息"
  };
  var ACTIONS_EN = {
    submit: "Letter submitted", dispatch: "Dispatched", reject: "Not accepted", sign: "Signed for",
    transfer: "Sent back for re-dispatch", request_extension: "Extension requested",
    approve_extension: "Extension approved", deny_extension: "Extension refused", reply: "Replied",
    approve: "Approved", redo: "Sent back to be redone", rate: "Reply rated", light: "Light changed",
    keep_reply: "Reply kept", duplicate: "A repeated letter was merged into this one",
    escalated: "Sent to a city leader", instruction: "A city leader's instruction",
    personal_data_purged: "Personal data removed"
  };

  function ApiError(status, code, message, field) {
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.message = message;
    this.field = field || null;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  /* fetch /api + path; JSON body in, parsed JSON out (null when empty). opts: body, headers. */
  async function api(method, path, opts) {
    opts = opts || {};
    var headers = { Accept: "application/json" };
    Object.keys(opts.headers || {}).forEach(function (k) { headers[k] = opts.headers[k]; });
    var init = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    var res;
    try {
      res = await fetch("/api" + path, init);
    } catch (e) {
      throw new ApiError(0, "network", t("网络连接失败，请检查网络后重试。",
        "The network connection failed; check it and try again."), null);
    }
    var data = null;
    try {
      var text = await res.text();
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      var err = (data && data.error) || {};
      var message = LANG === "en" ? err.message_en || err.message : err.message;
      throw new ApiError(res.status, err.code || "http_" + res.status,
        message || t("请求未成功（" + res.status + "），请稍后重试。",
          "The request failed (" + res.status + "); please try again later."), err.field);
    }
    return data;
  }

  /* el("p", {class: "x", id: "y"}, "text", childNode, ...): text children become text nodes. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
      if (k === "href" && !isLocalPath(attrs[k]) && String(attrs[k]).charAt(0) !== "#") return;
      node.setAttribute(k, attrs[k] === true ? "" : String(attrs[k]));
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  /* Empty a node and fill it with the given children (text or nodes). */
  function fill(node) {
    node.replaceChildren();
    for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  /* Only same-site paths ("/letters/x/") become links; never javascript: or other hosts. */
  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" &&
      url.charAt(1) !== "\\";
  }

  /* Paragraphs of plain text, one <p> per non-empty line group. */
  function paragraphs(text) {
    return String(text || "").split(/\r?\n/).filter(function (p) { return p.trim(); })
      .map(function (p) { return el("p", null, p); });
  }

  function label(code) {
    var table = LANG === "en" ? LABELS_EN : LABELS;
    return Object.prototype.hasOwnProperty.call(table, code) ? table[code] : String(code);
  }

  /* A consultation code (kind, status, stance, decision) in the page's language. */
  function topicLabel(code) {
    var table = LANG === "en" ? TOPIC_LABELS_EN : TOPIC_LABELS;
    return Object.prototype.hasOwnProperty.call(table, code) ? table[code] : String(code);
  }

  function actionLabel(code) {
    var table = LANG === "en" ? ACTIONS_EN : ACTIONS;
    return Object.prototype.hasOwnProperty.call(table, code) ? table[code] : label(code);
  }

  /* The writer's answer to "was the problem solved?" with a rating (yes, partly, no); "" for
   * none (domain/rates.py). */
  function resolved(code) {
    if (code === "yes") return t("已解决", "Resolved");
    if (code === "partly") return t("部分解决", "Partly resolved");
    if (code === "no") return t("未解决", "Not resolved");
    return "";
  }

  /* The light with its text, never colour alone. */
  function light(code) {
    var c = LABELS[code] !== undefined ? code : "none";
    return el("span", { class: "light light-" + c }, c === "none" ? t("无", "None") : label(c));
  }

  /* A path of the site in the page's language: "/letters/x/" is "/en/letters/x/" in English. */
  function siteUrl(path) {
    return LANG === "en" && isLocalPath(path) ? "/en" + path : path;
  }

  /* A department {name, name_en} from the API, in the page's language. */
  function deptName(d) {
    if (!d) return "";
    return LANG === "en" ? d.name_en || d.name : d.name;
  }

  var stamp = null;
  try {
    stamp = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  } catch (e) { stamp = null; }

  /* An ISO timestamp as <time> in the city's time (Beijing time); with `end`, midnight is shown as 24:00 of the day before, as the
   * public pages show a consultation's closing (closes: 2026-12-16 → "2026-12-15 24:00"). */
  function time(iso, end) {
    if (!iso) return el("span", null, "—");
    var shown = String(iso).replace("T", " ").slice(0, 16);
    var d = new Date(iso);
    if (stamp && !isNaN(d.getTime())) {
      var midnight = end && stampParts(d).hour === "00" && stampParts(d).minute === "00";
      var p = stampParts(midnight ? new Date(d.getTime() - 60000) : d);
      shown = p.year + "-" + p.month + "-" + p.day + " " + (midnight ? "24:00" : p.hour + ":" + p.minute);
    }
    return el("time", { datetime: iso }, shown);
  }

  function stampParts(d) {
    var p = {};
    stamp.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    return p;
  }

  /* A due date, with （暂定） when the calendar for that year is provisional. */
  function due(date, provisional) {
    if (!date) return el("span", null, "—");
    return el("span", null, el("time", { datetime: date }, date),
      provisional ? el("span", { class: "provisional", title: t("该年度放假安排尚未公布，期限为推算",
        "The holiday calendar for that year is not yet published: the date is estimated") },
        t("（暂定）", " (provisional)")) : null);
  }

  /* Forget earlier error marks in a form and its status region. */
  function clearErrors(form) {
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".field-error").forEach(function (p) { p.textContent = ""; p.hidden = true; });
  }

  /* Show an API error: next to the field the API names (when the form has it) and in the
   * form's live region; focus the field so screen readers read the message with it. */
  function showError(form, status, err) {
    var msg = err && err.message ? err.message : t("出现错误，请稍后重试。",
      "Something went wrong; please try again later.");
    var field = err && err.field ? err.field : null;
    var control = field && form ? form.elements.namedItem(field) : null;
    if (control && control.length !== undefined && !control.tagName) control = control[0];
    if (control) {
      var holder = form.querySelector('[data-error-for="' + CSS.escape(field) + '"]');
      if (!holder) {
        var id = (control.id || form.id + "-" + field) + "-error";
        holder = document.getElementById(id) ||
          el("p", { class: "field-error", id: id, "data-error-for": field });
        if (!holder.parentNode) control.after(holder);
      }
      holder.textContent = msg;
      holder.hidden = false;
      control.setAttribute("aria-invalid", "true");
      var described = (control.getAttribute("aria-describedby") || "").split(/\s+/);
      if (described.indexOf(holder.id) < 0) {
        described.push(holder.id);
        control.setAttribute("aria-describedby", described.join(" ").trim());
      }
      control.focus();
    }
    if (status) say(status, msg, "error");
  }

  /* Put a message in a live region (role=status / aria-live) so it is announced. */
  function say(status, msg, kind) {
    status.className = "form-status" + (kind ? " is-" + kind : "");
    status.textContent = msg || "";
  }

  /* A random idempotency key; crypto.randomUUID needs a secure context, so fall back. */
  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* A citizen's form that posts each content once (invariant 4): one idempotency key per form
   * content, so a retry of the same content (network error, double click, the same text sent
   * again) reuses it and the API answers with the first result instead of a duplicate; an
   * edited form gets a new key. While a request runs the form is busy and its button disabled.
   *   opts.payload()   the body to send; may throw an error shaped like the API's to show it
   *   opts.send(body)  the request (a promise of the answer)
   *   opts.done(answer), opts.sending (the message while sending),
   *   opts.failed(err) optional: return true when it handled the error itself
   * Returns {forget()}: start afresh (a new letter after the first was sent). */
  function submitOnce(form, button, status, opts) {
    var key = null;       // idempotency key of the content last sent
    var sentAs = null;    // that content, to tell a retry from an edited form
    var busy = false;
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      if (busy) return;
      clearErrors(form);
      var body;
      try {
        body = opts.payload();
      } catch (invalid) {
        showError(form, status, invalid);
        return;
      }
      var content = JSON.stringify(body);
      if (content !== sentAs) { key = uuid(); sentAs = content; }
      body.idempotency_key = key;
      busy = true;
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      say(status, opts.sending);
      try {
        opts.done(await opts.send(body));
      } catch (err) {
        if (!(opts.failed && opts.failed(err))) showError(form, status, err);
      } finally {
        busy = false;
        button.disabled = false;
        form.removeAttribute("aria-busy");
      }
    });
    return { forget: function () { key = null; sentAs = null; } };
  }

  window.WZ = {
    api: api, ApiError: ApiError, el: el, fill: fill, paragraphs: paragraphs, label: label,
    actionLabel: actionLabel, light: light, time: time, due: due, clearErrors: clearErrors,
    showError: showError, say: say, uuid: uuid, isLocalPath: isLocalPath, LABELS: LABELS,
    LABELS_EN: LABELS_EN, lang: LANG, t: t, siteUrl: siteUrl, deptName: deptName,
    topicLabel: topicLabel, submitOnce: submitOnce, resolved: resolved
  };
})();
