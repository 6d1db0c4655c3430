//! A spool for a body whose length is not known in advance.
//!
//! [`Sealer`](super::Sealer) must know the body's size before the first byte, because the
//! size is in the header, which comes first. The browser knows it (`File.size`); the server
//! on the no-JavaScript path does not: a multipart file part has no length of its own, and
//! buffering a whole video to count it is exactly what the server must not do.
//!
//! The spool solves that without plaintext at rest and with bounded memory: the server
//! streams the part through a [`SpoolWriter`] into temporary storage (the same chunked rows
//! as uploads), encrypted to a fresh key that exists only in its memory ([`SpoolKey`]);
//! when the part ends, it knows the size, and streams the spool back through
//! [`SpoolKey::open`] into a `Sealer` for the case key. If the process dies in between, the
//! key dies with it and the temporary rows are unreadable noise, to be deleted like any
//! stale upload. The cost is writing and reading the bytes twice.

use std::fmt;
use std::io::{BufReader, Cursor, Read, Write};

use age::stream::{StreamReader, StreamWriter};

use super::{AttachmentError, Drain, Source, read_age_header};
use crate::keys::Identity;

/// The key of one spool: never stored, never serialised, no `Clone`; dropped (and zeroized
/// by age) when the spool has been read back.
pub struct SpoolKey(Identity);

impl fmt::Debug for SpoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SpoolKey([REDACTED])")
    }
}

/// Encrypts a body of unknown length, piece by piece, to a fresh [`SpoolKey`]. Like
/// [`Sealer`](super::Sealer): no I/O, each call returns the ciphertext made so far.
pub struct SpoolWriter {
    writer: StreamWriter<Drain>,
    out: Drain,
    len: u64,
}

impl fmt::Debug for SpoolWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpoolWriter")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Starts a spool: the writer, and the only key that reads it back.
pub fn spool() -> Result<(SpoolWriter, SpoolKey), AttachmentError> {
    let key = Identity::generate();
    let recipient = key.to_public();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient.as_age() as &dyn age::Recipient))
            .map_err(|_| AttachmentError::Encrypt)?;
    let out = Drain::default();
    let writer = encryptor
        .wrap_output(out.clone())
        .map_err(|_| AttachmentError::Encrypt)?;
    Ok((
        SpoolWriter {
            writer,
            out,
            len: 0,
        },
        SpoolKey(key),
    ))
}

impl SpoolWriter {
    /// Encrypts the next piece; returns the ciphertext made so far (often empty).
    pub fn push(&mut self, body: &[u8]) -> Result<Vec<u8>, AttachmentError> {
        self.writer
            .write_all(body)
            .map_err(|_| AttachmentError::Encrypt)?;
        self.len += body.len() as u64;
        Ok(self.out.take())
    }

    /// The body bytes pushed so far: check it against the size limit as they arrive.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was pushed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Closes the spool; returns the rest of the ciphertext and the body's total length
    /// (the `size` for the attachment header).
    pub fn finish(self) -> Result<(Vec<u8>, u64), AttachmentError> {
        self.writer.finish().map_err(|_| AttachmentError::Encrypt)?;
        Ok((self.out.take(), self.len))
    }
}

/// Reads a spool back: exactly the bytes pushed, or an error if the ciphertext was
/// changed, cut short or extended.
pub struct SpoolReader<R: Read> {
    stream: StreamReader<Source<R>>,
}

impl<R: Read> fmt::Debug for SpoolReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpoolReader").finish_non_exhaustive()
    }
}

impl SpoolKey {
    /// Starts reading the spool's ciphertext from `reader` (all the outputs of the
    /// [`SpoolWriter`], in order).
    pub fn open<R: Read>(&self, reader: R) -> Result<SpoolReader<R>, AttachmentError> {
        let mut reader = BufReader::new(reader);
        let age_header = read_age_header(&mut reader)?;
        let stream = age::Decryptor::new_buffered(Cursor::new(age_header).chain(reader))
            .and_then(|d| d.decrypt(std::iter::once(self.0.as_age() as &dyn age::Identity)))
            .map_err(|_| AttachmentError::Decrypt)?;
        Ok(SpoolReader { stream })
    }
}

impl<R: Read> Read for SpoolReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.stream
            .read(buf)
            .map_err(|_| AttachmentError::Decrypt.into())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AttachmentHeader, Opener, Sealer};
    use super::*;

    #[test]
    fn a_spooled_body_is_sealed_with_its_size_once_known() {
        let body: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (mut writer, key) = spool().unwrap();
        let mut stored = Vec::new();
        for piece in body.chunks(4096) {
            stored.extend(writer.push(piece).unwrap());
        }
        assert_eq!(writer.len(), body.len() as u64);
        let (rest, size) = writer.finish().unwrap();
        stored.extend(rest);
        assert!(
            !stored
                .windows(64)
                .any(|w| body.windows(64).next() == Some(w))
        );

        // Second pass: the spool into a Sealer for the case key.
        let case = Identity::generate();
        let header = AttachmentHeader {
            name: "rekaman.mp4".into(),
            media_type: "video/mp4".into(),
            size,
            cleaned: vec![],
        };
        let mut sealer = Sealer::new(&case.to_public(), &header).unwrap();
        let mut reader = key.open(&stored[..]).unwrap();
        let mut file = Vec::new();
        let mut buf = vec![0u8; 65_536];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            file.extend(sealer.push(&buf[..n]).unwrap());
        }
        file.extend(sealer.finish().unwrap());
        let mut opened = Vec::new();
        Opener::new(&case, &file[..])
            .unwrap()
            .read_to_end(&mut opened)
            .unwrap();
        assert!(opened == body);
    }

    #[test]
    fn a_spool_opens_only_with_its_key_and_intact() {
        let (mut writer, key) = spool().unwrap();
        let mut stored = writer.push(b"isi").unwrap();
        stored.extend(writer.finish().unwrap().0);
        let (_, other) = spool().unwrap();
        assert_eq!(
            other.open(&stored[..]).unwrap_err(),
            AttachmentError::Decrypt
        );
        let mut cut = key.open(&stored[..stored.len() - 1]).unwrap();
        assert!(cut.read_to_end(&mut Vec::new()).is_err());
        let mut empty = Vec::new();
        let (writer, key) = spool().unwrap();
        assert!(writer.is_empty());
        let (all, size) = writer.finish().unwrap();
        assert_eq!(size, 0);
        key.open(&all[..]).unwrap().read_to_end(&mut empty).unwrap();
        assert!(empty.is_empty());
        assert_eq!(format!("{key:?}"), "SpoolKey([REDACTED])");
    }
}
