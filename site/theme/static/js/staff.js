/* 工作台 (/staff/): the staff console.
 *
 * SECURITY (invariant 3): the letters shown here are citizen text and may contain <script>,
 * <img onerror=...> or any other markup. Everything that comes from the API is inserted ONLY
 * with textContent / createTextNode / .value (through WZ.el and WZ.fill). Never use an HTML
 * string sink here; tests/browser/test_forms_static.py fails the build if one appears.
 *
 * The token lives in sessionStorage (gone when the tab closes); a 401 anywhere returns to the
 * login form. Routes are #/ (inbox), #/letters/{id} (one letter), #/topics (consultations),
 * #/topics/{id} (one topic's moderation queue and interview questions) and #/topics/{id}/outcome
 * (the office's outcome editor), so Back works.
 */
(function () {
  "use strict";
  if (!window.WZ) return;
  var WZ = window.WZ;
  var $ = function (id) { return document.getElementById(id); };
  var KEY = "wz-staff";
  var T = WZ.t;
  var ROLES = {
    clerk: T("承办人", "department clerk"),
    office: T("市长公开电话办公室", "Mayor's Public Hotline Office"),
    admin: T("管理员", "administrator"),
    operator: T("话务员", "hotline operator"),
    leader: T("市领导", "city leader"),
    evaluator: T("第三方评议人", "third-party evaluator")
  };

  var OPEN = ["submitted", "dispatched", "signed", "extension_requested", "transfer_requested",
    "replied", "redo"];
  // action: who may do it, from which states (the API has the last word), API path, message
  var ACTIONS = {
    dispatch: { role: "office", from: ["submitted", "transfer_requested"], path: "dispatch",
      done: T("已转办。", "Dispatched.") },
    approve: { role: "office", from: ["replied"], path: "approve",
      done: T("答复已审核。", "Reply approved.") },
    redo: { role: "office", from: ["replied", "published", "closed"], path: "redo",
      done: T("已要求重办。", "Sent back to be redone.") },
    // after a 不满意 rating the office either orders a re-do or keeps the reply (维持答复)
    keep: { role: "office", from: ["published", "closed"], path: "keep",
      when: function (l) { return l.rating === "unsatisfied" && !l.reply_kept; },
      done: T("已维持答复，来信移出待决定重办队列。", "Reply kept; the letter has left the re-do queue.") },
    "approve-extension": { role: "office", from: ["extension_requested"], path: "extension/approve",
      done: T("已同意延期。", "Extension approved.") },
    "deny-extension": { role: "office", from: ["extension_requested"], path: "extension/deny",
      done: T("已不同意延期。", "Extension refused.") },
    reject: { role: "office", from: ["submitted", "transfer_requested", "dispatched"], path: "reject",
      done: T("已作不予受理处理。", "Marked as not accepted.") },
    sign: { role: "clerk", from: ["dispatched"], path: "sign", done: T("已签收。", "Signed for.") },
    reply: { role: "clerk", from: ["signed", "redo", "extension_requested"], path: "reply",
      done: T("答复已提交，等待办公室审核。", "Reply sent; it now waits for the office's approval.") },
    extension: { role: "clerk", from: ["signed", "redo"], path: "extension",
      done: T("延期申请已提交。", "Extension requested.") },
    transfer: { role: "clerk", from: ["dispatched", "signed"], path: "transfer",
      done: T("已退回办公室重新转办。", "Sent back to the office for re-dispatch.") },
    // the leaders (js/staff_leaders.js): the office sends a key letter up (呈报); the office or
    // the leader records the instruction (批示)
    escalate: { role: "office", from: OPEN, path: "escalate",
      done: T("已呈报领导，短信和邮件通知已发出。", "Sent to the leader; the SMS and e-mail are on their way.") },
    instruction: { roles: ["office", "leader"], from: OPEN, path: "instruction",
      done: T("批示已记录，承办部门可以看到。", "Instruction recorded; the department will see it.") },
    // 挂牌督办 (js/oversight.js shows the listing): once per listing, before the answer
    // a writer's erasure request: while the letter holds a name, phone or e-mail
    erase: { role: "office", from: OPEN.concat(["published", "closed", "rejected"]), path: "erase",
      when: function (l) { return !!(l.name || l.phone || l.email); },
      done: T("来信人的个人信息已删除。", "The writer's personal data has been removed.") },
    supervise: { role: "office", path: "supervise", from: ["submitted", "dispatched", "signed",
      "extension_requested", "transfer_requested", "redo"],
      when: function (l) { return !(l.listing && l.listing.active); },
      done: T("已挂牌督办。", "Listed for supervision.") }
  };

  var departments = {};
  Array.prototype.forEach.call($("f-department").options, function (o) {
    if (o.value) departments[o.value] = o.textContent;
  });
  function deptName(id) { return id ? departments[id] || id : "—"; }

  var session = null;
  var letter = null;    // the letter on show

  function loadSession() {
    try {
      var s = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (s && s.token && !(Date.parse(s.expires) <= Date.now())) return s;
    } catch (e) { /* unreadable: log in again */ }
    sessionStorage.removeItem(KEY);
    return null;
  }

  async function call(method, path, body) {
    try {
      return await WZ.api(method, path, {
        headers: { Authorization: "Bearer " + session.token },
        body: body
      });
    } catch (err) {
      if (err.status === 401) logout(err.message || T("登录已失效，请重新登录。",
        "Your session has expired; please sign in again."));
      throw err;
    }
  }

  // --- login ---------------------------------------------------------------------------------

  $("login-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var form = this;
    WZ.clearErrors(form);
    $("s-login-submit").disabled = true;
    WZ.say($("login-status"), T("正在登录……", "Signing in…"));
    try {
      var s = await WZ.api("POST", "/staff/login", { body: {
        username: $("s-username").value.trim(), password: $("s-password").value } });
      sessionStorage.setItem(KEY, JSON.stringify(s));
      form.reset();
      WZ.say($("login-status"), "");
      start(s);
      $("s-who").focus();
    } catch (err) {
      WZ.showError(form, $("login-status"), err);
    } finally {
      $("s-login-submit").disabled = false;
    }
  });

  function logout(message) {
    sessionStorage.removeItem(KEY);
    session = null;
    letter = null;
    $("console").hidden = true;
    $("dashboard-section").hidden = true;
    hideTopicViews();
    topicRows = null;
    shown = null;
    $("login-section").hidden = false;
    WZ.say($("login-status"), message || "");
    $("s-username").focus();
  }

  $("s-logout").addEventListener("click", function () { logout(T("已退出登录。", "You have signed out.")); });

  function start(s) {
    session = s;
    var office = s.role === "office";
    WZ.fill($("s-who"), T("已登录：", "Signed in as "), s.username || "", T("（", " ("),
      ROLES[s.role] || s.role, s.department ? " · " + deptName(s.department) : "", T("）", ")"));
    $("f-department-wrap").hidden = !office;
    $("f-rating-wrap").hidden = !office;
    if (!office) { $("f-department").value = ""; $("f-rating").value = ""; }
    $("login-section").hidden = true;
    $("console").hidden = false;
    // 征集与访谈: the office's, and a clerk's once its department is an interview's guest
    $("nav-topics-item").hidden = !office;
    $("nav-reports-item").hidden = !(office || s.role === "admin");   // 周报
    // 登记来电来信 (js/take.js): the office's and the operator's, whose console is only that
    $("nav-take-item").hidden = !(office || s.role === "operator");
    // the admin reads no letters: the weekly reports and who read a writer's personal data
    $("nav-letters-item").hidden = s.role === "operator" || s.role === "admin";
    $("nav-access-item").hidden = s.role !== "admin";
    if (s.role === "clerk") fetchTopics().catch(function () { /* the link stays hidden */ });
    route();
  }

  // --- inbox ---------------------------------------------------------------------------------

  // The inbox's filters, search words and page live in the hash (#/?q=…&status=…&page=2), so a
  // reload, the back button and a link keep them. GET /staff/letters answers one page:
  // {rows, total, page, per_page, complete}.
  var PER_PAGE = 50;
  var inboxHash = "#/";        // the inbox last shown: where "back to the letters" goes

  function filterQuery(page) {
    var q = new URLSearchParams();
    var words = $("f-q").value.trim();
    if (words) q.set("q", words);
    FILTERS.forEach(function (name) {
      var v = $("filter-form").elements.namedItem(name).value;
      if (v) q.set(name, v);
    });
    if (page > 1) q.set("page", String(page));
    return q;
  }

  function goInbox(page) {
    var hash = "#/?" + filterQuery(page).toString();
    if (hash === window.location.hash) route();      // the same filters: load again anyway
    else window.location.hash = hash;
  }

  $("filter-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    goInbox(1);
  });

  var inboxSeq = 0;

  async function loadInbox() {
    var seq = ++inboxSeq;
    var page = Math.max(1, parseInt(new URLSearchParams((/^#\/\?(.*)$/.exec(window.location.hash) || [])[1] || "").get("page"), 10) || 1);
    var q = filterQuery(page);
    q.set("per_page", String(PER_PAGE));
    inboxHash = "#/?" + filterQuery(page).toString();
    $("d-back").setAttribute("href", inboxHash);
    var status = $("inbox-status");
    WZ.say(status, T("正在加载……", "Loading…"));
    try {
      var answer = await call("GET", "/staff/letters?" + q);
      if (seq !== inboxSeq) return;                 // a later search has started
      var rows = answer.rows, total = answer.total;
      var pages = Math.max(1, Math.ceil(total / answer.per_page));
      WZ.fill($("inbox-body"), rows.map(row));
      var from = (answer.page - 1) * answer.per_page + 1, to = from + rows.length - 1;
      var pageNote = pages > 1 ? T("，第 " + answer.page + " / " + pages + " 页）", ", page " + answer.page + " of " + pages + ")") : T("）", ")");
      WZ.fill($("inbox-caption"), T("来信（共 " + total + " 封", "Letters (" + total), pageNote);
      var said = rows.length ? T("共 " + total + " 封来信，本页第 " + from + "–" + to + " 封。", count(total) + " Showing " + from + "–" + to + ".")
        : total ? T("这一页没有来信（共 " + total + " 封）。", "No letters on this page (" + total + " in all).")
          : T("没有符合条件的来信。", "No letters match.");
      if (answer.complete === false) {
        said += T(" 只在最近的 " + answer.searched + " 封来信中查找了字词；请加筛选条件缩小范围。", " Words were looked for in the newest " + answer.searched + " letters only; narrow the filters.");
      }
      WZ.say(status, said);
      pager(answer.page, pages);
    } catch (err) {
      if (seq !== inboxSeq) return;
      WZ.fill($("inbox-body"));
      $("inbox-pager").hidden = true;
      WZ.say(status, err.message, "error");
    }
  }

  function pager(page, pages) {
    $("inbox-pager").hidden = pages <= 1;
    WZ.fill($("inbox-page"), T("第 " + page + " / " + pages + " 页", "Page " + page + " of " + pages));
    [["inbox-prev", page - 1], ["inbox-next", page + 1]].forEach(function (p) {
      var a = $(p[0]);
      var usable = p[1] >= 1 && p[1] <= pages;
      a.setAttribute("href", "#/?" + filterQuery(usable ? p[1] : page).toString());
      if (usable) a.removeAttribute("aria-disabled"); else a.setAttribute("aria-disabled", "true");
      a.hidden = !usable;
    });
  }

  function count(n) { return n === 1 ? "1 letter." : n + " letters."; }

  function row(r) {
    return WZ.el("tr", { class: "light-row-" + r.light },
      WZ.el("td", null, WZ.light(r.light)),
      WZ.el("td", null, WZ.due(r.due, r.due_provisional)),
      WZ.el("td", null, WZ.el("a", { href: "#/letters/" + encodeURIComponent(r.id) }, r.subject || T("（无主题）", "(no subject)")),
        WZ.oversight ? WZ.oversight.badge(r) : null),
      WZ.el("td", null, WZ.label(r.status)),
      WZ.el("td", null, WZ.label(r.type)),
      WZ.el("td", null, deptName(r.department)),
      WZ.el("td", null, r.rating ? WZ.label(r.rating) : "—"));
  }

  // --- one letter ----------------------------------------------------------------------------

  async function openLetter(id) {
    WZ.say($("letter-status"), T("正在加载……", "Loading…"));
    $("inbox-section").hidden = true;
    $("dashboard-section").hidden = true;
    $("letter-section").hidden = false;
    try {
      show(await call("GET", "/staff/letters/" + encodeURIComponent(id)));
      WZ.say($("letter-status"), "");
      $("letter-section").focus();
    } catch (err) {
      WZ.say($("letter-status"), err.message, "error");
    }
  }

  function show(l) {
    // an action answers the letter without `similar` (read with the letter only): keep the
    // list the view already has for the same letter
    if (!("similar" in l) && letter && letter.id === l.id) l.similar = letter.similar;
    letter = l;
    WZ.fill($("d-subject"), l.subject);
    WZ.fill($("d-tracking-code"), l.tracking_code);
    WZ.fill($("d-type"), WZ.label(l.type));
    WZ.fill($("d-status"), WZ.label(l.status));
    WZ.fill($("d-light"), WZ.light(l.light));
    WZ.fill($("d-due"), WZ.due(l.due, l.due_provisional));
    WZ.fill($("d-sign-due"), WZ.due(l.sign_due));
    WZ.fill($("d-reply-due"), WZ.due(l.reply_due));
    WZ.fill($("d-department"), deptName(l.department));
    WZ.fill($("d-requested-department"), l.requested_department ? deptName(l.requested_department)
      : T("未指定", "None"));
    WZ.fill($("d-submitted-at"), WZ.time(l.submitted_at));
    WZ.fill($("d-channel"), CHANNELS[l.channel] || l.channel || CHANNELS.web);
    WZ.fill($("d-name"), l.name || "—");
    WZ.fill($("d-phone"), l.phone || "—");
    WZ.fill($("d-email"), l.email || "—");
    WZ.fill($("d-public"), l.public ? T("同意公开", "Yes") : T("不同意公开", "No"));
    WZ.fill($("d-redo-count"), String(l.redo_count || 0));
    var ext = l.pending_extension;
    var extText = ext ? T("申请延期 " + ext.working_days + " 个工作日，理由：",
      ext.working_days + " more working days asked for; reason: ") + ext.reason : T("无", "None");
    WZ.fill($("d-pending-extension"), extText);
    WZ.fill($("a-approve-extension-info"), extText);
    var url = l.published_url && WZ.isLocalPath(l.published_url) ? l.published_url : null;
    WZ.fill($("d-published"), url ? WZ.el("a", { href: WZ.siteUrl(url) }, WZ.siteUrl(url))
      : T("未公开", "Not published"));
    WZ.fill($("d-body"), WZ.paragraphs(l.body));
    showDuplicates(l);
    showSimilar(l);
    // the leaders' part of the view (js/staff_leaders.js): board, escalations, instructions
    document.dispatchEvent(new CustomEvent("wz:letter", { detail: { letter: l, role: session.role } }));

    WZ.fill($("d-replies"), (l.replies || []).length ? l.replies.map(function (r) {
      return WZ.el("article", { class: "wz-reply" },
        WZ.el("p", { class: "wz-meta" }, T("第 " + r.n + " 次答复 · ", "Reply " + r.n + " · "),
          deptName(r.department), " · ", r.by, " · ", WZ.time(r.at), " · ",
          r.on_time ? T("按时", "on time") : T("超期", "late")),
        WZ.el("div", { class: "wz-text" }, WZ.paragraphs(r.body)));
    }) : WZ.el("p", null, T("尚无答复。", "No reply yet.")));

    WZ.fill($("d-ratings"), (l.ratings || []).length ? l.ratings.map(function (r) {
      return WZ.el("div", { class: "wz-rating" },
        WZ.el("p", { class: "wz-meta" }, T("第 " + r.reply_n + " 次答复：", "Reply " + r.reply_n + ": "),
          WZ.el("strong", null, WZ.label(r.score)),
          r.resolved ? " · " + WZ.resolved(r.resolved) : "",
          " · ", WZ.time(r.at)),
        WZ.el("div", { class: "wz-text" }, WZ.paragraphs(r.comment)));
    }) : WZ.el("p", null, T("尚无评价。", "Not rated yet.")));

    WZ.fill($("d-history-body"), (l.history || []).map(function (e) {
      return WZ.el("tr", null,
        WZ.el("td", null, WZ.time(e.at)),
        WZ.el("td", null, WZ.actionLabel(e.action)),
        WZ.el("td", null, e.actor),
        WZ.el("td", null, e.from || e.to ? WZ.label(e.from || "—") + " → " + WZ.label(e.to || "—") : ""),
        WZ.el("td", null, explain(e)));
    }));

    if (WZ.oversight) WZ.oversight.show(l, deptName);
    showActions(l);
  }

  function letterLink(id) {
    return WZ.el("a", { href: "#/letters/" + encodeURIComponent(id) }, id);
  }

  /* The letter this one repeats, and the letters merged into it (重复件). */
  function showDuplicates(l) {
    var parts = [];
    if (l.duplicate_of) parts.push(T("本信是重复件，原信：", "This letter repeats "), letterLink(l.duplicate_of));
    (l.duplicates || []).forEach(function (id, i) {
      parts.push(i ? T("、", ", ") : (parts.length ? T("；", "; ") : "") +
        T("合并到本信的重复件：", "Letters merged into this one: "), letterLink(id));
    });
    WZ.fill($("d-duplicates"), parts.length ? parts : T("无", "None"));
  }

  /* Letters that may be the same matter (GET /staff/letters/{id} `similar`), best first; the
   * office may pick one as the original in the reject form. */
  function showSimilar(l) {
    var rows = l.similar || [];
    $("d-similar-none").hidden = rows.length > 0;
    $("d-similar-table").hidden = rows.length === 0;
    var pickable = session.role === "office" && ACTIONS.reject.from.indexOf(l.status) >= 0;
    WZ.fill($("d-similar-body"), rows.map(function (s) {
      var pick = pickable ? WZ.el("button", { type: "button", class: "wz-button wz-secondary",
        "data-id": s.id }, T("标为其重复件", "Mark as its repeat")) : null;
      if (pick) pick.addEventListener("click", function () {
        $("a-reject-duplicate-of").value = s.id;
        $("a-reject-reason").focus();
      });
      return WZ.el("tr", { "data-id": s.id },
        WZ.el("td", null, WZ.el("a", { href: "#/letters/" + encodeURIComponent(s.id) },
          s.subject || T("（无主题）", "(no subject)")), " ", WZ.el("span", { class: "wz-meta" }, s.id)),
        WZ.el("td", null, WZ.label(s.status)),
        WZ.el("td", null, Number(s.score).toFixed(2)),
        WZ.el("td", null, s.same_contact ? T("同一联系方式", "same contact") : T("文字相近", "similar text")),
        WZ.el("td", null, pick));
    }));
    WZ.fill($("a-reject-similar"), rows.map(function (s) {
      return WZ.el("option", { value: s.id }, s.subject);
    }));
  }

  function explain(e) {
    var d = e.data || {};
    var parts = [];
    if (e.reason) parts.push(T("理由：", "reason: ") + e.reason);
    if (d.duplicate_of) parts.push(T("重复件，原信 ", "repeats letter ") + d.duplicate_of);
    if (e.action === "duplicate" && d.letter) parts.push(T("重复件 ", "repeated by letter ") + d.letter);
    if (d.department && e.action === "dispatch") parts.push(T("部门：", "department: ") + deptName(d.department));
    // the model's first suggestion, recorded beside the office's choice
    if (d.suggested && e.action === "dispatch") parts.push(T("建议部门：", "suggested department: ") +
      deptName(d.suggested.department) + (d.suggested.department === d.department ?
        T("（已采用）", " (taken)") : ""));
    if (d.suggested && e.action === "approve") parts.push(T("建议分类：", "suggested category: ") +
      d.suggested.category + (d.suggested.category === d.category ? T("（已采用）", " (taken)") : ""));
    if (d.working_days) parts.push(d.working_days + T(" 个工作日", " working days"));
    if (d.score) parts.push(WZ.label(d.score));
    if (d.resolved) parts.push(WZ.resolved(d.resolved));
    if (e.action === "light") parts.push(WZ.label(d.from) + " → " + WZ.label(d.to));
    if (e.action === "approve") parts.push(d.publish ? T("选登", "published") : T("不公开", "not published"));
    if (e.action === "approve" && d.edited && d.edited.length) {
      var names = { subject: T("标题", "subject"), body: T("内容", "letter"), reply: T("答复", "reply") };
      parts.push(T("修改公开文字：", "public wording changed: ") + d.edited.map(function (x) {
        return names[x] || x; }).join(T("、", ", ")));
    }
    if (e.action === "escalated" || e.action === "instruction") parts.push(T("领导：", "leader: ") + d.leader);
    if (e.action === "instruction" && d.text) parts.push(T("批示：", "instruction: ") + d.text);
    if (e.action === "keep_reply") parts.push(T("不满意评价后维持答复", "kept after an unsatisfied rating"));
    return parts.join(T("；", "; "));
  }

  function showActions(l) {
    var any = false;
    document.querySelectorAll("form.wz-action").forEach(function (form) {
      var a = ACTIONS[form.dataset.action];
      var ok = !!a && (a.roles || [a.role]).indexOf(session.role) >= 0 &&
        a.from.indexOf(l.status) >= 0 &&
        (!a.when || a.when(l));
      form.hidden = !ok;
      any = any || ok;
      if (ok) { form.reset(); WZ.clearErrors(form); }
    });
    $("d-no-actions").hidden = any;
    // prefill: the dispatch target; the approve form gets the public version from the preview
    $("a-dispatch-department").value = l.requested_department || l.department || "";
    // the model's suggestions (`suggested`): one click fills the department (or the category);
    // the office still confirms by dispatching (approving) as usual
    showSuggested("a-dispatch", l.suggested, function (r) {
      $("a-dispatch-department").value = r.department;
      return T("已填入：", "Filled in: ") + deptName(r.department);
    });
    showSuggested("a-approve", l.suggested, function (r) {
      $("a-approve-category").value = r.category;
      return T("已填入：", "Filled in: ") + r.category;
    });
    // a writer who refused publication: the box is off and cannot be ticked, and says why
    var publish = $("a-approve-publish");
    publish.checked = !!l.public;
    publish.disabled = !l.public;
    if (l.public) publish.removeAttribute("aria-describedby");
    else publish.setAttribute("aria-describedby", "a-approve-private");
    $("a-approve-private").hidden = !!l.public;
    // a drive's suggestion: the office says whether it was adopted (sent as true/false/null)
    $("a-approve-adopted-field").hidden = !l.campaign;
    $("a-approve-adopted").disabled = !l.campaign;
    $("a-approve-adopted").value = l.adopted === true ? "true" : l.adopted === false ? "false" : "";
    if (!$("a-approve").hidden) loadPreview(l);
  }

  /* One suggestion per line: category, department, score as %, and a "use" button that
   * fills the form through `use` (which says what it filled, in the live region). */
  function showSuggested(prefix, rows, use) {
    var box = $(prefix + "-suggested");
    var status = $(prefix + "-suggested-status");
    rows = (rows || []).filter(function (r) { return departments[r.department]; });
    WZ.fill(status);
    box.hidden = !rows.length;
    WZ.fill($(prefix + "-suggested-list"), rows.map(function (r, i) {
      var label = r.category + T("（", " (") + deptName(r.department) + T("，", ", ") +
        Math.round(r.score * 100) + "%" + T("）", ")");
      var button = WZ.el("button", { type: "button", class: "wz-button wz-secondary",
        "data-department": r.department, "data-category": r.category,
        "aria-label": T("采用：", "Use: ") + label }, T("采用", "Use"));
      button.addEventListener("click", function () { WZ.fill(status, use(r)); });
      return WZ.el("li", { class: i === 0 ? "wz-first" : null },
        WZ.el("span", null, label), " ", button);
    }));
  }

  // --- the public version: the approve form's text and the preview beside it -------------
  // The boxes are filled with the public version the next approval would publish (the office's
  // earlier wording included, kept across re-dos); the approval sends only the boxes the office
  // changed, so an unchanged box keeps the stored wording. The preview is citizen text made
  // public: it is built with text nodes, and only the redacted spans are wrapped in <mark>.

  var PUBLIC_FIELDS = { public_subject: "a-approve-subject", public_body: "a-approve-body",
    public_reply: "a-approve-reply" };
  var prefilled = {};     // field name -> the text it was filled with

  function clearPublicText() {
    prefilled = {};
    Object.keys(PUBLIC_FIELDS).forEach(function (name) { $(PUBLIC_FIELDS[name]).value = ""; });
    WZ.fill($("a-approve-preview-body"));
  }

  async function loadPreview(l) {
    clearPublicText();
    WZ.say($("a-approve-preview-status"), T("正在生成公开版本……", "Making the public version…"));
    try {
      var p = await call("GET", "/staff/letters/" + encodeURIComponent(l.id) + "/preview");
      if (!letter || letter.id !== l.id || letter.version !== l.version) return;
      var text = { public_subject: p.subject, public_body: p.body, public_reply: p.reply || "" };
      Object.keys(PUBLIC_FIELDS).forEach(function (name) {
        var box = $(PUBLIC_FIELDS[name]);
        if (box.value === "") box.value = text[name];
        prefilled[name] = text[name];
      });
      showPreview(p);
    } catch (err) {
      WZ.say($("a-approve-preview-status"), err.message, "error");
    }
  }

  /* The approve form's body: a public text box left as it was filled is sent as null. */
  function publicBody(form) {
    var body = values(form);
    if (typeof body.adopted === "string") body.adopted = body.adopted === "true";
    Object.keys(PUBLIC_FIELDS).forEach(function (name) {
      var now = $(PUBLIC_FIELDS[name]).value.trim();
      if (name in prefilled && now === String(prefilled[name]).trim()) body[name] = null;
    });
    return body;
  }

  $("a-approve-preview-button").addEventListener("click", async function () {
    if (!letter) return;
    var button = this;
    var body = publicBody($("a-approve"));
    var draft = {};
    Object.keys(PUBLIC_FIELDS).forEach(function (name) { draft[name] = body[name]; });
    button.disabled = true;
    WZ.say($("a-approve-preview-status"), T("正在生成预览……", "Making the preview…"));
    try {
      showPreview(await call("POST", "/staff/letters/" + encodeURIComponent(letter.id) + "/preview",
        draft));
    } catch (err) {
      WZ.say($("a-approve-preview-status"), err.message, "error");
    } finally {
      button.disabled = false;
    }
  });

  // what the redaction puts in: [手机号已隐去] and the like (…已隐去 in \u escapes), and masked
  // names (王**, J***) after anything but a space or punctuation
  var REDACTED = /\[[^\[\]\n]{1,12}\u5df2\u9690\u53bb\]|[^\s*\[\]()"'\uff08\uff09\u201c\u201d\u2018\u2019\uff1a:\uff0c,\u3002\uff1b;\uff01!\uff1f?\u3001]\*{2,3}/g;

  function marked(text) {
    var nodes = [];
    var s = String(text || "");
    var last = 0;
    s.replace(REDACTED, function (match, at) {
      if (at > last) nodes.push(s.slice(last, at));
      nodes.push(WZ.el("mark", null, match));
      last = at + match.length;
      return match;
    });
    if (last < s.length) nodes.push(s.slice(last));
    return nodes;
  }

  function markedParagraphs(text) {
    return String(text || "").split(/\r?\n/).filter(function (p) { return p.trim(); })
      .map(function (p) { return WZ.el("p", null, marked(p)); });
  }

  function showPreview(p) {
    var edited = p.edited || {};
    var heading = function (title, part) {
      return WZ.el("h6", null, title, part && edited[part]
        ? WZ.el("span", { class: "wz-meta" }, T("（办公室修改）", " (the office's wording)")) : null);
    };
    WZ.fill($("a-approve-preview-body"),
      heading(T("署名", "Name")), WZ.el("p", { id: "a-preview-name" }, marked(p.name)),
      heading(T("标题", "Subject"), "subject"),
      WZ.el("p", { id: "a-preview-subject" }, marked(p.subject)),
      heading(T("来信", "Letter"), "body"),
      WZ.el("div", { id: "a-preview-body" }, markedParagraphs(p.body)),
      heading(T("答复", "Reply"), "reply"), WZ.el("div", { id: "a-preview-reply" }, p.reply
        ? markedParagraphs(p.reply) : WZ.el("p", null, T("尚无答复。", "No reply yet."))));
    WZ.say($("a-approve-preview-status"), "");
  }

  document.querySelectorAll("form.wz-action").forEach(function (form) {
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var a = ACTIONS[form.dataset.action];
      if (!a || !letter) return;
      var button = form.querySelector("button[type=submit]");
      WZ.clearErrors(form);
      button.disabled = true;
      WZ.say($("action-status"), T("正在提交……", "Sending…"));
      try {
        var updated = await call("POST", "/staff/letters/" + encodeURIComponent(letter.id) + "/" + a.path,
          form.dataset.action === "approve" ? publicBody(form) : values(form));
        show(updated);
        WZ.say($("action-status"), a.done, "ok");
        $("action-status").focus();   // the inbox reloads when the user goes back to it
      } catch (err) {
        if (err.status === 409) await reloadAfterConflict(letter.id, err);
        else WZ.showError(form, $("action-status"), err);
      } finally {
        button.disabled = false;
      }
    });
  });

  /* 409: someone else (another tab, another person) changed the letter first. The form shown
   * belongs to a state the letter has left, so load the letter again (its forms follow its new
   * state) and say what changed and who changed it: its latest history event by a person. */
  async function reloadAfterConflict(id, err) {
    var status = $("action-status");
    WZ.say(status, T("来信已被他人处理，正在重新加载……", "The letter was changed elsewhere; reloading…"));
    var fresh;
    try {
      fresh = await call("GET", "/staff/letters/" + encodeURIComponent(id));
    } catch (again) {
      WZ.say(status, (err.message || "") + " " + (again.message || ""), "error");
      return;
    }
    if (!letter || letter.id !== id) return;          // the user has moved on meanwhile
    show(fresh);
    var events = (fresh.history || []).filter(function (e) {
      return e.action !== "light" && e.action !== "rating_followup";
    });
    var e = events[events.length - 1];
    var detail = e ? explain(e) : "";
    var when = e ? WZ.time(e.at).textContent : "", by = e ? e.actor || "—" : "";
    var what = !e ? "" : T("最新操作：" + WZ.actionLabel(e.action) + "（" + by + "，" + when + (detail ? "，" + detail : "") + "）。",
      "Latest action: " + WZ.actionLabel(e.action) + " by " + by + ", " + when + (detail ? " (" + detail + ")" : "") + ".");
    WZ.say(status, T("操作未执行：这封来信已被他人处理，现在的状态是「" + WZ.label(fresh.status) + "」。",
      "Not done: the letter was changed elsewhere; it is now “" + WZ.label(fresh.status) + "”. ") + what +
      T("页面已更新，请确认后再操作。", " The page now shows its current state; check it before acting."), "error");
    status.focus();
  }

  /* A form's fields as the API's JSON: checkboxes as booleans, numbers as integers, "" as null. */
  function values(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!f.name || f.disabled && f.type !== "checkbox") return;
      if (f.type === "checkbox") out[f.name] = f.checked;
      else if (f.type === "number") out[f.name] = f.value === "" ? null : parseInt(f.value, 10);
      else out[f.name] = f.value.trim() === "" ? null : f.value.trim();
    });
    return out;
  }

  // --- the office's supervision dashboard ------------------------------------------------------
  // Counts by light and department (a table: the numbers are links that filter the inbox), the
  // office's queues as links that set the inbox filters (#/?status=…), and the red letters.

  var FILTERS = ["status", "light", "department", "rating"];

  function filterLink(text, query) {
    return WZ.el("a", { href: "#/?" + new URLSearchParams(query).toString() }, text);
  }

  function countCell(n, query) {
    return WZ.el("td", null, n ? filterLink(String(n), query) : "0");
  }

  async function loadDashboard() {
    if (!session || session.role !== "office") return;
    var status = $("dashboard-status");
    WZ.say(status, T("正在加载督办总览……", "Loading the dashboard…"));
    try {
      var d = await call("GET", "/staff/dashboard");
      showDashboard(d);
      var a = d.active || { total: 0, by_light: {} };
      WZ.say(status, T("在办来信 " + a.total + " 封，其中红灯 " + (a.by_light.red || 0) + " 封。",
        a.total + (a.total === 1 ? " letter" : " letters") + " being handled, " +
        (a.by_light.red || 0) + " of them red."));
    } catch (err) {
      WZ.say(status, err.message, "error");
    }
  }

  function showDashboard(d) {
    var n = function (x) { return T(" " + x + " 封", ": " + x); };
    WZ.fill($("dashboard-queues"),
      WZ.el("li", null, T("待转办", "To dispatch"), n(d.awaiting_dispatch), T("：", " — "),
        filterLink(T("新来信", "new letters"), { status: "submitted" }), " · ",
        filterLink(WZ.label("transfer_requested"), { status: "transfer_requested" })),
      WZ.el("li", null, filterLink(T("待审核答复", "Replies to approve") + n(d.awaiting_approval),
        { status: "replied" })),
      WZ.el("li", null, filterLink(T("评价不满意、待决定是否重办", "Rated unsatisfied, awaiting a re-do decision") +
        n(d.awaiting_redo_decision), { status: "replied", rating: "unsatisfied" })),
      WZ.el("li", null, filterLink(T("待审批的延期申请", "Extension requests") + n(d.pending_extensions),
        { status: "extension_requested" })),
      WZ.el("li", null, filterLink(T("红灯（超期）", "Red (overdue)") + n(d.active.by_light.red || 0),
        { light: "red" })));

    WZ.fill($("dashboard-body"), (d.active.by_department || []).map(function (r) {
      var id = r.department ? r.department.id : "";
      return WZ.el("tr", null,
        WZ.el("th", { scope: "row" }, r.department ? WZ.deptName(r.department) : T("（未分派）", "(none)")),
        countCell(r.red, { light: "red", department: id }),
        countCell(r.yellow, { light: "yellow", department: id }),
        countCell(r.green, { light: "green", department: id }),
        countCell(r.total, { department: id }));
    }));
    var lights = d.active.by_light || {};
    WZ.fill($("dashboard-foot"), WZ.el("tr", null,
      WZ.el("th", { scope: "row" }, T("合计", "Total")),
      countCell(lights.red || 0, { light: "red" }), countCell(lights.yellow || 0, { light: "yellow" }),
      countCell(lights.green || 0, { light: "green" }), WZ.el("td", null, String(d.active.total || 0))));

    WZ.fill($("dashboard-red"), (d.red || []).length ? d.red.map(function (r) {
      return WZ.el("li", null,
        WZ.el("a", { href: "#/letters/" + encodeURIComponent(r.id) }, r.subject || T("（无主题）", "(no subject)")),
        T(" — ", " — "), WZ.deptName(r.department) || "—", " · ",
        r.clock === "sign" ? T("签收期限 ", "sign by ") : T("答复期限 ", "reply by "), WZ.due(r.due));
    }) : WZ.el("li", null, T("没有红灯来信。", "No letter is red.")));

    // refusals as abuse per kind (429s, honeypot hits): counts only, never a client
    var abuse = d.abuse || { kinds: [] };
    WZ.fill($("abuse-body"), abuse.kinds.map(function (k) {
      return WZ.el("tr", { "data-kind": k.kind },
        WZ.el("th", { scope: "row" }, T(k.label, k.label_en)),
        WZ.el("td", null, String(k.today)), WZ.el("td", null, String(k.week)),
        WZ.el("td", null, String(k.total)));
    }));
  }

  $("dashboard-refresh").addEventListener("click", loadDashboard);

  // a link to the filter already shown does not change the hash: apply it anyway
  $("dashboard-section").addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[href^='#/?']") : null;
    if (a && a.getAttribute("href") === window.location.hash) {
      ev.preventDefault();
      route();
    }
  });

  /* #/?status=replied&rating=unsatisfied sets the inbox filters (the office's queue links). */
  function applyFilters(query) {
    var form = $("filter-form");
    var office = session && session.role === "office";
    FILTERS.forEach(function (name) {
      if (!office && (name === "department" || name === "rating")) return;
      var field = form.elements.namedItem(name);
      var v = query.get(name) || "";
      field.value = Array.prototype.some.call(field.options, function (o) { return o.value === v; }) ? v : "";
    });
    $("f-q").value = (query.get("q") || "").slice(0, 100);
  }

  // --- consultations (征集与访谈) -------------------------------------------------------------
  // #/topics lists the topics with their counts (GET /staff/topics); #/topics/{id} is one topic:
  // the office's moderation queue (pending comments) and, for an interview, its questions with
  // an answer box each; #/topics/{id}/outcome is the office's outcome editor once a topic has
  // closed. A clerk sees the interviews its department is a guest of. Comments, questions and
  // answers are citizen or staff text: inserted as text only, like the letters.

  var TOPIC_VIEWS = ["topics-section", "topic-section", "outcome-section", "reports-section",
    "take-section", "evaluations-section", "access-section"];
  var DECISIONS = ["adopted", "partly_adopted", "not_adopted"];
  var OPINION_KINDS = ["hearing", "deliberation", "solicitation"];   // comments with a stance
  var topicRows = null;     // the last GET /staff/topics this role sees, by id
  var shown = null;         // the topic of #/topics/{id} or of its outcome editor
  var outcomeRows = [];     // the editor's rows: {comment_id, decision, reason, opinion, node}
  var opinionSeq = 0;
  var viewSeq = 0;          // bumped by every route: a load that finishes late shows nothing

  function hideTopicViews() {
    TOPIC_VIEWS.forEach(function (id) { $(id).hidden = true; });
  }

  function showTopicView(id) {
    letter = null;
    ["inbox-section", "dashboard-section", "letter-section"].concat(TOPIC_VIEWS)
      .forEach(function (s) { $(s).hidden = s !== id; });
  }

  function markNav(view) {
    [["nav-letters", "letters"], ["nav-topics", "topics"], ["nav-reports", "reports"], ["nav-take", "take"],
      ["nav-access", "access"]].forEach(function (p) {
      if (p[1] === view) $(p[0]).setAttribute("aria-current", "page");
      else $(p[0]).removeAttribute("aria-current");
    });
  }

  function topicTitle(r) { return WZ.lang === "en" ? r.title_en || r.title : r.title; }

  function canPublishOutcome(r) {
    return session.role === "office" && r.status === "closed" && r.kind !== "interview";
  }

  /* The topics this role works on: every one for the office, a clerk's interviews. */
  async function fetchTopics() {
    var rows = await call("GET", "/staff/topics");
    if (!session) return [];
    if (session.role !== "office") rows = rows.filter(function (r) { return r.kind === "interview"; });
    topicRows = {};
    rows.forEach(function (r) { topicRows[r.id] = r; });
    $("nav-topics-item").hidden = !(session.role === "office" || rows.length);
    return rows;
  }

  function sumOf(tallies, prefix) {
    return Object.keys(tallies || {}).reduce(function (n, k) {
      return k.indexOf(prefix) === 0 ? n + tallies[k] : n;
    }, 0);
  }

  /* Comments by status; survey responses; interview questions answered of those asked (not
   * rejected): from the running tallies of the topic. */
  function topicCounts(r) {
    var c = r.counts || {};
    var interview = r.kind === "interview";
    return { pending: c.pending || 0, approved: c.approved || 0, rejected: c.rejected || 0,
      responses: r.kind === "survey" ? r.responses || 0 : null,
      asked: interview ? sumOf(r.tallies, "asked:") : null,
      answered: interview ? sumOf(r.tallies, "answered:") : null };
  }

  function numCell(n) { return WZ.el("td", { class: "wz-num" }, n === null ? "—" : String(n)); }

  function outcomeLink(r) {
    return WZ.el("a", { href: "#/topics/" + encodeURIComponent(r.id) + "/outcome" },
      r.outcome ? T("修改反馈", "Edit the outcome") : T("发布反馈", "Publish the outcome"));
  }

  function outcomeState(r) {
    var parts = [];
    if (r.outcome) parts.push(T("已发布（第 " + r.outcome.revision + " 版）",
      "Published (revision " + r.outcome.revision + ")"));
    else if (r.kind === "interview") parts.push("—");
    else if (r.status !== "closed") parts.push(T("截止后发布", "After closing"));
    else parts.push(T("未发布", "Not published"));
    if (canPublishOutcome(r)) parts.push(" · ", outcomeLink(r));
    return parts;
  }

  function topicRow(r) {
    var n = topicCounts(r);
    return WZ.el("tr", null,
      WZ.el("th", { scope: "row" }, WZ.el("a", { href: "#/topics/" + encodeURIComponent(r.id) },
        topicTitle(r))),
      WZ.el("td", null, WZ.topicLabel(r.kind)),
      WZ.el("td", null, WZ.topicLabel(r.status)),
      WZ.el("td", null, WZ.time(r.closes, true)),
      numCell(n.pending), numCell(n.approved), numCell(n.rejected), numCell(n.responses),
      WZ.el("td", { class: "wz-num" }, n.asked === null ? "—" : n.answered + " / " + n.asked),
      WZ.el("td", null, outcomeState(r)));
  }

  async function openTopicList() {
    var seq = viewSeq;
    showTopicView("topics-section");
    $("topics-hint-clerk").hidden = session.role === "office";
    $("topics-title").focus();
    var status = $("topics-status");
    WZ.say(status, T("正在加载……", "Loading…"));
    try {
      var rows = await fetchTopics();
      if (!session || seq !== viewSeq) return;
      WZ.fill($("topics-body"), rows.map(topicRow));
      WZ.say(status, rows.length ? T("共 " + rows.length + " 个议题。",
        rows.length + (rows.length === 1 ? " topic." : " topics."))
        : session.role === "office" ? T("尚无议题。", "There are no topics yet.")
          : T("本部门不是任何在线访谈的嘉宾。", "Your department is not a guest of any online interview."));
    } catch (err) {
      if (!session || seq !== viewSeq) return;
      WZ.fill($("topics-body"));
      WZ.say(status, err.message, "error");
    }
  }

  $("topics-refresh").addEventListener("click", function () {
    viewSeq += 1;
    openTopicList();
  });

  /* A topic with its counts when this role lists it, else its public detail (the API decides
   * what the role may do with it: 403 on the staff routes). */
  async function topicFacts(id) {
    await fetchTopics();
    if (topicRows && topicRows[id]) return topicRows[id];
    return await call("GET", "/topics/" + encodeURIComponent(id));
  }

  // --- one topic: the moderation queue and the interview's questions -------------------------

  async function openTopic(id) {
    var seq = viewSeq;
    showTopicView("topic-section");
    shown = null;
    $("queue-section").hidden = true;
    $("questions-section").hidden = true;
    WZ.fill($("queue-list"));
    WZ.fill($("questions-list"));
    WZ.fill($("tp-title"), topicRows && topicRows[id] ? topicTitle(topicRows[id]) : id);
    $("tp-title").focus();
    var status = $("tp-status");
    WZ.say(status, T("正在加载……", "Loading…"));
    try {
      var t = await topicFacts(id);
      if (!session || seq !== viewSeq) return;
      shown = t;
      showFacts(t);
      var loads = [];
      if (session.role === "office") loads.push(loadQueue(t));
      if (t.kind === "interview") loads.push(loadQuestions(t));
      if (!loads.length) {
        WZ.say(status, T("该议题的留言由市长公开电话办公室审核。",
          "The office moderates this topic's comments."), "error");
        return;
      }
      await Promise.all(loads);
      if (!session || seq !== viewSeq) return;
      WZ.say(status, "");
    } catch (err) {
      if (session && seq === viewSeq) WZ.say(status, err.message, "error");
    }
  }

  function showFacts(t) {
    WZ.fill($("tp-title"), topicTitle(t));
    WZ.fill($("tp-kind"), WZ.topicLabel(t.kind));
    WZ.fill($("tp-state"), WZ.topicLabel(t.status));
    WZ.fill($("tp-opens"), WZ.time(t.opens));
    WZ.fill($("tp-closes"), WZ.time(t.closes, true));
    WZ.fill($("tp-departments"), (t.departments || [t.department]).map(deptName).join(T("、", ", ")));
    var url = WZ.isLocalPath(t.url) ? WZ.siteUrl(t.url) : null;
    WZ.fill($("tp-page"), url ? WZ.el("a", { href: url }, url) : "—");
    showCounts(t);
  }

  function showCounts(t) {
    var known = !!t.counts;
    var n = topicCounts(t);
    var show = function (id, v) { WZ.fill($(id), known && v !== null ? String(v) : "—"); };
    show("tp-count-pending", n.pending);
    show("tp-count-approved", n.approved);
    show("tp-count-rejected", n.rejected);
    show("tp-count-responses", n.responses);
    WZ.fill($("tp-count-answered"), known && n.asked !== null ? n.answered + " / " + n.asked : "—");
    WZ.fill($("tp-count-outcome"), known ? outcomeState(t) : "—");
  }

  /* After an action: the counts again, in the topic view and the table's cache. */
  async function refreshCounts() {
    try {
      await fetchTopics();
      if (shown && topicRows && topicRows[shown.id]) {
        shown = topicRows[shown.id];
        if (!$("topic-section").hidden) showCounts(shown);
      }
    } catch (err) { /* the counts stay as they were; a 401 has already returned to sign-in */ }
  }

  function commentMeta(c, kind) {
    var parts = [WZ.time(c.created_at), " · ", c.name || T("未署名", "no name")];
    if (OPINION_KINDS.indexOf(kind) >= 0) {
      parts.push(" · ", T("立场：", "stance: "), WZ.topicLabel(c.stance || "none"));
    }
    if (kind === "solicitation") {
      parts.push(" · ", c.paragraph ? T("针对第 " + c.paragraph + " 条", "on paragraph " + c.paragraph)
        : T("针对整体", "on the whole draft"));
    }
    if (c.question_text) parts.push(" · ", T("问题：", "question: "), c.question_text);
    if (c.department) parts.push(" · ", T("提问对象：", "to: "), deptName(c.department));
    return WZ.el("p", { class: "wz-meta" }, parts);
  }

  async function loadQueue(t) {
    var rows = await call("GET", "/staff/comments?topic=" + encodeURIComponent(t.id) + "&status=pending");
    if (!session || !shown || shown.id !== t.id) return;
    WZ.fill($("queue-list"), rows.map(function (c, i) { return queueItem(c, i + 1, t.kind); }));
    $("queue-empty").hidden = rows.length > 0;
    $("queue-section").hidden = false;
  }

  function queueItem(c, n, kind) {
    var hid = "qi-" + c.id + "-h";
    var rid = "qi-" + c.id + "-reason";
    var approve = WZ.el("button", { type: "button", class: "wz-button", "aria-describedby": hid },
      T("通过", "Approve"));
    var reason = WZ.el("textarea", { id: rid, name: "reason", rows: "2", maxlength: "1000",
      required: true });
    var rejectButton = WZ.el("button", { type: "submit", class: "wz-button wz-danger",
      "aria-describedby": hid }, T("不通过", "Reject"));
    var reject = WZ.el("form", { class: "wz-form", method: "post" },
      WZ.el("div", { class: "wz-field" },
        WZ.el("label", { for: rid }, T("不通过的理由（不公开）", "Why it is rejected (not published)")),
        reason,
        WZ.el("p", { class: "field-error", id: rid + "-error", "data-error-for": "reason", hidden: true })),
      rejectButton);
    var item = WZ.el("li", { class: "wz-item", id: "qi-" + c.id },
      WZ.el("h4", { id: hid, tabindex: "-1" },
        (kind === "interview" ? T("提问 ", "Question ") : T("留言 ", "Comment ")) + n),
      commentMeta(c, kind),
      WZ.el("div", { class: "wz-text" }, WZ.paragraphs(c.body)),
      WZ.el("div", { class: "wz-item-actions" }, approve, reject));
    approve.addEventListener("click", function () {
      moderate(item, c, "approve", {}, null);
    });
    reject.addEventListener("submit", function (ev) {
      ev.preventDefault();
      moderate(item, c, "reject", { reason: reason.value.trim() }, reject);
    });
    return item;
  }

  function queueChanged() {
    $("queue-empty").hidden = $("queue-list").children.length > 0;
  }

  /* Approve or reject one comment; on success it leaves the queue and focus moves to the next. */
  async function moderate(item, c, action, body, form) {
    var status = $("tp-status");
    var buttons = item.querySelectorAll("button");
    if (form) WZ.clearErrors(form);
    buttons.forEach(function (b) { b.disabled = true; });
    WZ.say(status, T("正在提交……", "Sending…"));
    try {
      await call("POST", "/staff/comments/" + encodeURIComponent(c.id) + "/" + action, body);
      if (!session) return;
      var next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      queueChanged();
      WZ.say(status, action === "approve"
        ? T("已通过，留言将在网站公开。", "Approved: the comment will be published on the site.")
        : T("未通过，留言不公开。", "Rejected: the comment stays unpublished."), "ok");
      (next ? next.querySelector("h4") : $("queue-title")).focus();
      if (shown && shown.kind === "interview") loadQuestions(shown).catch(function (err) {
        if (session) WZ.say(status, err.message, "error");
      });
      refreshCounts();
    } catch (err) {
      if (!session) return;
      buttons.forEach(function (b) { b.disabled = false; });
      WZ.showError(form, status, err);
    }
  }

  async function loadQuestions(t) {
    var rows = await call("GET", "/staff/comments?topic=" + encodeURIComponent(t.id));
    if (!session || !shown || shown.id !== t.id) return;
    rows = rows.filter(function (c) { return c.status !== "rejected"; });
    WZ.fill($("questions-list"), rows.map(function (c, i) { return questionItem(c, i + 1); }));
    $("questions-empty").hidden = rows.length > 0;
    $("questions-section").hidden = false;
  }

  function questionItem(c, n) {
    var hid = "iq-" + c.id + "-h";
    var item = WZ.el("li", { class: "wz-item", id: "iq-" + c.id, "data-n": n },
      WZ.el("h4", { id: hid, tabindex: "-1" }, T("提问 ", "Question ") + n + T("（", " (") +
        (c.answer ? T("已答复", "answered") : T("待答复", "awaiting an answer")) + T("）", ")")),
      commentMeta(c, "interview"),
      WZ.el("div", { class: "wz-text" }, WZ.paragraphs(c.body)));
    if (c.answer) {
      item.appendChild(WZ.el("div", { class: "wz-answer" },
        WZ.el("p", { class: "wz-meta" }, T("答复：", "Answer: "), deptName(c.answer.department), " · ",
          c.answer.by, " · ", WZ.time(c.answer.at)),
        WZ.el("div", { class: "wz-text" }, WZ.paragraphs(c.answer.body))));
      if (window.WZInterviews) WZInterviews.decorate(item, c, call);   // js/interviews.js
      return item;
    }
    var aid = "iq-" + c.id + "-answer";
    var box = WZ.el("textarea", { id: aid, name: "body", rows: "4", maxlength: "20000", required: true });
    var button = WZ.el("button", { type: "submit", class: "wz-button", "aria-describedby": hid },
      T("发布答复", "Publish the answer"));
    var form = WZ.el("form", { class: "wz-form", method: "post" },
      WZ.el("div", { class: "wz-field" }, WZ.el("label", { for: aid }, T("答复", "Answer")), box,
        WZ.el("p", { class: "field-error", id: aid + "-error", "data-error-for": "body", hidden: true })),
      button);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      answer(c, item, form, box, button);
    });
    item.appendChild(form);
    if (window.WZInterviews) WZInterviews.decorate(item, c, call);     // classify (interviews.js)
    return item;
  }

  /* Answer a question: published at once with its question, so it also leaves the queue. */
  async function answer(c, item, form, box, button) {
    var status = $("tp-status");
    WZ.clearErrors(form);
    button.disabled = true;
    WZ.say(status, T("正在提交……", "Sending…"));
    try {
      var updated = await call("POST", "/staff/comments/" + encodeURIComponent(c.id) + "/answer",
        { body: box.value.trim() });
      if (!session) return;
      var fresh = questionItem(updated, item.getAttribute("data-n"));
      item.replaceWith(fresh);
      var queued = $("qi-" + c.id);
      if (queued) { queued.remove(); queueChanged(); }
      WZ.say(status, T("答复已发布。", "Answer published."), "ok");
      fresh.querySelector("h4").focus();
      refreshCounts();
    } catch (err) {
      if (!session) return;
      button.disabled = false;
      WZ.showError(form, status, err);
    }
  }

  // --- the outcome editor (反馈) -----------------------------------------------------------------
  // POST /staff/topics/{id}/outcome {summary, items: [{comment_id or null, decision, reason,
  // opinion}]}: a decision with a reason per published comment (grouped by the draft's
  // paragraphs for a solicitation) and opinions in the office's words; prefilled from the stored
  // outcome, which publishing again replaces.

  function outcomeHeading(title) { return T("反馈：", "Outcome: ") + title; }

  async function openOutcome(id) {
    var seq = viewSeq;
    showTopicView("outcome-section");
    shown = null;
    $("outcome-form").hidden = true;
    $("oc-back").setAttribute("href", "#/topics/" + encodeURIComponent(id));
    WZ.fill($("oc-title"), outcomeHeading(topicRows && topicRows[id] ? topicTitle(topicRows[id]) : id));
    $("oc-title").focus();
    var status = $("oc-status");
    if (session.role !== "office") {
      WZ.say(status, T("只有市长公开电话办公室发布反馈。", "Only the office publishes outcomes."), "error");
      return;
    }
    WZ.say(status, T("正在加载……", "Loading…"));
    try {
      var t = await topicFacts(id);
      if (!session || seq !== viewSeq) return;
      var got = await Promise.all([call("GET", "/topics/" + encodeURIComponent(id)),
        call("GET", "/staff/comments?topic=" + encodeURIComponent(id) + "&status=approved")]);
      if (!session || seq !== viewSeq) return;
      shown = t;
      WZ.fill($("oc-title"), outcomeHeading(topicTitle(t)));
      if (t.status !== "closed") {
        WZ.say(status, T("该议题尚未截止，截止后才能发布反馈。",
          "This topic has not closed yet; its outcome is published after it closes."), "error");
        return;
      }
      var dropped = fillOutcome(t, got[0], got[1]);
      $("outcome-form").hidden = false;
      WZ.say(status, (t.outcome ? T("已载入当前反馈（第 " + t.outcome.revision + " 版）。",
        "The current outcome (revision " + t.outcome.revision + ") is loaded. ")
        : T("尚未发布反馈。", "No outcome has been published yet. ")) +
        (dropped ? T("其中 " + dropped + " 条所针对的意见已撤下，不再列入。",
          dropped + " of its items answer comments taken down since and are left out.") : ""));
    } catch (err) {
      if (session && seq === viewSeq) WZ.say(status, err.message, "error");
    }
  }

  function field(id, text, control) {
    return WZ.el("div", { class: "wz-field" }, WZ.el("label", { for: id }, text), control);
  }

  /* One row of the editor: a decision (none leaves it out) and its reason, and for an opinion
   * in the office's words the opinion itself; a reason is required once a decision is made. */
  function outcomeRow(key, item, withOpinion) {
    var row = { comment_id: null };
    var id = "oc-" + key;
    row.decision = WZ.el("select", { id: id + "-decision", name: "decision-" + key },
      WZ.el("option", { value: "" }, T("不列入反馈", "Leave out")),
      DECISIONS.map(function (d) { return WZ.el("option", { value: d }, WZ.topicLabel(d)); }));
    row.decision.value = item ? item.decision : "";
    row.reason = WZ.el("textarea", { id: id + "-reason", name: "reason-" + key, rows: "2",
      maxlength: "2000" });
    row.reason.value = item ? item.reason || "" : "";
    if (withOpinion) {
      row.opinion = WZ.el("textarea", { id: id + "-opinion", name: "opinion-" + key, rows: "3",
        maxlength: "2000" });
      row.opinion.value = item ? item.opinion || "" : "";
    }
    var sync = function () {
      row.reason.required = !!row.decision.value;
      if (row.opinion) row.opinion.required = !!row.decision.value;
    };
    row.decision.addEventListener("change", sync);
    sync();
    row.fields = [row.opinion ? field(id + "-opinion", T("意见内容", "The opinion"), row.opinion) : null,
      field(id + "-decision", T("处理结果", "Decision"), row.decision),
      field(id + "-reason", T("理由", "Reason"), row.reason)];
    outcomeRows.push(row);
    return row;
  }

  function commentRow(c, n, kind, item) {
    var row = outcomeRow("c-" + c.id, item, false);
    row.comment_id = c.id;
    row.node = WZ.el("fieldset", { class: "wz-oc-item" },
      WZ.el("legend", null, T("意见 ", "Comment ") + n),
      WZ.el("div", { class: "wz-quote" }, commentMeta(c, kind),
        WZ.el("div", { class: "wz-text" }, WZ.paragraphs(c.body))),
      row.fields);
    return row.node;
  }

  function addOpinion(item) {
    opinionSeq += 1;
    var row = outcomeRow("o" + opinionSeq, item, true);
    var remove = WZ.el("button", { type: "button", class: "wz-button wz-secondary" },
      T("删除这条意见", "Remove this opinion"));
    row.node = WZ.el("fieldset", { class: "wz-oc-item" },
      WZ.el("legend", null, T("归纳的意见 ", "Opinion ") + opinionSeq), row.fields, remove);
    remove.addEventListener("click", function () {
      outcomeRows.splice(outcomeRows.indexOf(row), 1);
      row.node.remove();
      $("oc-add").focus();
    });
    $("oc-opinions").appendChild(row.node);
    return row;
  }

  $("oc-add").addEventListener("click", function () { addOpinion(null).opinion.focus(); });

  /* The editor filled from the topic, its approved comments and its stored outcome; returns how
   * many stored items answer comments that are no longer approved (left out). */
  function fillOutcome(t, detail, approved) {
    var outcome = t.outcome || null;
    var byComment = {};
    var loose = [];
    (outcome ? outcome.items : []).forEach(function (it) {
      if (it.comment_id) byComment[it.comment_id] = it; else loose.push(it);
    });
    $("oc-summary").value = outcome ? outcome.summary : "";
    WZ.clearErrors($("outcome-form"));
    outcomeRows = [];
    opinionSeq = 0;
    var groups = [];
    if (t.kind === "solicitation") {
      var paragraphs = detail.paragraphs || [];
      var numbers = paragraphs.map(function (p) { return p.n; });
      paragraphs.forEach(function (p) {
        groups.push({ title: T("第 " + p.n + " 条", "Paragraph " + p.n), text: p.text,
          comments: approved.filter(function (c) { return c.paragraph === p.n; }) });
      });
      groups.push({ title: T("对征求意见稿整体的意见", "On the draft as a whole"),
        comments: approved.filter(function (c) { return numbers.indexOf(c.paragraph) < 0; }) });
    } else {
      groups.push({ title: T("已公开的意见", "Published comments"), comments: approved });
    }
    groups = groups.filter(function (g) { return g.comments.length; });
    var n = 0;
    WZ.fill($("oc-items"), groups.length ? groups.map(function (g) {
      return WZ.el("div", { class: "wz-oc-group" },
        WZ.el("h4", null, g.title),
        g.text ? WZ.el("div", { class: "wz-text wz-quote" }, WZ.paragraphs(g.text)) : null,
        g.comments.map(function (c) { n += 1; return commentRow(c, n, t.kind, byComment[c.id]); }));
    }) : WZ.el("p", null, T("没有已公开的意见。", "No comment was published.")));
    WZ.fill($("oc-opinions"));
    loose.forEach(addOpinion);
    return Object.keys(byComment).filter(function (id) {
      return !approved.some(function (c) { return c.id === id; });
    }).length;
  }

  /* The API names the field of the payload ("items[2].decision", "summary"); show its message
   * next to the control behind it. */
  function outcomeError(form, status, err, sent) {
    var m = /^items\[(\d+)\]\.(\w+)$/.exec(err.field || "");
    var row = m ? sent[parseInt(m[1], 10)] : null;
    var control = row && row[m[2]] && row[m[2]].tagName ? row[m[2]] : row ? row.decision : null;
    WZ.showError(form, status, control ? { message: err.message, field: control.name } : err);
  }

  $("outcome-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    if (!shown) return;
    var form = this;
    var status = $("oc-status");
    var t = shown;
    WZ.clearErrors(form);
    var sent = outcomeRows.filter(function (r) {
      return r.decision.value || (r.opinion && r.opinion.value.trim());
    });
    var payload = { summary: $("oc-summary").value.trim(), items: sent.map(function (r) {
      return { comment_id: r.comment_id, decision: r.decision.value || null,
        reason: r.reason.value.trim(), opinion: r.opinion ? r.opinion.value.trim() || null : null };
    }) };
    $("oc-submit").disabled = true;
    WZ.say(status, T("正在发布……", "Publishing…"));
    try {
      var res = await call("POST", "/staff/topics/" + encodeURIComponent(t.id) + "/outcome", payload);
      if (!session) return;
      WZ.say(status, T("反馈已发布（第 " + res.revision + " 版），网站页面随后更新。",
        "Outcome published (revision " + res.revision + "); the site's page follows shortly."), "ok");
      status.focus();
      refreshCounts();
    } catch (err) {
      if (session) outcomeError(form, status, err, sent);
    } finally {
      $("oc-submit").disabled = false;
    }
  });

  // --- the weekly reports (周报) ----------------------------------------------------------------
  // The weeks, newest first, and one week's report: volumes by channel, type and category, the
  // lights and late departments, re-dos and unsatisfied ratings, the hot topics, five notable
  // letters. Printed with window.print(); the print style hides the console's chrome.

  var CHANNELS = {
    web: T("网站", "Web"), phone: T("电话", "Phone"), sms: T("短信", "SMS"),
    fax: T("传真", "Fax"), email: T("电子邮件", "E-mail"), visit: T("来访", "Visit"),
    app: T("客户端", "App"), wechat: T("微信", "WeChat") };

  function countTable(caption, rows) {
    return WZ.el("table", { class: "wz-report-table" },
      WZ.el("caption", null, caption),
      WZ.el("tbody", null, rows.length ? rows.map(function (r) {
        return WZ.el("tr", null, WZ.el("th", { scope: "row" }, r[0]),
          WZ.el("td", { class: "wz-num" }, String(r[1])));
      }) : WZ.el("tr", null, WZ.el("td", null, "—"))));
  }

  function refName(x) { return x && typeof x === "object" ? deptName(x.id) : deptName(x); }

  function pairs(obj, name) {
    return Object.keys(obj || {}).map(function (k) { return [name(k), obj[k]]; });
  }

  // --- 个人信息访问记录 (the admin): GET /staff/letters/{id}/access ----------------------------

  // how a read of the private fields was made (services/privacy.record_read's `what`)
  var READS = {
    letter: T("打开来信", "opened the letter"),
    preview: T("预览公开文字", "previewed the public version"),
    action: T("办理操作后的来信页面", "the letter as an action answered it")
  };

  $("access-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var id = $("access-letter").value.trim();
    if (!id) return;
    window.location.hash = "#/access/" + encodeURIComponent(id);
  });

  async function openAccess(id) {
    var seq = viewSeq;
    showTopicView("access-section");
    var status = $("access-status");
    $("access-result").hidden = true;
    WZ.clearErrors($("access-form"));
    $("access-letter").value = id || "";
    if (!id) { WZ.say(status, ""); $("access-title").focus(); return; }
    WZ.say(status, T("正在加载……", "Loading…"));
    try {
      var got = await call("GET", "/staff/letters/" + encodeURIComponent(id) + "/access");
      if (seq !== viewSeq) return;
      WZ.fill($("access-caption"), T("来信 " + got.letter_id + " 的个人信息访问记录",
        "Reads of the personal data of letter " + got.letter_id));
      WZ.fill($("access-body"), got.records.length ? got.records.map(function (r) {
        return WZ.el("tr", null, WZ.el("td", null, WZ.time(r.at)), WZ.el("td", null, r.who),
          WZ.el("td", null, READS[r.what] || r.what));
      }) : WZ.el("tr", null, WZ.el("td", { colspan: "3" }, T("尚无人查看。", "Nobody has read them yet."))));
      $("access-result").hidden = false;
      WZ.say(status, got.records.length === 1 ? T("共 1 次。", "1 read.")
        : T("共 " + got.records.length + " 次。", got.records.length + " reads."), "ok");
    } catch (err) {
      if (seq !== viewSeq) return;
      WZ.say(status, err.status === 404 ? T("没有这个编号的来信。", "There is no letter with that id.")
        : err.message, "error");
    }
  }

  async function openReports(week) {
    var seq = viewSeq;
    showTopicView("reports-section");
    var status = $("reports-status");
    WZ.say(status, T("正在加载周报……", "Loading the reports…"));
    try {
      var list = await call("GET", "/staff/reports");
      if (seq !== viewSeq) return;
      var weeks = list.weeks || [];
      WZ.fill($("reports-weeks"), weeks.map(function (w) {
        var a = WZ.el("a", { href: "#/reports/" + encodeURIComponent(w.week) }, w.week);
        if (w.week === week) a.setAttribute("aria-current", "page");
        return WZ.el("li", null, a);
      }));
      if (!weeks.length) {
        $("report").hidden = true;
        WZ.say(status, T("还没有周报：每周一零时后由定时任务生成。",
          "No report yet: the scheduled job writes one every Monday after midnight."));
        return;
      }
      var d = await call("GET", "/staff/reports/" + encodeURIComponent(week || weeks[0].week));
      if (seq !== viewSeq) return;
      showReport(d);
      WZ.say(status, "");
      if (week) $("report-title").focus();
    } catch (err) {
      if (seq === viewSeq) WZ.say(status, err.message, "error");
    }
  }

  function showReport(d) {
    var f = d.figures || {};
    var r = f.received || {};
    var l = f.lights || {};
    $("report").hidden = false;
    WZ.fill($("report-title"), T(d.week + " 周报（" + d.from + " 至 " + d.to + "）",
      "Weekly report " + d.week + " (" + d.from + " to " + d.to + ")"));
    var label = function (k) { return k ? WZ.label(k) : T("未分类", "Uncategorised"); };
    var body = [
      WZ.el("h4", null, T("受理来信 " + (r.total || 0) + " 件", (r.total || 0) + " letters received")),
      countTable(T("按渠道", "By channel"), pairs(r.by_channel, function (k) {
        return CHANNELS[k] || k; })),
      countTable(T("按类型", "By type"), pairs(r.by_type, label)),
      countTable(T("按类别", "By category"), pairs(r.by_category, function (k) {
        return k || T("未分类", "Uncategorised"); })),
      WZ.el("h4", null, T("督办灯（周末时的在办来信）", "Lights (letters being handled at the week's end)")),
      countTable(T("督办灯", "Lights"), [["red", l.red], ["yellow", l.yellow], ["green", l.green]]
        .map(function (p) { return [WZ.label(p[0]), p[1] || 0]; })),
      countTable(T("有红灯来信的部门", "Departments with red letters"),
        (f.late_departments || []).map(function (x) { return [refName(x.department), x.red]; })),
      WZ.el("p", null, T("本周责令重办 " + (f.redos || 0) + " 件，不满意评价 " + (f.unsatisfied || 0) + " 件。",
        (f.redos || 0) + " re-dos ordered and " + (f.unsatisfied || 0) + " unsatisfied ratings this week.")),
      WZ.el("h4", null, T("热点问题", "Hot topics")),
      WZ.el("p", { class: "wz-hint" }, T("热度 ", "Hot index ") + (d.formula || "")),
      (d.topics || []).length ? WZ.el("ol", null, d.topics.map(function (t) {
        return WZ.el("li", null, t.name + T("：来信 ", ": ") + t.letters + T(" 件，热度 ", " letters, hot index ") +
          t.hot + T("，承办：", "; departments: ") +
          (t.departments || []).map(function (x) { return refName(x.department) + " (" + x.letters + ")"; })
            .join(T("、", ", ")));
      })) : WZ.el("p", null, T("本周没有达到 5 件来信的话题。", "No topic reached 5 letters this week.")),
      WZ.el("h4", null, T("值得关注的来信", "Notable letters")),
      (f.notable || []).length ? WZ.el("ol", null, f.notable.map(function (n) {
        return WZ.el("li", null, WZ.el("a", { href: n.url }, n.subject), " · ", refName(n.department),
          T(" · 点赞 ", " · votes ") + n.votes);
      })) : WZ.el("p", null, "—")];
    WZ.fill($("report-body"), body);
  }

  $("report-print").addEventListener("click", function () { window.print(); });

  // --- routes --------------------------------------------------------------------------------

  function route() {
    if (!session) return;
    viewSeq += 1;
    // an evaluator (人大代表, 政协委员, expert) sees the sessions to score only: js/interviews.js
    if (session.role === "evaluator" && window.WZInterviews) { WZInterviews.open(call); return; }
    var rep = /^#\/reports(?:\/([^/?#]+))?\/?$/.exec(window.location.hash);
    if (rep) {
      markNav("reports");
      openReports(rep[1] ? decodeURIComponent(rep[1]) : null);
      return;
    }
    var acc = /^#\/access(?:\/([^/?#]+))?\/?$/.exec(window.location.hash);
    if (acc || session.role === "admin") {
      markNav("access");
      openAccess(acc && acc[1] ? decodeURIComponent(acc[1]) : null);
      return;
    }
    if (/^#\/take\/?$/.test(window.location.hash) || session.role === "operator") {
      markNav("take");
      showTopicView("take-section");
      if (WZ.take) WZ.take.open(call);
      return;
    }
    var t = /^#\/topics(?:\/([^/?#]+)(\/outcome)?)?\/?$/.exec(window.location.hash);
    markNav(t ? "topics" : "letters");
    if (t) {
      if (!t[1]) openTopicList();
      else if (t[2]) openOutcome(decodeURIComponent(t[1]));
      else openTopic(decodeURIComponent(t[1]));
      return;
    }
    var fromTopics = TOPIC_VIEWS.some(function (id) { return !$(id).hidden; });
    hideTopicViews();
    shown = null;
    var m = /^#\/letters\/([^/]+)$/.exec(window.location.hash);
    if (m) {
      openLetter(decodeURIComponent(m[1]));
    } else {
      var back = !$("letter-section").hidden || fromTopics;
      var q = /^#\/\?(.*)$/.exec(window.location.hash);
      letter = null;
      $("letter-section").hidden = true;
      $("inbox-section").hidden = false;
      $("dashboard-section").hidden = session.role !== "office";
      applyFilters(new URLSearchParams(q ? q[1] : ""));   // the hash holds the filters
      loadInbox();
      loadDashboard();
      if (q) $("inbox-title").focus();
      else if (back) $("inbox-title").focus();
    }
  }

  window.addEventListener("hashchange", route);
  $("s-login-submit").disabled = false;   // usable from here on: see the <noscript> note
  var saved = loadSession();
  if (saved) start(saved); else $("login-section").hidden = false;
})();
