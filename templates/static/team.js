// The investigators' workspace with JavaScript (it has no other way): the investigator's key
// file is unlocked in the crypto worker and stays there; the server only ever learns that
// this browser holds the key, by the answer to a challenge encrypted to it.
//
// The page never navigates while the investigator works: the unlocked key would die with
// it. Views (the case list, a case) are HTML fragments the server renders (escaped by maud)
// and this page fetches and shows; decrypted content is filled in with textContent.
//
// Nothing here writes to the console: case content must never reach a log.

const CHALLENGE_URL = "/team/api/challenge";
const LOGIN_URL = "/team/api/login";
const LOGOUT_URL = "/team/api/logout";
const CASES_URL = "/team/view/cases";
// The second factor: the code that completes a login, and the investigator's own settings.
const CODE_URL = "/team/api/login/code";
const SECURITY_URL = "/team/view/security";
// A refusal of these is the answer itself, never a session to renew.
const NO_RENEW = [CHALLENGE_URL, LOGIN_URL, CODE_URL];
const CASE_URL = (id) => `/team/api/cases/${encodeURIComponent(id)}`;
// The server's session limits, kept by the page too: the key in the worker renews an ended
// session only while the investigator is at work, and never past a working day.
const IDLE_MS = 30 * 60 * 1000;
const LIFETIME_MS = 10 * 60 * 60 * 1000;

