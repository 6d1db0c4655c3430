//! An intruder who can write the database (here: the SQLite file, opened directly) swaps a
//! reporter's case key for one of their own, or removes the commitment that would show it.
//! Both follow-up paths must refuse before anything is shown or sealed; a case filed before
//! commitments keeps logging in.

use axum::http::StatusCode;
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::commitment::{self, Changed};
use kentongan_crypto::envelope::{self, Holder};
use kentongan_crypto::reporter::{AuthHash, CredentialVersion, KdfParams, ReporterKey};
use kentongan_crypto::submission::{Submission, seal_report};
use kentongan_crypto::{CaseKeys, Ciphertext, Commitment, Message, Reply};
use sqlx::{Connection, SqliteConnection};

use super::followup::{file_report, session_from, token_of};
use super::{App, app, text};

const CHANGED: &str = "Laporan ini diubah di server oleh orang yang tidak berhak.";

impl App {
    /// The database as an intruder sees it: the file, without the server.
    async fn intruder(&self) -> SqliteConnection {
        let path = self._dir.path().join("t.sqlite3");
        SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap()
    }

    /// The envelope swap: a case key of the intruder's own, sealed to the reporter's stored
    /// public key, in place of the reporter's envelope and the case's `case_recipient`.
    async fn swap_case_key(&self, filed: &Submission) -> CaseKeys {
        let theirs = CaseKeys::generate();
        let reporter = &filed.sealed.credential.recipient;
        let sealed = envelope::seal(&theirs, &[], reporter).unwrap();
        let envelope = sealed
            .into_iter()
            .find(|e| e.holder == Holder::Reporter)
            .unwrap();
        let mut db = self.intruder().await;
        sqlx::query("UPDATE key_envelopes SET ciphertext = ? WHERE investigator_id IS NULL")
            .bind(envelope.ciphertext.as_bytes())
            .execute(&mut db)
            .await
            .unwrap();
        sqlx::query("UPDATE cases SET case_recipient = ?")
            .bind(theirs.case.to_public().to_string())
            .execute(&mut db)
            .await
            .unwrap();
        theirs
    }

    async fn intrude(&self, sql: &str) {
        sqlx::query(sql)
            .execute(&mut self.intruder().await)
            .await
            .unwrap();
    }

    /// A no-JS login with a message written in the form.
    async fn no_js_login(&self, filed: &Submission, message: &str) -> axum::response::Response {
        let receipt = filed.sealed.receipt.to_string();
        self.post_form(
            "/followup",
            &[
                ("receipt", &receipt),
                ("passphrase", filed.passphrase.expose_secret()),
                ("message", message),
                ("lang", "id"),
            ],
            None,
        )
        .await
    }
}

/// The no-JS path refuses, says so plainly, opens no session and seals nothing.
async fn no_js_refuses(app: &App, filed: &Submission) {
    let resp = app.no_js_login(filed, "Nama saya Budi, NIP 1985…").await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let sets_session = resp
        .headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .any(|c| {
            c.to_str().unwrap().starts_with("kentongan_session=")
                && !c.to_str().unwrap().contains("Max-Age=0")
        });
    assert!(!sets_session, "no session for a changed case");
    let page = text(resp).await;
    assert!(page.contains(CHANGED), "{page}");
    assert_eq!(
        app.item_kinds(1).await,
        [ItemKind::Report],
        "nothing was sealed"
    );
}

/// What the browser's worker runs on the JSON answer (`openCase` in wasm.rs): the same
/// `commitment::check`, with the key derived from what the reporter typed.
async fn browser_check(app: &App, filed: &Submission) -> Result<commitment::Checked, Changed> {
    let token = token_of(filed, filed.passphrase.expose_secret());
    let (status, body) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": filed.sealed.receipt.to_string(), "token": token }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let key =
        ReporterKey::derive(&filed.sealed.receipt, &filed.passphrase, KdfParams::CURRENT).unwrap();
    let envelope: Ciphertext = serde_json::from_value(body["envelope"].clone()).unwrap();
    let keys = envelope::open(&envelope, key.identity()).unwrap();
    let commitment: Option<Commitment> =
        serde_json::from_value(body["commitment"].clone()).unwrap();
    let version = if body["committed"] == true {
        CredentialVersion::Committed
    } else {
        CredentialVersion::Legacy
    };
    commitment::check(
        version,
        commitment.as_ref(),
        key.commitment_key(),
        &keys.case.to_public(),
    )
}

#[tokio::test]
async fn a_swapped_case_key_is_refused_on_both_paths() {
    let app = app(1).await;
    let filed = file_report(&app).await;
    assert!(matches!(
        browser_check(&app, &filed).await,
        Ok(commitment::Checked::Verified { team: Some(_) })
    ));

    let theirs = app.swap_case_key(&filed).await;
    // Today's envelope opens with the reporter's key and names the intruder's case key:
    // only the commitment tells them apart.
    assert_eq!(browser_check(&app, &filed).await, Err(Changed));
    no_js_refuses(&app, &filed).await;
    drop(theirs);
}

