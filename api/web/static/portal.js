// The private link is /portal/tickets/{number}#token=...: browsers never send the part
// after "#", so this moves it into the page's form (with its CSRF token) and posts it; the
// server checks it and keeps it in an HttpOnly cookie for this ticket only. The fragment
// is removed from the address bar and history first.
(function () {
  "use strict";
  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash || "");
  if (!match) {
    return;
  }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var form = document.getElementById("access-form");
  if (!form) {
    return; // the ticket is open already (this browser holds its cookie)
  }
  var token = decodeURIComponent(match[1]);
  var status = document.getElementById("unlock-status");
  if (status) {
    status.textContent = "Opening your ticket…";
  }
  document.getElementById("f-token").value = token;
  form.submit();
})();
