// What report.js, followup.js and team.js share: the crypto worker, same-origin requests
// with timeouts and the server's error messages, and filling decrypted items into a page.
// Loaded by those modules with import(), from the versioned URL the page gives them (a plain
// relative import would be cached across releases).
//
// Nothing here writes to the console: report content must never reach a log.

// Argon2id at 64 MiB and the encryption take well under a second on a laptop and a few
// seconds on a slow phone; a minute means something is stuck.
const WORKER_TIMEOUT_MS = 60_000;
// Slow mobile data: a full report is a few hundred KB of ciphertext.
const NETWORK_TIMEOUT_MS = 120_000;

export class Timeout extends Error {}
export class NetworkError extends Error {}
// The server refused the request; its message (in the page's language) is shown as is.
export class Refused extends Error {}

// fetch, same origin only, with a timeout; a failure to connect is a NetworkError.
export async function request(url, init) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), NETWORK_TIMEOUT_MS);
    try {
        return await fetch(url, {
            ...init,
            credentials: "same-origin",
            mode: "same-origin",
            redirect: "error",
            referrerPolicy: "no-referrer",
            signal: abort.signal,
        });
    } catch (error) {
        throw abort.signal.aborted ? new Timeout("network") : new NetworkError(String(error));
    } finally {
        clearTimeout(timer);
    }
}

// The error for a response other than success: a Refused with the server's message when
// it sent `{"error": code, "message": localized text}`, a plain Error otherwise.
export async function errorOf(response) {
    let body = null;
    try {
        body = await response.json();
    } catch {
        // Not JSON (a proxy's error page): the generic message will do.
    }
    if (body && typeof body.message === "string" && body.message !== "") {
        const refused = new Refused(body.message);
        refused.code = typeof body.error === "string" ? body.error : "";
        return refused;
    }
    return new Error(`server answered ${response.status}`);
}

// The crypto worker: one request at a time, each with an id and a timeout. A worker that
// traps or times out is replaced: a stuck Argon2id run must not answer a later request, and
// a WebAssembly instance that trapped (out of memory on a small phone) is not to be reused.
export class CryptoWorker {
    constructor(workerUrl, glueUrl, wasmUrl) {
        this.urls = { worker: workerUrl, glue: glueUrl, wasm: wasmUrl };
        this.worker = null;
        this.ready = false;
        this.nextId = 1;
        this.pending = new Map();
        this.spawn();
    }

    spawn() {
        this.setReady(false);
        try {
            this.worker = new Worker(this.urls.worker, { type: "module" });
        } catch {
            // No module workers (an old browser): stay not ready; guard.js keeps the form shut.
            this.worker = null;
            return;
        }
        this.worker.addEventListener("message", (event) => this.receive(event.data));
        this.worker.addEventListener("error", (event) => {
            event.preventDefault();
            this.fail(new Error("worker error"));
        });
        this.worker.addEventListener("messageerror", () => this.fail(new Error("worker message")));
        this.worker.postMessage({ init: { glue: this.urls.glue, wasm: this.urls.wasm } });
    }

    setReady(ready) {
        this.ready = ready;
        window.kentonganReady = ready;
    }

    receive(data) {
        if (data === null || typeof data !== "object") {
            return;
        }
        if (data.ready === true) {
            this.setReady(true);
            return;
        }
        const request = this.pending.get(data.id);
        if (!request) {
            // An init failure (no id): stay not ready.
            return;
        }
        if ("progress" in data) {
            // A long job (a file being encrypted and sent) is alive: its time starts again.
            clearTimeout(request.timer);
            request.timer = setTimeout(() => this.fail(new Timeout("worker")), WORKER_TIMEOUT_MS);
            if (typeof request.onProgress === "function") {
                request.onProgress(data.progress);
            }
            return;
        }
        this.pending.delete(data.id);
        clearTimeout(request.timer);
        if ("error" in data) {
            request.reject(workerError(data));
            // A refusal (by the crypto or the server) or a lost connection leaves the worker
            // sound (`keep`); a trapped WebAssembly instance is not to be reused.
            if (data.keep !== true) {
                this.fail(new Error("worker: replaced after an error"));
            }
        } else {
            request.resolve(data);
        }
    }

