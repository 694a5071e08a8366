/* 登记来电来信 (/staff/#/take): an operator, or the office, takes down a letter that came by
 * phone, SMS, fax, e-mail, a visit, the app or WeChat (POST /api/staff/letters).
 *
 * staff.js shows the section and hands over its `call` (the request with the session's token,
 * which returns to the login form on a 401). One idempotency key per form content, as on the
 * write form: a retry of the same letter (a lost answer, a double click) gets the first letter
 * back. The code and secret are shown once, for the operator to read out; the list below keeps
 * the codes of this session's letters in this page only (nothing is stored).
 */
(function () {
  "use strict";
  if (!window.WZ) return;
  var WZ = window.WZ;
  var T = WZ.t;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("take-form");
  if (!form) return;
  var call = null;
  var status = $("take-status");

  function orNull(name) {
    var v = form.elements.namedItem(name).value.trim();
    return v ? v : null;
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  // <input type="datetime-local"> is the browser's local time; the API wants an offset
  function localNow() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function receivedAt() {
    var v = form.elements.namedItem("received_at").value;
    if (!v) return null;
    var d = new Date(v);
    if (isNaN(d.getTime())) return v;               // the API explains what is wrong
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return v + (v.length === 16 ? ":00" : "") + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  function payload() {
    return {
      channel: form.elements.namedItem("channel").value || null,
      received_at: receivedAt(),
      type: form.elements.namedItem("type").value || null,
      subject: form.elements.namedItem("subject").value,
      body: form.elements.namedItem("body").value,
      name: orNull("name"),
      phone: orNull("phone"),
      email: orNull("email"),
      department: orNull("department"),
      public: form.elements.namedItem("public").checked
    };
  }

  var sending = WZ.submitOnce(form, $("k-submit"), status, {
    payload: payload,
    sending: T("正在登记……", "Saving…"),
    send: function (body) { return call("POST", "/staff/letters", body); },
    done: showResult
  });

  function sentNote(to) {
    if (!to || !to.length) {
      return T("来信人没有留手机号或电子邮箱：请当场告知查询码和密码。", "The writer left no mobile number or e-mail address: read the code and password out now.");
    }
    var names = to.map(function (c) { return c === "sms" ? T("手机短信", "SMS") : T("电子邮件", "e-mail"); });
    return T("查询码和密码已通过" + names.join("和") + "发送给来信人。", "The code and password have been sent to the writer by " + names.join(" and ") + ".");
  }

  function showResult(answer) {
    var sent = payload();
    $("k-code").textContent = answer.tracking_code;
    $("k-secret").textContent = answer.secret;
    $("k-sent").textContent = sentNote(answer.sent_to);
    var channel = $("k-channel").selectedOptions[0];
    var item = WZ.el("li", null, WZ.el("code", null, answer.tracking_code), " · ",
      sent.subject.trim(), " · ", channel ? channel.textContent : sent.channel);
    $("taken-list").prepend(item);
    $("taken-none").hidden = true;
    WZ.say(status, "");
    form.hidden = true;
    $("take-result").hidden = false;
    $("take-result").focus();
  }

  $("k-again").addEventListener("click", function () {
    form.reset();
    WZ.clearErrors(form);
    sending.forget();
    $("k-code").textContent = "";
    $("k-secret").textContent = "";
    $("take-result").hidden = true;
    form.hidden = false;
    form.elements.namedItem("received_at").value = localNow();
    $("k-channel").focus();
  });

  WZ.take = {
    /* Show the form (staff.js has made its section the only one on show). */
    open: function (request) {
      call = request;
      if (!form.elements.namedItem("received_at").value) {
        form.elements.namedItem("received_at").value = localNow();
      }
      $("take-title").focus();
    }
  };
})();