function start(form, client) {
    const { CryptoWorker, Refused, NetworkError, Timeout, request, errorOf, fill } = client;
    const loginSection = document.getElementById("team-login");
    const workspace = document.getElementById("team-workspace");
    const view = document.getElementById("team-view");
    const status = document.getElementById("team-status");
    const message = (name) => form.getAttribute(`data-msg-${name}`) || "";
    const say = (text) => {
        status.textContent = text;
    };
    const lang = form.dataset.lang || "id";
    const csrf = form.dataset.csrf || "";
    const newWorker = () => {
        const fresh = new CryptoWorker(form.dataset.worker, form.dataset.glue, form.dataset.wasm);
        // A worker replaced after an error took the unlocked key with it: log in again.
        fresh.onReplaced = () => {
            if (recipient !== null) {
                backToLogin(new Refused(message("session-ended")));
            }
        };
        return fresh;
    };
    let worker = newWorker();
    // The investigator's public key once unlocked: a session that ends is renewed with a
    // fresh challenge, answered by the key still in the worker, within the limits above.
    let recipient = null;
    let unlockedAt = 0;
    let lastActivity = Date.now();
    let busy = false;
    // The team requires a second factor this investigator does not have yet.
    let mustEnrol = false;
    loginSection.hidden = false;
    for (const type of ["keydown", "pointerdown", "submit"]) {
        document.addEventListener(type, () => {
            lastActivity = Date.now();
        }, true);
    }
    const mayRenew = () =>
        recipient !== null && Date.now() - lastActivity < IDLE_MS && Date.now() - unlockedAt < LIFETIME_MS;
    const viewStatus = document.getElementById("team-view-status");

    const explain = (error) => {
        if (error instanceof Refused) {
            say(error.message);
        } else if (error instanceof NetworkError || error instanceof Timeout) {
            say(message("network"));
        } else if (error && error.code && message(error.code) !== "") {
            say(message(error.code));
        } else {
            say(message("failed"));
        }
    };

    const withLang = (url) => `${url}${url.includes("?") ? "&" : "?"}lang=${encodeURIComponent(lang)}`;

    // A POST of JSON (`body` already a string when it is a file's text); a session that
    // ended meanwhile is renewed once with the key.
    const post = async (url, body, renewed = false) => {
        const response = await request(withLang(url), {
            method: "POST",
            headers: {
                "Content-Type": "application/json",
                Accept: "application/json",
                "X-CSRF-Token": csrf,
            },
            body: typeof body === "string" ? body : JSON.stringify(body),
        });
        if (response.status === 401 && !renewed && mayRenew() && !NO_RENEW.includes(url)) {
            await signIn();
            return post(url, body, true);
        }
        if (!response.ok) {
            throw await errorOf(response);
        }
        return response.json();
    };

    // The code from the authenticator app, asked for when a login needs one.
    const codeSection = document.getElementById("team-code");
    const codeInput = document.getElementById("t-code");
    const codeStatus = document.getElementById("team-code-status");
    let codeWaiter = null;
    document.getElementById("team-code-form").addEventListener("submit", (event) => {
        event.preventDefault();
        if (codeWaiter) {
            const give = codeWaiter;
            codeWaiter = null;
            give(codeInput.value);
            codeInput.value = "";
        }
    });
    const askCode = (said) =>
        new Promise((resolve) => {
            codeStatus.textContent = said;
            loginSection.hidden = true;
            codeSection.hidden = false;
            codeWaiter = resolve;
            codeInput.focus();
        });
    const hideCode = () => {
        codeWaiter = null;
        codeStatus.textContent = "";
        codeSection.hidden = true;
    };

    // Challenge and answer, and the code if the investigator has a second factor: a session
    // for the key in the worker.
    const signIn = async () => {
        const { id, challenge } = await post(CHALLENGE_URL, { recipient });
        const { answer } = await worker.call({ answer: { challenge } });
        let done = await post(LOGIN_URL, { id, answer });
        if (done.pending) {
            let said = "";
            for (;;) {
                const code = await askCode(said);
                try {
                    done = await post(CODE_URL, { pending: done.pending, code });
                    break;
                } catch (error) {
                    if (!(error instanceof Refused && error.code === "wrong-code")) {
                        hideCode();
                        throw error;
                    }
                    said = error.message;
                }
            }
            hideCode();
        }
        document.getElementById("team-me").textContent = done.name;
        mustEnrol = done.enrol === true;
    };

    // Fetches a view; a session that ended meanwhile is renewed once with the key.
    const fetchView = async (url, accept, renewed = false) => {
        const response = await request(withLang(url), { headers: { Accept: accept } });
        if (response.status === 401 && !renewed && mayRenew()) {
            await signIn();
            return fetchView(url, accept, true);
        }
        if (!response.ok) {
            throw await errorOf(response);
        }
        return accept === "application/json" ? response.json() : response.text();
    };

    // The server's HTML (Kentongan's own template output, escaped by maud) as nodes of this
    // page. What was written in the case is never in it: that is filled in afterwards.
    const nodesOf = (html) => {
        const parsed = new DOMParser().parseFromString(html, "text/html");
        return [...parsed.body.childNodes].map((node) => document.importNode(node, true));
    };

    const show = async (url) => {
        view.replaceChildren(...nodesOf(await fetchView(url, "text/html")));
        if (viewStatus) {
            viewStatus.textContent = "";
        }
    };

    // One case: fetched sealed, opened in the worker with the investigator's key.
    const showCase = async (id) => {
        const answer = await fetchView(CASE_URL(id), "application/json");
        if (!answer || typeof answer.html !== "string") {
            throw new Error("unexpected answer");
        }
        const nodes = nodesOf(answer.html);
        if (!answer.envelope) {
            view.replaceChildren(...nodes);
            return;
        }
        // The worker refuses ("changed") a case whose report does not open with the case key
        // in this investigator's envelope: a key swapped on the server. Then nothing is shown,
        // and no reply, note or grant can be sealed to it.
        const opened = await worker.call({ openTeam: { envelope: answer.envelope, items: answer.items } });
        // Content is sealed to the keys found in the envelope, never to keys the server
        // merely names; if they differ, something is wrong: show and send nothing.
        if (opened.caseRecipient !== answer.case_recipient || opened.notesRecipient !== answer.notes_recipient) {
            throw new Error("case key mismatch");
        }
        const holder = document.createElement("div");
        holder.replaceChildren(...nodes);
        fill(holder, opened.items, {
            unreadable: message("unreadable"),
            unverified: message("unverified"),
            fromUnknown: message("from-unknown"),
        });
        view.replaceChildren(...holder.childNodes);
        const section = document.getElementById("team-case");
        const keys = { envelope: answer.envelope };
        for (const actionForm of section.querySelectorAll("form[data-action]")) {
            actionForm.addEventListener("submit", (event) => act(event, actionForm, id, section, keys));
        }
        showAttachments(section, answer.items, keys.envelope);
        showGranteeFingerprint(section);
        const heading = document.getElementById("team-case-h");
        if (heading) {
            heading.focus();
        }
    };

    // The fingerprint of the colleague a grant would be sealed to, computed in the worker
    // from the very key the grant uses: the server names the key, the investigator checks it.
    const showGranteeFingerprint = (section) => {
        const select = section.querySelector("#team-grantee");
        const shown = section.querySelector("#team-grantee-fp");
        if (!select || !shown) {
            return;
        }
        const update = () => {
            shown.textContent = "";
            const option = select.selectedOptions[0];
            if (!option) {
                return;
            }
            worker
                .call({ fingerprint: { keys: [option.dataset.recipient] } })
                .then(({ fingerprint }) => {
                    if (select.selectedOptions[0] === option) {
                        shown.textContent = fingerprint;
                    }
                })
                .catch(showError);
        };
        select.addEventListener("change", update);
        update();
    };

    // Under each item, a button per attached file. The file is fetched sealed, decrypted in
    // the worker, and saved under its original (cleaned) name; it is never shown in the page.
    const showAttachments = (section, items, envelope) => {
        for (const item of items) {
            const files = Array.isArray(item.attachments) ? item.attachments : [];
            const anchor = section.querySelector(`[data-item="${CSS.escape(String(item.id))}"]`);
            if (files.length === 0 || !anchor) {
                continue;
            }
            const list = document.createElement("ul");
            list.className = "attachments";
            for (const [index, file] of files.entries()) {
                const entry = document.createElement("li");
                const button = document.createElement("button");
                button.type = "button";
                button.dataset.attachment = String(file.id);
                button.textContent = client.fileText("download", {
                    n: index + 1,
                    // The stored size (encrypted and padded): near enough to tell files apart.
                    size: file.size >= 1 << 20
                        ? `${Math.round(file.size / (1 << 20))} MB`
                        : `${Math.max(1, Math.round(file.size / 1024))} KB`,
                });
                const note = document.createElement("span");
                note.className = "status";
                note.setAttribute("role", "status");
                button.addEventListener("click", () => saveAttachment(file.id, envelope, button, note));
                entry.append(button, " ", note);
                list.append(entry);
            }
            anchor.after(list);
        }
    };

    const saveAttachment = (attachmentId, envelope, button, note) => {
        button.disabled = true;
        note.textContent = client.fileText("opening");
        const url = withLang(`/team/api/attachments/${encodeURIComponent(attachmentId)}`);
        worker
            .call({ download: { url, envelope } })
            .then(({ file, name }) => {
                const link = document.createElement("a");
                link.href = URL.createObjectURL(file);
                link.download = typeof name === "string" && name !== "" ? name : "lampiran";
                link.rel = "noopener";
                document.body.append(link);
                link.click();
                link.remove();
                // The browser has the blob by now; the URL is not needed after the click.
                setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
                note.textContent = link.download;
            })
            .catch((error) => {
                if (error instanceof Refused) {
                    note.textContent = error.message;
                } else if (error instanceof NetworkError || error instanceof Timeout) {
                    note.textContent = message("network");
                } else {
                    note.textContent = client.fileText("unreadable");
                }
            })
            .finally(() => {
                button.disabled = false;
            });
    };

    // A form of the case view: what is written is sealed in the worker, only ciphertext is
    // posted, and the case is shown again.
    const act = (event, actionForm, id, section, keys) => {
        event.preventDefault();
        const sayHere = (text) => {
            const line = actionForm.querySelector(".status");
            if (line) {
                line.textContent = text;
            }
        };
        const textarea = actionForm.querySelector("textarea");
        const text = textarea ? textarea.value : "";
        const action = actionForm.dataset.action;
        if (busy) {
            return;
        }
        let send;
        if (action === "reply") {
            if (text.trim() === "") {
                sayHere(message("empty"));
                return;
            }
            send = worker
                .call({ sealReply: { case: BigInt(id), envelope: keys.envelope, text } })
                .then(({ reply }) => post(`${CASE_URL(id)}/reply`, reply));
        } else if (action === "move") {
            const select = actionForm.querySelector("select");
            const option = select.selectedOptions[0];
            const body = { from: section.dataset.stage, to: select.value };
            if (text.trim() === "" && option && option.dataset.needsMessage === "true") {
                sayHere(message("needs-message"));
                return;
            }
            send = (text.trim() === ""
                ? Promise.resolve(body)
                : worker
                      .call({ sealReply: { case: BigInt(id), envelope: keys.envelope, text } })
                      .then(({ reply }) => ({ ...body, reply: JSON.parse(reply) }))
            ).then((full) => post(`${CASE_URL(id)}/move`, full));
        } else if (action === "note") {
            if (text.trim() === "") {
                sayHere(message("empty"));
                return;
            }
            send = worker
                .call({ sealNote: { case: BigInt(id), envelope: keys.envelope, text } })
                .then(({ note }) => post(`${CASE_URL(id)}/note`, note));
        } else if (action === "assign" || action === "classify") {
            const value = actionForm.querySelector("select").value;
            const body =
                action === "assign"
                    ? { investigator: value === "" ? null : Number(value) }
                    : { category: value === "" ? null : value };
            send = post(`${CASE_URL(id)}/${action}`, body);
        } else if (action === "grant") {
            const option = actionForm.querySelector("select").selectedOptions[0];
            if (!option) {
                return;
            }
            send = worker
                .call({
                    sealGrant: {
                        envelope: keys.envelope,
                        case: BigInt(id),
                        recipient: option.dataset.recipient,
                    },
                })
                .then(({ grant }) => post(`${CASE_URL(id)}/grant`, grant));
        } else {
            return;
        }
        busy = true;
        sayHere(message("sending"));
        // Once stored, the investigator is told so even if showing the case again fails: a
        // reply sealed and sent twice would reach the reporter twice.
        let saved = false;
        send.then(() => {
            saved = true;
            return showCase(id);
        })
            .then(() => {
                const again = document.querySelector(`#team-case form[data-action="${action}"] .status`);
                if (again) {
                    again.textContent = message("saved");
                }
            })
            .catch((error) => {
                if (saved) {
                    sayHere(message("saved"));
                    if (textarea) {
                        textarea.value = "";
                    }
                    showError(error);
                } else if (isSessionEnd(error)) {
                    backToLogin(error);
                } else if (error instanceof Refused) {
                    sayHere(error.message);
                } else if (error instanceof NetworkError || error instanceof Timeout) {
                    sayHere(message("network"));
                } else {
                    sayHere(message("failed"));
                }
            })
            .finally(() => {
                busy = false;
            });
    };

    // Back to the key login, the unlocked key dropped with its worker.
    const backToLogin = (error) => {
        recipient = null;
        worker.close();
        worker = newWorker();
        workspace.hidden = true;
        loginSection.hidden = false;
        view.replaceChildren();
        explain(error);
    };

    const isSessionEnd = (error) =>
        error instanceof Refused &&
        (error.code === "session" || error.code === "unknown-key" || error.code === "code-expired");

    // Any other failure of a view: said above the view, which stays as it was.
    const showError = (error) => {
        if (isSessionEnd(error)) {
            backToLogin(error);
        } else if (error instanceof Refused && error.code === "totp-required") {
            // The team now requires a second factor: nothing else until it is on.
            show(SECURITY_URL)
                .then(() => {
                    viewStatus.textContent = error.message;
                })
                .catch(() => {
                    viewStatus.textContent = error.message;
                });
        } else if (viewStatus) {
            viewStatus.textContent =
                error instanceof Refused
                    ? error.message
                    : error && error.code === "changed"
                      ? message("changed")
                      : message(error instanceof NetworkError || error instanceof Timeout ? "network" : "failed");
        }
    };

    // An unattended workspace ends: the key is dropped after the idle time or a working day.
    setInterval(() => {
        if (recipient !== null && !mayRenew()) {
            backToLogin(new Refused(message("session-ended")));
        }
    }, 60 * 1000);

    form.addEventListener("submit", (event) => {
        // Always first: nothing of the key or its passphrase is ever posted.
        event.preventDefault();
        if (busy) {
            return;
        }
        if (!worker.ready) {
            say(message("not-ready"));
            return;
        }
        const fileInput = document.getElementById("t-key");
        const passphrase = document.getElementById("t-passphrase");
        const file = fileInput.files && fileInput.files[0];
        if (!file) {
            say(message("no-file"));
            return;
        }
        busy = true;
        hideCode();
        say(message("unlocking"));
        file.arrayBuffer()
            .then((bytes) => worker.call({ unlock: { file: new Uint8Array(bytes), passphrase: passphrase.value } }))
            .then(async (unlocked) => {
                recipient = unlocked.recipient;
                unlockedAt = Date.now();
                passphrase.value = "";
                fileInput.value = "";
                say(message("checking"));
                await signIn();
                say(message("loading"));
                await show(mustEnrol ? SECURITY_URL : CASES_URL);
                say("");
                loginSection.hidden = true;
                workspace.hidden = false;
            })
            .catch((error) => {
                recipient = null;
                hideCode();
                loginSection.hidden = false;
                explain(error);
            })
            .finally(() => {
                busy = false;
            });
    });

    document.getElementById("team-logout").addEventListener("click", () => {
        post(LOGOUT_URL, {})
            .catch(() => {})
            .finally(() => {
                // The key goes with the worker; the page starts over.
                worker.close();
                window.location.reload();
            });
    });

    // The admin view's forms: add a colleague by their public key, disable one.
    view.addEventListener("submit", (event) => {
        const adminForm =
            event.target instanceof HTMLFormElement && event.target.closest("#team-admin") ? event.target : null;
        if (!adminForm || !adminForm.dataset.action) {
            return;
        }
        event.preventDefault();
        const status = adminForm.querySelector(".status");
        const sayHere = (text) => {
            if (status) {
                status.textContent = text;
            }
        };
        let send;
        if (adminForm.dataset.action === "add") {
            send = post("/team/api/investigators", {
                name: document.getElementById("team-add-name").value,
                recipient: document.getElementById("team-add-recipient").value,
                admin: document.getElementById("team-add-admin").checked,
            });
        } else if (["disable", "role", "totp-reset"].includes(adminForm.dataset.action)) {
            const member = `/team/api/investigators/${encodeURIComponent(adminForm.dataset.member)}`;
            const body = adminForm.dataset.action === "role" ? { admin: adminForm.dataset.admin === "true" } : {};
            send = post(`${member}/${adminForm.dataset.action}`, body);
        } else if (adminForm.dataset.action === "totp-required") {
            send = post("/team/api/settings/totp", {
                required: document.getElementById("team-totp-required-box").checked,
            });
        } else {
            return;
        }
        const action = adminForm.dataset.action;
        sayHere(message("sending"));
        send.then(() => show("/team/view/admin"))
            .then(() => {
                if (action === "add") {
                    const again = document.querySelector("#team-add-form .status");
                    if (again) {
                        again.textContent = message("saved");
                    }
                } else if (viewStatus) {
                    viewStatus.textContent = message("saved");
                }
            })
            .catch((error) => sayHere(error instanceof Refused ? error.message : message("failed")));
    });

    // The investigator's own second factor: show a new secret, confirm it with a code, or
    // turn it off with a code.
    view.addEventListener("submit", (event) => {
        const own =
            event.target instanceof HTMLFormElement && event.target.closest("#team-security") ? event.target : null;
        if (!own || !own.dataset.action) {
            return;
        }
        event.preventDefault();
        const status = own.querySelector(".status");
        const sayHere = (text) => {
            if (status) {
                status.textContent = text;
            }
        };
        const input = own.querySelector("input");
        const code = input ? input.value : "";
        let send;
        if (own.dataset.action === "totp-start") {
            send = post("/team/api/totp/start", {}).then((answer) => {
                view.replaceChildren(...nodesOf(answer.html));
                const field = document.getElementById("team-totp-code");
                if (field) {
                    field.focus();
                }
            });
        } else if (own.dataset.action === "totp-confirm") {
            send = post("/team/api/totp/confirm", { code }).then(async () => {
                mustEnrol = false;
                await show(SECURITY_URL);
                viewStatus.textContent = message("totp-on");
            });
        } else if (own.dataset.action === "totp-off") {
            send = post("/team/api/totp/off", { code }).then(async () => {
                await show(SECURITY_URL);
                viewStatus.textContent = message("totp-off");
            });
        } else {
            return;
        }
        sayHere(message("sending"));
        send.catch((error) => {
            if (isSessionEnd(error)) {
                backToLogin(error);
            } else {
                sayHere(error instanceof Refused ? error.message : message("failed"));
            }
        });
    });

    // The list's filter form: fetched in place, like a link.
    view.addEventListener("submit", (event) => {
        const filter = event.target instanceof HTMLFormElement && event.target.matches("form[data-view]") ? event.target : null;
        if (!filter) {
            return;
        }
        event.preventDefault();
        const query = new URLSearchParams(new FormData(filter));
        show(`${filter.getAttribute("action")}?${query}`).catch(showError);
    });

    view.addEventListener("click", (event) => {
        const target = event.target instanceof Element ? event.target : null;
        const caseLink = target ? target.closest("a[data-case]") : null;
        const viewLink = target ? target.closest("a[data-view]") : null;
        if (caseLink) {
            event.preventDefault();
            showCase(caseLink.dataset.case).catch(showError);
        } else if (viewLink) {
            event.preventDefault();
            show(viewLink.getAttribute("href")).catch(showError);
        }
    });
}

const form = document.getElementById("team-login-form");
if (form) {
    import(form.dataset.client).then((client) => start(form, client));
}