    // Rejects everything in flight and ends the worker. One that was working is replaced by
    // a fresh one; one that never got ready (its script or the wasm did not load) is not
    // retried, and the form stays shut.
    fail(error) {
        const wasReady = this.ready;
        this.setReady(false);
        for (const request of this.pending.values()) {
            clearTimeout(request.timer);
            request.reject(error);
        }
        this.pending.clear();
        if (this.worker) {
            this.worker.terminate();
            this.worker = null;
        }
        if (wasReady) {
            this.spawn();
            // Whatever the old worker held (an unlocked key) is gone: tell the page.
            if (typeof this.onReplaced === "function") {
                this.onReplaced();
            }
        }
    }

    // Ends the worker for good (after a report was sent), and the secrets it held with it.
    close() {
        this.setReady(false);
        if (this.worker) {
            this.worker.terminate();
            this.worker = null;
        }
    }

    // `onProgress` gets the `progress` of each interim answer of a long job.
    call(message, onProgress) {
        if (!this.worker || !this.ready) {
            return Promise.reject(new Error("worker not ready"));
        }
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => this.fail(new Timeout("worker")), WORKER_TIMEOUT_MS);
            this.pending.set(id, { resolve, reject, timer, onProgress });
            this.worker.postMessage({ id, ...message });
        });
    }

}

// The error a worker's answer describes: the server's own message when it refused, a
// NetworkError when the connection failed, else the crypto's short code.
function workerError(data) {
    let error;
    if (typeof data.message === "string" && data.message !== "") {
        error = new Refused(data.message);
    } else if (data.error === "network") {
        error = new NetworkError("worker: network");
    } else {
        error = new Error("worker: operation failed");
    }
    error.code = String(data.error);
    return error;
}

// Puts each decrypted item where its placeholder is.
export function fill(section, items, texts) {
    const byId = new Map(items.map((item) => [String(item.id), item]));
    for (const element of section.querySelectorAll("[data-item]")) {
        const item = byId.get(element.dataset.item);
        if (!item || item.unreadable) {
            element.textContent = texts.unreadable;
            continue;
        }
        if (element.tagName === "DL") {
            fillReport(element, item.report, texts.unreadable, section);
        } else {
            element.textContent = typeof item.text === "string" ? item.text : texts.unreadable;
            if (item.unverified) {
                unverified(element, texts);
            }
        }
        element.classList.remove("sealed");
    }
}

// A message said to be the team's whose team signature did not verify (the worker checked):
// set apart under a warning, and its box no longer says it is from the team.
function unverified(element, texts) {
    element.classList.add("unverified");
    const warning = document.createElement("p");
    warning.className = "warning";
    warning.textContent = texts.unverified;
    element.before(warning);
    const box = element.closest(".said");
    if (!box) {
        return;
    }
    box.classList.remove("team");
    box.classList.add("unverified");
    const who = box.querySelector(".who");
    if (who) {
        const from = document.createElement("strong");
        from.textContent = texts.fromUnknown;
        const named = who.querySelector("strong");
        if (named) {
            named.replaceWith(from);
        } else if (who.querySelector(".day")) {
            who.prepend(from, " · ");
        } else {
            who.replaceChildren(from);
        }
    }
}

