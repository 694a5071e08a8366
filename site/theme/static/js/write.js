/* 写信 (/write/): sends the letter form to POST /api/letters.
 *
 * One idempotency key per form content: a retry of the same content (network error, double
 * click) reuses it, so the API answers with the first letter instead of a duplicate
 * (invariant 4). The secret is shown once and never put in a URL or in storage; the copy
 * buttons, the text file and the printed receipt are made here in the browser (nothing is sent
 * anywhere). Without these buttons the code and the secret stay selectable text.
 */
(function () {
  "use strict";
  var form = document.getElementById("write-form");
  if (!form || !window.WZ) return;
  var WZ = window.WZ;
  var status = document.getElementById("write-status");
  var button = document.getElementById("w-submit");
  // /write/?leader=ID (the leaders' boards link here): that leader's board preselected
  var leaderSelect = form.elements.namedItem("leader");
  var wanted = new URLSearchParams(window.location.search).get("leader");
  if (leaderSelect && wanted && leaderSelect.querySelector('option[value="' +
      wanted.replace(/[^a-z0-9-]/g, "") + '"]')) {
    leaderSelect.value = wanted;
  }
  var result = document.getElementById("write-result");

  function orNull(name) {
    var v = form.elements.namedItem(name).value.trim();
    return v ? v : null;
  }

  function payload() {
    var body = letter();
    // a suggestion drive's page (drive.html) sends its suggestions to the drive
    if (form.getAttribute("data-campaign")) body.campaign = form.getAttribute("data-campaign");
    return body;
  }

  function letter() {
    var type = form.querySelector('input[name="type"]:checked');
    if (type && type.value === "efficiency") {
      // a conduct complaint names whom it is about; it takes no department and stays private
      return Object.assign(letterFields(type), { department: null, public: false, about: {
        department: orNull("about_department"), person: orNull("about_person") } });
    }
    return letterFields(type);
  }

  function letterFields(type) {
    return {
      type: type ? type.value : null,
      subject: form.elements.namedItem("subject").value,
      body: form.elements.namedItem("body").value,
      department: orNull("department"),
      leader: form.elements.namedItem("leader") ? orNull("leader") : null,
      name: orNull("name"),
      phone: orNull("phone"),
      email: orNull("email"),
      public: form.elements.namedItem("public").checked,
      // the honeypot (hidden from people): empty unless a bot filled it
      website: form.elements.namedItem("website").value
    };
  }

  // 效能投诉: its fieldset shows while that type is chosen (and the department choice hides)
  function showAbout() {
    if (!document.getElementById("w-about")) return;   // a drive's form: suggestions only
    var type = form.querySelector('input[name="type"]:checked');
    var conduct = !!type && type.value === "efficiency";
    document.getElementById("w-about").hidden = !conduct;
    document.getElementById("w-about-department").required = conduct;
    document.getElementById("w-department").closest(".wz-field").hidden = conduct;
    document.getElementById("w-public").closest(".wz-field").hidden = conduct;
  }
  form.addEventListener("change", function (ev) {
    if (ev.target && ev.target.name === "type") showAbout();
  });
  showAbout();

  var sending = WZ.submitOnce(form, button, status, {
    payload: payload,
    sending: WZ.t("正在提交，请稍候……", "Sending your letter…"),
    send: function (body) { return WZ.api("POST", "/letters", { body: body }); },
    done: showResult
  });

  var receipt = null;   // {code, secret, date, subject} of the letter on show, for the buttons

  function isMobile(phone) {
    var digits = String(phone || "").replace(/[\s-]/g, "").replace(/^\+86/, "");
    return /^1\d{10}$/.test(digits);
  }

  function showResult(answer) {
    var sent = payload();
    var now = new Date();
    var date = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" +
      String(now.getDate()).padStart(2, "0") + " " + String(now.getHours()).padStart(2, "0") +
      ":" + String(now.getMinutes()).padStart(2, "0");
    receipt = { code: answer.tracking_code, secret: answer.secret, date: date,
                subject: sent.subject.trim() };
    document.getElementById("w-code").textContent = answer.tracking_code;
    document.getElementById("w-secret").textContent = answer.secret;
    document.getElementById("w-date").textContent = date;
    document.getElementById("w-subject-shown").textContent = receipt.subject;
    var to = [];
    if (isMobile(sent.phone)) to.push(WZ.t("手机", "mobile number"));
    if (sent.email) to.push(WZ.t("电子邮箱", "e-mail address"));
    document.getElementById("w-sent-to").textContent = to.join(WZ.t("和", " and "));
    document.getElementById("w-sent").hidden = to.length === 0;
    WZ.say(copyStatus, "");
    // only the tracking code goes into the link; the secret is typed in on the tracking page
    document.getElementById("w-track-link").setAttribute("href",
      WZ.siteUrl("/track/") + "?code=" + encodeURIComponent(answer.tracking_code));
    WZ.say(status, "");
    form.hidden = true;
    result.hidden = false;
    result.focus();
  }

  document.getElementById("w-again").addEventListener("click", function () {
    form.reset();
    WZ.clearErrors(form);
    sending.forget();
    ["w-code", "w-secret", "w-date", "w-subject-shown"].forEach(function (id) {
      document.getElementById(id).textContent = "";
    });
    receipt = null;
    result.hidden = true;
    form.hidden = false;
    form.querySelector('input[name="type"]').focus();
  });

  // --- keeping the secret: copy, save as text, print (all in this browser) -------------------
  var copyStatus = document.getElementById("w-copy-status");

  if (navigator.clipboard && window.isSecureContext) {
    result.querySelectorAll(".wz-copy").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", async function () {
        var value = document.getElementById(b.getAttribute("data-copy")).textContent;
        try {
          await navigator.clipboard.writeText(value);
          WZ.say(copyStatus, b.getAttribute("data-copy") === "w-code"
            ? WZ.t("查询码已复制。", "The tracking code has been copied.")
            : WZ.t("密码已复制。", "The password has been copied."), "ok");
        } catch (err) {
          WZ.say(copyStatus, WZ.t("无法复制，请手动选中后复制。",
            "Could not copy; please select the text and copy it."), "error");
        }
      });
    });
  }

  function receiptText() {
    return [WZ.t("问政 来信回执", "Wenzheng: receipt of your letter"), "",
      WZ.t("查询码：", "Tracking code: ") + receipt.code,
      WZ.t("密码：", "Password: ") + receipt.secret + WZ.t("（区分大小写）", " (case-sensitive)"),
      WZ.t("提交时间：", "Sent on: ") + receipt.date,
      WZ.t("主题：", "Subject: ") + receipt.subject, "",
      WZ.t("查询办理进度、评价答复：", "Track your letter and rate the reply: ") +
        new URL(WZ.siteUrl("/track/"), window.location.href).href +
        "?code=" + encodeURIComponent(receipt.code), ""].join("\r\n");
  }

  var save = document.getElementById("w-save");
  if (window.Blob && window.URL && URL.createObjectURL) {
    save.hidden = false;
    save.addEventListener("click", function () {
      if (!receipt) return;
      var url = URL.createObjectURL(new Blob(["\ufeff" + receiptText()],
        { type: "text/plain;charset=utf-8" }));
      var a = document.createElement("a");   // not WZ.el, which keeps only local links
      a.href = url;
      a.download = WZ.t("来信回执-", "letter-receipt-") + receipt.code + ".txt";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      WZ.say(copyStatus, WZ.t("回执已保存为文本文件。", "The receipt has been saved as a text file."), "ok");
    });
  }

  var print = document.getElementById("w-print");
  if (typeof window.print === "function") {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }

  // published letters on the same matter under the subject (js/search.js: index files only)
  if (window.WenzhengSearch) {
    window.WenzhengSearch.attachSimilar(form.elements.namedItem("subject"),
                                        document.getElementById("w-similar"));
  }

  button.disabled = false;   // the page works from here on: see the <noscript> note
})();
