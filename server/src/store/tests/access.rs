//! Second factors, the team's setting and roles (migration 0008) on both backends.

use tokio::task::JoinSet;

use super::{Backend, TODAY, recipient};
use crate::audit::{self, Action, AuditEvent};
use crate::store::StoreError;
use crate::totp::TotpSecret;

on_both_backends!(
    a_second_factor_is_stored_and_its_steps_used_once,
    concurrent_codes_are_accepted_once,
    the_team_setting_starts_off,
    the_last_active_admin_stays,
);

fn by(action: Action) -> AuditEvent {
    AuditEvent::new(audit::operator("test"), action)
}

async fn a_second_factor_is_stored_and_its_steps_used_once(backend: &Backend) {
    let store = backend.open().await;
    let ani = store
        .add_investigator(
            "Ani",
            &recipient(),
            false,
            TODAY,
            &by(Action::InvestigatorAdd),
        )
        .await
        .unwrap();
    assert!(store.totp(ani.id).await.unwrap().is_none());
    assert!(matches!(
        store.totp(ani.id + 99).await,
        Err(StoreError::NotFound)
    ));
    let secret = TotpSecret::generate();
    assert!(
        !store.use_totp_step(ani.id, &secret, 5).await.unwrap(),
        "no second factor, no step"
    );

    store
        .enable_totp(ani.id, &secret, 100, &by(Action::TotpEnable))
        .await
        .unwrap();
    let stored = store.totp(ani.id).await.unwrap().unwrap();
    assert_eq!(stored.secret.expose_secret(), secret.expose_secret());
    assert_eq!(stored.last_step, Some(100));
    assert!(store.investigators().await.unwrap()[0].totp);
    let again = store
        .enable_totp(
            ani.id,
            &TotpSecret::generate(),
            101,
            &by(Action::TotpEnable),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
    let nobody = store
        .enable_totp(ani.id + 99, &secret, 101, &by(Action::TotpEnable))
        .await;
    assert!(matches!(nobody, Err(StoreError::NotFound)), "{nobody:?}");

    // Steps only go forward, and only for the secret stored.
    assert!(!store.use_totp_step(ani.id, &secret, 100).await.unwrap());
    assert!(!store.use_totp_step(ani.id, &secret, 99).await.unwrap());
    assert!(
        !store
            .use_totp_step(ani.id, &TotpSecret::generate(), 101)
            .await
            .unwrap()
    );
    assert!(store.use_totp_step(ani.id, &secret, 101).await.unwrap());
    assert!(!store.use_totp_step(ani.id, &secret, 101).await.unwrap());
    assert_eq!(
        store.totp(ani.id).await.unwrap().unwrap().last_step,
        Some(101)
    );

    store
        .disable_totp(ani.id, &by(Action::TotpReset))
        .await
        .unwrap();
    assert!(store.totp(ani.id).await.unwrap().is_none());
    assert!(!store.investigators().await.unwrap()[0].totp);
    assert!(!store.use_totp_step(ani.id, &secret, 102).await.unwrap());
    // Turning it off twice is fine; an unknown investigator is not.
    store
        .disable_totp(ani.id, &by(Action::TotpReset))
        .await
        .unwrap();
    let unknown = store
        .disable_totp(ani.id + 99, &by(Action::TotpReset))
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");

    let actions: Vec<String> = store
        .audit_log()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "investigator-add",
            "totp-enable",
            "totp-reset",
            "totp-reset"
        ],
        "none for the refusals"
    );
    // The secret is in its column and nowhere else.
    let base32 = secret.base32();
    for entry in store.audit_log().await.unwrap() {
        assert!(!entry.detail.contains(base32.as_str()));
    }
}

async fn concurrent_codes_are_accepted_once(backend: &Backend) {
    let store = backend.open().await;
    let ani = store
        .add_investigator(
            "Ani",
            &recipient(),
            false,
            TODAY,
            &by(Action::InvestigatorAdd),
        )
        .await
        .unwrap();
    let secret = TotpSecret::generate();
    store
        .enable_totp(ani.id, &secret, 1, &by(Action::TotpEnable))
        .await
        .unwrap();
    let mut tries = JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        let secret = TotpSecret::from_bytes(secret.expose_secret()).unwrap();
        tries.spawn(async move { store.use_totp_step(ani.id, &secret, 2).await.unwrap() });
    }
    let accepted = tries.join_all().await.into_iter().filter(|a| *a).count();
    assert_eq!(accepted, 1, "one code, one login");
}

async fn the_team_setting_starts_off(backend: &Backend) {
    let store = backend.open().await;
    assert!(!store.totp_required().await.unwrap());
    store
        .set_totp_required(true, &by(Action::TotpRequired))
        .await
        .unwrap();
    assert!(store.totp_required().await.unwrap());
    store
        .set_totp_required(false, &by(Action::TotpRequired))
        .await
        .unwrap();
    assert!(!store.totp_required().await.unwrap());
    assert_eq!(store.audit_log().await.unwrap().len(), 2);
}

async fn the_last_active_admin_stays(backend: &Backend) {
    let store = backend.open().await;
    let add = |name: &'static str, admin: bool| {
        let store = store.clone();
        async move {
            store
                .add_investigator(
                    name,
                    &recipient(),
                    admin,
                    TODAY,
                    &by(Action::InvestigatorAdd),
                )
                .await
                .unwrap()
        }
    };
    let ani = add("Ani", true).await;
    let budi = add("Budi", false).await;
    let citra = add("Citra", true).await;

    let role = |id: i64, admin: bool| {
        let store = store.clone();
        async move {
            store
                .set_admin(id, admin, &by(Action::InvestigatorRole))
                .await
        }
    };
    role(budi.id, true).await.unwrap();
    role(ani.id, false).await.unwrap();
    // A disabled admin does not count.
    store
        .disable_investigator(citra.id, &by(Action::InvestigatorDisable))
        .await
        .unwrap();
    let last = role(budi.id, false).await;
    assert!(matches!(last, Err(StoreError::LastAdmin)), "{last:?}");
    assert!(matches!(role(999, true).await, Err(StoreError::NotFound)));
    let admins: Vec<_> = store
        .investigators()
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.admin)
        .map(|i| i.name)
        .collect();
    assert_eq!(admins, ["Budi", "Citra"], "the refusal changed nothing");

    // Two admins taking each other's role at once: one of them stays.
    role(ani.id, true).await.unwrap();
    let (a, b) = tokio::join!(role(ani.id, false), role(budi.id, false));
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    let active_admins = store
        .investigators()
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.admin && i.active)
        .count();
    assert_eq!(active_admins, 1);
    let roles = store
        .audit_log()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "investigator-role")
        .count();
    assert_eq!(roles, 4, "none for the refusals");
}
