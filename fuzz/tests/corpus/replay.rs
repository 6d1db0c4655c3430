use std::path::PathBuf;

fn corpus(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

/// Runs every file of the target's corpus through `harness`; a panic fails the test and the
/// file is named on stderr first.
fn replay(target: &str, harness: fn(&[u8])) {
    let mut files: Vec<_> = std::fs::read_dir(corpus(target))
        .unwrap_or_else(|e| panic!("{}: {e}", corpus(target).display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the {target} corpus is empty");
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| harness(&bytes)) {
            eprintln!("{target}: {} panics", file.display());
            std::panic::resume_unwind(panic);
        }
    }
    // The hostile edge cases, whatever the corpus holds.
    harness(b"");
    harness(&[0xFF; 64]);
}

#[test]
fn every_target_has_a_test_here() {
    let names: Vec<_> = kentongan_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "attachment",
            "ciphertext",
            "http",
            "images",
            "key_file",
            "offline_files",
            "plaintext",
            "sealed_case",
        ]
    );
}

#[test]
fn attachment() {
    replay("attachment", kentongan_fuzz::attachment);
}

#[test]
fn ciphertext() {
    replay("ciphertext", kentongan_fuzz::ciphertext);
}

#[test]
fn http() {
    // Otherwise every input would pass without reaching the server.
    assert!(kentongan_fuzz::http_server_starts());
    replay("http", kentongan_fuzz::http);
}

#[test]
fn images() {
    replay("images", kentongan_fuzz::images);
}

#[test]
fn key_file() {
    replay("key_file", kentongan_fuzz::key_file);
}

#[test]
fn offline_files() {
    replay("offline_files", kentongan_fuzz::offline_files);
}

#[test]
fn plaintext() {
    replay("plaintext", kentongan_fuzz::plaintext);
}

#[test]
fn sealed_case() {
    replay("sealed_case", kentongan_fuzz::sealed_case);
}
