// The comparison's dimension filter, without a reload: ticking dimensions hides the other
// rows (none ticked: all shown). The form still works without JavaScript (GET /compare).
(function () {
  "use strict";
  var form = document.getElementById("compare-filter");
  var table = document.getElementById("compare-matrix");
  if (!form || !table) {
    return;
  }
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=dimension]"));
  var count = document.querySelector("#compare-count span");
  var allPresent = boxes.every(function (box) {
    return document.getElementById(box.getAttribute("data-row")) !== null ||
      !box.hasAttribute("data-row");
  });

  function apply() {
    var ticked = boxes.filter(function (box) { return box.checked; });
    var shown = 0;
    boxes.forEach(function (box) {
      var row = document.getElementById(box.getAttribute("data-row"));
      if (!row) {
        return;
      }
      var visible = ticked.length === 0 || box.checked;
      row.hidden = !visible;
      if (visible) {
        shown += parseInt(row.getAttribute("data-claims") || "0", 10);
      }
    });
    if (count) {
      count.textContent = String(shown);
    }
    var params = new URLSearchParams(new FormData(form));
    history.replaceState(null, "", form.getAttribute("action") + "?" + params.toString());
  }

  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      if (allPresent) {
        apply();
      } else {
        form.submit();
      }
    });
  });
  form.querySelectorAll("button[data-select]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var on = button.getAttribute("data-select") === "all";
      boxes.forEach(function (box) { box.checked = on; });
      if (allPresent) {
        apply();
      } else {
        form.submit();
      }
    });
  });
})();
