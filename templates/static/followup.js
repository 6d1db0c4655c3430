// The follow-up page with JavaScript: the reporter's key is derived and the case decrypted
// in the browser; the server sees the receipt code and the auth token, never the passphrase
// and never a plaintext message.
//
// Login: the worker derives the key (Argon2id) and keeps the reporter's secret key; the page
// posts {receipt, token} to /api/followup/case and gets the case's layout (server-rendered,
// with placeholders), the reporter's envelope and the encrypted items. The worker opens them
// and the page fills the placeholders with textContent, never as HTML. A message is
// encrypted to the case key in the worker and posted as ciphertext. Every failure fails
// closed: nothing is sent in the clear, and the reporter is told.
//
// Nothing here writes to the console: report content must never reach a log.

const CASE_URL = "/api/followup/case";
const MESSAGES_URL = "/api/followup/messages";

function start(form, client) {
    const { CryptoWorker, Refused, NetworkError, Timeout, request, errorOf, fill } = client;
    const status = document.getElementById("followup-status");
    const message = (name) => form.getAttribute(`data-msg-${name}`) || "";
    const sayIn = (element) => (text) => {
        if (element) {
            element.textContent = text;
        }
    };
    const say = sayIn(status);
    const jsNote = document.getElementById("js-note");
    if (jsNote) {
        jsNote.hidden = false;
    }
    const lang = fieldValue(form, "lang") || "id";
    const csrf = fieldValue(form, "csrf");
    const worker = new CryptoWorker(form.dataset.worker, form.dataset.glue, form.dataset.wasm);
    // Set once logged in: what each later request needs.
    let login = null;
    let busy = false;

    const explain = (error, sayTo) => {
        if (error instanceof Refused) {
            sayTo(error.message);
        } else if (error instanceof NetworkError || error instanceof Timeout) {
            sayTo(message("network"));
        } else if (error && error.code === "receipt") {
            sayTo(message("receipt"));
        } else if (error && error.code === "changed") {
            sayTo(message("changed"));
        } else {
            sayTo(message("failed"));
        }
    };

    const post = async (url, body) => {
        const response = await request(`${url}?lang=${encodeURIComponent(lang)}`, {
            method: "POST",
            headers: {
                "Content-Type": "application/json",
                Accept: "application/json",
                "X-CSRF-Token": csrf,
            },
            body: JSON.stringify(body),
        });
        if (!response.ok) {
            throw await errorOf(response);
        }
        return response.json();
    };

    // Fetches the case and shows it, decrypted. `notice` is shown in the message status.
    const showCase = async (notice) => {
        const answer = await post(CASE_URL, login.credentials);
        if (!answer || typeof answer.html !== "string" || !Array.isArray(answer.items)) {
            throw new Error("unexpected answer");
        }
        // The worker checks the case against the reporter's commitment before opening any
        // item: a case key swapped on the server fails here, and nothing is shown or sent.
        const opened = await worker.call({
            open: {
                envelope: answer.envelope,
                committed: answer.committed === true,
                commitment: answer.commitment || null,
                items: answer.items,
            },
        });
        // Messages are sealed to the case key found in the envelope, never to a key the
        // server merely names; if the two differ, something is wrong: send nothing.
        if (typeof opened.caseRecipient !== "string" || opened.caseRecipient !== answer.case_recipient) {
            throw new Error("case key mismatch");
        }
        const section = parseSection(answer.html);
        fill(section, opened.items, {
            unreadable: message("unreadable"),
            unverified: message("unverified"),
            fromUnknown: message("from-unknown"),
        });
        const old = document.getElementById("case");
        if (old) {
            old.replaceWith(section);
        } else {
            document.getElementById("followup-login").after(section);
        }
        document.getElementById("followup-login").hidden = true;
        login.caseRecipient = opened.caseRecipient;
        const messageForm = document.getElementById("message-form");
        messageForm.addEventListener("submit", (event) => sendMessage(event, messageForm));
        const files = messageForm.elements.namedItem("files");
        if (files) {
            files.addEventListener("change", () => client.describeFiles(files));
        }
        // A message written before a session ended came back in the login form: it goes
        // into the message box, for the reporter to send.
        const draft = form.elements.namedItem("message");
        const box = messageForm.elements.namedItem("message");
        if (draft && box && draft.value.trim() !== "") {
            box.value = draft.value;
            draft.value = "";
        }
        sayIn(document.getElementById("message-status"))(notice || "");
        const heading = document.getElementById("case-h");
        if (heading && !notice) {
            heading.focus();
        }
    };

    const sendMessage = (event, messageForm) => {
        event.preventDefault();
        const sayHere = sayIn(document.getElementById("message-status"));
        const textarea = messageForm.elements.namedItem("message");
        if (busy || !textarea) {
            return;
        }
        if (textarea.value.trim() === "") {
            textarea.value = "";
        }
        if (!messageForm.reportValidity()) {
            return;
        }
        busy = true;
        setWorking(messageForm, true);
        sayHere(message("encrypting"));
        const chosen = messageForm.elements.namedItem("files");
        const files = chosen && chosen.files ? [...chosen.files] : [];
        // Files first, each encrypted to the case key and uploaded; the message that names
        // them is posted last, so it is stored with all of them or not at all.
        const attachFiles = async () => {
            if (files.length === 0) {
                return [];
            }
            const limits = await client.fetchLimits(lang);
            const tooMuch = client.checkLimits(files, limits);
            if (tooMuch) {
                throw new Refused(tooMuch);
            }
            return client.attachAll(files, login.caseRecipient, {
                worker, csrf, lang, chunk: limits.chunk, say: sayHere,
                status: document.getElementById("message-status"),
            });
        };
        let attached = [];
        attachFiles()
            .then((done) => {
                attached = done;
                return worker.call({ sealMessage: { recipient: login.caseRecipient, text: textarea.value } });
            })
            .then(({ ciphertext }) =>
                post(MESSAGES_URL, { ...login.credentials, ciphertext, attachments: attached.map((a) => a.upload) })
            )
            .then((answer) => {
                // Stored: whatever happens while refreshing, the reporter is told it was sent
                // and the box is emptied, so nothing is sent twice.
                // Said once the case is shown again, so "sent" appears beside the message.
                const sent = (answer && answer.message) || "";
                textarea.value = "";
                const notes = () => {
                    const status = document.getElementById("message-status");
                    if (status) {
                        client.showFileNotes(status.parentElement, attached);
                    }
                };
                return showCase(sent).then(notes, () => {
                    const status = document.getElementById("message-status");
                    if (status) {
                        status.textContent = sent;
                    }
                    notes();
                });
            })
            .catch((error) => explain(error, sayHere))
            .finally(() => {
                busy = false;
                setWorking(messageForm, false);
            });
    };

    form.addEventListener("submit", (event) => {
        // Always first: the passphrase must never be posted.
        event.preventDefault();
        if (busy) {
            return;
        }
        if (!worker.ready) {
            say(message("not-ready"));
            return;
        }
        if (!form.reportValidity()) {
            return;
        }
        busy = true;
        setWorking(form, true);
        say(message("deriving"));
        const passphrase = form.elements.namedItem("passphrase");
        worker
            .call({ login: { receipt: fieldValue(form, "receipt"), passphrase: passphrase.value } })
            .then(({ receipt, token }) => {
                login = { credentials: { receipt, token }, caseRecipient: null };
                say(message("opening"));
                return showCase(null);
            })
            .then(() => {
                passphrase.value = "";
                say("");
            })
            .catch((error) => {
                login = null;
                explain(error, say);
            })
            .finally(() => {
                busy = false;
                setWorking(form, false);
            });
    });
}

// The server's HTML for the case section, as nodes of this document. It is Kentongan's own
// template output (escaped by maud), not reporter content: that is filled in afterwards.
function parseSection(html) {
    const parsed = new DOMParser().parseFromString(html, "text/html");
    const section = parsed.getElementById("case");
    if (!section) {
        throw new Error("no case section");
    }
    return document.importNode(section, true);
}

function fieldValue(form, name) {
    const control = form.elements.namedItem(name);
    return control && typeof control.value === "string" ? control.value : "";
}

function setWorking(form, working) {
    form.setAttribute("aria-busy", working ? "true" : "false");
    for (const control of form.elements) {
        if (control.type === "submit") {
            control.disabled = working;
        }
    }
}

const followupForm = document.getElementById("followup-form");
if (followupForm) {
    // If the shared module does not load, the worker never gets ready and guard.js keeps the
    // form shut: fail closed.
    import(followupForm.dataset.client).then((client) => start(followupForm, client));
}
