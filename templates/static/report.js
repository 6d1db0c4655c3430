// Encrypts the report form in the browser before anything leaves the device.
//
// The page works without JavaScript (the form posts to the server, which encrypts in
// memory). With JavaScript, guard.js stops every submit until this module has its crypto
// worker ready; from then on this module handles the submit: it seals the report to the
// investigators' keys in worker.js (the WebAssembly build of kentongan-crypto), posts only
// the sealed case, and shows the receipt. Attached files are cleaned (photos), encrypted to
// the case key and uploaded by the worker before the report is posted, so a case is only
// stored with all of its files. Every failure fails closed: the reporter is told, and nothing
// is sent, never the plain form as a fallback.
//
// Nothing here writes to the console: report content must never reach a log.

const TEAM_URL = "/api/team";
const REPORTS_URL = "/api/reports";

function start(form, client) {
    const { CryptoWorker, Refused, Timeout, NetworkError } = client;
    const status = document.getElementById("report-status");
    const message = (name) => form.getAttribute(`data-msg-${name}`) || "";
    const say = (text) => {
        if (status) {
            status.textContent = text;
        }
    };
    const jsNote = document.getElementById("js-note");
    if (jsNote) {
        jsNote.hidden = false;
    }

    const sealer = new CryptoWorker(form.dataset.worker, form.dataset.glue, form.dataset.wasm);
    let busy = false;
    const identify = form.elements.namedItem("identify");
    for (const name of ["identify", "name", "contact"]) {
        const control = form.elements.namedItem(name);
        if (control && identify) {
            control.addEventListener("input", () => identify.setCustomValidity(""));
        }
    }
    const files = form.elements.namedItem("files");
    if (files) {
        files.addEventListener("change", () => client.describeFiles(files));
    }

    form.addEventListener("submit", (event) => {
        // Always first: whatever happens below, the browser must not post the plain form.
        event.preventDefault();
        if (busy) {
            return;
        }
        if (!sealer.ready) {
            say(message("not-ready"));
            return;
        }
        // `required` accepts a "what" of only spaces; the sealer would refuse it later with
        // no way to point at the field. Empty it so the browser's own message shows.
        const what = form.elements.namedItem("what");
        if (what && what.value.trim() === "") {
            what.value = "";
        }
        // A name or contact typed without the tick is unclear: ask, never drop it silently.
        const identify = form.elements.namedItem("identify");
        if (identify) {
            const typed = fieldValue(form, "name").trim() !== "" || fieldValue(form, "contact").trim() !== "";
            identify.setCustomValidity(typed && !identify.checked ? message("identity") : "");
        }
        if (!form.reportValidity()) {
            if (identify && identify.validationMessage !== "") {
                say(identify.validationMessage);
            }
            return;
        }
        busy = true;
        setWorking(form, true);
        send(form, sealer, client, message, say)
            .then((sent) => {
                // The worker's memory held the report: let it go with the worker.
                sealer.close();
                showReceipt(form, sent, client);
                say("");
            })
            .catch((error) => {
                if (error instanceof Refused) {
                    say(error.message);
                } else if (error instanceof Timeout) {
                    say(message("timeout"));
                } else if (error instanceof NetworkError) {
                    say(message("network") || message("failed"));
                } else {
                    say(message("failed"));
                }
            })
            .finally(() => {
                busy = false;
                setWorking(form, false);
            });
    });
}

// Seals and posts the report. Resolves to `{receipt, passphrase}` once the server has stored
// it; rejects with Refused when the server said why not, with something else on any other
// failure.
async function send(form, sealer, client, message, say) {
    const { request, errorOf, Refused } = client;
    const report = readReport(form);
    const csrf = fieldValue(form, "csrf");
    const chosen = form.elements.namedItem("files");
    const files = chosen && chosen.files ? [...chosen.files] : [];
    // One automatic retry when the team changed between fetching the keys and posting, or when
    // the random receipt code happened to be taken ("retry"): sealing again fixes both.
    for (let attempt = 0; attempt < 2; attempt += 1) {
        say(message("encrypting"));
        const { recipients: team, limits } = await fetchTeam(client, report.language);
        // Before any work: a reporter must not wait for an upload the server would refuse.
        const tooMuch = client.checkLimits(files, limits);
        if (tooMuch) {
            throw new Refused(tooMuch);
        }
        const { sealed: result } = await sealer.call({ seal: { report, team } });
        if (!isSealResult(result)) {
            throw new Error("unexpected result from the worker");
        }
        const attached = await client.attachAll(files, result.sealed.case_recipient, {
            worker: sealer, csrf, lang: report.language, chunk: limits.chunk, say,
            status: document.getElementById("report-status"),
        });
        say(message("sending"));
        // The language is for the server's error messages; the report carries its own.
        const url = `${REPORTS_URL}?lang=${encodeURIComponent(report.language)}`;
        const response = await request(url, {
            method: "POST",
            headers: {
                "Content-Type": "application/json",
                Accept: "application/json",
                "X-CSRF-Token": csrf,
            },
            body: JSON.stringify({ ...result.sealed, attachments: attached.map((a) => a.upload) }),
        });
        if (response.status === 201) {
            return { receipt: result.receipt, passphrase: result.passphrase, fingerprint: result.fingerprint, attached };
        }
        const error = await errorOf(response);
        const retryable = error.code === "team-changed" || error.code === "retry";
        if (response.status === 409 && retryable && attempt === 0) {
            continue;
        }
        throw error;
    }
    throw new Error("the team kept changing");
}