// The category's label comes from the page's #category-names list: looked up in `place`
// first, which may not be in the document yet (the workspace fills a case before showing it).
function fillReport(list, report, unreadable, place) {
    const opening = list.querySelector(":scope > p");
    if (!report || typeof report !== "object") {
        list.textContent = unreadable;
        return;
    }
    const names = place.querySelectorAll("#category-names li");
    const categories = new Map(
        [...(names.length > 0 ? names : document.querySelectorAll("#category-names li"))].map((li) => [
            li.dataset.slug,
            li.textContent,
        ])
    );
    for (const row of list.querySelectorAll("[data-field]")) {
        const field = row.dataset.field;
        const value = row.querySelector("dd");
        let text = "";
        if (field === "category") {
            text = categories.get(report.category) || "";
        } else if (field === "identification") {
            const id = report.identification;
            text = id ? [id.name, id.contact].filter((s) => s).join("\n") : list.dataset.anonymous;
        } else if (typeof report[field] === "string") {
            text = report[field];
        }
        value.textContent = text;
        row.hidden = text.trim() === "";
    }
    if (opening) {
        opening.remove();
    }
}

// --- Attachments (report.js, followup.js, team.js) ------------------------------------------
//
// Their words are in the page's hidden #file-texts element (server-rendered, in the page's
// language); the limits and the words for breaking them come from /api/team.

// A text from #file-texts, with `{name}`-style placeholders filled in. Shown with
// textContent only, never as HTML.
export function fileText(name, values = {}) {
    const texts = document.getElementById("file-texts");
    const template = (texts && texts.getAttribute(`data-msg-${name}`)) || "";
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

// The plain words for the kinds of metadata removed from a photo (slugs).
function removedLabels(slugs) {
    const labels = new Map(
        [...document.querySelectorAll("#file-texts li[data-slug]")].map((li) => [li.dataset.slug, li.textContent])
    );
    return slugs.map((slug) => labels.get(slug)).filter((label) => label);
}

// The server's limits for attachments: `{max_files, max_file_bytes, chunk, too_many,
// too_large}` (the last two are the reporter's messages).
export async function fetchLimits(lang) {
    const response = await request(`/api/team?lang=${encodeURIComponent(lang)}`, {
        headers: { Accept: "application/json" },
        cache: "no-store",
    });
    if (!response.ok) {
        throw await errorOf(response);
    }
    return limitsOf(await response.json());
}

// The limits in an /api/team answer, checked.
export function limitsOf(team) {
    const limits = team && team.limits;
    if (!limits || !["max_files", "max_file_bytes", "chunk"].every((k) => Number.isSafeInteger(limits[k]) && limits[k] > 0)) {
        throw new Error("unexpected limits");
    }
    return limits;
}

// The reporter's message if the files break the server's limits, else null: checked before
// anything is encrypted or sent.
export function checkLimits(files, limits) {
    if (files.length > limits.max_files) {
        return limits.too_many;
    }
    const big = files.find((file) => file.size > limits.max_file_bytes);
    return big ? `${big.name}: ${limits.too_large}` : null;
}

// Encrypts and uploads each file in turn, with a progress bar after `status`. Resolves to
// what each one became: `{name, upload, removed, cleaned}`.
export async function attachAll(files, caseRecipient, { worker, csrf, lang, chunk, say, status }) {
    const attached = [];
    const bar = document.createElement("progress");
    bar.id = "file-progress";
    if (status) {
        status.after(bar);
    }
    try {
        for (const [index, file] of files.entries()) {
            say(fileText("sending", { name: file.name, n: index + 1, total: files.length }));
            bar.value = 0;
            bar.max = Math.max(file.size, 1);
            const onProgress = ({ done, total }) => {
                bar.max = Math.max(total, 1);
                bar.value = done;
            };
            let done;
            try {
                done = await worker.call({ attach: { file, caseRecipient, csrf, lang, chunk } }, onProgress);
            } catch (error) {
                if (error.code === "malformed") {
                    throw new Refused(`${file.name}: ${fileText("damaged-photo")}`);
                }
                if (error.code === "refused-heif" || error.code === "refused-tiff") {
                    throw new Refused(`${file.name}: ${fileText(error.code)}`);
                }
                throw error;
            }
            attached.push({ name: file.name, upload: done.upload, removed: done.removed, cleaned: done.cleaned });
        }
    } finally {
        bar.remove();
    }
    return attached;
}

// How much of a file tells whether it is a photo, and which: `metadata::SNIFF_LEN`.
const SNIFF_LEN = 256;

// JPEG, PNG, WebP and GIF by their first bytes: the worker's test (worker.js), so what the
// page promises is what will happen, whatever the file's name or type says.
function isPhoto(head) {
    const starts = (...bytes) => bytes.every((b, i) => head[i] === b);
    return (
        starts(0xff, 0xd8, 0xff) ||
        starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) ||
        (starts(0x52, 0x49, 0x46, 0x46) && head[8] === 0x57 && head[9] === 0x45 && head[10] === 0x42 && head[11] === 0x50) ||
        starts(0x47, 0x49, 0x46, 0x38, 0x37, 0x61) ||
        starts(0x47, 0x49, 0x46, 0x38, 0x39, 0x61)
    );
}

