// Plenary: enhancements only. Every page works without this file; the
// server decides everything (prices, word counts, errors).
(function () {
  "use strict";

  // Take keyboard and screen reader users to the error summary.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  function money(minor, currency) {
    var sign = minor < 0 ? "-" : "";
    var amount = (Math.abs(minor) / 100).toFixed(2);
    return currency === "GBP" ? sign + "\u00a3" + amount : sign + amount + " " + currency;
  }

  // Registration: add delegates in place, and keep the price summary live.
  var form = document.getElementById("registration-form");
  var list = document.getElementById("delegates");
  var price = document.getElementById("price-summary");
  if (form && list && price) {
    var pass = parseInt(price.getAttribute("data-pass-fee"), 10);
    var passFees = {};
    (price.getAttribute("data-pass-fees") || "").split(",").forEach(function (pair) {
      var parts = pair.split(":");
      if (parts.length === 2) {
        passFees[parts[0]] = parseInt(parts[1], 10);
      }
    });
    var dinner = parseInt(price.getAttribute("data-dinner-fee"), 10);
    var currency = price.getAttribute("data-currency");
    var lines = document.getElementById("price-lines");
    var total = document.getElementById("price-total");

    var reprice = function () {
      var sets = list.querySelectorAll("fieldset.delegate");
      var sum = 0;
      lines.textContent = "";
      for (var i = 0; i < sets.length; i++) {
        var name = sets[i].querySelector('input[id$="-name"]').value.trim();
        var dines = sets[i].querySelector('input[type="checkbox"]').checked;
        var room = sets[i].querySelector('select[id$="-room"]');
        var roomFee = room && room.value ? parseInt(room.value.split("|")[3], 10) || 0 : 0;
        var kind = sets[i].querySelector('select[id$="-pass_kind"]');
        var placeFee = kind && passFees.hasOwnProperty(kind.value) ? passFees[kind.value] : pass;
        var place = kind ? kind.options[kind.selectedIndex].text.replace(/ \(.*\)$/, "") + " pass" : "place";
        var fee = placeFee + (dines ? dinner : 0) + roomFee;
        sum += fee;
        var row = document.createElement("tr");
        var who = document.createElement("th");
        who.scope = "row";
        who.textContent = name || "Delegate " + (i + 1);
        var detail = document.createElement("td");
        detail.textContent = (dines
          ? place + " " + money(placeFee, currency) + " and dinner " + money(dinner, currency)
          : place + " only") + (roomFee ? ", hotel room " + money(roomFee, currency) : "");
        var cell = document.createElement("td");
        cell.className = "numeric";
        cell.textContent = money(fee, currency);
        row.appendChild(who);
        row.appendChild(detail);
        row.appendChild(cell);
        lines.appendChild(row);
      }
      total.textContent = "";
      var strong = document.createElement("strong");
      strong.textContent = money(sum, currency);
      total.appendChild(strong);
    };

    var renumber = function (node, index) {
      var attrs = ["id", "name", "for", "aria-describedby"];
      var all = [node].concat(Array.prototype.slice.call(node.querySelectorAll("*")));
      all.forEach(function (el) {
        attrs.forEach(function (a) {
          var v = el.getAttribute(a);
          if (v) {
            el.setAttribute(a, v.replace(/delegates-\d+-/g, "delegates-" + index + "-"));
          }
        });
      });
      node.id = "delegate-" + (index + 1);
      node.querySelector("legend").textContent = "Delegate " + (index + 1);
    };

    var add = document.getElementById("add-delegate");
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var sets = list.querySelectorAll("fieldset.delegate");
      var copy = sets[sets.length - 1].cloneNode(true);
      renumber(copy, sets.length);
      copy.querySelectorAll(".error-message").forEach(function (e) { e.remove(); });
      copy.querySelectorAll(".form-group-error").forEach(function (e) { e.classList.remove("form-group-error"); });
      copy.querySelectorAll(".input-error").forEach(function (e) { e.classList.remove("input-error"); });
      copy.querySelectorAll("input").forEach(function (input) {
        if (input.type === "checkbox") {
          input.checked = false;
        } else {
          input.value = "";
        }
        var described = (input.getAttribute("aria-describedby") || "")
          .split(" ")
          .filter(function (id) { return id && !/-error$/.test(id); })
          .join(" ");
        if (described) {
          input.setAttribute("aria-describedby", described);
        } else {
          input.removeAttribute("aria-describedby");
        }
      });
      copy.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
      list.appendChild(copy);
      reprice();
      copy.querySelector('input[id$="-name"]').focus();
    });
    form.addEventListener("input", reprice);
    form.addEventListener("change", reprice);
    reprice();
  }

  // Word counts: runs of non-space, as the server counts them.
  document.querySelectorAll(".word-count[data-for]").forEach(function (counter) {
    var field = document.getElementById(counter.getAttribute("data-for"));
    var limit = parseInt(counter.getAttribute("data-limit"), 10);
    if (!field) {
      return;
    }
    var count = function () {
      var words = field.value.split(/\s+/).filter(function (w) { return w.length > 0; }).length;
      counter.textContent = (words === 1 ? "1 word" : words + " words") + " of " + limit;
      counter.classList.toggle("over", words > limit);
    };
    counter.hidden = false;
    field.addEventListener("input", count);
    count();
  });
})();

// Check-in: where the browser can read QR codes (BarcodeDetector), a
// "Scan badge" button opens the camera, reads the badge and submits the
// code form. Typing the code stays the way in everywhere else.
(function () {
  "use strict";
  var form = document.getElementById("check-in-code");
  var scanner = document.getElementById("scanner");
  if (!form || !scanner || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  var input = document.getElementById("code");
  var video = document.getElementById("scanner-video");
  var status = document.getElementById("scanner-status");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button button-secondary";
  button.textContent = "Scan badge";
  form.insertBefore(button, scanner);
  var stream = null;
  var stop = function () {
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    scanner.hidden = true;
  };
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        scanner.hidden = false;
        status.textContent = "Point the camera at the QR code on the badge.";
        return video.play();
      })
      .then(function look() {
        if (!stream) {
          return;
        }
        detector.detect(video).then(function (codes) {
          if (codes.length > 0) {
            input.value = codes[0].rawValue;
            status.textContent = "Badge read.";
            stop();
            form.submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }, function () { window.requestAnimationFrame(look); });
      })
      .catch(function () {
        stop();
        status.textContent = "The camera is not available: type the code instead.";
        scanner.hidden = false;
        input.focus();
      });
  });
})();
