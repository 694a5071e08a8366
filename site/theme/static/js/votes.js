/* 顶/踩 on a published letter page. The page renders
 *   <div id="votes" data-letter="{id}"> … <span data-count="up">3</span> … <span data-count="down">1</span> … </div>
 * as plain text (works without JavaScript); this adds the two buttons, which POST
 * /api/letters/{id}/votes {"direction": "up"|"down"} and show the counts the API answers.
 * Standalone (no api.js) so the letter page needs only this one script; it speaks the page's
 * language (<html lang>: zh-CN, or en under /en/).
 */
(function () {
  "use strict";
  var box = document.getElementById("votes");
  var id = box && box.getAttribute("data-letter");
  if (!id || !window.fetch) return;
  var EN = /^en\b/i.test(document.documentElement.lang || "");
  function t(zh, en) { return EN ? en : zh; }

  function count(direction) {
    var node = box.querySelector('[data-count="' + direction + '"]');
    if (!node) {   // the page showed no counts: add them after the buttons
      node = document.createElement("span");
      node.setAttribute("data-count", direction);
    }
    return node;
  }
  var counts = { up: count("up"), down: count("down") };

  var bar = document.createElement("p");
  bar.className = "vote-buttons";
  var status = document.createElement("span");
  status.className = "vote-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");

  function button(direction, text, meaning) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "vote vote-" + direction;
    b.setAttribute("data-direction", direction);
    b.setAttribute("aria-label", text + t("（", " (") + meaning + t("）", ")"));
    b.textContent = text;
    b.addEventListener("click", function () { send(direction); });
    bar.appendChild(b);
    if (!counts[direction].parentNode) bar.appendChild(counts[direction]);
    bar.appendChild(document.createTextNode(" "));
    return b;
  }
  var buttons = [button("up", t("顶", "Up"), t("赞同这条答复", "agree with this reply")),
    button("down", t("踩", "Down"), t("不赞同这条答复", "disagree with this reply"))];
  bar.appendChild(status);
  box.appendChild(bar);

  function done(message) {
    buttons.forEach(function (b) { b.disabled = true; });
    status.textContent = message;
  }

  async function send(direction) {
    buttons.forEach(function (b) { b.disabled = true; });
    status.textContent = t("正在提交……", "Sending…");
    try {
      var res = await fetch("/api/letters/" + encodeURIComponent(id) + "/votes", {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ direction: direction })
      });
      var data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (!res.ok) {
        var err = (data && data.error) || {};
        throw new Error((EN ? err.message_en || err.message : err.message) ||
          t("投票未成功（" + res.status + "），请稍后再试。",
            "Your vote was not counted (" + res.status + "); please try again later."));
      }
      if (data && typeof data.up === "number") {
        counts.up.textContent = String(data.up);
        counts.down.textContent = String(data.down);
      } else if (!data || data.counted !== false) {
        var n = counts[direction];
        n.textContent = String((parseInt(n.textContent, 10) || 0) + 1);
      }
      if (data && data.counted !== false) {
        buttons.forEach(function (b) {
          b.setAttribute("aria-pressed", b.getAttribute("data-direction") === direction ? "true" : "false");
        });
      }
      // one vote per letter from each network (the API keys votes on the client's network, not
      // the browser): another browser or device on the same network is not counted again
      done(data && data.counted === false
        ? t("这封来信已经有一票来自您所在的网络（每个网络只计一票），本次未重复计票。",
            "A vote on this letter has already been counted from your network (one vote per network); this one was not counted again.")
        : t("谢谢，已记录您的投票。", "Thank you: your vote is counted."));
    } catch (e) {
      buttons.forEach(function (b) { b.disabled = false; });
      status.textContent = e.message || t("网络连接失败，请稍后再试。",
        "The network connection failed; please try again later.");
    }
  }
})();