// The worker's refusal (worker.js), so the page says at once what will be refused.
// HEIF (HEIC from phones, AVIF) and TIFF (camera RAW files too) by their first bytes, as the
// crypto's metadata module refuses them (`metadata::refused`): "refused-heif",
// "refused-tiff", or null. Their metadata cannot be removed, so they are not sent at all.
function refusedFormat(head) {
    const starts = (...bytes) => bytes.every((b, i) => head[i] === b);
    if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a) || starts(0x49, 0x49, 0x2b, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2b)) {
        return "refused-tiff";
    }
    const fourcc = (at) => String.fromCharCode(...head.subarray(at, at + 4));
    if (head.length < 12 || fourcc(4) !== "ftyp") {
        return null;
    }
    // The box's size: 0 runs to the end, 1 puts a 64-bit size after the type.
    const size = ((head[0] << 24) >>> 0) + (head[1] << 16) + (head[2] << 8) + head[3];
    const start = size === 1 ? 16 : 8;
    const end = size === 0 || size === 1 ? head.length : Math.min(size, head.length);
    // The major brand, then (after the minor version) the compatible ones.
    const brands = [start];
    for (let at = start + 8; at + 4 <= end; at += 4) {
        brands.push(at);
    }
    const heif = ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"];
    return brands.some((at) => at + 4 <= end && heif.includes(fourcc(at))) ? "refused-heif" : null;
}

// Under the file input: each chosen file, and what will happen to it.
export async function describeFiles(input) {
    let list = document.getElementById("file-notes");
    if (!list) {
        list = document.createElement("ul");
        list.id = "file-notes";
        list.setAttribute("aria-live", "polite");
        input.after(list);
    }
    const items = [];
    for (const file of input.files) {
        const head = new Uint8Array(await file.slice(0, SNIFF_LEN).arrayBuffer());
        const item = document.createElement("li");
        const note = refusedFormat(head) || (isPhoto(head) ? "will-be-cleaned" : "may-identify");
        item.textContent = `${file.name}: ${fileText(note)}`;
        items.push(item);
    }
    list.replaceChildren(...items);
}

// After sending: for each file, what was removed from it, or that it could not be cleaned
// and may identify its author.
export function showFileNotes(place, attached) {
    const old = document.getElementById("sent-files");
    if (old) {
        old.remove();
    }
    if (attached.length === 0) {
        return;
    }
    const list = document.createElement("ul");
    list.id = "sent-files";
    list.setAttribute("aria-label", fileText("heading"));
    for (const file of attached) {
        const item = document.createElement("li");
        let note;
        if (!file.cleaned) {
            note = fileText("may-identify");
        } else if (file.removed.length === 0) {
            note = fileText("nothing-removed");
        } else {
            note = `${fileText("removed")} ${removedLabels(file.removed).join(", ")}.`;
        }
        item.textContent = `${file.name}: ${note}`;
        list.append(item);
    }
    place.append(list);
}
