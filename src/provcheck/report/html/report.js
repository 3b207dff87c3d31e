// provcheck HTML report: paging of long finding lists, filters, span linking, printing.
// Inlined into every report and allowed by the page's Content-Security-Policy hash. It never
// builds markup from data: it shows, hides and opens elements the report holds, and turns the
// report's own pages of findings (kept in comments so that large reports open fast) into elements.
(function () {
  "use strict";
  var body = document.body;
  var PAGE = parseInt(body.getAttribute("data-page") || "50", 10);
  var lists = Array.prototype.slice.call(document.querySelectorAll(".list"));
  var filtering = false;

  function register(list) {
    list._items = Array.prototype.slice.call(list.querySelectorAll(":scope > details.finding"));
    list._items.forEach(function (el) {
      if (el._text === undefined) {
        var summary = el.querySelector("summary");
        el._text = (summary ? summary.textContent : "").toLowerCase();
      }
    });
  }

  function pages(list) {
    return Array.prototype.filter.call(list.childNodes, function (n) {
      return n.nodeType === Node.COMMENT_NODE && n.data.lastIndexOf("page ", 0) === 0;
    });
  }

  // Turn up to `count` pages (all when count < 0) of a list into elements.
  function materialize(list, count) {
    var todo = pages(list);
    if (count >= 0) {
      todo = todo.slice(0, count);
    }
    todo.forEach(function (comment) {
      var t = document.createElement("template");
      t.innerHTML = comment.data.slice(5);
      comment.parentNode.replaceChild(t.content, comment);
    });
    if (todo.length) {
      register(list);
    }
  }

  function shown(el) {
    return !el.classList.contains("filtered") && !el.classList.contains("paged");
  }

  function page(list) {
    var visible = 0;
    var matching = 0;
    list._items.forEach(function (el) {
      if (el.classList.contains("filtered")) {
        el.classList.remove("paged");
        return;
      }
      matching += 1;
      var hide = matching > list._limit;
      el.classList.toggle("paged", hide);
      if (!hide) {
        visible += 1;
      }
    });
    var total = filtering ? matching : parseInt(list.getAttribute("data-total") || "0", 10);
    var rest = total - visible;
    var more = list._more;
    if (!more) {
      more = document.createElement("button");
      more.type = "button";
      more.className = "more";
      more.addEventListener("click", function () {
        materialize(list, 1);
        list._limit += PAGE;
        page(list);
      });
      list.parentNode.insertBefore(more, list.nextSibling);
      list._more = more;
    }
    more.hidden = rest <= 0;
    more.textContent = "Show " + Math.min(PAGE, rest) + " more (" + rest + " not shown)";
    var counter = list.parentNode.querySelector(".shown");
    if (counter) {
      counter.textContent = "· " + visible + " of " + total + (filtering ? " matching" : "") + " shown";
    }
  }

  function filter() {
    var actions = {};
    var all = true;
    document.querySelectorAll("input[data-action]").forEach(function (box) {
      actions[box.getAttribute("data-action")] = box.checked;
      all = all && box.checked;
    });
    var search = document.getElementById("search");
    var q = search ? search.value.trim().toLowerCase() : "";
    filtering = !all || q !== "";
    if (filtering) {
      lists.forEach(function (list) { materialize(list, -1); });
    }
    var total = 0;
    var count = 0;
    lists.forEach(function (list) {
      list._items.forEach(function (el) {
        var state = el.getAttribute("data-waived") === "1" ? "waived" : el.getAttribute("data-action");
        var ok = actions[state] !== false && (!q || el._text.indexOf(q) !== -1);
        el.classList.toggle("filtered", !ok);
        count += 1;
        if (ok) {
          total += 1;
        }
      });
      list._limit = filtering ? PAGE : list._items.length;
      page(list);
    });
    var status = document.getElementById("filter-status");
    if (status) {
      status.textContent = filtering ? total + " of " + count + " findings match" : "";
    }
  }

  var timer = null;
  document.querySelectorAll("input[data-action]").forEach(function (box) {
    box.addEventListener("change", filter);
  });
  var search = document.getElementById("search");
  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(filter, 200);
    });
  }

  function setOpen(open) {
    document.querySelectorAll("details.rule").forEach(function (d) {
      d.open = open || d.open;
    });
    lists.forEach(function (list) {
      list._items.forEach(function (el) {
        if (shown(el)) {
          el.open = open;
        }
      });
    });
  }
  var expand = document.getElementById("expand-all");
  var collapse = document.getElementById("collapse-all");
  if (expand) {
    expand.addEventListener("click", function () { setOpen(true); });
  }
  if (collapse) {
    collapse.addEventListener("click", function () { setOpen(false); });
  }

  // Hovering a marked span lights up the same span on the other side.
  document.addEventListener("mouseover", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) {
      return;
    }
    document.querySelectorAll("mark.hot").forEach(function (m) { m.classList.remove("hot"); });
    var mark = t.closest("mark[data-s]");
    var pair = mark && mark.closest(".sbs");
    if (pair) {
      pair.querySelectorAll('mark[data-s="' + mark.getAttribute("data-s") + '"]').forEach(function (m) {
        m.classList.add("hot");
      });
    }
  });

  // Records with findings: the rows kept in comments become rows (all of them: the list is
  // complete on "Show all" and in print).
  function allRecords() {
    var rows = document.querySelector("table.records tbody");
    if (rows) {
      Array.prototype.slice.call(rows.childNodes).forEach(function (n) {
        if (n.nodeType === Node.COMMENT_NODE && n.data.lastIndexOf("rows ", 0) === 0) {
          var t = document.createElement("template");
          t.innerHTML = n.data.slice(5);
          rows.replaceChild(t.content, n);
        }
      });
    }
    var button = document.getElementById("all-records");
    if (button) {
      button.parentNode.removeChild(button);
    }
  }
  var allButton = document.getElementById("all-records");
  if (allButton) {
    allButton.addEventListener("click", allRecords);
  }

  // Printing shows what is on screen with its evidence opened, and every record.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    allRecords();
    opened = [];
    document.querySelectorAll("details.rule, details.finding").forEach(function (d) {
      if (!d.open && (!d.classList.contains("finding") || shown(d))) {
        d.open = true;
        opened.push(d);
      }
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  lists.forEach(function (list) {
    register(list);
    list._limit = list._items.length;
    page(list);
  });
  body.classList.add("js");
})();
