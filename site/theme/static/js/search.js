/* 搜索 (/search/) and "可能已有答复" (/write/): the search client over the static index.
 *
 * The index (publisher/search/) is a manifest, /search/shards.json, and Pagefind bundles
 * ("shards") by range of publication months, newest first, plus one `site` shard of notices
 * and consultations. Only the newest shards (about 8,000 letters) and `site` are loaded at
 * first; "search earlier years" merges the rest, and a year filter merges that year's shards.
 * Every file fetched is a static index file: what a person types never leaves the browser
 * (the /write/ page relies on it).
 *
 * Pagefind is given one index language, `und`: Chinese is indexed as character bigrams, so
 * the query is turned into the same terms here (`searchTerms`, `queryTerms`, `queryPhrases`
 * and `readableText`, the twins of publisher/search/terms.py; a browser test runs both sides
 * over the same strings). Filters are words of the indexed content too (`filterTerm`, the
 * twin of publisher.search.shards.filter_term). Pagefind's own excerpt is made of those
 * bigrams, so the snippet is read back from the record's content (`readableText`).
 */
(function () {
  "use strict";

  var HAN = "\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF";
  var RUN = new RegExp("[" + HAN + "]+|[0-9a-z]+", "g");
  var IS_HAN = new RegExp("^[" + HAN + "]");
  var NEWEST_LETTERS = 8000;     // letters in the shards loaded at first
  var PAGE = 10;                 // results shown at a time on /search/
  var FILTERS_MARK = "\u2063";   // publisher.search.shards.FILTERS_MARK
  var NIBBLES = "abcdefghijklmnop";

  // --- terms, phrases and text: the twins of publisher/search/terms.py ------------------------

  function runs(text) {
    return String(text || "").normalize("NFKC").toLowerCase().match(RUN) || [];
  }

  function isHan(run) { return IS_HAN.test(run); }

  function pairs(run) {
    var out = [];
    for (var i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
    return out;
  }

  /** The terms a text is indexed under, in order, with repeats (search_terms): a longer Han
   *  run also gives its last char, which a one-char query finds. */
  function searchTerms(text) {
    var out = [];
    runs(text).forEach(function (run) {
      if (isHan(run) && run.length > 1) out.push.apply(out, pairs(run).concat(run[run.length - 1]));
      else out.push(run);
    });
    return out;
  }

  /** The terms a query searches for: the pairs of each run, each once (query_terms). */
  function queryTerms(text) {
    var out = [];
    runs(text).forEach(function (run) {
      (isHan(run) && run.length > 1 ? pairs(run) : [run]).forEach(function (t) {
        if (out.indexOf(t) < 0) out.push(t);
      });
    });
    return out;
  }

  /** The pieces of a query: its runs, a one-char Han run joined to the Han run before it, or
   *  else after it (`公积 金` is 公积金, `调 休` 调休). What the snippet marks. */
  function queryPieces(text) {
    var merged = [];
    runs(text).forEach(function (piece) {
      var last = merged.length ? merged[merged.length - 1] : null;
      if (last !== null && isHan(piece) && isHan(last) && (piece.length === 1 || last.length === 1)) {
        merged[merged.length - 1] = last + piece;
      } else {
        merged.push(piece);
      }
    });
    return merged;
  }

  /** The Pagefind searches a query becomes; the results are the pages all of them find
   *  (query_phrases). Pagefind's plain search also matches words that merely resemble a term
   *  (a query 公积金 found letters with 面积), so each piece is an exact phrase of its pairs,
   *  which are adjacent in the index: the phrase is the word itself. One Han char alone is a
   *  plain prefix search (京 finds 北京 through the pair 京…). */
  function queryPhrases(text) {
    var out = [];
    queryPieces(text).forEach(function (piece) {
      // every pair in order, repeats kept: 上海上海人 is 上海 海上 上海 海人 in the index
      var phrase = isHan(piece) && piece.length === 1 ? piece
        : '"' + (isHan(piece) ? pairs(piece) : [piece]).join(" ") + '"';
      if (out.indexOf(phrase) < 0) out.push(phrase);
    });
    return out;
  }

  /** The text back from a record's indexed content, for the snippet (readable_text): a pair
   *  gives its first char, punctuation is kept, runs of Latin letters and digits are spaced. */
  function readableText(content) {
    var out = "", lastAscii = false;
    String(content || "").split(/\s+/).forEach(function (token) {
      if (!token) return;
      var m = token.match(RUN);
      if (!m || m.length !== 1 || m[0] !== token) {        // punctuation
        out += token;
        lastAscii = false;
      } else if (!isHan(token)) {
        out += (lastAscii ? " " : "") + token;
        lastAscii = true;
      } else {
        out += token[0];
        lastAscii = false;
      }
    });
    return out;
  }

  /** A filter as the word the index holds for it (`xlanghkgiz` for lang=zh): the value's
   *  UTF-8 bytes spelt one letter a–p per half byte, closed by `z` (filter_term). */
  function filterTerm(key, value) {
    var spelt = "";
    new TextEncoder().encode(String(value)).forEach(function (b) {
      spelt += NIBBLES[b >> 4] + NIBBLES[b & 15];
    });
    return "x" + key + spelt + "z";
  }


  // --- language and labels -------------------------------------------------------------------

  var EN = (document.documentElement.getAttribute("lang") || "").toLowerCase().indexOf("en") === 0;
  var PREFIX = EN ? "/en" : "";
  function t(zh, en) { return EN ? en : zh; }

  function labels() {
    var el = document.getElementById("search-labels");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }

  // --- the index: the manifest and its shards --------------------------------------------------

  /** One search index over the shards of /search/shards.json, loaded lazily; with
   *  `lettersOnly`, without the shard of notices and consultations. */
  function Index(lettersOnly) {
    this.lettersOnly = !!lettersOnly;
    this.manifest = null;
    this.pf = null;           // the Pagefind module of the first shard loaded
    this.loaded = {};         // shard id -> true once merged
    this.pending = null;
  }

  Index.prototype.load = function () {
    var self = this;
    if (!this.pending) {
      this.pending = fetch("/search/shards.json", { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error("shards.json: " + r.status);
          return r.json();
        })
        .then(function (manifest) {
          self.manifest = manifest;
          return self.merge(self.newest());
        });
      this.pending.catch(function () { self.pending = null; });   // a later try may work
    }
    return this.pending;
  };

  /** The shards that hold records (an empty one has no Pagefind bundle to load). */
  Index.prototype.shards = function () {
    return (this.manifest.shards || []).filter(function (s) { return s.records !== 0; });
  };

  Index.prototype.letterShards = function () {
    return this.shards().filter(function (s) { return s.id !== "site"; });
  };

  /** The shards searched first: the newest letter shards up to ~8,000 letters, and `site`. */
  Index.prototype.newest = function () {
    var out = [], letters = 0;
    this.letterShards().forEach(function (s) {
      if (letters < NEWEST_LETTERS) { out.push(s); letters += s.letters || 0; }
    });
    if (this.lettersOnly) return out;
    return out.concat(this.shards().filter(function (s) { return s.id === "site"; }));
  };

  Index.prototype.earlier = function () {
    var self = this;
    return this.letterShards().filter(function (s) { return !self.loaded[s.id]; });
  };

  Index.prototype.years = function () {
    var years = [];
    this.letterShards().forEach(function (s) {
      if (!s.from || !s.to) return;
      for (var y = +s.to.slice(0, 4); y >= +s.from.slice(0, 4); y--) {
        if (years.indexOf(String(y)) < 0) years.push(String(y));
      }
    });
    return years.sort().reverse();
  };

  Index.prototype.ofYear = function (year) {
    return this.letterShards().filter(function (s) {
      return s.from && s.to && s.from.slice(0, 4) <= year && year <= s.to.slice(0, 4);
    });
  };

  /** Merges shards into the one Pagefind search (the first becomes the primary index). */
  Index.prototype.merge = function (shards) {
    var self = this;
    var todo = shards.filter(function (s) { return !self.loaded[s.id]; });
    return todo.reduce(function (chain, shard) {
      return chain.then(function () {
        if (self.pf) {
          self.loaded[shard.id] = true;
          return self.pf.mergeIndex(shard.path, { language: "und" });
        }
        return import(shard.path + "pagefind.js").then(function (module) {
          self.pf = create(module, shard.path);
          self.loaded[shard.id] = true;
          return self.pf.init();
        });
      });
    }, Promise.resolve());
  };

  /* An instance of its own for each Index (the module's default one would be shared by every
   * Index of the page). Pagefind takes its language from <html lang>: "zh-CN" would make it
   * cut the query into words again (Intl.Segmenter) and miss the bigrams. The index has one
   * language, `und`, so the instance is made while the attribute says so, and the attribute
   * is put back at once (the making is synchronous: nothing is drawn or read in between). */
  function create(module, basePath) {
    var html = document.documentElement, lang = html.getAttribute("lang");
    html.setAttribute("lang", "und");
    try { return module.createInstance({ basePath: basePath }); }
    finally { html.setAttribute("lang", lang); }
  }

  /** Results of a query: {total, items: [{url, title, kind, date, dept, type, category, text}]},
   *  best first, items `from` .. `from + count`. `phrases`: `queryPhrases(text)`; `filters`:
   *  {key: value}, e.g. {lang: "zh"}, each searched as its exact word (`filterTerm`). */
  Index.prototype.search = function (phrases, filters, from, count) {
    var self = this, found = [];
    var queries = phrases.concat(Object.keys(filters).sort().map(function (k) {
      return '"' + filterTerm(k, filters[k]) + '"';
    }));
    // one after another, across every search of the page (typing and Enter start two):
    // Pagefind mixes up the answers of searches run at the same time
    var mine = queries.reduce(function (chain, q) {
      return chain.then(function () { return self.pf.search(q); })
        .then(function (f) { found.push(f.results); });
    }, this.queue || Promise.resolve());
    this.queue = mine.catch(function () {});
    return mine.then(function () {
      var results = both(found, phrases.length);
      return Promise.all(results.slice(from, from + count).map(function (r) { return r.data(); }))
        .then(function (datas) {
          return { total: results.length, items: datas.map(self.item) };
        });
    });
  };

  /** The results every list has, best first by their score in the first `scored` lists (the
   *  query's words; the filters only narrow), ties in the first list's order. */
  function both(lists, scored) {
    if (lists.length === 1) return lists[0];
    var score = {}, count = {};
    lists.forEach(function (list, n) {
      list.forEach(function (r) {
        if (n < scored) score[r.id] = (score[r.id] || 0) + r.score;
        if (count[r.id] === n) count[r.id] = n + 1;     // found by every list so far
        else if (n === 0) count[r.id] = 1;
      });
    });
    return lists[0].filter(function (r) { return count[r.id] === lists.length; })
      .map(function (r, i) { return { r: r, i: i }; })
      .sort(function (a, b) { return (score[b.r.id] || 0) - (score[a.r.id] || 0) || a.i - b.i; })
      .map(function (x) { return x.r; });
  }

  Index.prototype.item = function (data) {
    var m = data.meta || {};
    var url = data.url || m.url || "";
    // letters' urls are the same in both languages; notices and consultations have their own
    if (m.kind === "letter" && PREFIX && url.indexOf(PREFIX + "/") !== 0) url = PREFIX + url;
    return { url: url, title: m.title || url, kind: m.kind || "", date: m.date || "",
             dept: m.dept || "", type: m.type || "", category: m.category || "",
             // the record's text ends where its filter terms begin (FILTERS_MARK)
             text: readableText(String(data.content || "").split(FILTERS_MARK)[0]) };
  };

  // --- the snippet: the text around the first match, every match marked ------------------------

  /** [start, end) ranges of `text` where the terms occur, compared as the index compares them
   *  (NFKC, lower case), merged where they touch. */
  function matches(text, terms) {
    var norm = "", back = [];   // the normalized text; for each of its units, the original index
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      var code = text.charCodeAt(i);
      if (code >= 0xD800 && code < 0xDC00 && i + 1 < text.length) ch += text[++i];
      var n = ch.normalize("NFKC").toLowerCase();
      var at = i + 1 - ch.length;
      for (var k = 0; k < n.length; k++) { norm += n[k]; back.push([at, i + 1]); }
    }
    var ranges = [];
    terms.forEach(function (term) {
      if (!term) return;
      for (var p = norm.indexOf(term); p >= 0; p = norm.indexOf(term, p + 1)) {
        ranges.push([back[p][0], back[p + term.length - 1][1]]);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    });
    return merged;
  }

  /** About 80 characters of `text` around the first match, as [text, marked] parts (the page
   *  makes text nodes and <mark>s of them: no markup is ever parsed). */
  function snippet(text, terms, size) {
    size = size || 80;
    text = String(text || "").replace(/\s+/g, " ").trim();
    var ranges = matches(text, terms);
    var begin = ranges.length ? Math.max(0, ranges[0][0] - Math.floor(size / 4)) : 0;
    var end = Math.min(text.length, begin + size);
    if (end - begin < size) begin = Math.max(0, end - size);
    ranges.forEach(function (r) { if (r[0] < end && r[1] > end) end = r[1]; });  // whole
    var parts = [], at = begin;
    ranges.forEach(function (r) {
      var s = Math.max(r[0], begin), e = Math.min(r[1], end);
      if (e <= s || s < at) return;
      if (s > at) parts.push([text.slice(at, s), false]);
      parts.push([text.slice(s, e), true]);
      at = e;
    });
    if (end > at) parts.push([text.slice(at, end), false]);
    if (begin > 0) parts.unshift(["…", false]);
    if (end < text.length) parts.push(["…", false]);
    return parts;
  }

  function snippetNode(tag, attrs, parts) {
    return el(tag, attrs, parts.map(function (p) {
      return p[1] ? el("mark", { text: p[0] }) : document.createTextNode(p[0]);
    }));
  }

  // --- shared helpers --------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function label(group, code, all) {
    return (all[group] && all[group][code]) || code;
  }

  // --- /search/ ------------------------------------------------------------------------------

  function searchPage(form) {
    var index = new Index();
    var all = labels();
    var box = document.getElementById("search-q");
    var section = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-list");
    var more = document.getElementById("search-more");
    var earlier = document.getElementById("search-earlier");
    var earlierNote = document.getElementById("search-earlier-note");
    var yearSelect = document.getElementById("search-year");
    var selects = ["kind", "dept", "type", "category", "year"];
    var run = 0, shown = 0, current = null;

    // ?q= and the filters fill the form (the page was opened from a link or the header box)
    var params = new URLSearchParams(window.location.search);
    box.value = params.get("q") || "";
    selects.forEach(function (name) {
      var v = params.get(name);
      var s = form.elements.namedItem(name);
      if (name === "year" && v) {
        if (!/^\d{4}$/.test(v)) return;
        s.appendChild(el("option", { value: v, text: EN ? v : v + "年" }));
      }
      if (v) s.value = v;
    });

    function filters() {
      var out = { lang: EN ? "en" : "zh" };
      selects.forEach(function (name) {
        var v = form.elements.namedItem(name).value;
        if (v) out[name] = v;
      });
      return out;
    }

    function keepInUrl() {
      var p = new URLSearchParams();
      if (box.value.trim()) p.set("q", box.value.trim());
      selects.forEach(function (name) {
        var v = form.elements.namedItem(name).value;
        if (v) p.set(name, v);
      });
      var qs = p.toString();
      history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
    }

    function say(text) { status.textContent = text; }

    function resultItem(r, terms) {
      var meta = [el("span", { "class": "tag", text: label("kind", r.kind, all) })];
      if (r.dept) meta.push(document.createTextNode(" " + label("dept", r.dept, all)));
      if (r.type) meta.push(document.createTextNode(" · " + label("type", r.type, all)));
      if (r.date) {
        meta.push(document.createTextNode(" · "));
        meta.push(el("time", { datetime: r.date, text: r.date }));
      }
      var zh = EN ? { lang: "zh-CN" } : {};
      var link = el("a", Object.assign({ href: r.url, text: r.title }, r.kind === "letter" ? zh : {}));
      return el("li", { "class": "search-result" }, [
        el("h3", {}, [link]),
        el("p", { "class": "meta" }, meta),
        r.text ? snippetNode("p", Object.assign({ "class": "snippet" }, r.kind === "letter" ? zh : {}),
                             snippet(r.text, terms)) : null
      ]);
    }

    function showEarlier() {
      var rest = index.manifest ? index.earlier() : [];
      var year = form.elements.namedItem("year").value;
      earlier.hidden = rest.length === 0 || !!year;
      earlierNote.hidden = earlier.hidden;
      if (!earlier.hidden) {
        var loaded = index.letterShards().filter(function (s) { return index.loaded[s.id]; });
        var since = loaded.length ? loaded[loaded.length - 1].from : null;
        earlierNote.textContent = since
          ? t("以上只搜索了 " + since.slice(0, 4) + " 年" + (+since.slice(5, 7) > 1 ? +since.slice(5, 7) + " 月" : "") + "以来的来信。",
              "Only letters since " + since + " were searched.")
          : "";
      }
    }

    function render(result, terms, append) {
      if (!append) list.textContent = "";
      result.items.forEach(function (r) { list.appendChild(resultItem(r, terms)); });
      shown = list.children.length;
      more.hidden = shown >= result.total;
      var q = box.value.trim();
      if (result.total === 0) {
        say(t("没有找到与“" + q + "”相关的内容。可以换一个词、减少筛选条件、搜索更早的来信，或按下面的方式浏览。",
              "Nothing was found for “" + q + "”. Try another word, fewer filters, earlier years, or browse in the ways below."));
      } else {
        say(t("找到 " + result.total + " 条结果" + (shown < result.total ? "，显示前 " + shown + " 条" : "") + "。",
              result.total + (result.total === 1 ? " result" : " results") +
              (shown < result.total ? ", showing the first " + shown : "") + "."));
      }
      showEarlier();
    }

    function failed() {
      list.textContent = "";
      more.hidden = earlier.hidden = earlierNote.hidden = true;
      say(t("搜索暂时无法使用，请稍后再试，或按下面的方式浏览。",
            "Search is not available just now. Please try again later, or browse in the ways below."));
    }

    function go() {
      var mine = ++run;
      var phrases = queryPhrases(box.value);
      var marks = queryPieces(box.value);
      keepInUrl();
      if (!phrases.length) {
        section.hidden = true;
        list.textContent = "";
        say("");
        return Promise.resolve();
      }
      section.hidden = false;
      list.setAttribute("aria-busy", "true");
      var f = filters();
      return index.load()
        .then(function () { return f.year ? index.merge(index.ofYear(f.year)) : null; })
        .then(function () { fillYears(); return index.search(phrases, f, 0, PAGE); })
        .then(function (result) {
          if (mine !== run) return;
          current = { phrases: phrases, marks: marks, filters: f };
          render(result, marks, false);
          // what the page shows, for tests and bench/search.py to wait on
          section.setAttribute("data-search-done", box.value);
          section.setAttribute("data-search-count", String(result.total));
        })
        .catch(function (err) {
          if (mine !== run) return;
          if (window.console) console.error(err);
          failed();
        })
        .then(function () { if (mine === run) list.removeAttribute("aria-busy"); });
    }

    function fillYears() {
      var have = [].map.call(yearSelect.options, function (o) { return o.value; });
      index.years().forEach(function (y) {
        if (have.indexOf(y) < 0) yearSelect.appendChild(el("option", { value: y, text: EN ? y : y + "年" }));
      });
      var opts = [].slice.call(yearSelect.options, 1).sort(function (a, b) { return a.value < b.value ? 1 : -1; });
      opts.forEach(function (o) { yearSelect.appendChild(o); });
    }

    var later = debounce(go, 300);
    box.addEventListener("input", later);
    selects.forEach(function (name) { form.elements.namedItem(name).addEventListener("change", go); });
    form.addEventListener("submit", function (e) { e.preventDefault(); go(); });
    more.addEventListener("click", function () {
      if (!current) return;
      var mine = run;
      index.search(current.phrases, current.filters, shown, PAGE).then(function (result) {
        if (mine !== run) return;
        var first = list.children.length;
        render(result, current.marks, true);
        var link = list.children[first] && list.children[first].querySelector("a");
        if (link) link.focus();   // the first new result, where reading goes on
      }).catch(failed);
    });
    earlier.addEventListener("click", function () {
      say(t("正在载入更早的来信……", "Loading earlier letters…"));
      index.load().then(function () { return index.merge(index.earlier()); }).then(go).catch(failed);
    });

    index.load().then(fillYears).catch(function () { /* shown when a search is asked for */ });
    if (box.value.trim()) go();
  }

  // --- /write/: published letters on the same matter -------------------------------------------

  /** Under `input` (the subject of a letter being written), up to five published letters
   *  that may answer it, in `container`. Only index files are fetched, never the text. */
  function attachSimilar(input, container) {
    if (!input || !container) return null;
    var index = new Index(true);
    var all = labels();
    var box = container.querySelector("section");      // hidden while there is nothing to show
    var list = container.querySelector("ul");
    var status = container.querySelector("[role=status]");   // outside it, so it is announced
    var run = 0, last = "";

    function clear() {
      run++;
      last = "";
      box.hidden = true;
      list.textContent = "";
      status.textContent = "";
    }

    function item(r) {
      var meta = [];
      if (r.dept) meta.push(document.createTextNode(label("dept", r.dept, all) + " · "));
      meta.push(el("time", { datetime: r.date, text: r.date }));
      var a = el("a", { href: r.url, target: "_blank", rel: "noopener" }, [
        el("span", EN ? { lang: "zh-CN", text: r.title } : { text: r.title }),
        el("span", { "class": "vh", text: t("（在新标签页打开）", " (opens in a new tab)") })
      ]);
      return el("li", {}, [a, el("span", { "class": "meta" }, meta)]);
    }

    function look() {
      var text = input.value.trim();
      var phrases = queryPhrases(text);
      var key = phrases.join(" ");
      if (text.length < 2 || !phrases.length) { clear(); return; }
      if (key === last) return;
      var mine = ++run;
      index.load()
        .then(function () {
          return index.search(phrases, { kind: "letter", lang: EN ? "en" : "zh" }, 0, 5);
        })
        .then(function (result) {
          if (mine !== run) return;
          last = key;
          list.textContent = "";
          result.items.forEach(function (r) { list.appendChild(item(r)); });
          box.hidden = result.items.length === 0;
          status.textContent = result.items.length
            ? t("有 " + result.items.length + " 封已答复的来信可能与您的问题有关。",
                result.items.length + (result.items.length === 1 ? " published letter" : " published letters") +
                " may be about the same matter.")
            : "";
        })
        .catch(function () { if (mine === run) clear(); });   // a help, not a step: stay quiet
    }

    input.addEventListener("input", debounce(look, 400));
    if (input.form) input.form.addEventListener("reset", clear);
    return { clear: clear, look: look };
  }

  window.WenzhengSearch = { searchTerms: searchTerms, queryTerms: queryTerms,
                            queryPhrases: queryPhrases, queryPieces: queryPieces,
                            readableText: readableText, filterTerm: filterTerm,
                            snippet: snippet, Index: Index,
                            attachSimilar: attachSimilar };

  var form = document.getElementById("search-form");
  if (form) searchPage(form);
})();
