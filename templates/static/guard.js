// Fail closed: with JavaScript on, a report, a passphrase or a message is never posted as
// plaintext. Until report.js or followup.js has its encryption worker ready
// (window.kentonganReady === true), a submit of one of those forms is stopped here and the
// form's "not ready" message is shown. Without JavaScript this file does not run and the
// forms post to the server-side path.
"use strict";
var GUARDED = { "report-form": "report-status", "followup-form": "followup-status", "message-form": "message-status" };
document.addEventListener(
    "submit",
    function (event) {
        var form = event.target;
        var id = form && form.getAttribute("id");
        if (window.kentonganReady === true || !Object.prototype.hasOwnProperty.call(GUARDED, id)) {
            return;
        }
        event.preventDefault();
        event.stopImmediatePropagation();
        var status = document.getElementById(GUARDED[id]);
        if (status) {
            var source = document.getElementById("followup-form") || form;
            status.textContent = form.getAttribute("data-msg-not-ready") || source.getAttribute("data-msg-not-ready") || "";
        }
    },
    true
);
