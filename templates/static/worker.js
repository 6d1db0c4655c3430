// The crypto worker: runs the WebAssembly build of kentongan-crypto off the page's thread, so
// Argon2id (64 MiB) and encryption never freeze the form.
//
// Messages in, answers out (`id` is echoed when the request carries one):
//   {init: {glue, wasm}}                 -> {ready: true} | {error}
//   {id, seal: {report, team}}           -> {id, sealed: {receipt, passphrase, fingerprint, sealed}}
//   {id, derive: {receipt, passphrase}}  -> {id, token, ms} | {id, error}
//   {id, login: {receipt, passphrase}}   -> {id, receipt, token} | {id, error}
//   {id, open: {envelope, committed, commitment, items}} -> {id, caseRecipient, items} | {id, error}
//                                           (error "changed": the case fails its commitment)
//   {id, fingerprint: {keys}}            -> {id, fingerprint} (12 words)
//   {id, sealMessage: {recipient, text}} -> {id, ciphertext} | {id, error}
//   {id, unlock: {file, passphrase}}     -> {id, recipient} | {id, error}    (team module)
//   {id, answer: {challenge}}            -> {id, answer} | {id, error}       (team module)
//   {id, openTeam: {envelope, items}}    -> {id, caseRecipient, notesRecipient, items}
//   {id, sealReply: {case, recipient, text}} -> {id, reply} (a reply file's JSON text)
//   {id, sealNote: {case, recipient, text}}  -> {id, note}  (a note file's JSON text)
//   {id, sealGrant: {envelope, case, recipient}} -> {id, grant} (a grant file's JSON text)
//   {id, attach: {file, caseRecipient, csrf, lang, chunk}}
//        -> {id, progress: {done, total}}… then {id, upload, removed, cleaned} (see `attach`)
//   {id, download: {url, envelope}}      -> {id, file: Blob, name} (team module)
// `report` is the report object, `team` the array of investigators' `age1…` keys. Errors
// carry the crypto's short code ("invalid", "receipt", "envelope", …), never content.
//
// `login` keeps the reporter's identity (their secret key) and commitment key here, in the
// worker, for `open`, which checks the case against the reporter's commitment first;
// it never goes back to the page, and ends with the worker. `unlock` does the same with an
// investigator's key file (its bytes, a Uint8Array) and keeps their identity for `answer`.

let loading = null;
// {identity, commitmentKey}: what opens and checks the reporter's case.
let reporter = null;
let investigatorIdentity = null;

