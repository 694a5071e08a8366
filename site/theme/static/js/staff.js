/* 工作台 (/staff/): the staff console.
 *
 * SECURITY (invariant 3): the letters shown here are citizen text and may contain <script>,
 * <img onerror=...> or any other markup. Everything that comes from the API is inserted ONLY
 * with textContent / createTextNode / .value (through WZ.el and WZ.fill). Never use an HTML
 * string sink here; tests/browser/test_forms_static.py fails the build if one appears.
 *
 * The token lives in sessionStorage (gone when the tab closes); a 401 anywhere returns to the
 * login form. Routes are #/ (inbox) and #/letters/{id} (one letter), so Back works.
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
    admin: T("管理员", "administrator")
  };

  // action: who may do it, from which states (the API has the last word), API path, message
  var ACTIONS = {
    dispatch: { role: "office", from: ["submitted", "transfer_requested"], path: "dispatch",
      done: T("已转办。", "Dispatched.") },
    approve: { role: "office", from: ["replied"], path: "approve",
      done: T("答复已审核。", "Reply approved.") },
    redo: { role: "office", from: ["replied", "published", "closed"], path: "redo",
      done: T("已要求重办。", "Sent back to be redone.") },
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
      done: T("已退回办公室重新转办。", "Sent back to the office for re-dispatch.") }
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
    route();
  }

  // --- inbox ---------------------------------------------------------------------------------

  $("filter-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    loadInbox();
  });

  async function loadInbox() {
    var q = new URLSearchParams();
    ["status", "light", "department", "rating"].forEach(function (name) {
      var v = $("filter-form").elements.namedItem(name).value;
      if (v) q.set(name, v);
    });
    var status = $("inbox-status");
    WZ.say(status, T("正在加载……", "Loading…"));
    try {
      var rows = await call("GET", "/staff/letters" + (q.toString() ? "?" + q : ""));
      WZ.fill($("inbox-body"), rows.map(row));
      WZ.fill($("inbox-caption"), T("来信（共 " + rows.length + " 封）", "Letters (" + rows.length + ")"));
      WZ.say(status, rows.length ? T("共 " + rows.length + " 封来信。", count(rows.length))
        : T("没有符合条件的来信。", "No letters match."));
    } catch (err) {
      WZ.fill($("inbox-body"));
      WZ.say(status, err.message, "error");
    }
  }

  function count(n) { return n === 1 ? "1 letter." : n + " letters."; }

  function row(r) {
    return WZ.el("tr", { class: "light-row-" + r.light },
      WZ.el("td", null, WZ.light(r.light)),
      WZ.el("td", null, WZ.due(r.due, r.due_provisional)),
      WZ.el("td", null, WZ.el("a", { href: "#/letters/" + encodeURIComponent(r.id) }, r.subject || T("（无主题）", "(no subject)"))),
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

    showActions(l);
  }

  function explain(e) {
    var d = e.data || {};
    var parts = [];
    if (e.reason) parts.push(T("理由：", "reason: ") + e.reason);
    if (d.department && e.action === "dispatch") parts.push(T("部门：", "department: ") + deptName(d.department));
    if (d.working_days) parts.push(d.working_days + T(" 个工作日", " working days"));
    if (d.score) parts.push(WZ.label(d.score));
    if (e.action === "light") parts.push(WZ.label(d.from) + " → " + WZ.label(d.to));
    if (e.action === "approve") parts.push(d.publish ? T("选登", "published") : T("不公开", "not published"));
    return parts.join(T("；", "; "));
  }

  function showActions(l) {
    var any = false;
    document.querySelectorAll("form.wz-action").forEach(function (form) {
      var a = ACTIONS[form.dataset.action];
      var ok = !!a && a.role === session.role && a.from.indexOf(l.status) >= 0;
      form.hidden = !ok;
      any = any || ok;
      if (ok) { form.reset(); WZ.clearErrors(form); }
    });
    $("d-no-actions").hidden = any;
    // prefill: the dispatch target and the public version of the letter
    $("a-dispatch-department").value = l.requested_department || l.department || "";
    $("a-approve-subject").value = l.subject || "";
    $("a-approve-body").value = l.body || "";
    $("a-approve-publish").checked = !!l.public;
    $("a-approve-publish").disabled = !l.public;
    $("a-approve-private").hidden = !!l.public;
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
          values(form));
        show(updated);
        WZ.say($("action-status"), a.done, "ok");
        $("action-status").focus();   // the inbox reloads when the user goes back to it
      } catch (err) {
        WZ.showError(form, $("action-status"), err);
      } finally {
        button.disabled = false;
      }
    });
  });

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
  }

  // --- routes --------------------------------------------------------------------------------

  function route() {
    if (!session) return;
    var m = /^#\/letters\/([^/]+)$/.exec(window.location.hash);
    if (m) {
      openLetter(decodeURIComponent(m[1]));
    } else {
      var back = !$("letter-section").hidden;
      var q = /^#\/\?(.*)$/.exec(window.location.hash);
      letter = null;
      $("letter-section").hidden = true;
      $("inbox-section").hidden = false;
      $("dashboard-section").hidden = session.role !== "office";
      if (q) applyFilters(new URLSearchParams(q[1]));
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
