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
/// the investigator learns early; [`Staging::new`] checks again, and `rename` at the end
/// refuses a directory that filled up meanwhile.
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

/// A private directory beside the target, filled and then renamed to it: until
/// [`Staging::commit`], the target does not exist, and dropping the staging removes
/// everything written into it.
pub struct Staging {
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl Staging {
    /// Checks the target ([`check_target`]) and creates the staging directory beside it.
    pub fn new(target: &Path) -> Result<Self> {
        check_target(target)?;
        let parent = parent_of(target);
        let mut builder = tempfile::Builder::new();
        builder.prefix(".kentongan-open-");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a directory in {}", parent.display()))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
        })
    }

    /// Where to write; files go in with [`Staging::write`] or [`create_private`].
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes one file, readable by the owner only.
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<()> {
        write_private(&self.dir.path().join(name), contents)
    }

    /// Renames the staging directory to the target.
    pub fn commit(self) -> Result<()> {
        sync_dir(self.dir.path());
        let staged = self.dir.keep();
        // rename(2) replaces an empty directory and refuses a non-empty one, so a directory
        // that appeared or filled up in the meantime is not touched.
        if let Err(e) = fs::rename(&staged, &self.target) {
            let _ = fs::remove_dir_all(&staged);
            bail!("cannot create {}: {e}", self.target.display());
        }
        sync_dir(&parent_of(&self.target));
        Ok(())
    }
}

/// Creates a new file (never an existing one) readable by the owner only.
pub fn create_private(path: &Path) -> Result<fs::File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| anyhow!("cannot create {}: {e}", path.display()))
}

/// Creates a new directory that only the owner can enter.
pub fn create_private_dir(path: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(path)
        .map_err(|e| anyhow!("cannot create {}: {e}", path.display()))
}

fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let mut file = create_private(path)?;
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

    /// Writes `files` (name, contents) into `dir`, each readable by the owner only, so that
    /// either all of them appear at once or nothing does.
    pub fn write_all_or_nothing(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
        let staging = Staging::new(dir)?;
        for (name, contents) in files {
            staging.write(name, contents)?;
        }
        staging.commit()
    }

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
