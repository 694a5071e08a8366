/* 写信 (/write/): sends the letter form to POST /api/letters.
 *
 * One idempotency key per form content: a retry of the same content (network error, double
 * click) reuses it, so the API answers with the first letter instead of a duplicate
 * (invariant 4). The secret is shown once and never put in a URL or in storage.
 */
(function () {
  "use strict";
  var form = document.getElementById("write-form");
  if (!form || !window.WZ) return;
  var WZ = window.WZ;
  var status = document.getElementById("write-status");
  var button = document.getElementById("w-submit");
  var result = document.getElementById("write-result");

  function orNull(name) {
    var v = form.elements.namedItem(name).value.trim();
    return v ? v : null;
  }

  function payload() {
    var type = form.querySelector('input[name="type"]:checked');
    return {
      type: type ? type.value : null,
      subject: form.elements.namedItem("subject").value,
      body: form.elements.namedItem("body").value,
      department: orNull("department"),
      name: orNull("name"),
      phone: orNull("phone"),
      email: orNull("email"),
      public: form.elements.namedItem("public").checked,
      // the honeypot (hidden from people): empty unless a bot filled it
      website: form.elements.namedItem("website").value
    };
  }

  var sending = WZ.submitOnce(form, button, status, {
    payload: payload,
    sending: WZ.t("正在提交，请稍候……", "Sending your letter…"),
    send: function (body) { return WZ.api("POST", "/letters", { body: body }); },
    done: showResult
  });

  function showResult(answer) {
    document.getElementById("w-code").textContent = answer.tracking_code;
    document.getElementById("w-secret").textContent = answer.secret;
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
    document.getElementById("w-code").textContent = "";
    document.getElementById("w-secret").textContent = "";
    result.hidden = true;
    form.hidden = false;
    form.querySelector('input[name="type"]').focus();
  });

  button.disabled = false;   // the page works from here on: see the <noscript> note
})();