#[tokio::test]
async fn a_removed_or_rewritten_commitment_is_refused() {
    let app = app(1).await;
    let filed = file_report(&app).await;
    let theirs = app.swap_case_key(&filed).await;

    // Removing the commitment does not make the case look old: the token says it is not.
    app.intrude("UPDATE reporter_credentials SET commitment = NULL")
        .await;
    assert_eq!(browser_check(&app, &filed).await, Err(Changed));
    no_js_refuses(&app, &filed).await;

    // Nor does a commitment made with a key of the intruder's choosing.
    let forged = Commitment::new(
        &[9; 32],
        &theirs.case.to_public(),
        &app.team,
        theirs.team_signer().unwrap().public(),
    );
    app.intrude(&format!(
        "UPDATE reporter_credentials SET commitment = '{}'",
        serde_json::to_string(&forged).unwrap()
    ))
    .await;
    assert_eq!(browser_check(&app, &filed).await, Err(Changed));
    no_js_refuses(&app, &filed).await;
}

/// A case filed before commitments (a legacy auth hash, no commitment) keeps logging in on
/// both paths.
#[tokio::test]
async fn a_case_filed_before_commitments_still_logs_in() {
    let app = app(1).await;
    let filed = file_report(&app).await;
    let key =
        ReporterKey::derive(&filed.sealed.receipt, &filed.passphrase, KdfParams::CURRENT).unwrap();
    let legacy = AuthHash::of_token(key.auth_token(), CredentialVersion::Legacy);
    app.intrude(&format!(
        "UPDATE reporter_credentials SET commitment = NULL, auth_hash = x'{}'",
        String::from(legacy)
    ))
    .await;
    assert_eq!(
        browser_check(&app, &filed).await,
        Ok(commitment::Checked::Legacy)
    );
    let resp = app.no_js_login(&filed, "").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

/// A message an intruder adds as the team's (sealed to the case key, whose public half the
/// database holds) shows on the no-JS path apart from the team's, under a warning and from
/// "Pengirim tidak pasti"; the team's own signed reply shows as the team's.
#[tokio::test]
async fn a_forged_team_message_is_never_shown_as_the_teams() {
    let app = app(0).await;
    let ani = super::team::member(&app, "Ani").await;
    let team = [ani.identity.to_public()];
    let filed = seal_report(&super::report(), &team, KdfParams::CURRENT).unwrap();
    let (status, _) = app
        .api_post(serde_json::to_string(&filed.sealed).unwrap(), true)
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Ani replies from her own envelope: signed with the team key her notes key derives.
    let case = app.store.case(1).await.unwrap();
    let keys = case
        .envelopes
        .iter()
        .find_map(|(_, sealed)| envelope::open(sealed, &ani.identity).ok())
        .unwrap();
    let reply = Reply::seal(
        1,
        &keys,
        &Message::new("Terima kasih, kami periksa.").unwrap(),
    )
    .unwrap();
    let today = time::macros::date!(2026 - 12 - 03);
    crate::casework::import_reply(&*app.store, 1, &reply, today, "investigator:1")
        .await
        .unwrap();
    // The intruder's "reply": the case's public key is all it takes to seal one.
    let forged = Message::new("Mohon kirim nama dan NIP Anda untuk verifikasi.")
        .unwrap()
        .seal(&case.case_recipient)
        .unwrap();
    let mut db = app.intruder().await;
    sqlx::query(
        "INSERT INTO case_items (case_id, kind, created_on, ciphertext) \
         VALUES (1, 'investigator-message', '2026-12-03', ?)",
    )
    .bind(forged.as_bytes())
    .execute(&mut db)
    .await
    .unwrap();
    assert_eq!(
        app.item_kinds(1).await,
        [
            ItemKind::Report,
            ItemKind::InvestigatorMessage,
            ItemKind::InvestigatorMessage
        ]
    );

    let resp = app.no_js_login(&filed, "").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, page) = app.get_with_session(&session_from(&resp)).await;
    assert_eq!(status, StatusCode::OK);
    let said = |text: &str| {
        let at = page
            .find(text)
            .unwrap_or_else(|| panic!("{text} not shown: {page}"));
        let open = page[..at].rfind("<li class=\"").unwrap();
        page[open..at].to_owned()
    };
    let genuine = said("Terima kasih, kami periksa.");
    assert!(genuine.contains("said team"), "{genuine}");
    assert!(genuine.contains("Tim pemeriksa"), "{genuine}");
    assert!(!genuine.contains("tidak ditandatangani"), "{genuine}");
    let fake = said("Mohon kirim nama dan NIP Anda");
    assert!(fake.contains("said unverified"), "{fake}");
    assert!(fake.contains("Pengirim tidak pasti"), "{fake}");
    assert!(!fake.contains("Tim pemeriksa"), "{fake}");
    assert!(
        fake.contains("tidak ditandatangani tim pemeriksa"),
        "{fake}"
    );
    assert_eq!(
        page.matches("tidak ditandatangani tim pemeriksa").count(),
        1
    );
}
