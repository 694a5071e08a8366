/* 顶/踩 on the published comments and interview answers of a topic page. The page renders, for
 * each, <p class="comment-votes" data-comment="{id}"> … <span data-count="up">3</span> …
 * <span data-count="down">1</span></p> as plain text (readable without JavaScript); this adds
 * two buttons to each, which POST /api/comments/{id}/votes {"direction": "up"|"down"} and show
 * the counts the API answers, without a reload. One vote per network and comment, as for
 * letters (js/votes.js). An answer is voted through its question's id. Needs js/api.js (WZ).
 * Boxes the page adds later (js/topic.js refreshing an interview's transcript) get buttons too.
 */
(function () {
  "use strict";
  if (!window.fetch || !window.WZ) return;
  var T = WZ.t;

  function attach(box) {
    var id = box.getAttribute("data-comment");
    if (!id || box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    var counts = {
      up: box.querySelector('[data-count="up"]'),
      down: box.querySelector('[data-count="down"]')
    };
    var bar = WZ.el("span", { class: "vote-buttons" });
    var status = WZ.el("span", { class: "vote-status", role: "status", "aria-live": "polite" });
    var buttons = [["up", T("顶", "Up"), T("赞同", "agree")], ["down", T("踩", "Down"), T("不赞同", "disagree")]]
      .map(function (d) {
        var b = WZ.el("button", { type: "button", class: "vote vote-" + d[0], "data-direction": d[0],
          "aria-label": d[1] + T("（", " (") + d[2] + T("）", ")") }, d[1]);
        b.addEventListener("click", function () { send(d[0]); });
        bar.appendChild(b);
        return b;
      });
    bar.appendChild(status);
    box.appendChild(bar);

    async function send(direction) {
      buttons.forEach(function (b) { b.disabled = true; });
      status.textContent = T("正在提交……", "Sending…");
      try {
        var data = await WZ.api("POST", "/comments/" + encodeURIComponent(id) + "/votes",
          { body: { direction: direction } });
        if (data && typeof data.up === "number") {
          if (counts.up) counts.up.textContent = String(data.up);
          if (counts.down) counts.down.textContent = String(data.down);
        }
        if (data && data.counted !== false) {
          buttons.forEach(function (b) {
            b.setAttribute("aria-pressed", b.getAttribute("data-direction") === direction ? "true" : "false");
          });
        }
        status.textContent = data && data.counted === false
          ? T("您所在的网络已对这条投过票（每个网络只计一票），本次未重复计票。", "A vote on this from your network was already counted (one per network); this one was not counted again.")
          : T("谢谢，已记录您的投票。", "Thank you: your vote is counted.");
      } catch (e) {
        buttons.forEach(function (b) { b.disabled = false; });
        status.textContent = e.message || T("投票未成功，请稍后再试。", "Your vote was not counted; please try again later.");
      }
    }
  }

  function scan(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-comment]"), attach);
  }
  scan(document);
  if (window.MutationObserver) {
    new MutationObserver(function (changes) {
      changes.forEach(function (c) {
        Array.prototype.forEach.call(c.addedNodes, function (n) { if (n.querySelectorAll) scan(n); });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
})();