self.addEventListener("message", async (event) => {
    const message = event.data;
    if (message === null || typeof message !== "object") {
        return;
    }
    const id = message.id;
    try {
        if (message.init) {
            loading = load(message.init.glue, message.init.wasm);
            await loading;
            self.postMessage({ ready: true });
            return;
        }
        if (!loading) {
            throw new Error("not initialised");
        }
        const kentongan = await loading;
        if (message.seal) {
            const { report, team } = message.seal;
            const sealed = JSON.parse(kentongan.sealReport(JSON.stringify(report), JSON.stringify(team)));
            self.postMessage({ id, sealed });
        } else if (message.derive) {
            const { receipt, passphrase } = message.derive;
            const start = performance.now();
            const token = kentongan.deriveAuthToken(receipt, passphrase);
            self.postMessage({ id, token, ms: performance.now() - start });
        } else if (message.login) {
            const { receipt, passphrase } = message.login;
            reporter = null;
            const derived = JSON.parse(kentongan.deriveReporter(receipt, passphrase));
            reporter = { identity: derived.identity, commitmentKey: derived.commitment_key };
            self.postMessage({ id, receipt: derived.receipt, token: derived.token });
        } else if (message.open) {
            if (reporter === null) {
                throw new Error("not logged in");
            }
            // Throws "changed" when the case key is not the one the report was sealed with.
            const opened = JSON.parse(
                kentongan.openCase(reporter.identity, reporter.commitmentKey, JSON.stringify(message.open))
            );
            self.postMessage({ id, caseRecipient: opened.case_recipient, items: opened.items });
        } else if (message.fingerprint) {
            self.postMessage({ id, fingerprint: kentongan.fingerprint(JSON.stringify(message.fingerprint.keys)) });
        } else if (message.sealMessage) {
            const { recipient, text } = message.sealMessage;
            self.postMessage({ id, ciphertext: kentongan.sealMessage(recipient, text) });
        } else if (message.unlock) {
            const { file, passphrase } = message.unlock;
            investigatorIdentity = null;
            const unlocked = JSON.parse(kentongan.unlockKeyFile(file, passphrase));
            investigatorIdentity = unlocked.identity;
            self.postMessage({ id, recipient: unlocked.recipient });
        } else if (message.answer) {
            if (investigatorIdentity === null) {
                throw new Error("not logged in");
            }
            self.postMessage({ id, answer: kentongan.answerChallenge(investigatorIdentity, message.answer.challenge) });
        } else if (message.openTeam) {
            if (investigatorIdentity === null) {
                throw new Error("not logged in");
            }
            const opened = JSON.parse(kentongan.openTeamCase(investigatorIdentity, JSON.stringify(message.openTeam)));
            self.postMessage({
                id,
                caseRecipient: opened.case_recipient,
                notesRecipient: opened.notes_recipient,
                items: opened.items,
            });
        } else if (message.sealReply || message.sealNote) {
            // Signed for the team with the keys in this investigator's envelope.
            if (investigatorIdentity === null) {
                throw new Error("not logged in");
            }
            const { case: caseId, envelope, text } = message.sealReply || message.sealNote;
            if (message.sealReply) {
                self.postMessage({ id, reply: kentongan.sealReply(investigatorIdentity, envelope, caseId, text) });
            } else {
                self.postMessage({ id, note: kentongan.sealNote(investigatorIdentity, envelope, caseId, text) });
            }
        } else if (message.sealGrant) {
            if (investigatorIdentity === null) {
                throw new Error("not logged in");
            }
            const { envelope, case: caseId, recipient } = message.sealGrant;
            self.postMessage({ id, grant: kentongan.sealGrant(investigatorIdentity, envelope, caseId, recipient) });
        } else if (message.attach) {
            // Progress after each piece, and every few seconds meanwhile: on slow mobile data
            // one piece can take longer than the page waits for a silent worker.
            let last = { done: 0, total: message.attach.file.size };
            const progress = (done, total) => {
                last = { done, total };
                self.postMessage({ id, progress: last });
            };
            const heartbeat = setInterval(() => self.postMessage({ id, progress: last }), HEARTBEAT_MS);
            try {
                self.postMessage({ id, ...(await attach(kentongan, message.attach, progress)) });
            } finally {
                clearInterval(heartbeat);
            }
        } else if (message.download) {
            if (investigatorIdentity === null) {
                throw new Error("not logged in");
            }
            self.postMessage({ id, ...(await download(kentongan, message.download)) });
        } else {
            throw new Error("unknown request");
        }
    } catch (error) {
        if (error instanceof Transfer) {
            // The worker stays sound: the page may try again.
            self.postMessage({ id, error: error.code, message: error.serverMessage, keep: true });
        } else {
            // JsError's message is the crypto's short code. A refusal leaves the module sound;
            // a trap (a panic, or out of memory) does not, and the page replaces the worker.
            const trapped = error instanceof WebAssembly.RuntimeError;
            self.postMessage({ id, error: error instanceof Error ? error.message : String(error), keep: !trapped });
        }
    }
});

// --- Attachments ------------------------------------------------------------------------------
//
// A file is read from disk in slices (FileReaderSync: workers may read synchronously), cleaned
// if it is a photo, encrypted as one age stream to the case key, and sent in pieces of exactly
// `chunk` bytes, each PUT at its offset. Only one piece of ciphertext is held at a time. A piece
// whose answer was lost is sent again after asking the server what arrived, so nothing that
// arrived is sent twice; after a few failed tries the upload stops, and the report that would
// have used it is never posted, so no case is stored that looks complete and is not.

