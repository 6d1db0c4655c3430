// The crypto worker: runs the WebAssembly build of kentongan-crypto off the page's thread, so
// Argon2id (64 MiB) and encryption never freeze the form.
//
// Messages in, answers out (`id` is echoed when the request carries one):
//   {init: {glue, wasm}}                 -> {ready: true} | {error}
//   {id, seal: {report, team}}           -> {id, sealed: {receipt, passphrase, sealed}} | {id, error}
//   {id, derive: {receipt, passphrase}}  -> {id, token, ms} | {id, error}
//   {id, login: {receipt, passphrase}}   -> {id, receipt, token} | {id, error}
//   {id, open: {envelope, items}}        -> {id, caseRecipient, items} | {id, error}
//   {id, sealMessage: {recipient, text}} -> {id, ciphertext} | {id, error}
//   {id, unlock: {file, passphrase}}     -> {id, recipient} | {id, error}    (team module)
//   {id, answer: {challenge}}            -> {id, answer} | {id, error}       (team module)
//   {id, openTeam: {envelope, items}}    -> {id, caseRecipient, notesRecipient, items}
//   {id, sealReply: {case, recipient, text}} -> {id, reply} (a reply file's JSON text)
//   {id, sealNote: {case, recipient, text}}  -> {id, note}  (a note file's JSON text)
//   {id, sealGrant: {envelope, case, recipient}} -> {id, grant} (a grant file's JSON text)
// `report` is the report object, `team` the array of investigators' `age1…` keys. Errors
// carry the crypto's short code ("invalid", "receipt", "envelope", …), never content.
//
// `login` keeps the reporter's identity (their secret key) here, in the worker, for `open`;
// it never goes back to the page, and ends with the worker. `unlock` does the same with an
// investigator's key file (its bytes, a Uint8Array) and keeps their identity for `answer`.

let loading = null;
let reporterIdentity = null;
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
            reporterIdentity = null;
            const derived = JSON.parse(kentongan.deriveReporter(receipt, passphrase));
            reporterIdentity = derived.identity;
            self.postMessage({ id, receipt: derived.receipt, token: derived.token });
        } else if (message.open) {
            if (reporterIdentity === null) {
                throw new Error("not logged in");
            }
            const opened = JSON.parse(kentongan.openCase(reporterIdentity, JSON.stringify(message.open)));
            self.postMessage({ id, caseRecipient: opened.case_recipient, items: opened.items });
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
        } else if (message.sealReply) {
            const { case: caseId, recipient, text } = message.sealReply;
            self.postMessage({ id, reply: kentongan.sealReply(caseId, recipient, text) });
        } else if (message.sealNote) {
            const { case: caseId, recipient, text } = message.sealNote;
            self.postMessage({ id, note: kentongan.sealNote(caseId, recipient, text) });
        } else if (message.sealGrant) {
            if (investigatorIdentity === null) {
                throw new Error("not logged in");
            }
            const { envelope, case: caseId, recipient } = message.sealGrant;
            self.postMessage({ id, grant: kentongan.sealGrant(investigatorIdentity, envelope, caseId, recipient) });
        } else {
            throw new Error("unknown request");
        }
    } catch (error) {
        // JsError's message is the crypto's short code.
        self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
});

// The glue is an ES module generated by wasm-bindgen (--target web); its default export
// fetches and instantiates the wasm.
async function load(glue, wasm) {
    const kentongan = await import(glue);
    await kentongan.default({ module_or_path: wasm });
    return kentongan;
}