function readReport(form) {
    const identify = form.elements.namedItem("identify");
    const name = fieldValue(form, "name");
    const contact = fieldValue(form, "contact");
    const named = Boolean(identify && identify.checked) && (name.trim() !== "" || contact.trim() !== "");
    return {
        category: fieldValue(form, "category"),
        what: fieldValue(form, "what"),
        who: fieldValue(form, "who"),
        where: fieldValue(form, "where"),
        when: fieldValue(form, "when"),
        how: fieldValue(form, "how"),
        why: fieldValue(form, "why"),
        identification: named ? { name, contact } : null,
        language: fieldValue(form, "lang"),
        encrypted_in: "browser",
    };
}

// A control's value by name; a select, a text field or a radio group alike.
function fieldValue(form, name) {
    const control = form.elements.namedItem(name);
    return control && typeof control.value === "string" ? control.value : "";
}

// The investigators' public keys, as the array of `age1…` strings the sealer takes, and the
// server's limits for attachments.
async function fetchTeam(client, lang) {
    const { request, errorOf } = client;
    const response = await request(`${TEAM_URL}?lang=${encodeURIComponent(lang)}`, {
        headers: { Accept: "application/json" },
        cache: "no-store",
    });
    if (!response.ok) {
        throw await errorOf(response);
    }
    const team = await response.json();
    const recipients = team && team.recipients;
    if (
        !Array.isArray(recipients) ||
        recipients.length === 0 ||
        !recipients.every((r) => typeof r === "string" && r.startsWith("age1"))
    ) {
        throw new Error("team: unexpected answer");
    }
    return { recipients, limits: client.limitsOf(team) };
}

function isSealResult(result) {
    return (
        result !== null &&
        typeof result === "object" &&
        typeof result.receipt === "string" &&
        typeof result.passphrase === "string" &&
        typeof result.fingerprint === "string" &&
        result.sealed !== null &&
        typeof result.sealed === "object"
    );
}

function setWorking(form, working) {
    form.setAttribute("aria-busy", working ? "true" : "false");
    for (const control of form.elements) {
        if (control.type === "submit") {
            control.disabled = working;
        }
    }
}

function showReceipt(form, sent, client) {
    const section = document.getElementById("receipt");
    const code = document.getElementById("receipt-code");
    const passphrase = document.getElementById("passphrase");
    if (!section || !code || !passphrase) {
        throw new Error("the page has no receipt panel");
    }
    code.textContent = sent.receipt;
    passphrase.textContent = sent.passphrase;
    // Computed in the worker from the keys the report was sealed to, not told by the server.
    const fingerprint = document.getElementById("sealed-fingerprint");
    if (fingerprint) {
        fingerprint.textContent = sent.fingerprint;
    }
    const encryptedIn = document.getElementById("encrypted-in");
    const browserText = section.getAttribute("data-msg-browser");
    if (encryptedIn && browserText) {
        encryptedIn.textContent = browserText;
    }
    client.showFileNotes(section, sent.attached);
    form.hidden = true;
    const jsNote = document.getElementById("js-note");
    if (jsNote) {
        jsNote.hidden = true;
    }
    section.hidden = false;
    const heading = document.getElementById("receipt-h");
    const target = heading && heading.hasAttribute("tabindex") ? heading : section;
    if (!target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
    }
    target.focus();
    form.reset();
}

const reportForm = document.getElementById("report-form");
if (reportForm) {
    // If the shared module does not load, the worker never gets ready and guard.js keeps the
    // form shut: fail closed.
    import(reportForm.dataset.client).then((client) => start(reportForm, client));
}

