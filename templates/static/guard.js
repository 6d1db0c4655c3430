// Fail closed: with JavaScript on, the report form is never posted as plaintext. Until
// report.js has its encryption worker ready (window.kentonganReady === true), a submit of
// #report-form is stopped here and the form's "not ready" message is shown. Without
// JavaScript this file does not run and the form posts to the server-side encryption path.
"use strict";
document.addEventListener(
    "submit",
    function (event) {
        var form = event.target;
        if (window.kentonganReady === true || !form || form.getAttribute("id") !== "report-form") {
            return;
        }
        event.preventDefault();
        event.stopImmediatePropagation();
        var status = document.getElementById("report-status");
        if (status) {
            status.textContent = form.getAttribute("data-msg-not-ready") || "";
        }
    },
    true
);