const UPLOADS_URL = "/api/attachments";
const HEARTBEAT_MS = 10_000;
// One piece of 1 MiB at 30 kbit/s; a connection silent for longer is given up and retried.
const PIECE_TIMEOUT_MS = 5 * 60_000;
// Slices read from the file: small enough to keep memory flat on a phone.
const READ_SLICE = 256 * 1024;
const RETRIES = 4;

// An upload or download failed in the network or was refused by the server.
class Transfer extends Error {
    constructor(code, serverMessage) {
        super(code);
        this.code = code;
        this.serverMessage = serverMessage || "";
    }
}

// How much of a file tells whether it is a photo, and which: `metadata::SNIFF_LEN`.
const SNIFF_LEN = 256;

// JPEG, PNG, WebP and GIF by their first bytes, as the crypto's metadata module recognises them.
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

// Resolves to `{upload, removed, cleaned}`: the server's token for the stored ciphertext, the
// metadata removed from a photo (slugs), and whether the file was a photo we could clean
// (false: the page warns that it may identify its author).
async function attach(kentongan, { file, caseRecipient, csrf, lang, chunk }, progress) {
    const reader = new FileReaderSync();
    const read = (blob, from, to) => new Uint8Array(reader.readAsArrayBuffer(blob.slice(from, to)));
    let body = file;
    let removed = [];
    let cleaned = false;
    const head = read(file, 0, SNIFF_LEN);
    const refused = refusedFormat(head);
    if (refused) {
        // Before anything is sent: the page tells the reporter why, and what to send instead.
        throw new Error(refused);
    }
    if (isPhoto(head)) {
        // A damaged photo throws "malformed": it is not sent as it is, its metadata intact.
        const result = kentongan.cleanImage(read(file, 0, file.size));
        const image = typeof result === "string" ? JSON.parse(result) : result;
        body = new Blob([image.bytes]);
        removed = Array.isArray(image.removed) ? image.removed : [];
        cleaned = true;
    }
    const headers = { Accept: "application/json", "X-CSRF-Token": csrf };
    const url = (path, query = "") => `${UPLOADS_URL}${path}?lang=${encodeURIComponent(lang)}${query}`;
    const created = await send(url(""), { method: "POST", headers });
    const upload = created && created.upload;
    if (typeof upload !== "string" || upload === "") {
        throw new Transfer("refused");
    }
    // This upload's URL, with `path` after the token and `query` after the language.
    const at = (path, query) => url(`/${encodeURIComponent(upload)}${path}`, query);

    let offset = 0;
    let pieces = [];
    let held = 0;
    // Sends every whole piece held, and with `last` the rest too.
    const flush = async (last) => {
        while (held >= chunk || (last && held > 0)) {
            const piece = take(chunk);
            offset = await put(at, headers, offset, piece);
            progress(Math.min(offset, body.size), body.size);
        }
    };
    const take = (length) => {
        const all = concat(pieces, held);
        const piece = all.subarray(0, Math.min(length, all.length));
        const rest = all.subarray(piece.length);
        pieces = rest.length > 0 ? [rest] : [];
        held = rest.length;
        return piece;
    };
    const keep = (bytes) => {
        if (bytes.length > 0) {
            pieces.push(bytes);
            held += bytes.length;
        }
    };

    // The header records what was removed, for the investigator.
    const sealer = new kentongan.AttachmentSealer(caseRecipient, file.name, file.type || "", body.size, removed);
    try {
        for (let from = 0; from < body.size; from += READ_SLICE) {
            keep(sealer.push(read(body, from, from + READ_SLICE)));
            await flush(false);
        }
    } catch (error) {
        sealer.free();
        throw error;
    }
    // `finish` consumes the sealer.
    keep(sealer.finish());
    await flush(true);
    await send(at("/complete"), { method: "POST", headers });
    progress(body.size, body.size);
    return { upload, removed, cleaned };
}

function concat(pieces, length) {
    if (pieces.length === 1) {
        return pieces[0];
    }
    const all = new Uint8Array(length);
    let at = 0;
    for (const piece of pieces) {
        all.set(piece, at);
        at += piece.length;
    }
    return all;
}

