//! Writing decrypted files all at once or not at all.
//!
//! Everything goes into a fresh private directory next to the target (same parent, so the
//! same file system), which is renamed to the target at the end. Until then the target does
//! not exist, and any error removes the temporary directory.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

/// Refuses a target that exists and is not an empty directory. Called before any work, so
/// the investigator learns early; [`write_all_or_nothing`] checks again at the end.
pub fn check_target(dir: &Path) -> Result<()> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => bail!("cannot use {}: {e}", dir.display()),
        Ok(meta) if !meta.is_dir() => {
            bail!("{} already exists and is not a directory", dir.display())
        }
        Ok(_) => {
            let mut entries = fs::read_dir(dir)
                .with_context(|| format!("cannot read the directory {}", dir.display()))?;
            if entries.next().is_some() {
                bail!(
                    "{} already exists and is not empty; choose a new directory",
                    dir.display()
                );
            }
        }
    }
    let parent = parent_of(dir);
    if !parent.is_dir() {
        bail!(
            "cannot write to {}: the directory {} does not exist",
            dir.display(),
            parent.display()
        );
    }
    Ok(())
}

/// Writes `files` (name, contents) into `dir`, each readable by the owner only, so that
/// either all of them appear at once or nothing does.
pub fn write_all_or_nothing(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    check_target(dir)?;
    let parent = parent_of(dir);
    // Removed on drop, i.e. on any error before `keep`.
    let mut builder = tempfile::Builder::new();
    builder.prefix(".kentongan-open-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let staging = builder
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a directory in {}", parent.display()))?;
    for (name, contents) in files {
        write_private(&staging.path().join(name), contents)?;
    }
    sync_dir(staging.path());
    let staged = staging.keep();
    // rename(2) replaces an empty directory and refuses a non-empty one, so a directory that
    // appeared or filled up in the meantime is not touched.
    if let Err(e) = fs::rename(&staged, dir) {
        let _ = fs::remove_dir_all(&staged);
        bail!("cannot create {}: {e}", dir.display());
    }
    sync_dir(&parent);
    Ok(())
}

fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))
}

/// Makes a rename durable. Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

fn parent_of(dir: &Path) -> PathBuf {
    match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_every_file_privately() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("case-7");
        write_all_or_nothing(&out, &[("a.txt", b"one"), ("b.json", b"{}")]).unwrap();
        assert_eq!(names(&out), ["a.txt", "b.json"]);
        assert_eq!(names(root.path()), ["case-7"]);
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&out.join("a.txt")), 0o600);
            assert_eq!(mode(&out), 0o700);
        }
    }

    #[test]
    fn an_empty_directory_is_filled_and_a_full_one_refused() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("empty");
        fs::create_dir(&out).unwrap();
        write_all_or_nothing(&out, &[("a.txt", b"one")]).unwrap();
        assert_eq!(names(&out), ["a.txt"]);

        let err = write_all_or_nothing(&out, &[("b.txt", b"two")]).unwrap_err();
        assert!(err.to_string().contains("not empty"));
        assert_eq!(names(&out), ["a.txt"]);

        let file = root.path().join("file");
        fs::write(&file, b"x").unwrap();
        assert!(
            check_target(&file)
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
        assert!(check_target(&root.path().join("missing/case")).is_err());
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("case");
        // The same name twice: the second create_new fails half-way through.
        let err = write_all_or_nothing(&out, &[("a.txt", b"one"), ("a.txt", b"two")]);
        assert!(err.is_err());
        assert!(names(root.path()).is_empty());
    }
}
