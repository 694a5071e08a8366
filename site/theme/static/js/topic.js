/* A consultation's page (/consultations/{id}/): the participation form and the live transcript.
 *
 * The page is static and reads fine without JavaScript. While the topic is open this script
 * enables its form: a comment (POST /api/topics/{id}/comments, with a stance, a paragraph of the
 * draft or a guest department) or a survey response (POST /api/surveys/{id}/responses). Like
 * write.js, one idempotency key per form content, so a retry never makes a second comment. The
 * form is hidden when the reader's clock is outside opens..closes (the page shows the status
 * last recorded, which can lag a few minutes) or when the API answers 410.
 *
 * During an interview's session the transcript is refreshed every 20 seconds from the topic's
 * data file (/data/topics/{id}.json, rebuilt with each answer), built with WZ.el from text only.
 */
(function () {
  "use strict";
  var WZ = window.WZ;
  if (!WZ) return;
  var POLL_MS = 20000;

  var box = document.getElementById("participate");
  if (box) setUpForms(box);
  var live = document.getElementById("transcript");
  if (live && window.fetch) setUpTranscript(live);

  // --- the forms ---------------------------------------------------------------------------

  function setUpForms(box) {
    var topic = box.getAttribute("data-topic");
    var gateNote = document.getElementById("topic-gate");
    var status = document.getElementById("topic-status");
    var form = document.getElementById("comment-form") || document.getElementById("survey-form");
    if (!form || !topic) return;
    var survey = form.id === "survey-form";
    var button = form.querySelector('button[type="submit"]');

    function close(message) {
      form.hidden = true;
      document.querySelectorAll("a[data-paragraph]").forEach(function (l) { l.hidden = true; });
      gateNote.textContent = message;
      gateNote.hidden = false;
    }
    var notYet = WZ.t("征集尚未开始，将于 " + box.getAttribute("data-opens-text") + " 开始。",
      "This consultation is not open yet; it opens on " + box.getAttribute("data-opens-text") +
      " (Beijing time).");
    var over = WZ.t("征集已结束。", "This consultation has closed.");
    var now = Date.now();
    var opens = Date.parse(box.getAttribute("data-opens"));
    var closes = Date.parse(box.getAttribute("data-closes"));
    if (!isNaN(opens) && now < opens) { close(notYet); return; }
    if (!isNaN(closes) && now >= closes) { close(over); return; }

    // a survey this browser answered today (China time) is not offered again on a reload; the
    // API's 409 already_answered stays the authority (another browser, cleared storage)
    var answeredKey = "wz-answered:" + topic;
    var answeredText = WZ.t("您今天已经回答过这份问卷，感谢参与！明天可以再次参与。",
      "You have already answered this survey today; thank you for taking part! You can take part again tomorrow.");
    function chinaDay() { return new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10); }
    function remember() {
      try { window.localStorage.setItem(answeredKey, chinaDay()); } catch (e) { /* private mode */ }
    }
    if (survey) {
      var answeredOn = null;
      try { answeredOn = window.localStorage.getItem(answeredKey); } catch (e) { answeredOn = null; }
      if (answeredOn === chinaDay()) { close(answeredText); return; }
      limitChoices(form);
    }
    if (!survey) setUpParagraphLinks(form);

    var sending = WZ.submitOnce(form, button, status, {
      payload: function () { return survey ? surveyPayload(form) : commentPayload(form); },
      sending: WZ.t("正在提交，请稍候……", "Sending…"),
      send: function (body) {
        var path = survey ? "/surveys/" + encodeURIComponent(topic) + "/responses"
          : "/topics/" + encodeURIComponent(topic) + "/comments";
        return WZ.api("POST", path, { body: body });
      },
      done: function () {
        sending.forget();      // the next comment is a new one, even with the same words
        if (survey) {
          remember();
          form.hidden = true;
          WZ.say(status, WZ.t("已提交，谢谢参与！选择题的统计稍后更新，文字回答审核后公开。",
            "Received, thank you! The figures are updated shortly; written answers are published after moderation."), "ok");
        } else {
          form.reset();
          WZ.say(status, WZ.t("已提交，审核后公开。", "Received; published after moderation."), "ok");
        }
        status.focus();        // the form's button had the focus: keep it on the answer
      },
      failed: function (err) {
        if (survey && err.status === 409 && err.code === "already_answered") {
          remember();
          close(err.message);
          WZ.say(status, "");
          gateNote.focus();
          return true;
        }
        if (err.status !== 410) return false;
        close(err.code === "topic_not_open" ? WZ.t("征集尚未开始。", "This consultation is not open yet.") : over);
        WZ.say(status, "");
        return true;
      }
    });

    button.disabled = false;   // the form works from here on: see the <noscript> note
  }

  /* A solicitation's "comment on this paragraph" links: choose the paragraph in the form and
   * move to the comment box (without JavaScript they lead to the form). */
  function setUpParagraphLinks(form) {
    var select = form.elements.namedItem("paragraph");
    if (!select) return;
    document.querySelectorAll("a[data-paragraph]").forEach(function (link) {
      link.hidden = false;
      link.addEventListener("click", function (ev) {
        ev.preventDefault();
        select.value = link.getAttribute("data-paragraph");
        var body = form.elements.namedItem("body");
        form.scrollIntoView({ block: "start" });
        body.focus();
      });
    });
  }

  function value(form, name) {
    var field = form.elements.namedItem(name);
    if (!field) return undefined;
    var v = String(field.value || "").trim();
    return v ? v : null;
  }

  function commentPayload(form) {
    var body = { body: form.elements.namedItem("body").value, name: value(form, "name") };
    if (form.elements.namedItem("stance")) {
      var stance = form.querySelector('input[name="stance"]:checked');
      body.stance = stance ? stance.value : null;
    }
    var paragraph = value(form, "paragraph");
    if (paragraph !== undefined) body.paragraph = paragraph === null ? null : parseInt(paragraph, 10);
    var department = value(form, "department");
    if (department !== undefined) body.department = department;
    return body;
  }

  function invalid(field, message) {
    return new WZ.ApiError(400, "invalid", message, field);
  }

  function surveyPayload(form) {
    var answers = {};
    form.querySelectorAll("fieldset[data-question]").forEach(function (set) {
      var q = set.getAttribute("data-question");
      var picked = Array.prototype.map.call(set.querySelectorAll("input:checked"),
        function (i) { return i.value; });
      if (set.getAttribute("data-kind") === "single") {
        answers[q] = picked.length ? picked[0] : null;
        return;
      }
      var max = parseInt(set.getAttribute("data-max"), 10);
      if (set.getAttribute("data-required") === "true" && !picked.length) {
        throw invalid("answers." + q, WZ.t("请至少选择一项。", "Pick at least one choice."));
      }
      if (max && picked.length > max) {
        throw invalid("answers." + q, WZ.t("最多选 " + max + " 项。", "Pick at most " + max + "."));
      }
      answers[q] = picked;
    });
    form.querySelectorAll('textarea[name^="answers."]').forEach(function (area) {
      answers[area.name.slice("answers.".length)] = area.value;
    });
    return { answers: answers };
  }

  /* Multiple choice with a maximum: once it is reached, the other boxes are disabled. */
  function limitChoices(form) {
    form.querySelectorAll('fieldset[data-kind="multiple"]').forEach(function (set) {
      var max = parseInt(set.getAttribute("data-max"), 10);
      var boxes = set.querySelectorAll('input[type="checkbox"]');
      if (!max || max >= boxes.length) return;
      set.addEventListener("change", function () {
        var n = set.querySelectorAll("input:checked").length;
        boxes.forEach(function (b) { b.disabled = !b.checked && n >= max; });
      });
    });
  }

  // --- the live transcript -------------------------------------------------------------------

  function setUpTranscript(section) {
    var starts = Date.parse(section.getAttribute("data-starts"));
    var ends = Date.parse(section.getAttribute("data-ends"));
    var src = section.getAttribute("data-src");
    var list = document.getElementById("transcript-list");
    var empty = document.getElementById("transcript-empty");
    var status = document.getElementById("transcript-status");
    if (isNaN(starts) || isNaN(ends) || !src || !WZ.isLocalPath(src) || !list) return;
    var names = {};
    try { names = JSON.parse(section.getAttribute("data-names") || "{}"); } catch (e) { names = {}; }
    // from a few minutes before the session until half an hour after (late answers)
    function running() {
      var now = Date.now();
      return now >= starts - 10 * 60000 && now <= ends + 30 * 60000;
    }
    if (!running()) return;
    WZ.say(status, WZ.t("访谈进行中：本页每 20 秒自动更新答复。", "The session is on: new answers appear here every 20 seconds."));
    var shown = ids(list);
    var timer = setInterval(poll, POLL_MS);

    async function poll() {
      if (!running()) {
        clearInterval(timer);
        WZ.say(status, WZ.t("访谈已结束。", "The session has ended."));
        return;
      }
      try {
        var res = await fetch(src, { cache: "no-store", credentials: "same-origin" });
        if (!res.ok) return;
        var data = await res.json();
        var items = Array.isArray(data.transcript) ? data.transcript : [];
        var next = items.map(function (c) { return String(c.id); }).join(" ");
        if (next === shown) return;
        var added = items.length - list.children.length;
        WZ.fill(list, items.map(item));
        shown = next;
        if (empty) empty.hidden = items.length > 0;
        if (added > 0) {
          WZ.say(status, WZ.t("新增 " + added + " 条答复。", added + (added === 1 ? " new answer." : " new answers.")));
        }
      } catch (e) {
        /* a missed poll is retried at the next one */
      }
    }

    function deptName(id) {
      var pair = names[id];
      return pair ? (WZ.lang === "en" ? pair[1] || pair[0] : pair[0]) : String(id || "");
    }

    function text(paragraphs) {
      return (paragraphs || []).map(function (p) {
        var node = WZ.el("p", { lang: WZ.lang === "en" ? "zh-CN" : null });
        String(p).split("\n").forEach(function (line, i) {
          if (i) node.appendChild(WZ.el("br"));
          node.appendChild(document.createTextNode(line));
        });
        return node;
      });
    }

    function stamp(iso) {
      return WZ.el("time", { datetime: iso }, String(iso || "").replace("T", " ").slice(0, 16));
    }

    function item(c) {
      var who = c.name === "匿名" ? WZ.t("匿名", "Anonymous")
        : WZ.el("span", { lang: WZ.lang === "en" ? "zh-CN" : null }, c.name);
      var a = c.answer || {};
      return WZ.el("li", { class: "qa", id: "q-" + c.id },
        WZ.el("div", { class: "q" },
          WZ.el("p", { class: "meta" }, WZ.el("span", { class: "who" }, WZ.t("网友", "Citizen"), " ", who),
            " ", WZ.t("提问", "asks"), " · ", stamp(c.created_at)),
          text(c.paragraphs)),
        WZ.el("div", { class: "a" },
          WZ.el("p", { class: "meta" }, WZ.el("span", { class: "who" }, deptName(a.department)),
            " ", WZ.t("答复", "answers"), " · ", stamp(a.at)),
          text(a.paragraphs)),
        votes(c), classified(c.classification));
    }

    // the counts of 顶/踩 as the page renders them (js/comment-votes.js adds the buttons)
    function votes(c) {
      var v = c.votes || { up: 0, down: 0 };
      return WZ.el("p", { class: "comment-votes meta", "data-comment": c.id }, WZ.t("网友：顶", "Readers: up"), " ",
        WZ.el("span", { "data-count": "up" }, String(v.up)), " · ", WZ.t("踩", "down"), " ",
        WZ.el("span", { "data-count": "down" }, String(v.down)));
    }

    // a question's classification, as the page's `iq` macro shows it (the letter's link is the
    // page's alone: the data file does not name the letter)
    var IQ = { consultation: WZ.t("咨询（现场答复）", "Consultation (answered live)"),
      suggestion: WZ.t("建议", "Suggestion"), demand: WZ.t("诉求", "Demand"),
      adopted: WZ.t("采纳", "Adopted"), typical: WZ.t("典型案例", "Typical case"),
      not_adopted: WZ.t("未采纳", "Not adopted"), letter: WZ.t("已转为来信办理", "Became a letter") };

    function classified(k) {
      if (!k || !IQ[k.kind]) return "";
      var outcome = k.kind === "suggestion" ? IQ[k.verdict] : k.kind === "demand" && k.letter ? IQ.letter : null;
      return WZ.el("p", { class: "meta iq" }, WZ.el("span", { class: "tag iq-" + k.kind }, IQ[k.kind]),
        outcome ? " " + outcome : "");
    }
  }

  function ids(list) {
    return Array.prototype.map.call(list.children, function (li) {
      return li.id.replace(/^q-/, "");
    }).join(" ");
  }
})();