// PUTs one piece at `offset`; resolves to the offset after it. A lost answer is followed by
// asking what arrived: the piece is skipped if it did, sent again if it did not.
async function put(at, headers, offset, piece) {
    for (let attempt = 0; ; attempt += 1) {
        let response;
        try {
            response = await fetchSameOrigin(at("", `&offset=${offset}`), {
                method: "PUT",
                headers: { ...headers, "Content-Type": "application/octet-stream" },
                body: piece,
            });
        } catch {
            response = null;
        }
        if (response && response.ok) {
            return offset + piece.length;
        }
        if (response && response.status !== 409 && response.status < 500) {
            throw await refusal(response);
        }
        // 409 (the server has something else than `offset`), a 5xx or no answer at all.
        if (attempt >= RETRIES) {
            throw response ? await refusal(response) : new Transfer("network");
        }
        await sleep(1000 * 2 ** attempt);
        const received = await arrived(at, headers);
        if (received === offset + piece.length) {
            return received;
        }
        if (received !== offset) {
            throw new Transfer("upload");
        }
    }
}

async function arrived(at, headers) {
    try {
        const response = await fetchSameOrigin(at(""), { headers });
        const state = response.ok ? await response.json() : null;
        return state && Number.isSafeInteger(state.received) ? state.received : -1;
    } catch {
        return -1;
    }
}

async function send(url, init) {
    let response;
    try {
        response = await fetchSameOrigin(url, init);
    } catch {
        throw new Transfer("network");
    }
    if (!response.ok) {
        throw await refusal(response);
    }
    return response.json();
}

async function refusal(response) {
    try {
        const body = await response.json();
        if (body && typeof body.message === "string") {
            return new Transfer(typeof body.error === "string" ? body.error : "refused", body.message);
        }
    } catch {
        // Not JSON: a proxy's page.
    }
    return new Transfer(response.status >= 500 ? "network" : "refused");
}

async function fetchSameOrigin(url, init) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), PIECE_TIMEOUT_MS);
    try {
        return await fetch(url, {
            ...init,
            credentials: "same-origin",
            mode: "same-origin",
            redirect: "error",
            referrerPolicy: "no-referrer",
            cache: "no-store",
            signal: abort.signal,
        });
    } finally {
        clearTimeout(timer);
    }
}

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// Fetches an attachment's ciphertext and decrypts it with the case key from the
// investigator's envelope. The ciphertext stays in a Blob (which the browser may keep on
// disk) and is read back in slices; the plaintext is gathered as Blob parts. The result is
// always `application/octet-stream`: the page offers it as a download and never lets the
// browser show it, since a blob: URL runs with this page's origin.
async function download(kentongan, { url, envelope }) {
    let response;
    try {
        response = await fetchSameOrigin(url, { headers: { Accept: "application/octet-stream" } });
    } catch {
        throw new Transfer("network");
    }
    if (!response.ok) {
        throw await refusal(response);
    }
    const sealed = await response.blob();
    const reader = new FileReaderSync();
    const readAt = (offset, length) =>
        new Uint8Array(reader.readAsArrayBuffer(sealed.slice(offset, offset + length)));
    const opener = new kentongan.AttachmentOpener(investigatorIdentity, envelope, readAt, sealed.size);
    try {
        const header = JSON.parse(opener.header());
        const parts = [];
        for (;;) {
            const piece = opener.read(1 << 20);
            if (piece.length === 0) {
                break;
            }
            parts.push(new Blob([piece]));
        }
        return {
            file: new Blob(parts, { type: "application/octet-stream" }),
            name: header.safeName,
            removed: header.cleaned,
        };
    } finally {
        opener.free();
    }
}

// The glue is an ES module generated by wasm-bindgen (--target web); its default export
// fetches and instantiates the wasm.
async function load(glue, wasm) {
    const kentongan = await import(glue);
    await kentongan.default({ module_or_path: wasm });
    return kentongan;
}
